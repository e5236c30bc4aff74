"""Structural limits checked before graphql-core's validation rules run.

graphql-core's rules are linear in the document except one: OverlappingFieldsCanBeMerged
compares every pair of fields that share a response key, recursively through their
sub-selections.  ``{ me { id id id ... } }`` with thousands of ``id`` (still within the
token limit) or two same-named fields nested a few levels each way (4^depth pairs) kept
a worker busy for seconds.  So a cheap, linear pass refuses first:

- a document whose expansion (every fragment spread replaced by its fragment) has more
  than ``max_selections`` selections: the fragment "bomb" is refused here at once;
- an operation deeper than ``max_depth`` or with more than ``max_aliases`` aliases
  (counted through fragments, once per fragment: see fragment_fold.py);
- a document whose repeated selections would make the overlap rule compare more than
  ``max_merge_pairs`` pairs: two fields with one response key in one place (counting
  fragments, and the sub-selections execution merges: ``a { x } a { x }`` is one
  ``a`` with ``x`` twice), or two fragment spreads in one place;
- a string literal longer than ``max_string_length`` (a token is one string, however
  long: the token limit does not bound it);
- a fragment no operation uses (as graphql-core would, but before its rules run).

Only a document that passes reaches the pairwise rule, whose work is then bounded by
these numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
)

from graphql_schema.fragment_fold import FragmentMemo, fragments_of
from procurement.config import Settings
from procurement.errors import ErrorCode


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    max_depth: int
    max_aliases: int
    max_selections: int
    max_merge_pairs: int
    max_string_length: int

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentLimits:
        return cls(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_selections=settings.max_selections,
            max_merge_pairs=settings.max_merge_pairs,
            max_string_length=settings.max_string_length,
        )


@dataclass(frozen=True, slots=True)
class Shape:
    """Of a selection set, as if every fragment spread in it were expanded."""

    selections: int
    aliases: int
    #: nesting below this set's fields, as strawberry's depth limiter counted it
    #: (a leaf or an introspection field adds nothing)
    depth: int


_EMPTY = Shape(0, 0, 0)


class ShapeFold:
    """Computes ``Shape`` with each fragment walked once."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.memo: FragmentMemo[Shape] = FragmentMemo(
            fragments, lambda f: self.selection_set(f.selection_set), _EMPTY
        )

    def selection_set(self, node: SelectionSetNode) -> Shape:
        selections = aliases = depth = 0
        for sel in node.selections:
            selections += 1
            inner: Shape | None = None
            if isinstance(sel, FieldNode):
                if sel.alias:
                    aliases += 1
                if sel.selection_set is not None:
                    inner = self.selection_set(sel.selection_set)
                    if not sel.name.value.startswith("__"):
                        depth = max(depth, 1 + inner.depth)
                    inner = Shape(inner.selections, inner.aliases, 0)
            elif isinstance(sel, InlineFragmentNode):
                inner = self.selection_set(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode):
                inner = self.memo.get(sel.name.value)
            if inner is not None:
                selections += inner.selections
                aliases += inner.aliases
                depth = max(depth, inner.depth)
        return Shape(selections, aliases, depth)


def check_document(document: DocumentNode, limits: DocumentLimits) -> list[GraphQLError]:
    """The limits above, cheapest first; an empty list when the document is within them."""
    too_long = long_string_literal(document, limits.max_string_length)
    if too_long is not None:
        return [too_long]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fold = ShapeFold(fragments_of(document.definitions))
    try:
        shapes = [(op, fold.selection_set(op.selection_set)) for op in operations]
    except RecursionError:  # fragments spreading fragments thousands deep
        return [_too_complex("The document nests its fragments too deeply.")]
    selections = sum(shape.selections for _, shape in shapes)
    if selections > limits.max_selections:
        return [
            _too_complex(
                f"The document selects more than {limits.max_selections} fields once its "
                "fragments are expanded. Spread fewer fragments or split the request.",
                maxSelections=limits.max_selections,
            )
        ]
    # graphql-core reports these too, but only after walking all of them with every
    # rule: a document of unused fragments up to the token limit is the slowest to check
    unused = [f for name, f in fold.memo.fragments.items() if name not in fold.memo.visits]
    if unused:
        # a few: locating each error in the source reads the source again
        return [GraphQLError(f"Fragment '{f.name.value}' is never used.", [f]) for f in unused[:10]]
    errors = [
        GraphQLError(
            f"'{op.name.value if op.name else 'anonymous'}' exceeds maximum operation depth"
            f" of {limits.max_depth}",
            [op],
        )
        for op, shape in shapes
        if shape.depth > limits.max_depth
    ]
    aliases = sum(shape.aliases for _, shape in shapes)
    if aliases > limits.max_aliases:
        errors.append(GraphQLError(f"{aliases} aliases found. Allowed: {limits.max_aliases}"))
    if errors:
        return errors
    too_many = merge_pairs(document, fold.memo.fragments, limits, budget=selections)
    return [too_many] if too_many is not None else []


