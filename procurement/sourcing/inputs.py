"""Plain input records for the sourcing services (the API builds them from GraphQL)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from procurement.addresses import Address
from procurement.unset import UNSET, Unset

__all__ = ["Address"]  # re-exported: RFQ inputs use it


@dataclass(frozen=True)
class Weights:
    price: Decimal = Decimal("0.5")
    lead_time: Decimal = Decimal("0.2")
    coverage: Decimal = Decimal("0.2")
    supplier_score: Decimal = Decimal("0.1")


@dataclass(frozen=True)
class RfqLineInput:
    description: str
    quantity: Decimal
    unit: str
    category_id: int | None = None
    target_unit_price: Decimal | None = None
    specifications: list[tuple[str, str]] = field(default_factory=list)
    need_by: date | None = None


@dataclass(frozen=True)
class RfqLineChange:
    id: int
    description: str | Unset = UNSET
    quantity: Decimal | Unset = UNSET
    unit: str | Unset = UNSET
    category_id: int | Unset | None = UNSET
    target_unit_price: Decimal | Unset | None = UNSET
    specifications: list[tuple[str, str]] | Unset = UNSET
    need_by: date | Unset | None = UNSET


@dataclass(frozen=True)
class RfqFields:
    """Header fields of an RFQ; UNSET leaves a field as it is (on update)."""

    title: str | Unset = UNSET
    description: str | Unset | None = UNSET
    category_id: int | Unset | None = UNSET
    currency: str | Unset = UNSET
    delivery_address: Address | Unset | None = UNSET
    need_by: date | Unset | None = UNSET
    deadline: datetime | Unset = UNSET
    visibility: str | Unset = UNSET
    sealed: bool | Unset = UNSET
    weights: Weights | Unset = UNSET
    external_reference: str | Unset | None = UNSET


@dataclass(frozen=True)
class QuoteLineInput:
    rfq_line_id: int
    unit_price: Decimal
    quantity: Decimal
    moq: Decimal | None = None
    price_breaks: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    notes: str | None = None


@dataclass(frozen=True)
class QuoteFields:
    currency: str | Unset | None = UNSET
    valid_until: date | Unset | None = UNSET
    incoterm: str | Unset | None = UNSET
    payment_terms: str | Unset | None = UNSET
    lead_time_days: int | Unset | None = UNSET
    shipping_cost: Decimal | Unset | None = UNSET
    notes: str | Unset | None = UNSET
    #: replaces all lines when given
    lines: list[QuoteLineInput] | Unset = UNSET


def weights_problem(values: Iterable[Decimal]) -> str | None:
    """Evaluation weights must be non-negative and not all zero (they are normalised);
    the RFQ's weights and a comparison's are held to the same rule."""
    vs = list(values)
    if any(not v.is_finite() or v < 0 for v in vs):
        return "Weights must not be negative"
    if sum(vs, Decimal(0)) == 0:
        return "At least one weight must be above zero"
    return None
