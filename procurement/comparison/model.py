"""Plain inputs of the comparison, in the target currency (no database, no GraphQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class RequestLine:
    id: int
    position: int
    quantity: Decimal


@dataclass(slots=True)  # not frozen: a comparison builds 10,000; frozen costs 4x to build
class OfferLine:
    quote_line_id: int
    rfq_line_id: int
    quantity: Decimal
    unit_price: Decimal
    moq: Decimal | None = None
    #: (min_quantity, unit_price) ascending; all-units discounts
    breaks: tuple[tuple[Decimal, Decimal], ...] = ()

    def price_at(self, quantity: Decimal) -> Decimal:
        price = self.unit_price
        for min_q, p in self.breaks:
            if min_q <= quantity:
                price = p
        return price

    def tiers(self) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(lowest, highest, unit price) quantity bands, MOQ and offered quantity applied."""
        edges = [(Decimal(0), self.unit_price), *self.breaks]
        out = []
        for i, (lo, price) in enumerate(edges):
            hi = edges[i + 1][0] if i + 1 < len(edges) else self.quantity
            lo = max(lo, self.moq or Decimal(0))
            hi = min(hi, self.quantity)
            if lo <= hi:
                out.append((lo, hi, price))
        return out


@dataclass(frozen=True)
class Offer:
    quote_id: int
    supplier_id: int
    submitted_at: datetime
    lead_time_days: int
    shipping: Decimal
    supplier_score: Decimal
    lines: dict[int, OfferLine] = field(default_factory=dict)


@dataclass(frozen=True)
class Weights:
    price: Decimal
    lead_time: Decimal
    coverage: Decimal
    supplier_score: Decimal

    def normalised(self) -> Weights:
        total = self.price + self.lead_time + self.coverage + self.supplier_score
        return Weights(
            self.price / total,
            self.lead_time / total,
            self.coverage / total,
            self.supplier_score / total,
        )


@dataclass(frozen=True)
class Context:
    lines: tuple[RequestLine, ...]
    need_by: date | None
    on: date
