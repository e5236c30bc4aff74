"""An RFQ's fields and lines, checked and applied: what creating a DRAFT and editing it
share (weights, specifications, categories, the buyer's own reference, the number of
lines).  Errors are collected, so one answer names every bad field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.addresses import check_address
from procurement.amounts import check_positive
from procurement.errors import (
    Collector,
    ErrorCode,
)
from procurement.money.currency import check_currency
from procurement.parties.models import Category
from procurement.parties.validation import check_name, check_unit
from procurement.sourcing.inputs import (
    RfqFields,
    RfqLineChange,
    RfqLineInput,
    Weights,
    weights_problem,
)
from procurement.sourcing.models import (
    Rfq,
    RfqLine,
    Visibility,
)
from procurement.unset import UNSET
from procurement.values import Limits

MAX_LINES = 500


DEFAULT_WEIGHTS = Weights()


def check_weights(c: Collector, w: Weights) -> dict[str, str]:
    """Non-negative, not all zero, normalised to sum to 1."""
    values = {
        "price": w.price,
        "leadTime": w.lead_time,
        "coverage": w.coverage,
        "supplierScore": w.supplier_score,
    }
    problem = weights_problem(values.values())
    if problem is not None:
        c.add(ErrorCode.INVALID, problem, "evaluationWeights")
        return {}
    total = sum(values.values(), Decimal(0))
    return {k: str((x / total).quantize(Decimal("0.000001"))) for k, x in values.items()}


#: specifications are stored as JSON, so these stand in for their columns' lengths
SPEC_KEY_LIMITS = Limits(max_length=100)


SPEC_VALUE_LIMITS = Limits(max_length=1000)


def check_specs(c: Collector, specs: Sequence[tuple[str, str]], field: str) -> list[dict[str, str]]:
    out = []
    if len(specs) > 50:
        c.add(ErrorCode.INVALID, "At most 50 specifications per line", field)
    for key, value in specs:
        if not key.strip():
            c.add(ErrorCode.REQUIRED, "A specification needs a name", field)
        out.append({"key": key.strip(), "value": value.strip()})
    return out


async def existing_categories(session: AsyncSession, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    rows = await session.execute(select(col(Category.id)).where(col(Category.id).in_(ids)))
    return {cid for cid in rows.scalars() if cid is not None}  # a stored primary key is never NULL


def apply_line(c: Collector, line: RfqLine, data: RfqLineInput | RfqLineChange, field: str) -> None:
    if data.description is not UNSET:
        line.description = check_name(c, data.description, f"{field}.description", 1000)
    if data.quantity is not UNSET:
        check_positive(c, data.quantity, f"{field}.quantity")
        line.quantity = data.quantity
    if data.unit is not UNSET:
        line.unit = check_unit(c, data.unit, f"{field}.unit")
    if data.category_id is not UNSET:
        line.category_id = data.category_id
    if data.target_unit_price is not UNSET:
        check_positive(c, data.target_unit_price, f"{field}.targetUnitPrice")
        line.target_unit_price = data.target_unit_price
    if data.specifications is not UNSET:
        line.specifications = check_specs(c, data.specifications, f"{field}.specifications")
    if data.need_by is not UNSET:
        line.need_by = data.need_by


async def apply_fields(
    session: AsyncSession, c: Collector, rfq: Rfq, f: RfqFields, now: datetime
) -> None:
    if f.title is not UNSET:
        rfq.title = check_name(c, f.title, "title")
    if f.description is not UNSET:
        rfq.description = f.description
    if f.category_id is not UNSET:
        if f.category_id is not None and not await existing_categories(session, {f.category_id}):
            c.add(ErrorCode.NOT_FOUND, "Unknown category", "categoryId")
        rfq.category_id = f.category_id
    if f.currency is not UNSET:
        rfq.currency = check_currency(c, f.currency, "currency")
    if f.delivery_address is not UNSET:
        rfq.delivery_address = check_address(c, f.delivery_address) if f.delivery_address else None
    if f.need_by is not UNSET:
        rfq.need_by = f.need_by
    if f.deadline is not UNSET:
        if f.deadline.tzinfo is None:
            c.add(ErrorCode.INVALID, "Give the deadline with a time zone", "deadline")
        elif f.deadline <= now:
            c.add(
                ErrorCode.DEADLINE_NOT_IN_FUTURE, "The deadline must be in the future", "deadline"
            )
        rfq.deadline = f.deadline
    if f.visibility is not UNSET:
        rfq.visibility = Visibility(f.visibility).value
    if f.sealed is not UNSET:
        rfq.sealed = f.sealed
    if f.weights is not UNSET:
        rfq.weights = check_weights(c, f.weights)
    if f.external_reference is not UNSET:
        ref = (f.external_reference or "").strip() or None
        if ref and await reference_taken(session, rfq, ref):
            c.add(
                ErrorCode.DUPLICATE,
                "Another RFQ of yours has this external reference",
                "externalReference",
            )
        rfq.external_reference = ref
    if rfq.need_by and rfq.deadline and rfq.deadline.tzinfo and rfq.need_by < rfq.deadline.date():
        c.add(ErrorCode.INVALID, "The need-by date cannot be before the quote deadline", "needBy")


async def reference_taken(session: AsyncSession, rfq: Rfq, ref: str) -> bool:
    stmt = select(func.count()).where(
        col(Rfq.buyer_org_id) == rfq.buyer_org_id, col(Rfq.external_reference) == ref
    )
    if rfq.id is not None:
        stmt = stmt.where(col(Rfq.id) != rfq.id)
    return bool((await session.execute(stmt)).scalar_one())


async def check_line_categories(
    session: AsyncSession, c: Collector, lines: Sequence[tuple[str, RfqLine]]
) -> None:
    wanted = {ln.category_id for _, ln in lines if ln.category_id is not None}
    found = await existing_categories(session, wanted)
    for field, ln in lines:
        if ln.category_id is not None and ln.category_id not in found:
            c.add(ErrorCode.NOT_FOUND, "Unknown category", f"{field}.categoryId")
