"""Approval policy: amount bands in the buying organisation's base currency, each naming
how many approvals it needs (DESIGN §4).

An approver has the APPROVER role and an approval limit not below the order total (in
the base currency); the submitter never approves their own order, nor does anyone who
requested the current round (``round_requesters``: whoever submitted the order or changed
its amount back into approval, and the creator of the API key that did); one person
approves once per round; the order is APPROVED when its band's count is reached; one rejection
returns it to DRAFT.  ``approvals_needed`` is the only way the count is decided, and
``submit``, ``approve`` and ``change`` are the only ways into APPROVED.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.amounts import check_positive
from procurement.audit.service import record
from procurement.clock import db_now
from procurement.errors import Collector, DomainError, ErrorCode, forbidden
from procurement.money.fx import FxTable, load_table
from procurement.ordering.models import Approval, ApprovalPolicy, PurchaseOrder
from procurement.parties.models import ApiKey, Organization
from procurement.viewer import Role, Viewer, require_viewer


async def round_requesters(session: AsyncSession, v: Viewer) -> list[int]:
    """The people behind a request for approval: the acting person, or for an API key
    the person who created it (a key cannot approve, and its creator must not approve
    what their machine asked for)."""
    ids = [v.user_id] if v.user_id is not None else []
    if v.api_key_id is not None:
        creator = (
            await session.execute(
                select(col(ApiKey.created_by_id)).where(col(ApiKey.id) == v.api_key_id)
            )
        ).scalar_one_or_none()
        if creator is not None and creator not in ids:
            ids.append(creator)
    return ids


def requested_round(v: Viewer, po: PurchaseOrder) -> bool:
    """Whether ``v`` asked for the order's current approval round (or submitted it):
    such a person may neither approve nor reject it."""
    if v.user_id is None:
        return False
    return v.user_id == po.submitted_by_id or v.user_id in (po.round_requester_ids or ())


def approver_problem(
    v: Viewer, po: PurchaseOrder, approvals: Sequence[Approval], amount: Decimal, base: str
) -> tuple[ErrorCode, str] | None:
    """Why ``v`` may not approve ``po`` now, as (code, message) (None: they may).  Pure,
    so the API can answer ``availableActions`` for a whole page from batched data."""
    if Role.APPROVER not in v.roles:
        return ErrorCode.FORBIDDEN, "This needs the APPROVER role"
    if v.user_id is None:
        return ErrorCode.FORBIDDEN, "Approvals are made by people, not API keys"
    if requested_round(v, po):
        return ErrorCode.FORBIDDEN, (
            "You cannot approve an order you submitted or changed, or that an API key you "
            "created submitted or changed"
        )
    if any(
        a.approver_id == v.user_id and a.round == po.approval_round and a.decision == "APPROVED"
        for a in approvals
    ):
        return ErrorCode.DUPLICATE, "You have already approved this order"
    if v.approval_limit is None or v.approval_limit < amount:
        return ErrorCode.FORBIDDEN, (
            f"Your approval limit ({v.approval_limit or 0:.2f} {base}) is below the order "
            f"total ({amount:.2f} {base})"
        )
    return None


@dataclass(frozen=True)
class Band:
    up_to: Decimal | None
    approvals_required: int


async def set_policy(
    session: AsyncSession, viewer: Viewer | None, bands: Sequence[Band]
) -> ApprovalPolicy:
    """Replace the organisation's bands (ORG_ADMIN).  Ascending, at most one open-ended
    band and it comes last; an amount above every band cannot be approved."""
    v = require_viewer(viewer)
    if Role.ORG_ADMIN not in v.roles:
        raise forbidden("Only organisation administrators set the approval policy")
    c = Collector()
    last: Decimal | None = None
    for i, b in enumerate(bands):
        f = f"bands[{i}]"
        if b.approvals_required < 0 or b.approvals_required > 10:
            c.add(ErrorCode.INVALID, "0 to 10 approvals", f"{f}.approvalsRequired")
        if b.up_to is None:
            if i != len(bands) - 1:
                c.add(ErrorCode.INVALID, "Only the last band may be open-ended", f"{f}.upTo")
            continue
        check_positive(c, b.up_to, f"{f}.upTo")
        if last is not None and b.up_to <= last:
            c.add(ErrorCode.INVALID, "Bands must ascend", f"{f}.upTo")
        last = b.up_to
    c.raise_if_any()
    policy = (
        await session.execute(
            select(ApprovalPolicy)
            .where(col(ApprovalPolicy.organization_id) == v.organization_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    stored = [
        {
            "up_to": str(b.up_to) if b.up_to is not None else None,
            "approvals_required": b.approvals_required,
        }
        for b in bands
    ]
    before = None
    if policy is None:
        policy = ApprovalPolicy(organization_id=v.organization_id, bands=stored)
        session.add(policy)
    else:
        before = {"bands": policy.bands}
        policy.bands = stored
        policy.version += 1
    await session.flush()
    await record(
        session,
        v,
        action="approval_policy.set",
        entity=policy,
        entity_id=v.organization_id,
        organization_id=v.organization_id,
        before=before,
        after={"bands": stored},
    )
    return policy


def bands_of(policy: ApprovalPolicy) -> list[Band]:
    """The policy's bands, as stored (ascending)."""
    return [
        Band(Decimal(b["up_to"]) if b["up_to"] is not None else None, int(b["approvals_required"]))
        for b in policy.bands
    ]


async def get_policy(session: AsyncSession, organization_id: int) -> list[Band]:
    policy = (
        await session.execute(
            select(ApprovalPolicy).where(col(ApprovalPolicy.organization_id) == organization_id)
        )
    ).scalar_one_or_none()
    if policy is None:
        return []
    return bands_of(policy)


async def policy_for(session: AsyncSession, viewer: Viewer | None) -> list[Band]:
    """The bands of the viewer's organisation."""
    v = require_viewer(viewer)
    return await get_policy(session, v.organization_id)


async def amount_in_base(
    po: PurchaseOrder, base: str, table: Callable[[], Awaitable[FxTable]]
) -> Decimal:
    """The order total in the buying organisation's base currency.  ``table`` gives the
    FX table; it is asked for only when the order is in another currency."""
    if po.currency == base:
        return po.total
    return po.total * (await table()).conversion(po.currency, base).rate


def fx_table_loader(session: AsyncSession) -> Callable[[], Awaitable[FxTable]]:
    """Today's FX table (by the database clock), loaded at most once."""
    loaded: list[FxTable] = []

    async def table() -> FxTable:
        if not loaded:
            loaded.append(await load_table(session, (await db_now(session)).date()))
        return loaded[0]

    return table


async def base_currency(session: AsyncSession, organization_id: int | None) -> str:
    base: str = (
        await session.execute(
            select(col(Organization.base_currency)).where(col(Organization.id) == organization_id)
        )
    ).scalar_one()
    return base


async def total_in_base(session: AsyncSession, po: PurchaseOrder) -> tuple[Decimal, str]:
    base = await base_currency(session, po.buyer_org_id)
    return await amount_in_base(po, base, fx_table_loader(session)), base


async def approvals_needed(session: AsyncSession, po: PurchaseOrder) -> int:
    """The band's count for the order's total; no policy means none needed."""
    bands = await get_policy(session, po.buyer_org_id or 0)
    if not bands:
        return 0
    amount, base = await total_in_base(session, po)
    for b in bands:
        if b.up_to is None or amount <= b.up_to:
            return b.approvals_required
    raise DomainError.of(
        ErrorCode.INVALID,
        f"The total ({amount:.2f} {base}) is above every approval band; it cannot be approved",
        "id",
    )
