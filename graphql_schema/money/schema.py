"""FX rates: the platform's table (read by anyone signed in, set by platform admins)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.types import Info

from graphql_schema.errors import UserError, in_transaction
from graphql_schema.input_guard import column
from procurement.money.fx import list_rates, set_rate
from procurement.money.models import FxRate as FxRateModel
from procurement.viewer import require_viewer


@strawberry.type(description="One unit of `base` buys `rate` units of `quote` on `asOf`.")
class FxRate:
    base: str
    quote: str
    rate: Decimal
    as_of: date

    @classmethod
    def from_model(cls, m: FxRateModel) -> FxRate:
        return cls(base=m.base, quote=m.quote, rate=m.rate, as_of=m.as_of)


@strawberry.input
class FxRateSetInput:
    base: str
    quote: str
    rate: Decimal = column(FxRateModel.rate)
    as_of: date


@strawberry.type
class FxRatePayload:
    fx_rate: FxRate | None = None
    errors: list[UserError]


@strawberry.type
class MoneyQuery:
    @strawberry.field(description="FX rates, newest first (at most 200).")
    async def fx_rates(
        self, info: Info, base: str | None = None, quote: str | None = None
    ) -> list[FxRate]:
        require_viewer(info.context.viewer)
        async with info.context.db.read() as s:
            rows = await list_rates(s, base, quote)
            return [FxRate.from_model(r) for r in rows]


@strawberry.type
class MoneyMutation:
    @strawberry.mutation(description="Platform admins: record a rate for a day.")
    async def fx_rate_set(self, info: Info, input: FxRateSetInput) -> FxRatePayload:
        result, errors = await in_transaction(
            info,
            lambda s, v: set_rate(
                s, v, base=input.base, quote=input.quote, rate=input.rate, as_of=input.as_of
            ),
        )
        return FxRatePayload(fx_rate=FxRate.from_model(result) if result else None, errors=errors)
