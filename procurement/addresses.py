"""Structured delivery addresses, shared by RFQs and purchase orders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from procurement.errors import Collector
from procurement.parties.validation import check_country, check_name
from procurement.values import Limits

#: an address is stored as JSON, so its parts have these limits instead of columns'
ADDRESS_LIMITS = {
    "line1": Limits(max_length=200),
    "line2": Limits(max_length=200),
    "city": Limits(max_length=100),
    "postalCode": Limits(max_length=20),
    "region": Limits(max_length=100),
    "contactName": Limits(max_length=200),
    "contactPhone": Limits(max_length=50),
}


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str | None = None
    region: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


def check_address(c: Collector, a: Address, field: str = "deliveryAddress") -> dict[str, Any]:
    """The stored JSON form (camelCase keys), after checking each part."""
    return {
        "line1": check_name(c, a.line1, f"{field}.line1"),
        "line2": (a.line2 or "").strip() or None,
        "city": check_name(c, a.city, f"{field}.city", 100),
        "postalCode": check_name(c, a.postal_code, f"{field}.postalCode", 20),
        "region": (a.region or "").strip() or None,
        "country": check_country(c, a.country, f"{field}.country"),
        "contactName": a.contact_name,
        "contactPhone": a.contact_phone,
    }
