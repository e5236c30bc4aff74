"""ISO 4217 currency codes and the number of minor units each uses."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import pycountry

from procurement.errors import Collector, ErrorCode

# Funds codes, precious metals and testing codes are ISO 4217 entries but not
# currencies anyone invoices in.
_NOT_TRADED = {
    "XAU",
    "XAG",
    "XPT",
    "XPD",
    "XTS",
    "XXX",
    "XDR",
    "XBA",
    "XBB",
    "XBC",
    "XBD",
    "XSU",
    "XUA",
    "BOV",
    "CHE",
    "CHW",
    "CLF",
    "COU",
    "MXV",
    "USN",
    "UYI",
    "UYW",
}

#: currencies with other than two minor units (ISO 4217 "minor unit" column)
_MINOR_UNITS = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "UGX": 0,
    "PYG": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "KMF": 0,
    "GNF": 0,
    "RWF": 0,
    "VUV": 0,
    "DJF": 0,
    "BIF": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
    "LYD": 3,
    "IQD": 3,
}


@lru_cache(maxsize=1)
def currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies) - _NOT_TRADED


def is_currency(code: str) -> bool:
    return code in currency_codes()


def minor_units(code: str) -> int:
    return _MINOR_UNITS.get(code, 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit (banker's rounding is not what invoices use)."""
    exp = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exp, rounding=ROUND_HALF_UP)


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def check_currency(c: Collector, code: str, field: str) -> str:
    code = code.strip().upper()
    if not is_currency(code):
        c.add(ErrorCode.INVALID_CURRENCY, f"'{code}' is not an ISO 4217 currency code", field)
    return code
