"""ERP-safe writes: the ``Idempotency-Key`` header (README "ERP-safe writes", DESIGN §6).

An ERP that lost a response retries the same request with the same key; it must get the
very response of the first attempt back and nothing may be written twice.  The claim row
and the stored response live in the transaction of the business write, so every check
here looks at the database as well as at the HTTP answer: one order, one record, and no
record at all when the first attempt failed unexpectedly (so that a retry runs again).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

import graphql_schema.ordering.mutations as ordering_mutations
from graphql_schema.ids import to_global_id
from procurement import idempotency
from procurement.idempotency import request_hash
from procurement.idempotency_models import IdempotencyRecord
from tests.helpers import Api
from tests.ordering_docs import ADDRESS, PO_CREATE, PO_QUERY, PO_SUBMIT, Shop

#: a query (not a mutation): the header must not change anything about it
ORDERS_QUERY = """
query Orders { purchaseOrders(first: 10) { edges { node { id status version } } } }
"""

#: the order with everything resolved through DataLoaders, for comparing a payload with
#: what is committed
ORDER_WITH_LOADERS = """
query Q($id: ID!) { purchaseOrder(id: $id) {
  id number status version total { amount }
  supplier { name } buyer { name }
  lines { id position description quantity unitPrice { amount } }
} }
"""

CREATE_WITH_LOADERS = """
mutation Create($input: PurchaseOrderCreateInput!) {
  purchaseOrderCreate(input: $input) {
    purchaseOrders { id number status version total { amount }
      supplier { name } buyer { name }
      lines { id position description quantity unitPrice { amount } } }
    errors { field code message }
  }
}
"""


class _Rollback(Exception):
    """Raised to leave a test transaction without committing it."""


# --- helpers ------------------------------------------------------------------------


def create_input(shop: Shop, quantity: str = "50", **over: Any) -> dict[str, Any]:
    return {
        "input": {
            "lines": [
                {"listingId": to_global_id("Listing", shop.listing_id), "quantity": quantity}
            ],
            "deliveryAddress": ADDRESS,
            **over,
        }
    }


async def send(
    api: Api,
    variables: dict[str, Any],
    token: str,
    key: str | None,
    document: str = PO_CREATE,
) -> httpx.Response:
    return await api.raw(
        document, variables, token, headers={"Idempotency-Key": key} if key is not None else None
    )


async def scalar(api: Api, sql: str, **params: Any) -> Any:
    async with api.db.read() as s:
        return (await s.execute(text(sql), params)).scalar()


async def order_count(api: Api) -> int:
    return int(await scalar(api, "SELECT count(*) FROM purchase_order"))


async def records(api: Api) -> list[IdempotencyRecord]:
    async with api.db.read() as s:
        return list(
            (
                await s.execute(
                    select(IdempotencyRecord).order_by(
                        IdempotencyRecord.organization_id,  # type: ignore[arg-type]
                        IdempotencyRecord.key,  # type: ignore[arg-type]
                    )
                )
            ).scalars()
        )


def payload(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body["errors"]
    (p,) = body["data"].values()
    return p  # type: ignore[no-any-return]


def top_code(r: httpx.Response) -> str:
    return r.json()["errors"][0]["extensions"]["code"]  # type: ignore[no-any-return]


# --- replay -------------------------------------------------------------------------


async def test_retry_with_same_key_replays_the_same_bytes(api: Api) -> None:
    """The ERP must be able to compare (or sign) what it got; a replay that reorders keys
    or reformats numbers is a different response."""
    shop = await Shop(api).setup()
    variables = create_input(shop)
    first = await send(api, variables, shop.token("buyer"), "erp-1")
    created = payload(first)
    assert created["errors"] == [] and len(created["purchaseOrders"]) == 1
    assert "idempotency-replayed" not in first.headers

    again = await send(api, variables, shop.token("buyer"), "erp-1")
    assert again.status_code == 200
    assert again.headers["idempotency-replayed"] == "true"
    assert again.headers["content-type"].startswith("application/graphql-response+json")
    assert again.json() == first.json()
    assert again.content == first.content
    assert await order_count(api) == 1


async def test_same_key_different_request_is_refused(api: Api) -> None:
    """Reusing a key for another request is a client bug; executing it would lose the
    first response for good, so it is 422 IDEMPOTENCY_KEY_REUSED and nothing is written."""
    shop = await Shop(api).setup()
    first = await send(api, create_input(shop, "50"), shop.token("buyer"), "erp-2")
    assert payload(first)["errors"] == []
    (before,) = await records(api)

    other = await send(api, create_input(shop, "60"), shop.token("buyer"), "erp-2")
    assert other.status_code == 422, other.text
    assert top_code(other) == "IDEMPOTENCY_KEY_REUSED"
    assert "data" not in other.json()
    assert "idempotency-replayed" not in other.headers

    # another document with the same variables is a different request as well
    renamed = await api.raw(
        PO_CREATE.replace("mutation Create", "mutation CreateAgain"),
        create_input(shop, "50"),
        shop.token("buyer"),
        headers={"Idempotency-Key": "erp-2"},
    )
    assert renamed.status_code == 422 and top_code(renamed) == "IDEMPOTENCY_KEY_REUSED"

    assert await order_count(api) == 1
    (after,) = await records(api)
    assert (after.request_hash, after.response) == (before.request_hash, before.response)
    # and the original request still replays
    again = await send(api, create_input(shop, "50"), shop.token("buyer"), "erp-2")
    assert again.headers.get("idempotency-replayed") == "true"
    assert again.json() == first.json()


async def test_retry_while_the_first_is_running_is_409(api: Api) -> None:
    """The first request's claim row is locked (uncommitted) until its transaction ends;
    a retry must not wait for it indefinitely nor run a second time: 409, retry later."""
    shop = await Shop(api).setup()
    variables = create_input(shop)
    digest = request_hash(PO_CREATE, variables, None)
    with pytest.raises(_Rollback):
        async with api.db.transaction() as s:
            s.add(IdempotencyRecord(organization_id=shop.buyer.id, key="k1", request_hash=digest))
            await s.flush()
            r = await send(api, variables, shop.token("buyer"), "k1")
            assert r.status_code == 409, r.text
            assert top_code(r) == "IDEMPOTENCY_IN_PROGRESS"
            assert "idempotency-replayed" not in r.headers
            assert await order_count(api) == 0
            raise _Rollback  # the "first request" dies without a response
    # its claim is gone with it, so the retry now runs (once)
    r = await send(api, variables, shop.token("buyer"), "k1")
    assert payload(r)["errors"] == [] and "idempotency-replayed" not in r.headers
    assert await order_count(api) == 1
    again = await send(api, variables, shop.token("buyer"), "k1")
    assert again.headers.get("idempotency-replayed") == "true"
    assert await order_count(api) == 1


async def test_two_identical_requests_at_once_write_one_order(api: Api) -> None:
    """An ERP that times out and retries at once: the two requests really overlap.  Only
    one may run; the other is either told to wait (409) or, if the first committed in
    time, gets its response replayed, and never creates a second order."""
    shop = await Shop(api).setup()
    for i in range(4):
        variables = create_input(shop, externalReference=f"ERP-{i}")
        a, b = await asyncio.gather(
            send(api, variables, shop.token("buyer"), f"dup-{i}"),
            send(api, variables, shop.token("buyer"), f"dup-{i}"),
        )
        ran = [
            r for r in (a, b) if r.status_code == 200 and "idempotency-replayed" not in r.headers
        ]
        others = [r for r in (a, b) if r not in ran]
        assert len(ran) == 1 and len(others) == 1, (a.text, b.text)
        assert payload(ran[0])["errors"] == []
        other = others[0]
        if other.status_code == 409:
            assert top_code(other) == "IDEMPOTENCY_IN_PROGRESS"
        else:
            assert other.headers.get("idempotency-replayed") == "true"
            assert other.json() == ran[0].json()  # bytes: see the test above
        assert await order_count(api) == i + 1


async def test_keys_are_per_organisation(api: Api) -> None:
    """Two organisations picking the same key (ERPs number their requests alike) must not
    see each other's responses nor be refused: each runs its own request."""
    shop = await Shop(api).setup()
    variables = create_input(shop)
    mine = await send(api, variables, shop.token("buyer"), "order-0001")
    theirs = await send(api, variables, shop.other_buyer.users["buyer"].token, "order-0001")
    assert "idempotency-replayed" not in theirs.headers
    a, b = payload(mine)["purchaseOrders"][0], payload(theirs)["purchaseOrders"][0]
    assert a["id"] != b["id"]
    assert (a["buyer"]["name"], b["buyer"]["name"]) == ("Northwind", "Other Buyer")
    # a different body under the same key is fine in another organisation too
    third = await api.org("Third Buyer", buyer=True, users={"buyer": ["BUYER"]})
    r = await send(api, create_input(shop, "70"), third.users["buyer"].token, "order-0001")
    assert payload(r)["errors"] == [] and "idempotency-replayed" not in r.headers
    assert await order_count(api) == 3
    assert [(x.organization_id, x.key) for x in await records(api)] == [
        (shop.buyer.id, "order-0001"),
        (shop.other_buyer.id, "order-0001"),
        (third.id, "order-0001"),
    ]


