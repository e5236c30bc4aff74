"""Mutations of the sourcing domain: input -> service call -> payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from graphql_schema.errors import UserError, in_transaction, user_errors
from graphql_schema.ids import decode_id
from graphql_schema.input_guard import column, limited
from graphql_schema.sourcing.inputs import (
    QuoteFieldsMixin,
    RfqCreateInput,
    RfqUpdateInput,
    quote_fields,
)
from graphql_schema.sourcing.quote_types import Quote
from graphql_schema.sourcing.types import Rfq, RfqQuestion
from procurement.errors import DomainError, ErrorCode
from procurement.sourcing import invitations, questions, quotes, rfqs
from procurement.sourcing.models import Quote as QuoteModel
from procurement.sourcing.models import Rfq as RfqModel
from procurement.sourcing.models import RfqQuestion as RfqQuestionModel
from procurement.sourcing.questions import MAX_TEXT
from procurement.values import Limits
from procurement.viewer import Viewer

#: a withdrawal reason is kept in the audit log, not in a column of its own
REASON_LIMITS = Limits(max_length=2000)


@strawberry.input
class RfqActionInput:
    id: strawberry.ID
    expected_version: int | None = None


@strawberry.input
class RfqCancelInput:
    id: strawberry.ID
    reason: str = column(RfqModel.cancel_reason)
    expected_version: int | None = None


@strawberry.input
class RfqExtendDeadlineInput:
    id: strawberry.ID
    deadline: datetime
    expected_version: int | None = None


@strawberry.input
class RfqInviteSuppliersInput:
    id: strawberry.ID
    supplier_ids: list[strawberry.ID]


@strawberry.input
class RfqUninviteSupplierInput:
    id: strawberry.ID
    supplier_id: strawberry.ID


@strawberry.input
class QuoteCreateInput(QuoteFieldsMixin):
    rfq_id: strawberry.ID


@strawberry.input
class QuoteUpdateInput(QuoteFieldsMixin):
    id: strawberry.ID
    expected_version: int | None = None


@strawberry.input(
    description="Either `id` (submit your draft) or `rfqId` with the quote's "
    "fields (create and submit in one step)."
)
class QuoteSubmitInput(QuoteFieldsMixin):
    id: strawberry.ID | None = None
    rfq_id: strawberry.ID | None = None
    expected_version: int | None = None


@strawberry.input
class QuoteWithdrawInput:
    id: strawberry.ID
    reason: str | None = limited(REASON_LIMITS, default=None)
    expected_version: int | None = None


@strawberry.input
class RfqQuestionAskInput:
    rfq_id: strawberry.ID
    question: str = limited(Limits(max_length=MAX_TEXT))


@strawberry.input
class RfqQuestionAnswerInput:
    id: strawberry.ID
    answer: str = limited(Limits(max_length=MAX_TEXT))


@strawberry.type
class RfqPayload:
    rfq: Rfq | None = None
    errors: list[UserError]


@strawberry.type
class QuotePayload:
    quote: Quote | None = None
    errors: list[UserError]


@strawberry.type
class RfqQuestionPayload:
    question: RfqQuestion | None = None
    errors: list[UserError]


Act = Callable[[AsyncSession, Viewer | None], Awaitable[Any]]


async def _rfq(info: Info, act: Act) -> RfqPayload:
    result, errors = await in_transaction(info, act)
    if result is None:
        return RfqPayload(errors=errors)
    assert isinstance(result, RfqModel)
    return RfqPayload(rfq=Rfq.from_model(result, info), errors=[])


async def _quote(info: Info, act: Act) -> QuotePayload:
    result, errors = await in_transaction(info, act)
    if result is None:
        return QuotePayload(errors=errors)
    assert isinstance(result, QuoteModel) and result.rfq_id is not None
    rfq = await info.context.loaders.rfq.load(result.rfq_id)
    return QuotePayload(quote=Quote.from_model(result, rfq, info), errors=[])


async def _question_payload(
    info: Info, result: RfqQuestionModel | None, errors: list[UserError]
) -> RfqQuestionPayload:
    if result is None:
        return RfqQuestionPayload(question=None, errors=errors)
    rfq = await info.context.loaders.rfq.load(result.rfq_id)
    return RfqQuestionPayload(
        question=RfqQuestion.from_model(
            result, info.context.viewer.organization_id, rfq.buyer_org_id if rfq else None
        ),
        errors=errors,
    )


@strawberry.type
class SourcingMutation:
    @strawberry.mutation(description="Buyers: a DRAFT RFQ (number assigned now).")
    async def rfq_create(self, info: Info, input: RfqCreateInput) -> RfqPayload:
        return await _rfq(
            info,
            lambda s, v: rfqs.create_rfq(
                s,
                v,
                input.fields(),
                [ln.to_domain(f"lines[{i}]") for i, ln in enumerate(input.lines or [])],
            ),
        )

    @strawberry.mutation(description="Buyers: edit a DRAFT; lines added, changed, removed.")
    async def rfq_update(self, info: Info, input: RfqUpdateInput) -> RfqPayload:
        return await _rfq(
            info,
            lambda s, v: rfqs.update_rfq(
                s,
                v,
                decode_id(input.id, "Rfq"),
                input.fields(),
                add_lines=[
                    ln.to_domain(f"addLines[{i}]") for i, ln in enumerate(input.add_lines or [])
                ],
                change_lines=[
                    ln.to_domain(f"changeLines[{i}]")
                    for i, ln in enumerate(input.change_lines or [])
                ],
                remove_line_ids=[
                    decode_id(x, "RfqLine", f"removeLineIds[{i}]")
                    for i, x in enumerate(input.remove_line_ids or [])
                ],
                expected_version=input.expected_version,
            ),
        )

    @strawberry.mutation(description="DRAFT -> OPEN.")
    async def rfq_publish(self, info: Info, input: RfqActionInput) -> RfqPayload:
        return await _rfq(
            info,
            lambda s, v: rfqs.publish_rfq(s, v, decode_id(input.id, "Rfq"), input.expected_version),
        )

    @strawberry.mutation(description="OPEN -> CLOSED before the deadline.")
    async def rfq_close(self, info: Info, input: RfqActionInput) -> RfqPayload:
        return await _rfq(
            info,
            lambda s, v: rfqs.close_rfq(s, v, decode_id(input.id, "Rfq"), input.expected_version),
        )

    @strawberry.mutation(description="DRAFT, OPEN or CLOSED -> CANCELLED (reason required).")
    async def rfq_cancel(self, info: Info, input: RfqCancelInput) -> RfqPayload:
        return await _rfq(
            info,
            lambda s, v: rfqs.cancel_rfq(
                s, v, decode_id(input.id, "Rfq"), input.reason, input.expected_version
            ),
        )

    @strawberry.mutation(description="Move the deadline later while OPEN.")
    async def rfq_extend_deadline(self, info: Info, input: RfqExtendDeadlineInput) -> RfqPayload:
        return await _rfq(
            info,
            lambda s, v: rfqs.extend_deadline(
                s, v, decode_id(input.id, "Rfq"), input.deadline, input.expected_version
            ),
        )

    @strawberry.mutation(description="INVITED RFQs: add suppliers (DRAFT or OPEN).")
    async def rfq_invite_suppliers(self, info: Info, input: RfqInviteSuppliersInput) -> RfqPayload:
        return await _rfq(
            info,
            lambda s, v: invitations.invite_suppliers(
                s,
                v,
                decode_id(input.id, "Rfq"),
                [decode_id(x, "Organization", "supplierIds") for x in input.supplier_ids],
            ),
        )

    @strawberry.mutation
    async def rfq_uninvite_supplier(
        self, info: Info, input: RfqUninviteSupplierInput
    ) -> RfqPayload:
        return await _rfq(
            info,
            lambda s, v: invitations.uninvite_supplier(
                s,
                v,
                decode_id(input.id, "Rfq"),
                decode_id(input.supplier_id, "Organization", "supplierId"),
            ),
        )

    @strawberry.mutation(description="Suppliers: a DRAFT quote.")
    async def quote_create(self, info: Info, input: QuoteCreateInput) -> QuotePayload:
        return await _quote(
            info,
            lambda s, v: quotes.create_quote(
                s, v, decode_id(input.rfq_id, "Rfq", "rfqId"), quote_fields(input)
            ),
        )

    @strawberry.mutation(description="Suppliers: edit a DRAFT quote.")
    async def quote_update(self, info: Info, input: QuoteUpdateInput) -> QuotePayload:
        return await _quote(
            info,
            lambda s, v: quotes.update_quote(
                s, v, decode_id(input.id, "Quote"), quote_fields(input), input.expected_version
            ),
        )

    @strawberry.mutation(
        description="Suppliers: submit a draft (`id`), or create and submit (`rfqId` and fields)."
    )
    async def quote_submit(self, info: Info, input: QuoteSubmitInput) -> QuotePayload:
        if input.id is not None:
            draft_id = input.id  # a local keeps the narrowing inside the lambda
            return await _quote(
                info,
                lambda s, v: quotes.submit_quote(
                    s, v, decode_id(draft_id, "Quote"), input.expected_version
                ),
            )
        if input.rfq_id is None:
            return QuotePayload(
                errors=user_errors(
                    DomainError.of(
                        ErrorCode.REQUIRED,
                        "Give the draft's id, or the rfqId of a new quote",
                        "id",
                    )
                )
            )
        rfq_id = input.rfq_id  # a local keeps the narrowing inside the lambda
        return await _quote(
            info,
            lambda s, v: quotes.create_quote(
                s,
                v,
                decode_id(rfq_id, "Rfq", "rfqId"),
                quote_fields(input),
                submit=True,
            ),
        )

    @strawberry.mutation(description="Suppliers: a new revision of a submitted quote.")
    async def quote_revise(self, info: Info, input: QuoteUpdateInput) -> QuotePayload:
        return await _quote(
            info,
            lambda s, v: quotes.revise_quote(
                s, v, decode_id(input.id, "Quote"), quote_fields(input), input.expected_version
            ),
        )

    @strawberry.mutation(description="Suppliers: withdraw before the deadline.")
    async def quote_withdraw(self, info: Info, input: QuoteWithdrawInput) -> QuotePayload:
        return await _quote(
            info,
            lambda s, v: quotes.withdraw_quote(
                s, v, decode_id(input.id, "Quote"), input.reason, input.expected_version
            ),
        )

    @strawberry.mutation(description="Suppliers: ask the buyer a clarification question.")
    async def rfq_question_ask(self, info: Info, input: RfqQuestionAskInput) -> RfqQuestionPayload:
        result, errors = await in_transaction(
            info,
            lambda s, v: questions.ask_question(
                s, v, decode_id(input.rfq_id, "Rfq", "rfqId"), input.question
            ),
        )
        return await _question_payload(info, result, errors)

    @strawberry.mutation(
        description="Buyers: answer a question; every supplier who can see "
        "the RFQ then sees it, without the asker."
    )
    async def rfq_question_answer(
        self, info: Info, input: RfqQuestionAnswerInput
    ) -> RfqQuestionPayload:
        result, errors = await in_transaction(
            info,
            lambda s, v: questions.answer_question(
                s, v, decode_id(input.id, "RfqQuestion"), input.answer
            ),
        )
        return await _question_payload(info, result, errors)
