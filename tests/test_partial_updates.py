"""An explicit null on an update field that cannot be empty leaves the field as it is.

GraphQL cannot declare an input field that may be left out but not be null, so
``listingUpdate(input: {id, tiers: null})`` is a valid document.  The fuzz test
(tests/test_fuzz.py) found such nulls reaching services that cannot store them: HTTP 200
with a masked INTERNAL_SERVER_ERROR.  The rule (graphql_schema/partial.py ``kept``): a
null there means "leave it as it is", like leaving the field out; each test checks the
stored row too.
"""

from __future__ import annotations

from typing import Any

import pytest

from graphql_schema.ids import to_global_id
from tests.helpers import Api, rows
from tests.sourcing_docs import RFQ_CREATE, RFQ_UPDATE, rfq_input

ERRORS = "errors { field code message }"

LISTING_CREATE = f"""
mutation($input: ListingCreateInput!) {{
  listingCreate(input: $input) {{ listing {{ id }} {ERRORS} }}
}}
"""
LISTING_UPDATE = f"""
mutation($input: ListingUpdateInput!) {{
  listingUpdate(input: $input) {{
    listing {{ title unit currency moq tiers {{ minQuantity }} leadTimeDays stockStatus }}
    {ERRORS}
  }}
}}
"""
ORG_UPDATE = f"""
mutation($input: OrganizationUpdateInput!) {{
  organizationUpdate(input: $input) {{ organization {{ name country baseCurrency }} {ERRORS} }}
}}
"""
USER_UPDATE = f"""
mutation($input: UserUpdateInput!) {{
  userUpdate(input: $input) {{ user {{ fullName roles }} {ERRORS} }}
}}
"""

LISTING_ROW = "SELECT title, unit, currency, moq, tiers, stock_status FROM listing"
RFQ_ROW = (
    "SELECT r.title, r.currency, r.deadline, r.visibility, r.sealed, r.weights, "
    "l.description, l.quantity, l.unit FROM rfq r JOIN rfq_line l ON l.rfq_id = r.id "
    "ORDER BY l.id"
)
USER_ROW = "SELECT full_name, roles, password_hash FROM app_user WHERE id = :i"


async def update(api: Api, document: str, input: dict[str, Any], token: str) -> dict[str, Any]:
    r = await api.raw(document, {"input": input}, token)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body["errors"]  # before the fix: INTERNAL_SERVER_ERROR
    (payload,) = body["data"].values()
    assert payload["errors"] == [], payload
    return payload  # type: ignore[no-any-return]


@pytest.mark.parametrize("field", ["tiers", "stockStatus", "title", "currency", "moq", "unit"])
async def test_listing_update_with_null(api: Api, field: str) -> None:
    supplier = await api.org(supplier=True, users={"sales": ["SUPPLIER_SALES"]})
    token = supplier.users["sales"].token
    created = await api.mutate(
        LISTING_CREATE,
        {
            "title": "M8 bolt",
            "unit": "EA",
            "currency": "EUR",
            "unitPrice": "10",
            "moq": "5",
            "tiers": [{"minQuantity": "100", "unitPrice": "9"}],
            "stockStatus": "IN_STOCK",
        },
        token,
    )
    assert created["errors"] == []
    before = await rows(
        api.db, "SELECT title, unit, currency, moq, tiers, stock_status FROM listing"
    )
    p = await update(api, LISTING_UPDATE, {"id": created["listing"]["id"], field: None}, token)
    assert p["listing"]["tiers"] == [{"minQuantity": "100.0000"}]
    assert p["listing"]["stockStatus"] == "IN_STOCK"
    after = await rows(
        api.db, "SELECT title, unit, currency, moq, tiers, stock_status FROM listing"
    )
    assert after == before


@pytest.mark.parametrize("field", ["name", "country", "baseCurrency"])
async def test_organization_update_with_null(api: Api, field: str) -> None:
    org = await api.org("Null Buyer", buyer=True, country="DE", currency="EUR")
    p = await update(api, ORG_UPDATE, {"id": org.gid, field: None}, org.users["admin"].token)
    assert p["organization"] == {"name": "Null Buyer", "country": "DE", "baseCurrency": "EUR"}
    assert await rows(
        api.db, "SELECT name, country, base_currency FROM organization WHERE id = :i", i=org.id
    ) == [("Null Buyer", "DE", "EUR")]


@pytest.mark.parametrize("field", ["roles", "fullName", "password"])
async def test_user_update_with_null(api: Api, field: str) -> None:
    org = await api.org(buyer=True, users={"admin": ["ORG_ADMIN"], "buyer": ["BUYER"]})
    buyer = org.users["buyer"]
    before = await rows(
        api.db,
        "SELECT full_name, roles, password_hash FROM app_user WHERE id = :i",
        i=buyer.user_id,
    )
    p = await update(api, USER_UPDATE, {"id": buyer.gid, field: None}, org.users["admin"].token)
    assert p["user"]["roles"] == ["BUYER"]
    after = await rows(
        api.db,
        "SELECT full_name, roles, password_hash FROM app_user WHERE id = :i",
        i=buyer.user_id,
    )
    assert after == before


@pytest.mark.parametrize(
    "field", ["deadline", "title", "currency", "visibility", "sealed", "evaluationWeights"]
)
async def test_rfq_update_with_null(api: Api, field: str) -> None:
    org = await api.org(buyer=True, users={"buyer": ["BUYER"]})
    token = org.users["buyer"].token
    cat = await api.category("31160000")
    created = await api.mutate(RFQ_CREATE, rfq_input(to_global_id("Category", cat.id)), token)
    assert created["errors"] == []
    rfq = created["rfq"]
    before = await rows(api.db, RFQ_ROW)
    line = {"id": rfq["lines"][0]["id"], "description": None, "quantity": None, "unit": None}
    p = await update(api, RFQ_UPDATE, {"id": rfq["id"], field: None, "changeLines": [line]}, token)
    assert {k: p["rfq"][k] for k in ("deadline", "title", "currency", "lines")} == {
        k: rfq[k] for k in ("deadline", "title", "currency", "lines")
    }
    assert await rows(api.db, RFQ_ROW) == before
