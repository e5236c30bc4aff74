"""Walks over a document's selections that visit each fragment once.

A fragment may be spread many times and may spread others: a chain of 17 fragments,
each spreading the next twice, is about 900 bytes and expands to 2^16 copies of the
last one.  A rule that follows every spread by walking the fragment again does that
much work (strawberry's depth and alias limiters did: seconds per request).  What a
fragment contributes to a count, a depth or a cost does not depend on where it is
spread (its type condition fixes the type its fields are read on), so it is computed
once per fragment and reused: the work is linear in the document's length while the
value still describes the expanded document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from graphql import DefinitionNode, FragmentDefinitionNode

T = TypeVar("T")


def fragments_of(definitions: Iterable[DefinitionNode]) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}


class FragmentMemo(Generic[T]):
    """The value of each fragment, computed on first use by ``compute``.

    A fragment spread inside its own expansion (a cycle, which graphql-core's
    NoFragmentCyclesRule refuses) counts as ``in_cycle`` instead of recursing forever.
    ``visits`` counts how often each fragment was actually walked (tests assert once).
    """

    def __init__(
        self,
        fragments: dict[str, FragmentDefinitionNode],
        compute: Callable[[FragmentDefinitionNode], T],
        in_cycle: T,
    ) -> None:
        self.fragments = fragments
        self._compute = compute
        self._in_cycle = in_cycle
        self._values: dict[str, T] = {}
        self.visits: Counter[str] = Counter()

    def get(self, name: str) -> T | None:
        """The fragment's value, or None for a fragment the document does not define."""
        if name in self._values:
            return self._values[name]
        fragment = self.fragments.get(name)
        if fragment is None:
            return None
        self.visits[name] += 1
        self._values[name] = self._in_cycle
        value = self._compute(fragment)
        self._values[name] = value
        return value