async def blocked_on_a_lock_for(api: Api, ms: int) -> None:
    """Return once some other backend has waited on a lock for ``ms`` by the database's
    clock: what the test waits for is that event, reported by PostgreSQL."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND datname = current_database()"
        " AND clock_timestamp() - query_start > make_interval(secs => :ms / 1000.0)"
    )
    for _ in range(2000):
        async with api.db.read() as s:
            if (await s.execute(query, {"ms": ms})).scalar_one():
                return
        await asyncio.sleep(0.005)  # polling for the event, not waiting out a time
    raise AssertionError("no request ever waited on the lock")


async def test_keyed_write_waits_for_a_busy_order_like_any_other(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim's short lock timeout is there so a duplicate does not queue behind the
    first request; it must not also cut short the business write's own row locks.  An
    order locked by someone else for a moment must be waited for, exactly as without a
    key, not turned into an error.  The claim's bound is cut to 1 ms, and the request is
    seen blocked for 50 times that before the lock is let go."""
    monkeypatch.setattr(idempotency, "CLAIM_LOCK_TIMEOUT_MS", 1)
    shop = await Shop(api).setup()
    po = await shop.order()
    pid = int(await scalar(api, "SELECT id FROM purchase_order"))
    async with api.db.transaction() as s:
        await s.execute(text("SELECT 1 FROM purchase_order WHERE id = :i FOR UPDATE"), {"i": pid})
        task = asyncio.create_task(
            send(api, {"input": {"id": po["id"]}}, shop.token("buyer"), "busy", PO_SUBMIT)
        )
        await blocked_on_a_lock_for(api, 50)
    r = await task
    submitted = payload(r)
    assert submitted["errors"] == [], submitted
    assert submitted["purchaseOrder"]["status"] == "APPROVED"
    (rec,) = await records(api)
    assert rec.response is not None and rec.response["body"] == r.json()


