"""Shared object types: Money."""

from __future__ import annotations

from decimal import Decimal

import strawberry


@strawberry.type(description="An amount in an ISO 4217 currency; the amount is a decimal string.")
class Money:
    amount: Decimal
    currency: str
