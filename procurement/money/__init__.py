"""Money: ISO 4217 currencies, amounts as Decimal, and the platform's FX rates."""