# --- what is stored -----------------------------------------------------------------


async def test_business_errors_are_a_complete_response_and_replayed(api: Api) -> None:
    """A refusal in the payload (below the MOQ) is the answer to that request: a retry
    must get the same refusal, even if the listing changed meanwhile, and not an order."""
    shop = await Shop(api).setup()
    variables = create_input(shop, "5")
    first = await send(api, variables, shop.token("buyer"), "moq")
    refused = payload(first)
    assert refused["purchaseOrders"] == []
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("lines[0].quantity", "BELOW_MOQ")
    ]
    (stored,) = await records(api)
    assert stored.response is not None and stored.response["body"] == first.json()

    async with api.db.transaction() as s:
        await s.execute(text("UPDATE listing SET moq = 1 WHERE id = :i"), {"i": shop.listing_id})
    again = await send(api, variables, shop.token("buyer"), "moq")
    assert again.headers.get("idempotency-replayed") == "true"
    assert again.json() == first.json()
    assert await order_count(api) == 0
    # without the key the same request now runs
    assert payload(await send(api, variables, shop.token("buyer"), None))["errors"] == []


async def test_request_errors_are_not_stored(api: Api) -> None:
    """A request that never ran (bad variables: a top-level error) is not a response to
    keep: nothing is recorded and the corrected request may use the same key."""
    shop = await Shop(api).setup()
    bad = create_input(shop, "a lot")
    r = await send(api, bad, shop.token("buyer"), "fix-me")
    assert r.status_code == 400, r.text
    assert "data" not in r.json()
    assert await records(api) == []
    again = await send(api, bad, shop.token("buyer"), "fix-me")
    assert again.status_code == 400 and "idempotency-replayed" not in again.headers

    fixed = await send(api, create_input(shop), shop.token("buyer"), "fix-me")
    assert payload(fixed)["errors"] == [] and "idempotency-replayed" not in fixed.headers
    assert await order_count(api) == 1


