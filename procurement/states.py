"""Applying a transition from an explicit table.

Each aggregate keeps its table in its own ``states.py``: ``{(state, action): new_state}``.
The table is the documentation and the single source of the rules; tests walk it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

from procurement.errors import DomainError, ErrorCode

S = TypeVar("S", bound=Enum)


def transition(table: Mapping[tuple[S, str], S], state: S, action: str, what: str) -> S:
    """The state after ``action``, or a typed INVALID_TRANSITION error."""
    try:
        return table[(state, action)]
    except KeyError:
        raise DomainError.of(
            ErrorCode.INVALID_TRANSITION,
            f"Cannot {action} a {what} that is {state.value}",
            None,
        ) from None


def allowed_actions(table: Mapping[tuple[S, str], S], state: S) -> list[str]:
    return sorted(action for (s, action) in table if s == state)
