"""A quote's fields and lines, checked and applied: what drafting a quote and editing
it share (currency, validity, incoterm, shipping, each line's RFQ line, quantity, MOQ,
price and price breaks).  Errors are collected, so one answer names every bad field.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from procurement.amounts import LIMIT, check_positive
from procurement.errors import (
    Collector,
    ErrorCode,
)
from procurement.money.currency import check_currency
from procurement.sourcing.inputs import QuoteFields, QuoteLineInput
from procurement.sourcing.models import (
    Incoterm,
    Quote,
    QuoteLine,
    RfqLine,
)
from procurement.sourcing.pricing import normalise_breaks
from procurement.sourcing.rfqs import rfq_lines
from procurement.unset import UNSET

#: the columns' scales: a response shows what is stored, not what was typed
PRICE, QUANTITY = Decimal("0.000001"), Decimal("0.0001")
MAX_PRICE_BREAKS = 20


def scale(value: Decimal, exp: Decimal) -> Decimal:
    return value.quantize(exp) if value.is_finite() and abs(value) < LIMIT else value


def check_lines(
    c: Collector, data: Sequence[QuoteLineInput], rfq_lines: dict[int, RfqLine]
) -> list[QuoteLine]:
    out: list[QuoteLine] = []
    seen: set[int] = set()
    for i, ln in enumerate(data):
        f = f"lines[{i}]"
        if ln.rfq_line_id not in rfq_lines:
            c.add(ErrorCode.LINE_NOT_IN_RFQ, "This line is not part of the RFQ", f"{f}.rfqLineId")
        elif ln.rfq_line_id in seen:
            c.add(ErrorCode.DUPLICATE, "Price each RFQ line once", f"{f}.rfqLineId")
        seen.add(ln.rfq_line_id)
        check_positive(c, ln.unit_price, f"{f}.unitPrice")
        check_positive(c, ln.quantity, f"{f}.quantity")
        check_positive(c, ln.moq, f"{f}.moq")
        if ln.moq is not None and ln.moq > ln.quantity:
            c.add(
                ErrorCode.INVALID,
                "The minimum order quantity exceeds the quantity offered",
                f"{f}.moq",
            )
        if len(ln.price_breaks) > MAX_PRICE_BREAKS:
            c.add(ErrorCode.INVALID, f"At most {MAX_PRICE_BREAKS} price breaks", f"{f}.priceBreaks")
        mins = [q for q, _ in ln.price_breaks]
        if len(set(mins)) != len(mins):
            c.add(
                ErrorCode.DUPLICATE,
                "Each price break needs its own minimum quantity",
                f"{f}.priceBreaks",
            )
        for j, (min_q, price) in enumerate(ln.price_breaks):
            check_positive(c, min_q, f"{f}.priceBreaks[{j}].minQuantity")
            check_positive(c, price, f"{f}.priceBreaks[{j}].unitPrice")
        out.append(
            QuoteLine(
                rfq_line_id=ln.rfq_line_id,
                unit_price=scale(ln.unit_price, PRICE),
                quantity=scale(ln.quantity, QUANTITY),
                moq=scale(ln.moq, QUANTITY) if ln.moq is not None else None,
                price_breaks=normalise_breaks(ln.price_breaks),
                notes=ln.notes,
            )
        )
    return out


async def apply_fields(
    session: AsyncSession, c: Collector, quote: Quote, f: QuoteFields
) -> list[QuoteLine] | None:
    """Set header fields; return the new lines when they are replaced."""
    if f.currency is not UNSET:
        if f.currency is None:
            c.add(ErrorCode.REQUIRED, "A quote needs a currency", "currency")
        else:
            quote.currency = check_currency(c, f.currency, "currency")
    if f.valid_until is not UNSET:
        quote.valid_until = f.valid_until
    if f.incoterm is not UNSET:
        if f.incoterm is not None and f.incoterm not in Incoterm.__members__:
            c.add(ErrorCode.INVALID, "Use an Incoterms 2020 rule", "incoterm")
        quote.incoterm = f.incoterm
    if f.payment_terms is not UNSET:
        quote.payment_terms = (f.payment_terms or "").strip() or None
    if f.lead_time_days is not UNSET:
        if f.lead_time_days is not None and not 0 <= f.lead_time_days <= 3650:
            c.add(ErrorCode.INVALID, "Lead time must be 0 to 3650 days", "leadTimeDays")
        quote.lead_time_days = f.lead_time_days
    if f.shipping_cost is not UNSET:
        check_positive(c, f.shipping_cost, "shippingCost", zero_ok=True)
        quote.shipping_cost = scale(f.shipping_cost or Decimal(0), PRICE)
    if f.notes is not UNSET:
        quote.notes = f.notes
    if f.lines is UNSET:
        return None
    assert quote.rfq_id is not None
    by_id = {ln.id: ln for ln in await rfq_lines(session, quote.rfq_id) if ln.id is not None}
    return check_lines(c, f.lines, by_id)
