"""Resolvers of the comparison: access and computation live in the service."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from graphql_schema.comparison.types import Comparison, ComparisonInput
from procurement.comparison.service import ComparisonRequest, compare, load_buyer_rfq
from procurement.sourcing.models import Rfq as RfqModel


def _included(s: Selection) -> bool:
    """``@skip``/``@include`` with their variables applied (strawberry reports them)."""
    d = s.directives
    return not d.get("skip", {}).get("if", False) and d.get("include", {}).get("if", True)


def _selects(selections: Iterable[Selection], name: str) -> bool:
    """Whether ``name`` is selected, directly or through fragments."""
    for s in selections:
        if not _included(s):
            continue
        if isinstance(s, SelectedField) and s.name == name:
            return True
        if isinstance(s, FragmentSpread | InlineFragment) and _selects(s.selections, name):
            return True
    return False


async def resolve_comparison(
    rfq: RfqModel, info: Info, input: ComparisonInput | None
) -> Comparison:
    i = input or ComparisonInput()
    async with info.context.db.read() as s:
        loaded = await load_buyer_rfq(s, info.context.viewer, rfq.id or 0)
        model = await compare(
            s,
            loaded,
            ComparisonRequest(
                currency=i.currency,
                weights=i.weights_domain(),
                max_suppliers=i.max_suppliers,
                include_expired=i.include_expired,
                exact_split=i.exact_split,
            ),
        )
    if _selects(info.selected_fields[0].selections, "suggestedSplit"):
        model.start_split()  # solves while the offers and lines are ranked and rendered
    return Comparison.build(model, info)
