"""Shared object types: Money."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from procurement.money.currency import quantize


@strawberry.type(description="An amount in an ISO 4217 currency; the amount is a decimal string.")
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal, currency: str) -> Money:
        """Rounded to the currency's minor unit (2 for EUR, 0 for JPY)."""
        return cls(amount=quantize(amount, currency), currency=currency)