async def test_unexpected_error_is_not_stored_and_its_write_is_undone(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash after the write (a GraphQL error with a path) must roll back the write
    together with the claim, so the retry runs from scratch and creates the one order."""
    shop = await Shop(api).setup()
    real = ordering_mutations.order_from_listings

    async def crash(*args: Any, **kwargs: Any) -> Any:
        await real(*args, **kwargs)
        raise RuntimeError("boom")

    monkeypatch.setattr(ordering_mutations, "order_from_listings", crash)
    variables = create_input(shop)
    r = await send(api, variables, shop.token("buyer"), "crash")
    body = r.json()
    assert body["errors"][0]["path"] == ["purchaseOrderCreate"], body
    assert body.get("data") is None
    assert "idempotency-replayed" not in r.headers
    assert await order_count(api) == 0
    assert await records(api) == []

    monkeypatch.setattr(ordering_mutations, "order_from_listings", real)
    retry = await send(api, variables, shop.token("buyer"), "crash")
    assert payload(retry)["errors"] == [] and "idempotency-replayed" not in retry.headers
    assert await order_count(api) == 1


async def test_record_kept_with_the_response(api: Api) -> None:
    """The record is written with the order, in the same transaction, and holds exactly
    the response the client received (and its status)."""
    shop = await Shop(api).setup()
    variables = create_input(shop)
    r = await send(api, variables, shop.token("buyer"), "keep-me")
    assert payload(r)["errors"] == []
    (rec,) = await records(api)
    assert (rec.organization_id, rec.key) == (shop.buyer.id, "keep-me")
    assert (rec.user_id, rec.api_key_id) == (shop.buyer.users["buyer"].user_id, None)
    assert rec.request_hash == request_hash(PO_CREATE, variables, None)
    assert rec.response is not None
    assert rec.response == {"body": r.json(), "status": 200}
    assert rec.created_at is not None


@pytest.mark.parametrize("key", ["", "   ", "x" * 201])
async def test_unusable_keys_are_refused(api: Api, key: str) -> None:
    """An empty or over-long key cannot identify a retry; refusing it beats silently
    running without protection."""
    shop = await Shop(api).setup()
    r = await send(api, create_input(shop), shop.token("buyer"), key)
    assert r.status_code == 400, r.text
    assert top_code(r) == "INVALID"
    assert await order_count(api) == 0
    assert await records(api) == []


# --- without a key, or not a mutation -----------------------------------------------


async def test_mutation_without_key_runs_every_time(api: Api) -> None:
    shop = await Shop(api).setup()
    variables = create_input(shop)
    a = payload(await send(api, variables, shop.token("buyer"), None))
    b = payload(await send(api, variables, shop.token("buyer"), None))
    assert a["purchaseOrders"][0]["id"] != b["purchaseOrders"][0]["id"]
    assert await order_count(api) == 2
    assert await records(api) == []


async def test_query_with_key_is_not_affected(api: Api) -> None:
    """Reads are safe to repeat; a key on them must neither store nor replay (a replayed
    read would show stale data)."""
    shop = await Shop(api).setup()
    po = await shop.order()
    token = shop.token("buyer")
    headers = {"Idempotency-Key": "read-1"}
    first = await api.raw(PO_QUERY, {"id": po["id"]}, token, headers=headers)
    assert first.status_code == 200 and "idempotency-replayed" not in first.headers
    assert first.json()["data"]["purchaseOrder"]["status"] == "DRAFT"
    await shop.act(PO_SUBMIT, {"id": po["id"]})
    second = await api.raw(PO_QUERY, {"id": po["id"]}, token, headers=headers)
    assert second.status_code == 200 and "idempotency-replayed" not in second.headers
    assert second.json()["data"]["purchaseOrder"]["status"] == "APPROVED"
    listing = await api.raw(ORDERS_QUERY, None, token, headers=headers)
    assert listing.status_code == 200, listing.text
    assert [e["node"]["id"] for e in listing.json()["data"]["purchaseOrders"]["edges"]] == [
        po["id"]
    ]
    assert await records(api) == []
    # and a mutation may still use that key afterwards
    r = await send(api, create_input(shop), token, "read-1")
    assert payload(r)["errors"] == [] and "idempotency-replayed" not in r.headers


# --- DataLoaders on the shared transaction --------------------------------------------


async def test_loader_fields_see_the_uncommitted_write_and_replay(api: Api) -> None:
    """Under a key, the write is not committed until the response is stored, so loaders
    opening sessions of their own would find no lines and fail on ``supplier``.  They
    must use the request's session; then the payload equals what is committed, and the
    replay equals the payload."""
    shop = await Shop(api).setup()
    variables = create_input(shop, "120")
    token = shop.token("buyer")
    first = await send(api, variables, token, "loaders", CREATE_WITH_LOADERS)
    (po,) = payload(first)["purchaseOrders"]
    assert po["supplier"] == {"name": "Bolt Supplier"}
    assert po["buyer"] == {"name": "Northwind"}
    assert [(ln["position"], ln["description"], ln["quantity"]) for ln in po["lines"]] == [
        (1, "M8 bolt", "120.0000")
    ]
    assert po["lines"][0]["unitPrice"] == {"amount": "9.000000"}
    committed = (await api.gql(ORDER_WITH_LOADERS, {"id": po["id"]}, token))["purchaseOrder"]
    assert committed == po

    again = await send(api, variables, token, "loaders", CREATE_WITH_LOADERS)
    assert again.headers.get("idempotency-replayed") == "true"
    assert again.json() == first.json()
    assert json.loads(again.content) == json.loads(first.content)

    # the full document (PO_FIELDS: approvals, revisions, shipments, ... all loaders)
    full = await send(api, create_input(shop, "20"), token, "loaders-full")
    (full_po,) = payload(full)["purchaseOrders"]
    assert full_po["lines"] and full_po["supplier"] == {"name": "Bolt Supplier"}
    assert full_po["availableActions"] == ["SUBMIT", "CHANGE", "CANCEL"]
    assert (await api.gql(PO_QUERY, {"id": full_po["id"]}, token))["purchaseOrder"] == full_po
