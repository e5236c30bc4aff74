"""A marker for "not given" in partial updates, distinct from an explicit null."""

from __future__ import annotations

from enum import Enum
from typing import Final, Literal, TypeAlias


class _Unset(Enum):
    UNSET = "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset.UNSET
Unset: TypeAlias = Literal[_Unset.UNSET]
