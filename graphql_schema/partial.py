"""Partial updates: an input field left out, given as null, or given a value.

strawberry marks a field left out as ``strawberry.UNSET``; services take the domain's
``UNSET`` (procurement/unset.py) for "leave as it is".  GraphQL cannot declare an input
field that may be left out but not be null, so every optional field of an update input
also accepts an explicit null: ``given`` passes it on (for fields that may be cleared),
``kept`` reads it as "leave as it is" (for fields that cannot be empty).
"""

from __future__ import annotations

from typing import Any

import strawberry

from procurement.unset import UNSET


def given(value: Any, convert: Any = None) -> Any:
    """strawberry's UNSET -> the domain's UNSET; null stays null."""
    if value is strawberry.UNSET:
        return UNSET
    if value is None or convert is None:
        return value
    return convert(value)


def kept(value: Any, convert: Any = None) -> Any:
    """For a field whose stored value cannot be null (a name, a currency, a list of
    roles): strawberry's UNSET *and* null -> the domain's UNSET, so an explicit null
    leaves the field as it is.  GraphQL cannot declare an input field that may be left
    out but not be null; passing the null on (``given``) made services crash on it."""
    if value is None:
        return UNSET
    return given(value, convert)
