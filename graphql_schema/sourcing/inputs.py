"""GraphQL inputs of the sourcing mutations and their translation to service inputs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from graphql_schema.ids import decode_id
from graphql_schema.input_guard import column, limited
from graphql_schema.partial import given, kept
from graphql_schema.sourcing.types import Incoterm, Visibility
from procurement.addresses import ADDRESS_LIMITS
from procurement.sourcing import inputs as svc
from procurement.sourcing.models import Quote as QuoteModel
from procurement.sourcing.models import QuoteLine as QuoteLineModel
from procurement.sourcing.models import Rfq as RfqModel
from procurement.sourcing.models import RfqLine as RfqLineModel
from procurement.sourcing.models import Visibility as DomainVisibility
from procurement.sourcing.rfq_fields import SPEC_KEY_LIMITS, SPEC_VALUE_LIMITS
from procurement.unset import UNSET


@strawberry.input
class AddressInput:
    line1: str = limited(ADDRESS_LIMITS["line1"])
    line2: str | None = limited(ADDRESS_LIMITS["line2"], default=None)
    city: str = limited(ADDRESS_LIMITS["city"])
    postal_code: str = limited(ADDRESS_LIMITS["postalCode"])
    region: str | None = limited(ADDRESS_LIMITS["region"], default=None)
    country: str = strawberry.field(description="ISO 3166-1 alpha-2")
    contact_name: str | None = limited(ADDRESS_LIMITS["contactName"], default=None)
    contact_phone: str | None = limited(ADDRESS_LIMITS["contactPhone"], default=None)

    def to_domain(self) -> svc.Address:
        return svc.Address(
            line1=self.line1,
            line2=self.line2,
            city=self.city,
            postal_code=self.postal_code,
            region=self.region,
            country=self.country,
            contact_name=self.contact_name,
            contact_phone=self.contact_phone,
        )


@strawberry.input(description="Relative weights; they are normalised to sum to 1.")
class EvaluationWeightsInput:
    price: Decimal = Decimal("0.5")
    lead_time: Decimal = Decimal("0.2")
    coverage: Decimal = Decimal("0.2")
    supplier_score: Decimal = Decimal("0.1")

    def to_domain(self) -> svc.Weights:
        return svc.Weights(
            price=self.price,
            lead_time=self.lead_time,
            coverage=self.coverage,
            supplier_score=self.supplier_score,
        )


@strawberry.input
class SpecificationInput:
    key: str = limited(SPEC_KEY_LIMITS)
    value: str = limited(SPEC_VALUE_LIMITS)


def _specs(items: list[SpecificationInput] | None) -> list[tuple[str, str]]:
    return [(s.key, s.value) for s in items or []]


@strawberry.input
class RfqLineInput:
    description: str = column(RfqLineModel.description)
    quantity: Decimal = column(RfqLineModel.quantity)
    unit: str = strawberry.field(description="Unit of measure, e.g. EA, KG, M, SET")
    category_id: strawberry.ID | None = None
    target_unit_price: Decimal | None = column(RfqLineModel.target_unit_price, default=None)
    specifications: list[SpecificationInput] | None = None
    need_by: date | None = None

    def to_domain(self, field: str) -> svc.RfqLineInput:
        return svc.RfqLineInput(
            description=self.description,
            quantity=self.quantity,
            unit=self.unit,
            category_id=decode_id(self.category_id, "Category", f"{field}.categoryId")
            if self.category_id
            else None,
            target_unit_price=self.target_unit_price,
            specifications=_specs(self.specifications),
            need_by=self.need_by,
        )


@strawberry.input
class RfqLineChangeInput:
    id: strawberry.ID
    description: str | None = column(RfqLineModel.description, default=strawberry.UNSET)
    quantity: Decimal | None = column(RfqLineModel.quantity, default=strawberry.UNSET)
    unit: str | None = strawberry.UNSET
    category_id: strawberry.ID | None = strawberry.UNSET
    target_unit_price: Decimal | None = column(
        RfqLineModel.target_unit_price, default=strawberry.UNSET
    )
    specifications: list[SpecificationInput] | None = strawberry.UNSET
    need_by: date | None = strawberry.UNSET

    def to_domain(self, field: str) -> svc.RfqLineChange:
        return svc.RfqLineChange(
            id=decode_id(self.id, "RfqLine", f"{field}.id"),
            description=kept(self.description),
            quantity=kept(self.quantity),
            unit=kept(self.unit),
            category_id=given(
                self.category_id, lambda c: decode_id(c, "Category", f"{field}.categoryId")
            ),
            target_unit_price=given(self.target_unit_price),
            specifications=kept(self.specifications, _specs),
            need_by=given(self.need_by),
        )


@strawberry.input
class RfqCreateInput:
    title: str = column(RfqModel.title)
    description: str | None = column(RfqModel.description, default=None)
    category_id: strawberry.ID | None = None
    currency: str
    delivery_address: AddressInput | None = None
    need_by: date | None = None
    deadline: datetime
    visibility: Visibility = DomainVisibility.PUBLIC  # type: ignore[valid-type]  # strawberry.enum value as a type
    sealed: bool = False
    evaluation_weights: EvaluationWeightsInput | None = None
    external_reference: str | None = column(RfqModel.external_reference, default=None)
    lines: list[RfqLineInput] | None = None

    def fields(self) -> svc.RfqFields:
        # strawberry hands in the domain enum member; the strawberry.enum alias is opaque to mypy
        visibility: DomainVisibility = self.visibility
        return svc.RfqFields(
            title=self.title,
            description=self.description,
            category_id=decode_id(self.category_id, "Category", "categoryId")
            if self.category_id
            else None,
            currency=self.currency,
            delivery_address=self.delivery_address.to_domain() if self.delivery_address else None,
            need_by=self.need_by,
            deadline=self.deadline,
            visibility=visibility.value,
            sealed=self.sealed,
            weights=self.evaluation_weights.to_domain() if self.evaluation_weights else UNSET,
            external_reference=self.external_reference,
        )


@strawberry.input
class RfqUpdateInput:
    id: strawberry.ID
    expected_version: int | None = None
    title: str | None = column(RfqModel.title, default=strawberry.UNSET)
    description: str | None = column(RfqModel.description, default=strawberry.UNSET)
    category_id: strawberry.ID | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    delivery_address: AddressInput | None = strawberry.UNSET
    need_by: date | None = strawberry.UNSET
    deadline: datetime | None = strawberry.UNSET
    visibility: Visibility | None = strawberry.UNSET  # type: ignore[valid-type]  # strawberry.enum value as a type
    sealed: bool | None = strawberry.UNSET
    evaluation_weights: EvaluationWeightsInput | None = strawberry.UNSET
    external_reference: str | None = column(RfqModel.external_reference, default=strawberry.UNSET)
    add_lines: list[RfqLineInput] | None = None
    change_lines: list[RfqLineChangeInput] | None = None
    remove_line_ids: list[strawberry.ID] | None = None

    def fields(self) -> svc.RfqFields:
        return svc.RfqFields(
            title=kept(self.title),
            description=given(self.description),
            category_id=given(self.category_id, lambda c: decode_id(c, "Category", "categoryId")),
            currency=kept(self.currency),
            delivery_address=given(self.delivery_address, lambda a: a.to_domain()),
            need_by=given(self.need_by),
            deadline=kept(self.deadline),
            visibility=kept(self.visibility, lambda v: v.value),
            sealed=kept(self.sealed),
            weights=kept(self.evaluation_weights, lambda w: w.to_domain()),
            external_reference=given(self.external_reference),
        )


@strawberry.input
class PriceBreakInput:
    min_quantity: Decimal = column(QuoteLineModel.quantity)
    unit_price: Decimal = column(QuoteLineModel.unit_price)


@strawberry.input
class QuoteLineInput:
    rfq_line_id: strawberry.ID
    unit_price: Decimal = column(QuoteLineModel.unit_price)
    quantity: Decimal = column(QuoteLineModel.quantity)
    moq: Decimal | None = column(QuoteLineModel.moq, default=None)
    price_breaks: list[PriceBreakInput] | None = None
    notes: str | None = column(QuoteLineModel.notes, default=None)

    def to_domain(self, field: str) -> svc.QuoteLineInput:
        return svc.QuoteLineInput(
            rfq_line_id=decode_id(self.rfq_line_id, "RfqLine", f"{field}.rfqLineId"),
            unit_price=self.unit_price,
            quantity=self.quantity,
            moq=self.moq,
            price_breaks=[(b.min_quantity, b.unit_price) for b in self.price_breaks or []],
            notes=self.notes,
        )


def quote_fields(i: QuoteFieldsMixin) -> svc.QuoteFields:
    lines = kept(i.lines)
    return svc.QuoteFields(
        currency=given(i.currency),
        valid_until=given(i.valid_until),
        incoterm=given(i.incoterm, lambda x: x.value),
        payment_terms=given(i.payment_terms),
        lead_time_days=given(i.lead_time_days),
        shipping_cost=given(i.shipping_cost),
        notes=given(i.notes),
        lines=[ln.to_domain(f"lines[{n}]") for n, ln in enumerate(lines)]
        if isinstance(lines, list)
        else lines,
    )


@strawberry.input(
    description="Quote fields; a field left out keeps its value; `lines`, when "
    "given, replaces every line."
)
class QuoteFieldsMixin:
    currency: str | None = strawberry.UNSET
    valid_until: date | None = strawberry.UNSET
    incoterm: Incoterm | None = strawberry.UNSET  # type: ignore[valid-type]  # strawberry.enum value as a type
    payment_terms: str | None = column(QuoteModel.payment_terms, default=strawberry.UNSET)
    lead_time_days: int | None = strawberry.UNSET
    shipping_cost: Decimal | None = column(QuoteModel.shipping_cost, default=strawberry.UNSET)
    notes: str | None = column(QuoteModel.notes, default=strawberry.UNSET)
    lines: list[QuoteLineInput] | None = strawberry.UNSET
