"""Fulfilment (shipments, receipts, three-way match, returns) and the catalog, through the API.

The rules under test are the ones ``procurement/ordering/fulfilment.py`` and
``procurement/catalog/service.py`` state in their docstrings; every quantity is checked
to the exact string the API returns, because ERP clients compare these strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from graphql_schema.ids import to_global_id
from procurement.parties.models import VerificationStatus
from tests.helpers import Api, codes
from tests.ordering_docs import (
    ADDRESS,
    INVOICE,
    INVOICE_ACCEPT,
    INVOICE_DISPUTE,
    PO_CREATE,
    PO_QUERY,
    RECEIVE,
    RETURN_APPROVE,
    RETURN_CREATE,
    RETURN_RECEIVE,
    RETURN_REJECT,
    SHIP,
    Shop,
)

ERRORS = "errors { field code message }"

ORG_UPDATE = f"""
mutation U($input: OrganizationUpdateInput!) {{
  organizationUpdate(input: $input) {{
    organization {{ id overShipmentTolerance priceTolerance }} {ERRORS}
  }}
}}
"""

LISTING_FIELDS = """
  id title description unit currency unitPrice { amount currency } moq
  tiers { minQuantity unitPrice { amount } } leadTimeDays stockStatus status version
  supplier { name } category { code }
"""

LISTING_CREATE = f"""
mutation C($input: ListingCreateInput!) {{
  listingCreate(input: $input) {{ listing {{ {LISTING_FIELDS} }} {ERRORS} }}
}}
"""

LISTING_UPDATE = f"""
mutation U($input: ListingUpdateInput!) {{
  listingUpdate(input: $input) {{ listing {{ {LISTING_FIELDS} }} {ERRORS} }}
}}
"""

LISTING_ARCHIVE = f"""
mutation A($input: ListingArchiveInput!) {{
  listingArchive(input: $input) {{ listing {{ id status version }} {ERRORS} }}
}}
"""

LISTINGS = """
query L($filter: ListingFilter, $sortBy: ListingSort! = NEWEST) {
  listings(filter: $filter, sortBy: $sortBy) {
    totalCount nodes { title unitPrice { amount } supplier { name } }
  }
}
"""

PRICE_FOR = """
query P($id: ID!) {
  listing(id: $id) {
    below: priceFor(quantity: "99") { amount currency }
    first: priceFor(quantity: "100") { amount currency }
    between: priceFor(quantity: "499.5") { amount currency }
    second: priceFor(quantity: "500") { amount currency }
  }
}
"""


# --- helpers -----------------------------------------------------------------------------


async def ship(shop: Shop, po: dict[str, Any], quantity: str) -> dict[str, Any]:
    return await shop.act(
        SHIP,
        {
            "purchaseOrderId": po["id"],
            "carrier": "DHL",
            "lines": [{"lineId": po["lines"][0]["id"], "quantity": quantity}],
        },
        token=shop.sales,
    )


async def receive(
    shop: Shop, po: dict[str, Any], accepted: str, rejected: str = "0"
) -> dict[str, Any]:
    return await shop.act(
        RECEIVE,
        {
            "purchaseOrderId": po["id"],
            "lines": [{"lineId": po["lines"][0]["id"], "accepted": accepted, "rejected": rejected}],
        },
    )


async def invoice(
    shop: Shop, po: dict[str, Any], number: str, quantity: str, unit_price: str = "10.00"
) -> dict[str, Any]:
    return await shop.act(
        INVOICE,
        {
            "purchaseOrderId": po["id"],
            "number": number,
            "lines": [
                {"lineId": po["lines"][0]["id"], "quantity": quantity, "unitPrice": unit_price}
            ],
        },
        token=shop.sales,
    )


async def request_return(shop: Shop, po: dict[str, Any], quantity: str) -> dict[str, Any]:
    return await shop.act(
        RETURN_CREATE,
        {
            "purchaseOrderId": po["id"],
            "reason": "Threads damaged",
            "evidence": "photo-17.jpg",
            "lines": [{"lineId": po["lines"][0]["id"], "quantity": quantity}],
        },
    )


async def set_tolerances(shop: Shop, **values: str) -> None:
    """The buyer organisation's settings, changed by its ORG_ADMIN."""
    p = await shop.act(ORG_UPDATE, {"id": shop.buyer.gid, **values}, "admin")
    assert p["errors"] == [], p["errors"]


async def received(shop: Shop, quantity: str = "50") -> dict[str, Any]:
    """A RECEIVED order: shipped and accepted in full."""
    po = await shop.acknowledged(quantity)
    assert (await ship(shop, po, quantity))["errors"] == []
    p = await receive(shop, po, quantity)
    assert p["purchaseOrder"]["status"] == "RECEIVED", p
    return p["purchaseOrder"]  # type: ignore[no-any-return]


