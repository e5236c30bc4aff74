"""Text search helpers for list filters."""

from __future__ import annotations


def contains_pattern(text: str) -> str:
    """An ILIKE pattern matching ``text`` anywhere, its own ``%`` and ``_`` taken literally."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
