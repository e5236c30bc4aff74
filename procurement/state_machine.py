"""The one shape of every state machine: a table of actions, named guards, one ``apply``.

Each aggregate with a status declares a :class:`StateMachine` in its own ``states.py``:
its actions (who takes each: a side and roles; from which states to which), and the named
guards that refine "who" beyond side and role (e.g. "not the requester of this approval
round").  The same table and the same guards answer both questions a client asks:

- *may I?*  -- :meth:`StateMachine.check` (the service, before it writes), and
- *what may I do?* -- :meth:`StateMachine.available` (the API's ``availableActions``),

so the buttons a client shows are exactly the calls that will succeed.

:meth:`StateMachine.apply` is the only place a status is written: it checks the action,
moves the status to a target the table lists, bumps the version and records the audit
entry and the outbox event in the caller's transaction.  Where a service must pick the
target after more work (an order's approval round decides between PENDING_APPROVAL and
APPROVED), it moves with :meth:`StateMachine.move`, which enforces the same table, and
records its audit entry itself once the rest of the change is made.

The module sits low in the import graph: it knows errors, the viewer and the audit log,
and nothing of any domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from procurement.audit.service import record, snapshot
from procurement.errors import DomainError, ErrorCode, forbidden
from procurement.viewer import Role, Viewer, role_refusal

S = TypeVar("S", bound=Enum)


class Side(StrEnum):
    """Which organisation takes an action: the buying side, the supplier, or platform
    staff (supplier verification)."""

    BUYER = "BUYER"
    SUPPLIER = "SUPPLIER"
    PLATFORM = "PLATFORM"


#: a named guard: given the viewer and the subject (whatever the aggregate's service
#: passes: the row, or the row with batched context), the error refusing the viewer the
#: action now, or None if it may.  Returned, not raised, so ``available`` can ask it.
Guard = Callable[[Viewer, Any], DomainError | None]


@dataclass(frozen=True)
class Action(Generic[S]):
    """One row of a table: ``name`` taken by ``side`` with one of ``roles``, leading from
    each state in ``targets`` to one of the states listed for it (the service picks among
    them, and nothing else).  ``guards`` name extra checks (see :class:`StateMachine`)."""

    name: str
    side: Side | None
    roles: frozenset[Role]
    targets: Mapping[S, tuple[S, ...]]
    guards: tuple[str, ...] = ()


def action(
    name: str,
    side: Side | None,
    roles: Iterable[Role],
    targets: Mapping[S, tuple[S, ...]],
    guards: Iterable[str] = (),
) -> Action[S]:
    return Action(name, side, frozenset(roles), dict(targets), tuple(guards))


def _verb(name: str) -> str:
    return name.lower().replace("_", " ")


class StateMachine(Generic[S]):
    """A table of actions over the states ``S`` of one aggregate (``what`` names it in
    messages: "order", "RFQ", after ``article``).  ``status_field`` is the column that
    holds the state; ``verb`` spells an action in an INVALID_TRANSITION message."""

    def __init__(
        self,
        what: str,
        actions: Iterable[Action[S]],
        guards: Mapping[str, Guard] | None = None,
        *,
        status_field: str = "status",
        verb: Callable[[str], str] = _verb,
        article: str = "a",
    ) -> None:
        self.what = what
        self.article = article
        self.actions: dict[str, Action[S]] = {a.name: a for a in actions}
        self.guards: Mapping[str, Guard] = guards or {}
        self.status_field = status_field
        self.verb = verb
        #: (state, action) -> possible new states: the table the tests walk
        self.transitions: dict[tuple[S, str], tuple[S, ...]] = {
            (state, a.name): targets
            for a in self.actions.values()
            for state, targets in a.targets.items()
        }
        unknown = {g for a in self.actions.values() for g in a.guards} - set(self.guards)
        if unknown:  # a table naming a guard nobody wrote: a programming error
            raise ValueError(f"{what}: unknown guards {sorted(unknown)}")
        self._enum = type(next(iter(self.transitions))[0])

    # -- reading the table ---------------------------------------------------------------

    def allows(self, state: S, name: str) -> bool:
        return (state, name) in self.transitions

    def actions_from(self, state: S) -> list[str]:
        """Every action the table allows from ``state``, whoever takes it."""
        return sorted(name for (s, name) in self.transitions if s == state)

    # -- checking ------------------------------------------------------------------------

    def check_actor(self, viewer: Viewer, side: Side | None, name: str) -> None:
        """FORBIDDEN unless the viewer is on the action's side with one of its roles."""
        spec = self.actions[name]
        if spec.side is not None and side is not spec.side:
            raise forbidden(f"{name.lower()} is for the {spec.side.value.lower()}")
        if spec.roles and not viewer.has(*spec.roles):
            raise role_refusal(viewer, *sorted(spec.roles))

    def check(
        self, state: S, name: str, field: str | None = None, message: str | None = None
    ) -> None:
        """INVALID_TRANSITION unless the table allows ``name`` from ``state``."""
        if not self.allows(state, name):
            what = f"{self.article} {self.what}"
            raise DomainError.of(
                ErrorCode.INVALID_TRANSITION,
                message or f"Cannot {self.verb(name)} {what} that is {state.value}",
                field,
            )

    def target(self, state: S, name: str, field: str | None = None) -> S:
        """Check ``name`` from ``state`` and return its one target (for tables whose
        actions each lead to one state)."""
        self.check(state, name, field)
        options = self.transitions[(state, name)]
        if len(options) != 1:
            raise RuntimeError(f"{self.what}: {name} from {state} needs a target")
        return options[0]

    def refusal(self, name: str, viewer: Viewer, subject: Any) -> DomainError | None:
        """The error of the first named guard of ``name`` that refuses, or None."""
        for guard in self.actions[name].guards:
            reason = self.guards[guard](viewer, subject)
            if reason is not None:
                return reason
        return None

    def available(
        self, viewer: Viewer | None, side: Side | None, state: S, subject: Any = None
    ) -> list[str]:
        """What ``viewer`` (on ``side`` of the subject) may do from ``state``, in table
        order: the table, the side, the roles and the named guards, as the checks judge."""
        if viewer is None:
            return []
        out = []
        for name, spec in self.actions.items():
            if not self.allows(state, name):
                continue
            if spec.side is not None and side is not spec.side:
                continue
            if spec.roles and not viewer.has(*spec.roles):
                continue
            if self.refusal(name, viewer, subject) is not None:
                continue
            out.append(name)
        return out

    def check_guards(self, name: str, viewer: Viewer, subject: Any) -> None:
        """Raise the first named guard's refusal: the service's side of ``available``."""
        refusal = self.refusal(name, viewer, subject)
        if refusal is not None:
            raise refusal

    # -- moving --------------------------------------------------------------------------

    def state_of(self, entity: Any) -> S:
        state: S = self._enum(getattr(entity, self.status_field))
        return state

    def move(self, entity: Any, name: str, target: S) -> S:
        """Set the status to ``target``, which must be one the table lists for ``name``
        from the current state (a service bug otherwise, not a client error).  The
        column keeps its representation: an enum member stays a member, a string a string.
        """
        state = self.state_of(entity)
        allowed = self.transitions.get((state, name), ())
        if target not in allowed:
            raise RuntimeError(f"{self.what}: {name} cannot lead from {state} to {target}")
        current = getattr(entity, self.status_field)
        setattr(entity, self.status_field, target if isinstance(current, Enum) else target.value)
        return target

    async def apply(
        self,
        session: AsyncSession,
        viewer: Viewer | None,
        entity: SQLModel,
        name: str,
        *,
        audit_action: str,
        organization_id: int | None,
        target: S | None = None,
        before: dict[str, Any] | None = None,
        event_payload: dict[str, Any] | None = None,
        field: str | None = None,
    ) -> S:
        """Check ``name`` from the entity's state, move to ``target`` (or the only state
        the table lists), bump ``version`` if the entity has one, and record the audit
        entry and outbox event in the same transaction."""
        state = self.state_of(entity)
        if target is None:
            target = self.target(state, name, field)
        else:
            self.check(state, name, field)
        if before is None:
            before = snapshot(entity)
        self.move(entity, name, target)
        await self.record_change(
            session,
            viewer,
            entity,
            audit_action=audit_action,
            organization_id=organization_id,
            before=before,
            event_payload=event_payload,
        )
        return target

    async def record_change(
        self,
        session: AsyncSession,
        viewer: Viewer | None,
        entity: SQLModel,
        *,
        audit_action: str,
        organization_id: int | None,
        before: dict[str, Any] | None,
        event_payload: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        """The second half of :meth:`apply`, for a service that moved the state with
        :meth:`move` and then changed more (an order's approval round): bump ``version``
        if the entity has one, then record the audit entry and outbox event.  A callable
        ``event_payload`` is built after the bump, so it can carry the new version."""
        if hasattr(entity, "version"):
            entity.version += 1
        await record(
            session,
            viewer,
            action=audit_action,
            entity=entity,
            organization_id=organization_id,
            before=before,
            event_payload=event_payload() if callable(event_payload) else event_payload,
        )
