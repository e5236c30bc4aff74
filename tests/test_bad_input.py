"""Bad input is a clear, typed error naming the field, never a 500, and changes nothing.

Each kind of value the audit's fuzzing turned into INTERNAL_SERVER_ERROR is sent through
real mutations and queries: NUL bytes and lone surrogates, strings longer than their
column, non-finite and huge decimals, decimals finer than stored, dates off the calendar
with extreme offsets, IDs overflowing bigint, forged cursors, deeply nested bodies.
Limits are read from the columns here too, so the tests follow the schema.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from graphql_schema.ids import to_global_id
from procurement.catalog.models import Listing
from procurement.errors import DomainError, ErrorCode
from procurement.ordering.models import PurchaseOrder, Shipment
from procurement.parties.models import Organization, User
from procurement.sourcing.models import Quote, QuoteLine, Rfq, RfqLine
from procurement.values import DEFAULT_MAX_LENGTH, limits_of
from tests.helpers import Api
from tests.ordering_docs import ADDRESS, PO_CHANGE, PO_CREATE, SHIP, Shop
from tests.sourcing_docs import QUOTE_SUBMIT, RFQ_CREATE, Market, quote_input, rfq_input
from tests.test_fulfilment_and_catalog import LISTING_CREATE
from tests.test_organizations import REGISTER, registration

NUL = "a\x00b"
SURROGATE = "a\ud800b"
BIG_ID = 2**63  # one past PostgreSQL's bigint


def _length(attribute: Any) -> int:
    """The column's length; a Text column holds the default bound of inputs."""
    return limits_of(attribute).max_length or DEFAULT_MAX_LENGTH