def line(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["purchaseOrder"]["lines"][0]  # type: ignore[no-any-return]


async def reload(api: Api, shop: Shop, po: dict[str, Any]) -> dict[str, Any]:
    data = await api.gql(PO_QUERY, {"id": po["id"]}, shop.token("buyer"))
    return data["purchaseOrder"]  # type: ignore[no-any-return]


# --- shipments and receipts ---------------------------------------------------------------


async def test_partial_shipments_and_receipts(api: Api) -> None:
    """Ship 30 then 20 of 50; receipts accept and reject only what was shipped; the order
    is RECEIVED only once the accepted quantity reaches the ordered one."""
    shop = await Shop(api).setup()
    po = await shop.acknowledged("50")

    p = await ship(shop, po, "30")
    assert p["errors"] == [] and p["shipment"]["carrier"] == "DHL"
    assert p["purchaseOrder"]["status"] == "IN_FULFILMENT"  # the first shipment
    assert line(p)["shippedQuantity"] == "30.0000"

    too_many = await receive(shop, po, "29", "2")  # 31 of 30 shipped
    assert codes(too_many) == [("lines[0]", "INVALID")]
    nothing = await receive(shop, po, "0", "0")
    assert codes(nothing) == [("lines[0]", "NOT_POSITIVE")]

    p = await receive(shop, po, "28", "2")
    assert p["errors"] == [] and p["purchaseOrder"]["status"] == "IN_FULFILMENT"
    assert (line(p)["acceptedQuantity"], line(p)["rejectedQuantity"]) == ("28.0000", "2.0000")
    assert p["purchaseOrder"]["receipts"][0]["lines"][0]["accepted"] == "28.0000"

    p = await ship(shop, po, "20")
    assert p["errors"] == [] and line(p)["shippedQuantity"] == "50.0000"
    assert [s["lines"][0]["quantity"] for s in p["purchaseOrder"]["shipments"]] == [
        "30.0000",
        "20.0000",
    ]

    over = await receive(shop, po, "21")  # 30 received + 21 > 50 shipped
    assert codes(over) == [("lines[0]", "INVALID")]
    p = await receive(shop, po, "20")
    assert p["errors"] == []
    assert line(p)["acceptedQuantity"] == "48.0000"
    assert line(p)["rejectedQuantity"] == "2.0000"
    # 48 of 50 accepted: not RECEIVED while the 2 rejected are missing
    assert p["purchaseOrder"]["status"] == "IN_FULFILMENT"

    # Rejected goods may be replaced even at the default tolerance of 0: 2 more ship,
    # a third does not.
    again = await ship(shop, po, "2")
    assert again["errors"] == [] and line(again)["shippedQuantity"] == "52.0000"
    assert codes(await ship(shop, po, "1")) == [("lines[0].quantity", "OVER_SHIPMENT")]
    p = await receive(shop, po, "2")
    assert p["purchaseOrder"]["status"] == "RECEIVED"


async def test_over_shipment_refused_at_default_tolerance(api: Api) -> None:
    """Tolerance 0 by default: 51 of 50 is refused and nothing is recorded."""
    shop = await Shop(api).setup()
    po = await shop.acknowledged("50")
    p = await ship(shop, po, "51")
    assert codes(p) == [("lines[0].quantity", "OVER_SHIPMENT")]
    assert p["purchaseOrder"] is None
    after = await reload(api, shop, po)
    assert after["status"] == "ACKNOWLEDGED" and after["shipments"] == []
    assert after["lines"][0]["shippedQuantity"] == "0.0000"
    assert (await ship(shop, po, "50"))["errors"] == []  # exactly the ordered quantity


async def test_over_shipment_within_buyer_tolerance(api: Api) -> None:
    """With the buyer's tolerance at 10 %, 55 of 50 may ship and 56 may not; only the
    buyer's ORG_ADMIN sets it, and a tolerance is a share from 0 to 1."""
    shop = await Shop(api).setup()
    po = await shop.acknowledged("50")
    not_admin = await shop.act(ORG_UPDATE, {"id": shop.buyer.gid, "overShipmentTolerance": "0.1"})
    assert codes(not_admin)[0][1] == "FORBIDDEN"
    out_of_range = await shop.act(
        ORG_UPDATE, {"id": shop.buyer.gid, "overShipmentTolerance": "1.5"}, "admin"
    )
    assert codes(out_of_range) == [("overShipmentTolerance", "INVALID")]
    await set_tolerances(shop, overShipmentTolerance="0.1")

    assert codes(await ship(shop, po, "56")) == [("lines[0].quantity", "OVER_SHIPMENT")]
    p = await ship(shop, po, "55")
    assert p["errors"] == [] and line(p)["shippedQuantity"] == "55.0000"
    assert codes(await ship(shop, po, "0.0001")) == [("lines[0].quantity", "OVER_SHIPMENT")]

    p = await receive(shop, po, "55")
    assert p["errors"] == [] and p["purchaseOrder"]["status"] == "RECEIVED"
    assert line(p)["acceptedQuantity"] == "55.0000"


async def test_rejected_goods_replaced_within_tolerance(api: Api) -> None:
    """A replacement for rejected goods ships within the tolerance; accepting it makes the
    order RECEIVED."""
    shop = await Shop(api).setup()
    await set_tolerances(shop, overShipmentTolerance="0.1")
    po = await shop.acknowledged("50")
    assert (await ship(shop, po, "50"))["errors"] == []
    p = await receive(shop, po, "48", "2")
    assert p["purchaseOrder"]["status"] == "IN_FULFILMENT"
    p = await ship(shop, po, "2")
    assert p["errors"] == [] and line(p)["shippedQuantity"] == "52.0000"
    p = await receive(shop, po, "2")
    assert p["errors"] == [] and p["purchaseOrder"]["status"] == "RECEIVED"
    assert (line(p)["acceptedQuantity"], line(p)["rejectedQuantity"]) == ("50.0000", "2.0000")


# --- three-way match -----------------------------------------------------------------------


async def test_invoice_before_any_shipment_is_invalid_transition(api: Api) -> None:
    """An ACKNOWLEDGED order has nothing to invoice yet."""
    shop = await Shop(api).setup()
    po = await shop.acknowledged("50")
    p = await invoice(shop, po, "INV-1", "50")
    assert codes(p) == [("purchaseOrderId", "INVALID_TRANSITION")]
    assert (await reload(api, shop, po))["invoices"] == []


async def test_quantity_above_received_needs_review_until_accepted(api: Api) -> None:
    """Invoicing beyond accepted-and-not-invoiced holds the invoice (and the order) for
    review; only the buyer may accept it, which then closes the RECEIVED order."""
    shop = await Shop(api).setup()
    po = await received(shop, "50")

    p = await invoice(shop, po, "INV-1", "30")
    assert p["errors"] == [] and p["invoice"]["status"] == "MATCHED"
    assert p["invoice"]["exceptions"] == [] and p["invoice"]["total"] == {"amount": "300.00"}
    assert p["purchaseOrder"]["status"] == "RECEIVED"  # 20 accepted still not invoiced
    assert line(p)["invoicedQuantity"] == "30.0000"

    p = await invoice(shop, po, "INV-2", "25")  # 20 open
    assert p["errors"] == [] and p["invoice"]["status"] == "NEEDS_REVIEW"
    assert [e["code"] for e in p["invoice"]["exceptions"]] == ["QUANTITY_EXCEEDS_RECEIVED"]
    review = p["purchaseOrder"]["invoices"][1]
    assert review["exceptions"][0]["lineId"] == po["lines"][0]["id"]
    assert line(p)["invoicedQuantity"] == "55.0000"
    # everything is invoiced, yet the invoice in review holds the order open
    assert p["purchaseOrder"]["status"] == "RECEIVED"

    own = await shop.act(INVOICE_ACCEPT, {"id": p["invoice"]["id"]}, token=shop.sales)
    assert codes(own)[0][1] == "FORBIDDEN"
    assert (await reload(api, shop, po))["status"] == "RECEIVED"

    p = await shop.act(INVOICE_ACCEPT, {"id": p["invoice"]["id"], "note": "5 free of charge"})
    assert p["errors"] == [] and p["invoice"]["status"] == "ACCEPTED"
    assert p["purchaseOrder"]["status"] == "CLOSED"
    twice = await shop.act(INVOICE_ACCEPT, {"id": p["invoice"]["id"]})
    assert codes(twice)[0][1] == "INVALID_TRANSITION"


async def test_price_mismatch_dispute_and_duplicate_number(api: Api) -> None:
    """A price off the order's needs review; disputing it gives its quantity back to be
    invoiced again, under a new number; a MATCHED invoice for the rest closes the order."""
    shop = await Shop(api).setup()
    po = await received(shop, "50")

    p = await invoice(shop, po, "INV-1", "50", "10.01")  # default price tolerance: 0
    assert p["invoice"]["status"] == "NEEDS_REVIEW"
    assert [e["code"] for e in p["invoice"]["exceptions"]] == ["PRICE_MISMATCH"]
    assert line(p)["invoicedQuantity"] == "50.0000"
    assert p["purchaseOrder"]["status"] == "RECEIVED"
    first = p["invoice"]["id"]

    empty = await shop.act(INVOICE_DISPUTE, {"id": first, "reason": "  "})
    assert codes(empty) == [("reason", "REQUIRED")]
    p = await shop.act(INVOICE_DISPUTE, {"id": first, "reason": "Price is 10.00 as ordered"})
    assert p["errors"] == [] and p["invoice"]["status"] == "DISPUTED"
    assert line(p)["invoicedQuantity"] == "0.0000"  # no longer counts as invoiced
    assert p["purchaseOrder"]["status"] == "RECEIVED"
    assert codes(await shop.act(INVOICE_ACCEPT, {"id": first}))[0][1] == "INVALID_TRANSITION"
    again = await shop.act(INVOICE_DISPUTE, {"id": first, "reason": "again"})
    assert codes(again)[0][1] == "INVALID_TRANSITION"

    dup = await invoice(shop, po, "INV-1", "50")
    assert codes(dup) == [("number", "DUPLICATE")]
    dup_spaced = await invoice(shop, po, " INV-1 ", "50")  # the number is trimmed
    assert codes(dup_spaced) == [("number", "DUPLICATE")]

    p = await invoice(shop, po, "INV-2", "50")
    assert p["errors"] == [] and p["invoice"]["status"] == "MATCHED"
    assert line(p)["invoicedQuantity"] == "50.0000"
    assert p["purchaseOrder"]["status"] == "CLOSED"
    assert [(i["number"], i["status"]) for i in p["purchaseOrder"]["invoices"]] == [
        ("INV-1", "DISPUTED"),
        ("INV-2", "MATCHED"),
    ]


async def test_price_tolerance_of_two_percent(api: Api) -> None:
    """Within 2 % of 10.00 (9.80 to 10.20 inclusive) an invoice price MATCHES."""
    shop = await Shop(api).setup()
    await set_tolerances(shop, priceTolerance="0.02")
    po = await received(shop, "50")
    for number, price, status in (
        ("INV-1", "10.20", "MATCHED"),
        ("INV-2", "9.80", "MATCHED"),
        ("INV-3", "10.21", "NEEDS_REVIEW"),
        ("INV-4", "9.79", "NEEDS_REVIEW"),
    ):
        p = await invoice(shop, po, number, "10", price)
        assert p["errors"] == [] and p["invoice"]["status"] == status, (number, p)
        expected = [] if status == "MATCHED" else ["PRICE_MISMATCH"]
        assert [e["code"] for e in p["invoice"]["exceptions"]] == expected
    assert p["purchaseOrder"]["status"] == "RECEIVED"
    assert line(p)["invoicedQuantity"] == "40.0000"


async def test_matched_invoice_on_partly_received_order_keeps_it_open(api: Api) -> None:
    """Invoicing what was accepted so far is MATCHED but does not close an order that is
    not RECEIVED yet; the last receipt and its invoice do."""
    shop = await Shop(api).setup()
    po = await shop.acknowledged("50")
    await ship(shop, po, "50")
    await receive(shop, po, "30")
    p = await invoice(shop, po, "INV-1", "30")
    assert p["invoice"]["status"] == "MATCHED"
    assert p["purchaseOrder"]["status"] == "IN_FULFILMENT"
    p = await receive(shop, po, "20")
    assert p["purchaseOrder"]["status"] == "RECEIVED"
    p = await invoice(shop, po, "INV-2", "20")
    assert p["invoice"]["status"] == "MATCHED" and p["purchaseOrder"]["status"] == "CLOSED"


async def test_last_receipt_closes_order_already_invoiced(api: Api) -> None:
    """The rule: "A RECEIVED order whose accepted quantities are all invoiced by MATCHED or
    ACCEPTED invoices is CLOSED" -- also when the invoice came (and was accepted) before
    the last receipt; otherwise nothing would ever close the order."""
    shop = await Shop(api).setup()
    po = await shop.acknowledged("50")
    await ship(shop, po, "50")
    await receive(shop, po, "30")
    p = await invoice(shop, po, "INV-1", "50")  # 20 not received yet
    assert p["invoice"]["status"] == "NEEDS_REVIEW"
    p = await shop.act(INVOICE_ACCEPT, {"id": p["invoice"]["id"]})
    assert p["invoice"]["status"] == "ACCEPTED"
    assert p["purchaseOrder"]["status"] == "IN_FULFILMENT"
    p = await receive(shop, po, "20")
    assert p["errors"] == []
    assert p["purchaseOrder"]["status"] == "CLOSED"


# --- returns ---------------------------------------------------------------------------


async def test_return_request_approve_receive_and_reject(api: Api) -> None:
    """The buyer returns accepted goods only (requested and approved returns count
    against them); the supplier decides, with a reason for a rejection, and records the
    credit, at most the goods' value."""
    shop = await Shop(api).setup()
    po = await shop.acknowledged("50")
    await ship(shop, po, "30")
    await receive(shop, po, "28", "2")

    assert codes(await request_return(shop, po, "29")) == [("lines[0].quantity", "INVALID")]
    no_reason = await shop.act(
        RETURN_CREATE,
        {
            "purchaseOrderId": po["id"],
            "reason": " ",
            "lines": [{"lineId": po["lines"][0]["id"], "quantity": "1"}],
        },
    )
    assert codes(no_reason) == [("reason", "REQUIRED")]
    supplier_asks = await shop.act(
        RETURN_CREATE,
        {
            "purchaseOrderId": po["id"],
            "reason": "x",
            "lines": [{"lineId": po["lines"][0]["id"], "quantity": "1"}],
        },
        token=shop.sales,
    )
    assert codes(supplier_asks)[0][1] == "FORBIDDEN"

    p = await request_return(shop, po, "20")
    assert p["errors"] == [] and p["returnRequest"]["status"] == "REQUESTED"
    approved = p["returnRequest"]["id"]
    assert codes(await request_return(shop, po, "9")) == [("lines[0].quantity", "INVALID")]
    p = await request_return(shop, po, "8")
    assert p["errors"] == []
    rejected = p["returnRequest"]["id"]
    assert codes(await request_return(shop, po, "0.0001")) == [("lines[0].quantity", "INVALID")]

    # the supplier decides; the buyer cannot
    buyer_approves = await shop.act(RETURN_APPROVE, {"id": approved})
    assert codes(buyer_approves)[0][1] == "FORBIDDEN"
    # received only once approved
    early = await shop.act(RETURN_RECEIVE, {"id": approved, "creditAmount": "1"}, token=shop.sales)
    assert codes(early) == [("id", "INVALID_TRANSITION")]

    p = await shop.act(RETURN_APPROVE, {"id": approved, "note": "ok"}, token=shop.sales)
    assert p["errors"] == [] and p["returnRequest"]["status"] == "APPROVED"
    assert codes(await shop.act(RETURN_APPROVE, {"id": approved}, token=shop.sales)) == [
        ("id", "INVALID_TRANSITION")
    ]
    assert codes(
        await shop.act(RETURN_REJECT, {"id": approved, "note": "no"}, token=shop.sales)
    ) == [("id", "INVALID_TRANSITION")]

    # a rejection needs a reason, given in the input's `note`
    no_note = await shop.act(RETURN_REJECT, {"id": rejected}, token=shop.sales)
    assert codes(no_note) == [("note", "REQUIRED")]
    p = await shop.act(RETURN_REJECT, {"id": rejected, "note": "Used goods"}, token=shop.sales)
    assert p["errors"] == [] and p["returnRequest"]["status"] == "REJECTED"
    assert codes(await shop.act(RETURN_APPROVE, {"id": rejected}, token=shop.sales)) == [
        ("id", "INVALID_TRANSITION")
    ]

    # 20 x 10.00 = 200.00 is the most that can be credited
    buyer_receives = await shop.act(RETURN_RECEIVE, {"id": approved, "creditAmount": "1"})
    assert codes(buyer_receives)[0][1] == "FORBIDDEN"
    too_much = await shop.act(
        RETURN_RECEIVE, {"id": approved, "creditAmount": "200.01"}, token=shop.sales
    )
    assert codes(too_much) == [("creditAmount", "INVALID")]
    negative = await shop.act(
        RETURN_RECEIVE, {"id": approved, "creditAmount": "-1"}, token=shop.sales
    )
    assert codes(negative) == [("creditAmount", "NOT_POSITIVE")]
    p = await shop.act(RETURN_RECEIVE, {"id": approved, "creditAmount": "200"}, token=shop.sales)
    assert p["errors"] == [] and p["returnRequest"]["status"] == "RECEIVED"
    assert p["returnRequest"]["creditAmount"] == {"amount": "200.00"}
    assert line(p)["returnedQuantity"] == "20.0000"
    assert line(p)["acceptedQuantity"] == "28.0000"
    twice = await shop.act(RETURN_RECEIVE, {"id": approved, "creditAmount": "0"}, token=shop.sales)
    assert codes(twice) == [("id", "INVALID_TRANSITION")]

    # 28 accepted - 20 returned; the rejected request no longer counts
    assert codes(await request_return(shop, po, "8.0001")) == [("lines[0].quantity", "INVALID")]
    p = await request_return(shop, po, "8")
    assert p["errors"] == [] and p["returnRequest"]["status"] == "REQUESTED"
    final = await reload(api, shop, po)
    assert [(r["status"], r["lines"][0]["quantity"]) for r in final["returns"]] == [
        ("RECEIVED", "20.0000"),
        ("REJECTED", "8.0000"),
        ("REQUESTED", "8.0000"),
    ]
    assert final["returns"][0]["reason"] == "Threads damaged"


async def test_return_credit_partial_and_on_closed_order(api: Api) -> None:
    """Returns are possible after the order is CLOSED; a partial credit is recorded as given."""
    shop = await Shop(api).setup()
    po = await received(shop, "50")
    p = await invoice(shop, po, "INV-1", "50")
    assert p["purchaseOrder"]["status"] == "CLOSED"
    p = await request_return(shop, po, "5")
    assert p["errors"] == [] and p["purchaseOrder"]["status"] == "CLOSED"
    rr = p["returnRequest"]["id"]
    await shop.act(RETURN_APPROVE, {"id": rr}, token=shop.sales)
    p = await shop.act(RETURN_RECEIVE, {"id": rr, "creditAmount": "35.50"}, token=shop.sales)
    assert p["errors"] == [] and p["returnRequest"]["creditAmount"] == {"amount": "35.50"}
    assert line(p)["returnedQuantity"] == "5.0000"
    assert p["purchaseOrder"]["status"] == "CLOSED"


# --- catalog -----------------------------------------------------------------------------


def listing_input(**over: Any) -> dict[str, Any]:
    return {
        "title": "Hex nut M8",
        "description": "Zinc plated",
        "unit": "ea",
        "currency": "eur",
        "unitPrice": "2.50",
        "moq": "20",
        "tiers": [
            {"minQuantity": "500", "unitPrice": "2.00"},
            {"minQuantity": "100", "unitPrice": "2.20"},
        ],
        "leadTimeDays": 5,
        "stockStatus": "IN_STOCK",
        **over,
    }


async def create_listing(api: Api, token: str, **over: Any) -> dict[str, Any]:
    p = await api.mutate(LISTING_CREATE, listing_input(**over), token)
    assert p["errors"] == [], p["errors"]
    return p["listing"]  # type: ignore[no-any-return]


async def test_listing_create_validation(api: Api) -> None:
    """Suppliers' sales staff publish; inputs are checked field by field."""
    shop = await Shop(api).setup()
    as_buyer = await api.mutate(LISTING_CREATE, listing_input(), shop.token("buyer"))
    assert codes(as_buyer)[0][1] == "FORBIDDEN" and as_buyer["listing"] is None

    no_title = listing_input()
    del no_title["title"]
    assert codes(await api.mutate(LISTING_CREATE, no_title, shop.sales)) == [("title", "REQUIRED")]
    blank = await api.mutate(LISTING_CREATE, listing_input(title="   "), shop.sales)
    assert codes(blank) == [("title", "REQUIRED")]
    bad_currency = await api.mutate(LISTING_CREATE, listing_input(currency="EURO"), shop.sales)
    assert codes(bad_currency) == [("currency", "INVALID_CURRENCY")]
    dup = listing_input(
        tiers=[
            {"minQuantity": "100", "unitPrice": "2.20"},
            {"minQuantity": "100.0", "unitPrice": "2.10"},
        ]
    )
    assert codes(await api.mutate(LISTING_CREATE, dup, shop.sales)) == [("tiers", "DUPLICATE")]
    zero = await api.mutate(LISTING_CREATE, listing_input(unitPrice="0"), shop.sales)
    assert codes(zero) == [("unitPrice", "NOT_POSITIVE")]

    listing = await create_listing(api, shop.sales)
    assert listing["title"] == "Hex nut M8"
    assert (listing["unit"], listing["currency"]) == ("EA", "EUR")  # normalised
    assert listing["status"] == "ACTIVE" and listing["version"] == 1
    assert [t["minQuantity"] for t in listing["tiers"]] == ["100.0000", "500.0000"]  # sorted
    assert listing["supplier"] == {"name": "Bolt Supplier"}


async def test_listing_title_null_is_required(api: Api) -> None:
    """An explicit null title is as missing as an absent one: REQUIRED, not a server error."""
    shop = await Shop(api).setup()
    r = await api.raw(LISTING_CREATE, {"input": listing_input(title=None)}, shop.sales)
    body = r.json()
    assert "errors" not in body, body["errors"]
    assert codes(body["data"]["listingCreate"]) == [("title", "REQUIRED")]


async def test_listing_update_title_null_keeps_title(api: Api) -> None:
    """On update a null for a field that cannot be empty leaves it as it is (as for unit,
    currency and prices), rather than failing the request."""
    shop = await Shop(api).setup()
    listing = await create_listing(api, shop.sales)
    r = await api.raw(
        LISTING_UPDATE, {"input": {"id": listing["id"], "title": None, "moq": "5"}}, shop.sales
    )
    body = r.json()
    assert "errors" not in body, body["errors"]
    p = body["data"]["listingUpdate"]
    assert p["errors"] == [] and p["listing"]["title"] == "Hex nut M8"
    assert Decimal(p["listing"]["moq"]) == 5


async def test_listing_update_versions_and_archive(api: Api) -> None:
    """Updates check expectedVersion; an archived listing leaves the search, cannot be
    ordered, and cannot be changed."""
    shop = await Shop(api).setup()
    listing = await create_listing(api, shop.sales)

    p = await api.mutate(
        LISTING_UPDATE,
        {"id": listing["id"], "expectedVersion": 1, "unitPrice": "2.40", "moq": "10"},
        shop.sales,
    )
    assert p["errors"] == [] and p["listing"]["version"] == 2
    assert p["listing"]["title"] == "Hex nut M8"  # untouched fields stay
    stale = await api.mutate(
        LISTING_UPDATE, {"id": listing["id"], "expectedVersion": 1, "title": "X"}, shop.sales
    )
    assert codes(stale) == [("expectedVersion", "VERSION_CONFLICT")]
    other = await api.mutate(
        LISTING_UPDATE,
        {"id": listing["id"], "title": "Mine"},
        shop.other_supplier.users["sales"].token,
    )
    assert codes(other)[0][1] == "NOT_FOUND"

    titles = await api.gql(LISTINGS, {"filter": {"text": "nut"}}, shop.token("buyer"))
    assert [n["title"] for n in titles["listings"]["nodes"]] == ["Hex nut M8"]

    p = await api.mutate(LISTING_ARCHIVE, {"id": listing["id"]}, shop.sales)
    assert p["errors"] == [] and p["listing"]["status"] == "ARCHIVED"
    assert p["listing"]["version"] == 3
    again = await api.mutate(LISTING_ARCHIVE, {"id": listing["id"]}, shop.sales)
    assert codes(again) == [("id", "INVALID_TRANSITION")]
    change = await api.mutate(LISTING_UPDATE, {"id": listing["id"], "title": "Y"}, shop.sales)
    assert codes(change) == [("id", "INVALID_TRANSITION")]

    gone = await api.gql(LISTINGS, {"filter": {"text": "nut"}}, shop.token("buyer"))
    assert gone["listings"] == {"totalCount": 0, "nodes": []}
    p = await api.mutate(
        PO_CREATE,
        {"lines": [{"listingId": listing["id"], "quantity": "50"}], "deliveryAddress": ADDRESS},
        shop.token("buyer"),
    )
    assert codes(p) == [("lines[0].listingId", "NOT_FOUND")]
    assert p["purchaseOrders"] == []


async def test_listings_filters_and_price_sort(api: Api) -> None:
    """Text, category, supplier and price filters combine; PRICE sorts cheapest first;
    listings of a supplier that is not VERIFIED are neither shown nor orderable."""
    shop = await Shop(api).setup()  # has "M8 bolt" at 10.00 from Bolt Supplier
    fasteners = await api.category("31160000", "Fasteners")
    cat = to_global_id("Category", fasteners.id or 0)
    other = shop.other_supplier.users["sales"].token
    await create_listing(api, shop.sales, title="Hex nut M8", unitPrice="2.50", categoryId=cat)
    await create_listing(
        api, other, title="Washer M8", description="for M8 NUTS", unitPrice="0.40", categoryId=cat
    )
    await create_listing(api, other, title="Safety gloves", unitPrice="4.00")
    pending = await api.org(
        "Pending Parts",
        supplier=True,
        status=VerificationStatus.PENDING,
        users={"sales": ["SUPPLIER_SALES"]},
    )
    hidden = await create_listing(
        api, pending.users["sales"].token, title="Pending nut", unitPrice="0.10", categoryId=cat
    )
    buyer = shop.token("buyer")

    async def titles(sort: str = "PRICE", **filter: Any) -> list[str]:
        data = await api.gql(LISTINGS, {"filter": filter, "sortBy": sort}, buyer)
        nodes = data["listings"]["nodes"]
        assert data["listings"]["totalCount"] == len(nodes)
        return [n["title"] for n in nodes]

    assert await titles() == ["Washer M8", "Hex nut M8", "Safety gloves", "M8 bolt"]
    assert await titles("TITLE") == ["Hex nut M8", "M8 bolt", "Safety gloves", "Washer M8"]
    assert await titles(text="nut") == ["Washer M8", "Hex nut M8"]  # description too
    assert await titles(text="m8") == ["Washer M8", "Hex nut M8", "M8 bolt"]
    assert await titles(text="%") == []  # a literal, not a wildcard
    assert await titles(categoryId=cat) == ["Washer M8", "Hex nut M8"]
    assert await titles(supplierId=shop.other_supplier.gid) == ["Washer M8", "Safety gloves"]
    assert await titles(maxPrice="2.50") == ["Washer M8", "Hex nut M8"]
    assert await titles(maxPrice="2.49") == ["Washer M8"]
    assert await titles(text="m8", supplierId=shop.supplier.gid, maxPrice="5") == ["Hex nut M8"]
    assert await titles(supplierId=pending.gid) == []

    p = await api.mutate(
        PO_CREATE, {"lines": [{"listingId": hidden["id"], "quantity": "50"}]}, buyer
    )
    assert codes(p) == [("lines[0].listingId", "NOT_FOUND")]
    single = await api.gql(
        "query Q($id: ID!) { listing(id: $id) { title } }", {"id": hidden["id"]}, buyer
    )
    assert single == {"listing": None}
    # the supplier itself still sees its own listing
    own = await api.gql(
        LISTINGS, {"filter": {"supplierId": pending.gid}}, pending.users["sales"].token
    )
    assert [n["title"] for n in own["listings"]["nodes"]] == ["Pending nut"]


async def test_price_for_applies_tiers(api: Api) -> None:
    """All-units tiers: the tier with the largest minimum not above the quantity."""
    shop = await Shop(api).setup()
    listing = await create_listing(api, shop.sales)  # 2.50; 2.20 from 100; 2.00 from 500
    data = await api.gql(PRICE_FOR, {"id": listing["id"]}, shop.token("buyer"))
    # compared as numbers: the base price comes back as stored ("2.500000"), tier prices
    # as typed ("2.20")
    prices = {k: Decimal(v["amount"]) for k, v in data["listing"].items()}
    assert prices == {
        "below": Decimal("2.50"),
        "first": Decimal("2.20"),
        "between": Decimal("2.20"),
        "second": Decimal("2.00"),
    }
    assert data["listing"]["first"]["currency"] == "EUR"


async def test_order_from_two_suppliers(api: Api) -> None:
    """One DRAFT order per supplier, numbered in sequence; the MOQ and a single external
    reference per order are enforced, and refused requests use up no number."""
    shop = await Shop(api).setup()
    washer = await create_listing(
        api,
        shop.other_supplier.users["sales"].token,
        title="Washer M8",
        unitPrice="0.40",
        moq="100",
        tiers=[],
    )
    bolt = to_global_id("Listing", shop.listing_id)
    buyer = shop.token("buyer")
    lines = [
        {"listingId": bolt, "quantity": "120"},
        {"listingId": washer["id"], "quantity": "200"},
    ]

    below = await api.mutate(
        PO_CREATE,
        {
            "lines": [lines[0], {"listingId": washer["id"], "quantity": "99"}],
            "deliveryAddress": ADDRESS,
        },
        buyer,
    )
    assert codes(below) == [("lines[1].quantity", "BELOW_MOQ")]
    ref = await api.mutate(
        PO_CREATE, {"lines": lines, "deliveryAddress": ADDRESS, "externalReference": "ERP-9"}, buyer
    )
    assert codes(ref) == [("externalReference", "INVALID")]
    as_supplier = await api.mutate(PO_CREATE, {"lines": lines}, shop.sales)
    assert codes(as_supplier)[0][1] == "FORBIDDEN"

    p = await api.mutate(PO_CREATE, {"lines": lines, "deliveryAddress": ADDRESS}, buyer)
    assert p["errors"] == []
    year = datetime.now(UTC).year
    got = [
        (
            o["number"],
            o["status"],
            o["supplier"]["name"],
            o["lines"][0]["quantity"],
            o["lines"][0]["unitPrice"]["amount"],
            o["total"]["amount"],
        )
        for o in p["purchaseOrders"]
    ]
    assert got == [
        (f"PO-{year}-000001", "DRAFT", "Bolt Supplier", "120.0000", "9.000000", "1080.00"),
        (f"PO-{year}-000002", "DRAFT", "Other Supplier", "200.0000", "0.400000", "80.00"),
    ]
    assert all(o["source"] == "CATALOG" for o in p["purchaseOrders"])