def merge_pairs(
    document: DocumentNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    limits: DocumentLimits,
    budget: int,
) -> GraphQLError | None:
    """An error once the overlap rule would compare more than ``max_merge_pairs`` pairs.

    Walks the expansion as execution merges it: in each merged selection set, every two
    fields with the same response key are a pair (their sub-selections merge into the
    next set), and so are every two fragment spreads (compared field map against field
    map).  The walk visits each selection of the expansion once, which the caller has
    bounded by ``max_selections`` (``budget``); running past it means a fragment cycle,
    left to graphql-core's NoFragmentCyclesRule to report.
    """
    pending: list[list[SelectionSetNode]] = [
        [d.selection_set] for d in document.definitions if isinstance(d, OperationDefinitionNode)
    ]
    visited = pairs = 0
    while pending:
        sets = pending.pop()
        fields: dict[str, list[FieldNode]] = defaultdict(list)
        spreads = 0
        while sets:
            for sel in sets.pop().selections:
                visited += 1
                if visited > budget:
                    return None
                if isinstance(sel, FieldNode):
                    key = sel.alias.value if sel.alias else sel.name.value
                    pairs += len(fields[key])
                    fields[key].append(sel)
                elif isinstance(sel, InlineFragmentNode):
                    sets.append(sel.selection_set)
                elif isinstance(sel, FragmentSpreadNode):
                    key = "..." + sel.name.value
                    pairs += spreads
                    spreads += 1
                    fragment = fragments.get(sel.name.value)
                    if fragment is not None:
                        sets.append(fragment.selection_set)
                if pairs > limits.max_merge_pairs:
                    return _too_complex(
                        f"The document repeats selections too often (here '{key}'): "
                        f"checking it would compare more than {limits.max_merge_pairs} pairs "
                        "of selections. Select each field once in one place and spread "
                        "fewer fragments there.",
                        nodes=[sel],
                        maxMergePairs=limits.max_merge_pairs,
                    )
        for same in fields.values():
            merged = [f.selection_set for f in same if f.selection_set is not None]
            if merged:
                pending.append(merged)
    return None


def long_string_literal(document: DocumentNode, max_length: int) -> GraphQLError | None:
    """A string literal in an argument (or a variable's default) over ``max_length``."""
    for path, node in _string_literals(document):
        if len(node.value) > max_length:
            return too_long(path, max_length, [node])
    return None


def long_string_variable(variables: Mapping[str, Any], max_length: int) -> GraphQLError | None:
    """A string anywhere in the request's variables over ``max_length`` (walked without
    recursion: the JSON may nest deeply)."""
    stack: list[tuple[str, Any]] = list(variables.items())
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if len(value) > max_length:
                return too_long(path, max_length)
        elif isinstance(value, dict):
            stack.extend((f"{path}.{k}", v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((path, v) for v in value)
    return None


def too_long(field: str, max_length: int, nodes: list[Any] | None = None) -> GraphQLError:
    return GraphQLError(
        f"'{field}' is longer than {max_length} characters.",
        nodes,
        extensions={"code": ErrorCode.TOO_LONG.value, "field": field, "maxLength": max_length},
    )


def _too_complex(message: str, nodes: list[Any] | None = None, **detail: Any) -> GraphQLError:
    return GraphQLError(
        message, nodes, extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value, **detail}
    )


def _string_literals(document: DocumentNode) -> Iterator[tuple[str, StringValueNode]]:
    """Every string literal with the argument (and input field) path it is given for."""
    values: list[tuple[str, ValueNode]] = []
    nodes: list[Any] = list(document.definitions)
    while nodes:
        node = nodes.pop()
        if isinstance(node, OperationDefinitionNode):
            for var in node.variable_definitions or ():
                if var.default_value is not None:
                    values.append((var.variable.name.value, var.default_value))
                nodes.extend(var.directives or ())
        if isinstance(node, ArgumentNode):
            values.append((node.name.value, node.value))
            continue
        if isinstance(node, FieldNode | DirectiveNode):
            nodes.extend(node.arguments or ())
        if not isinstance(node, DirectiveNode):
            nodes.extend(getattr(node, "directives", None) or ())
            selection_set = getattr(node, "selection_set", None)
            if selection_set is not None:
                nodes.extend(selection_set.selections)
    while values:
        path, value = values.pop()
        if isinstance(value, StringValueNode):
            yield path, value
        elif isinstance(value, ListValueNode):
            values.extend((path, v) for v in value.values)
        elif isinstance(value, ObjectValueNode):
            values.extend((f"{path}.{f.name.value}", f.value) for f in value.fields)