async def tables(api: Api) -> dict[str, list[str]]:
    """Every row of every table, to show a refused request wrote nothing."""
    out: dict[str, list[str]] = {}
    async with api.db.read() as s:
        names = [
            r[0]
            for r in await s.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        for table in names:
            rows = await s.execute(
                text(f"SELECT (to_jsonb(t) - 'last_used_at')::text FROM {table} t")
            )
            out[table] = sorted(r[0] for r in rows)
    return out


async def post(api: Api, query: str, variables: dict[str, Any], token: str | None) -> Any:
    """POST as a client that can send any JSON (lone surrogates as \\ud800 escapes)."""
    headers = {"accept": "application/graphql-response+json", "content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables})  # ensure_ascii escapes
    return await api.client.post("/graphql", content=body, headers=headers)


async def refused(
    api: Api, query: str, input: dict[str, Any], token: str | None
) -> list[tuple[str | None, str]]:
    """The (field, code) errors of a refused mutation, which must have changed nothing."""
    before = await tables(api)
    r = await post(api, query, {"input": input}, token)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert payload["errors"], payload
    assert await tables(api) == before, "a refused mutation must change nothing"
    return [(e["field"], e["code"]) for e in payload["errors"]]


# --- the world the cases run in ---------------------------------------------------------


class World:
    """The parties a case needs, made on first use: a case sets up only its own part."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self._market: Market | None = None
        self._rfq: dict[str, Any] | None = None
        self._shop: Shop | None = None
        self._po: dict[str, Any] | None = None

    async def market(self) -> Market:
        if self._market is None:
            if self._shop is not None:
                raise AssertionError("set up the market before the shop (same names)")
            self._market = await Market(self.api).setup()
            async with self.api.db.transaction() as s:  # the shop's parties reuse names
                await s.execute(
                    text(
                        "UPDATE organization SET name = name || ' (M)', name_key = name_key || ' m'"
                    )
                )
        return self._market

    async def rfq(self) -> dict[str, Any]:
        if self._rfq is None:
            self._rfq = await (await self.market()).rfq()
        return self._rfq

    async def sales(self) -> str:
        return (await self.market()).supplier.users["sales"].token

    async def shop(self) -> Shop:
        if self._shop is None:
            self._shop = await Shop(self.api).setup()
        return self._shop

    async def po(self) -> dict[str, Any]:
        if self._po is None:
            self._po = await (await self.shop()).acknowledged("50")
        return self._po


Case = Callable[[World, str, Any], Awaitable[list[tuple[str | None, str]]]]


async def register(w: World, field: str, value: Any) -> list[tuple[str | None, str]]:
    return await refused(w.api, REGISTER, registration(**{field: value}), None)


async def rfq_create(w: World, field: str, value: Any) -> list[tuple[str | None, str]]:
    m = await w.market()
    data = rfq_input(m.category_gid)
    if field.startswith("lines[0]."):
        data["lines"][0][field.split(".", 1)[1]] = value
    else:
        data[field] = value
    return await refused(w.api, RFQ_CREATE, data, m.buyer_token)


async def quote_submit(w: World, field: str, value: Any) -> list[tuple[str | None, str]]:
    data = quote_input(await w.rfq())
    if field.startswith("lines[0]."):
        data["lines"][0][field.split(".", 1)[1]] = value
    else:
        data[field] = value
    return await refused(w.api, QUOTE_SUBMIT, data, await w.sales())


LISTING = {
    "title": "M10 bolt",
    "unit": "EA",
    "currency": "EUR",
    "unitPrice": "2.50",
    "moq": "10",
    "leadTimeDays": 3,
    "stockStatus": "IN_STOCK",
}


async def listing_create(w: World, field: str, value: Any) -> list[tuple[str | None, str]]:
    return await refused(w.api, LISTING_CREATE, {**LISTING, field: value}, await w.sales())


async def po_create(w: World, field: str, value: Any) -> list[tuple[str | None, str]]:
    shop = await w.shop()
    line = {"listingId": to_global_id("Listing", shop.listing_id), "quantity": "50"}
    data: dict[str, Any] = {"lines": [line], "deliveryAddress": ADDRESS}
    if field.startswith("lines[0]."):
        line[field.split(".", 1)[1]] = value
    else:
        data[field] = value
    return await refused(w.api, PO_CREATE, data, shop.token("buyer"))


async def shipment_create(w: World, field: str, value: Any) -> list[tuple[str | None, str]]:
    po = await w.po()
    line = {"lineId": po["lines"][0]["id"], "quantity": "10"}
    data: dict[str, Any] = {"purchaseOrderId": po["id"], "lines": [line], "carrier": "DHL"}
    if field.startswith("lines[0]."):
        line[field.split(".", 1)[1]] = value
    else:
        data[field] = value
    return await refused(w.api, SHIP, data, (await w.shop()).sales)


# (mutation, field, the column whose length bounds it)
TEXT_FIELDS: list[tuple[Case, str, Any]] = [
    (register, "name", Organization.name),
    (register, "website", Organization.website),
    (register, "description", Organization.description),
    (register, "adminEmail", User.email),
    (register, "adminFullName", User.full_name),
    (rfq_create, "title", Rfq.title),
    (rfq_create, "externalReference", Rfq.external_reference),
    (rfq_create, "lines[0].description", RfqLine.description),
    (quote_submit, "paymentTerms", Quote.payment_terms),
    (quote_submit, "lines[0].notes", QuoteLine.notes),
    (listing_create, "title", Listing.title),
    (po_create, "externalReference", PurchaseOrder.external_reference),
    (shipment_create, "carrier", Shipment.carrier),
    (shipment_create, "trackingNumber", Shipment.tracking_number),
]


def _case_id(case: tuple[Case, str, Any]) -> str:
    return f"{case[0].__name__}.{case[1]}"


@pytest.mark.parametrize("case", TEXT_FIELDS, ids=_case_id)
async def test_text_with_characters_postgresql_refuses_is_a_typed_error(
    api: Api, case: tuple[Case, str, Any]
) -> None:
    w = World(api)
    mutation, field, _ = case
    assert await mutation(w, field, NUL) == [(field, "INVALID_CHARACTERS")]
    assert await mutation(w, field, SURROGATE) == [(field, "INVALID_CHARACTERS")]


@pytest.mark.parametrize("case", TEXT_FIELDS, ids=_case_id)
async def test_text_longer_than_its_column_is_too_long(
    api: Api, case: tuple[Case, str, Any]
) -> None:
    w = World(api)
    mutation, field, column = case
    assert await mutation(w, field, "x" * (_length(column) + 1)) == [(field, "TOO_LONG")]


@pytest.mark.parametrize(
    "case",
    [
        (rfq_create, "lines[0].quantity"),
        (rfq_create, "lines[0].targetUnitPrice"),
        (quote_submit, "lines[0].unitPrice"),
        (quote_submit, "lines[0].quantity"),
        (quote_submit, "shippingCost"),
        (listing_create, "unitPrice"),
        (listing_create, "moq"),
        (po_create, "lines[0].quantity"),
        (shipment_create, "lines[0].quantity"),
    ],
    ids=lambda c: f"{c[0].__name__}.{c[1]}",
)
async def test_non_finite_or_huge_decimals_are_out_of_range(
    api: Api, case: tuple[Case, str]
) -> None:
    w = World(api)
    mutation, field = case
    for value in ["NaN", "Infinity", "-Infinity", "sNaN", "1e999999", "-1e999999", 1e308]:
        assert await mutation(w, field, value) == [(field, "OUT_OF_RANGE")], value


@pytest.mark.parametrize(
    "case",
    [
        (rfq_create, "lines[0].quantity", "0.00001"),  # NUMERIC(18, 4)
        (rfq_create, "lines[0].targetUnitPrice", "0.0000001"),  # NUMERIC(18, 6)
        (quote_submit, "lines[0].quantity", "0.00001"),
        (quote_submit, "lines[0].unitPrice", "0.0000001"),
        (quote_submit, "lines[0].unitPrice", "1e-999999"),
        (listing_create, "unitPrice", "2.1234567"),
        (listing_create, "moq", "0.00001"),
        (po_create, "lines[0].quantity", "50.00001"),
        (shipment_create, "lines[0].quantity", "0.00001"),
    ],
    ids=lambda c: f"{c[0].__name__}.{c[1]}={c[2]}",
)
async def test_more_decimals_than_stored_is_too_precise(
    api: Api, case: tuple[Case, str, str]
) -> None:
    """0.00001 in a 4-decimal column would pass "greater than zero" and be stored as 0."""
    w = World(api)
    mutation, field, value = case
    assert await mutation(w, field, value) == [(field, "TOO_PRECISE")]


@pytest.mark.parametrize(
    "case",
    [
        (rfq_create, "deadline", "0001-01-01T00:00:00+14:00"),
        (rfq_create, "deadline", "9999-12-31T23:59:59-23:59"),
        (rfq_create, "deadline", "9999-12-31T23:59:59.999999-14:00"),
        (rfq_create, "needBy", "0001-01-01"),
        (rfq_create, "needBy", "9999-12-31"),
        (quote_submit, "validUntil", "9999-12-31"),
        (po_create, "needBy", "0001-01-01"),
        (shipment_create, "shippedAt", "0001-01-01T00:00:00+14:00"),
        (shipment_create, "shippedAt", "9999-12-31T23:59:59-23:59"),
    ],
    ids=lambda c: f"{c[0].__name__}.{c[1]}={c[2]}",
)
async def test_dates_off_the_calendar_are_out_of_range(
    api: Api, case: tuple[Case, str, str]
) -> None:
    w = World(api)
    mutation, field, value = case
    assert await mutation(w, field, value) == [(field, "OUT_OF_RANGE")]


async def test_a_time_without_offset_is_refused(api: Api) -> None:
    w = World(api)
    assert await rfq_create(w, "deadline", "2030-01-01T00:00:00") == [("deadline", "INVALID")]


# --- IDs and cursors ---------------------------------------------------------------------


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


NODE = "query N($id: ID!) { node(id: $id) { id } }"


@pytest.mark.parametrize(
    "gid",
    [_b64(f"Rfq:{BIG_ID}"), _b64(f"Rfq:{2**70}"), _b64("Rfq:" + "9" * 40), _b64("Rfq:-1")],
)
async def test_ids_overflowing_bigint_find_nothing(api: Api, gid: str) -> None:
    w = World(api)
    for token in (None, (await w.market()).buyer_token):
        r = await post(api, NODE, {"id": gid}, token)
        assert r.status_code == 200
        assert r.json() == {"data": {"node": None}}


async def test_ids_overflowing_bigint_in_a_mutation_are_invalid_id(api: Api) -> None:
    w = World(api)
    assert await quote_submit(w, "rfqId", _b64(f"Rfq:{BIG_ID}")) == [("rfqId", "INVALID_ID")]
    field = "lines[0].listingId"
    assert await po_create(w, field, _b64(f"Listing:{2**70}")) == [(field, "INVALID_ID")]


FORGED = [
    json.dumps([str(2**70), 1]),
    json.dumps([2**70, 2**70]),
    json.dumps([{"dt": 5}, 1]),
    json.dumps([{"d": []}, 1]),
    json.dumps([{"dt": "2026-01-01T00:00:00"}, 1]),
    json.dumps([{"dt": "9999-12-31T23:59:59-23:59"}, 1]),
    json.dumps([{"dt": "2026-01-01T00:00:00+00:00"}, 2**70]),
    json.dumps([{"n": "NaN"}, 1]),
    json.dumps([[1], [2]]),
    json.dumps([1.5, 2]),
    json.dumps(["a\x00", 1]),
    "[" * 200 + "]" * 200,
]


async def test_forged_cursors_are_invalid_cursor(api: Api) -> None:
    w = World(api)
    market = await w.market()
    queries = [
        ("query F($a: String) { rfqFeed(after: $a) { edges { cursor } } }", await w.sales()),
        ("query F($a: String) { rfqs(after: $a) { edges { cursor } } }", market.buyer_token),
        ("query F($a: String) { listings(after: $a) { nodes { id } } }", await w.sales()),
    ]
    for raw in FORGED:
        for query, token in queries:
            r = await post(api, query, {"a": _b64(raw)}, token)
            assert r.status_code == 200, r.text
            (error,) = r.json()["errors"]
            assert error["extensions"] == {"code": "INVALID_CURSOR", "field": "after"}, raw


async def test_a_cursor_too_long_to_be_real_names_after(api: Api) -> None:
    w = World(api)
    query = "query F($a: String) { rfqFeed(after: $a) { edges { cursor } } }"
    r = await post(api, query, {"a": _b64("[" * 100_000 + "]" * 100_000)}, await w.sales())
    (error,) = r.json()["errors"]
    # the string bound of the validation step names the variable that carried it
    assert (error["extensions"]["field"], error["extensions"]["code"]) in {
        ("after", "INVALID_CURSOR"),
        ("a", "TOO_LONG"),
    }


# --- unreadable bodies -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"query": "{ __typename }", "variables": {"a": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}",
        # within json's recursion limit, but deeper than any input: refused before an
        # Idempotency-Key hash or variable coercion would recurse through it
        b'{"query": "mutation { __typename }", "variables": {"a": '
        + b"[" * 900
        + b"]" * 900
        + b"}}",
    ],
    ids=["deep-body", "deep-variables", "deep-but-parseable"],
)
async def test_a_deeply_nested_body_is_a_400_with_a_json_error(api: Api, body: bytes) -> None:
    r = await api.client.post(
        "/graphql",
        content=body,
        headers={
            "content-type": "application/json",
            "accept": "application/json",
            "idempotency-key": "deep-1",
        },
    )
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_deeply_nested_query_string_variables_are_a_400(api: Api) -> None:
    r = await api.client.get(
        "/graphql",
        params={"query": "{ __typename }", "variables": "[" * 3000 + "]" * 3000},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


# --- payloads show what was stored ------------------------------------------------------

LISTING_READ = """
query L($id: ID!) { listing(id: $id) { unitPrice { amount } moq tiers { minQuantity
  unitPrice { amount } } } }
"""


async def test_listing_payload_equals_a_later_read(api: Api) -> None:
    w = World(api)
    data = {
        **LISTING,
        "unitPrice": "2.123456",
        "moq": "1.5E+2",
        "tiers": [{"minQuantity": "1E+3", "unitPrice": "2"}],
    }
    p = await api.mutate(LISTING_CREATE, data, await w.sales())
    assert p["errors"] == []
    created = p["listing"]
    read = (await api.gql(LISTING_READ, {"id": created["id"]}, await w.sales()))["listing"]
    assert created["unitPrice"]["amount"] == read["unitPrice"]["amount"] == "2.123456"
    assert created["moq"] == read["moq"] == "150.0000"
    assert created["tiers"] == read["tiers"]


async def test_deadline_payload_is_the_stored_utc_time(api: Api) -> None:
    w = World(api)
    deadline = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    p = await api.mutate(
        RFQ_CREATE,
        rfq_input(
            (await w.market()).category_gid,
            deadline=deadline.astimezone(timezone(timedelta(hours=8))).isoformat(),
        ),
        (await w.market()).buyer_token,
    )
    assert p["errors"] == []
    read = await api.gql(
        "query R($id: ID!) { rfq(id: $id) { deadline lines { quantity } } }",
        {"id": p["rfq"]["id"]},
        (await w.market()).buyer_token,
    )
    assert p["rfq"]["deadline"] == read["rfq"]["deadline"] == deadline.isoformat()
    assert [ln["quantity"] for ln in p["rfq"]["lines"]] == [
        ln["quantity"] for ln in read["rfq"]["lines"]
    ]


# --- codes a client acts on -------------------------------------------------------------


async def test_line_total_overflowing_its_column_is_out_of_range(api: Api) -> None:
    """A price and a quantity each within their columns whose product is not."""
    w = World(api)
    async with api.db.transaction() as s:
        listing = await s.get(Listing, (await w.shop()).listing_id)
        assert listing is not None
        listing.unit_price = Decimal("999999999.99")
        listing.tiers = []
    field = "lines[0].quantity"
    assert await po_create(w, field, "99999999") == [(field, "OUT_OF_RANGE")]


async def test_below_the_moq_has_its_own_code(api: Api) -> None:
    w = World(api)  # the shop's listing has MOQ 10
    field = "lines[0].quantity"
    assert await po_create(w, field, "5") == [(field, "BELOW_MOQ")]
    # one error per problem: zero is not positive, and not also below the MOQ
    assert await po_create(w, field, "0") == [(field, "NOT_POSITIVE")]


async def test_over_shipment_has_its_own_code(api: Api) -> None:
    w = World(api)  # 50 ordered, no tolerance
    field = "lines[0].quantity"
    assert await shipment_create(w, field, "51") == [(field, "OVER_SHIPMENT")]


async def test_an_unexpected_failure_is_a_json_500_not_plain_text(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever escapes every check (a bug) still answers in the protocol's format."""
    import graphql_schema.http as http

    async def broken(*args: Any) -> Any:
        raise RecursionError("somewhere deep")

    monkeypatch.setattr(http, "_params", broken)
    r = await api.client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"accept": "application/json"}
    )
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {
        "errors": [
            {"message": "Unexpected error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ]
    }


async def test_a_computed_amount_overflowing_its_column_is_refused_at_flush(api: Api) -> None:
    """A change order whose new line total overflows NUMERIC(18, 6): the service computes
    it, the flush check refuses it (OUT_OF_RANGE), and nothing is written."""
    w = World(api)
    po = await w.po()
    shop = await w.shop()
    before = await tables(api)
    p = await shop.act(
        PO_CHANGE,
        {
            "id": po["id"],
            "expectedVersion": po["version"],
            "lines": [{"lineId": po["lines"][0]["id"], "quantity": "99999999999999"}],
        },
    )
    assert p["purchaseOrder"] is None
    assert [e["code"] for e in p["errors"]] == ["OUT_OF_RANGE"]
    assert await tables(api) == before


async def test_the_flush_check_stores_what_the_object_shows(api: Api) -> None:
    """Numbers are rounded to the column's scale and times moved to UTC on flush, so an
    object returned after a write shows what a later read returns."""
    w = World(api)
    shop = await w.shop()
    async with api.db.transaction() as s:
        listing = await s.get(Listing, shop.listing_id)
        assert listing is not None
        listing.unit_price = Decimal("1.5E+2")
        await s.flush()
        assert str(listing.unit_price) == "150.000000"
    with pytest.raises(DomainError) as exc:
        async with api.db.transaction() as s:
            listing = await s.get(Listing, shop.listing_id)
            assert listing is not None
            listing.unit_price = Decimal("1E+13")
    assert [(e.field, e.code) for e in exc.value.errors] == [("unitPrice", ErrorCode.OUT_OF_RANGE)]
