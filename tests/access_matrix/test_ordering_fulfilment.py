"""Access matrix of fulfilment: shipments, goods receipts, invoices and returns.

Rules (DESIGN §2, §4; ``procurement/ordering/states.py``): the supplier's
SUPPLIER_SALES ship, invoice and decide and receive returns; the buyer's BUYERs
receive goods, accept or dispute invoices and ask for returns; the other side is
FORBIDDEN, and anyone who does not see the order is told it (or its invoice or
return) is not found.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.access_matrix.harness import (
    FORBIDDEN,
    NOT_FOUND,
    OK,
    UNAUTHENTICATED,
    Mutation,
    Row,
    Snapshot,
    World,
    run_mutation,
    truncate,
)
from tests.access_matrix.ordering_world import build_world
from tests.helpers import Api
from tests.ordering_docs import (
    INVOICE,
    INVOICE_ACCEPT,
    INVOICE_DISPUTE,
    RECEIVE,
    RETURN_APPROVE,
    RETURN_CREATE,
    RETURN_RECEIVE,
    RETURN_REJECT,
    SHIP,
)

ORDER_FULFILMENT = """
query Q($id: ID!) {
  purchaseOrder(id: $id) {
    status shipments { carrier } receipts { id } invoices { number status }
    returns { id status }
  }
}"""


@pytest.fixture(scope="module")
async def world(matrix_api: Api, snapshot: Snapshot) -> World:
    await truncate(matrix_api.db)
    built = await build_world(matrix_api)
    await snapshot.take()
    return built


async def _order(api: Api, world: World, key: str) -> dict[str, Any]:
    data = await api.gql(ORDER_FULFILMENT, {"id": world.gids[key]}, world.token("platform.admin"))
    return data["purchaseOrder"]  # type: ignore[no-any-return]


async def shipped(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    po = await _order(api, world, "po.ack")
    assert (po["status"], po["shipments"]) == ("IN_FULFILMENT", [{"carrier": "UPS"}])


async def received(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    po = await _order(api, world, "po.shipped")
    assert len(po["receipts"]) == 1


async def invoiced(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    po = await _order(api, world, "po.received")
    assert {"number": "INV-NEW", "status": "MATCHED"} in po["invoices"]


def _invoice_is(status: str) -> Any:
    async def check(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
        po = await _order(api, world, "po.shipped")
        assert po["invoices"] == [{"number": "INV-REVIEW", "status": status}]

    return check


def _return_is(key: str, status: str) -> Any:
    async def check(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
        po = await _order(api, world, "po.received")
        assert {"id": world.gids[key], "status": status} in po["returns"]

    return check


async def return_requested(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    po = await _order(api, world, "po.received")
    assert len(po["returns"]) == 3


def _ship(world: World, target: str) -> dict[str, Any]:
    line = world.data["lines"].get(target, world.data["lines"]["po.ack"])
    return {
        "purchaseOrderId": world.gids[target],
        "carrier": "UPS",
        "lines": [{"lineId": line, "quantity": "10"}],
    }


def _receive(world: World, target: str) -> dict[str, Any]:
    line = world.data["lines"].get(target, world.data["lines"]["po.shipped"])
    return {
        "purchaseOrderId": world.gids[target],
        "lines": [{"lineId": line, "accepted": "30", "rejected": "0"}],
    }


def _invoice(world: World, target: str) -> dict[str, Any]:
    line = world.data["lines"].get(target, world.data["lines"]["po.received"])
    return {
        "purchaseOrderId": world.gids[target],
        "number": "INV-NEW",
        "lines": [{"lineId": line, "quantity": "10", "unitPrice": "10.00"}],
    }


def _return(world: World, target: str) -> dict[str, Any]:
    line = world.data["lines"].get(target, world.data["lines"]["po.received"])
    return {
        "purchaseOrderId": world.gids[target],
        "reason": "Wrong thread",
        "lines": [{"lineId": line, "quantity": "2"}],
    }


def _id(**extra: Any) -> Any:
    def make(world: World, target: str) -> dict[str, Any]:
        return {"id": world.gids[target], **extra}

    return make


MUTATIONS: dict[str, Mutation] = {
    "shipmentCreate": Mutation(SHIP, _ship, shipped, "po.ack", "missing.po"),
    "goodsReceiptCreate": Mutation(RECEIVE, _receive, received, "po.shipped", "missing.po"),
    "invoiceSubmit": Mutation(INVOICE, _invoice, invoiced, "po.received", "missing.po"),
    "invoiceAccept": Mutation(
        INVOICE_ACCEPT, _id(), _invoice_is("ACCEPTED"), "inv.review", "missing.invoice"
    ),
    "invoiceDispute": Mutation(
        INVOICE_DISPUTE,
        _id(reason="Price differs"),
        _invoice_is("DISPUTED"),
        "inv.review",
        "missing.invoice",
    ),
    "returnRequestCreate": Mutation(
        RETURN_CREATE, _return, return_requested, "po.received", "missing.po"
    ),
    "returnRequestApprove": Mutation(
        RETURN_APPROVE,
        _id(note="Send them back"),
        _return_is("ret.requested", "APPROVED"),
        "ret.requested",
        "missing.return",
    ),
    "returnRequestReject": Mutation(
        RETURN_REJECT,
        _id(note="Used goods"),
        _return_is("ret.requested", "REJECTED"),
        "ret.requested",
        "missing.return",
    ),
    "returnReceive": Mutation(
        RETURN_RECEIVE,
        _id(creditAmount="50.00"),
        _return_is("ret.approved", "RECEIVED"),
        "ret.approved",
        "missing.return",
    ),
}

ORDER_ID = ("NOT_FOUND", "purchaseOrderId")
SUPPLIER_ACTS = ("shipmentCreate", "invoiceSubmit")
BUYER_ACTS = ("goodsReceiptCreate", "returnRequestCreate")
SUPPLIER_DECIDES = ("returnRequestApprove", "returnRequestReject", "returnReceive")
BUYER_DECIDES = ("invoiceAccept", "invoiceDispute")

#: found by this matrix; ordering is being edited on other branches, so reported, not fixed

M = Row
ROWS: list[Row] = []
for _op in SUPPLIER_ACTS + BUYER_ACTS + SUPPLIER_DECIDES + BUYER_DECIDES:
    by_supplier = _op in SUPPLIER_ACTS + SUPPLIER_DECIDES
    missing = ORDER_ID if _op in SUPPLIER_ACTS + BUYER_ACTS else NOT_FOUND
    ROWS += [
        M(
            _op,
            "anonymous",
            "anonymous",
            UNAUTHENTICATED,
        ),
        M(_op, "outsider-buyer", "other.buyer", missing),
        M(_op, "outsider-supplier", "rival.sales", missing),
        M(_op, "outsider-platform-admin", "platform.admin", FORBIDDEN),
        M(_op, "wrong-role", "sup.viewer" if by_supplier else "buyer.viewer", FORBIDDEN),
        M(_op, "wrong-side", "buyer.buyer" if by_supplier else "sup.sales", FORBIDDEN),
        M(_op, "wrong-side-admin", "buyer.admin" if by_supplier else "sup.viewer", FORBIDDEN),
        M(_op, "right", "sup.sales" if by_supplier else "buyer.buyer", OK),
    ]


ROWS += [
    M("shipmentCreate", "right-api-key", "sup.key", OK),
    M("goodsReceiptCreate", "right-api-key", "buyer.key", OK),
    M("invoiceAccept", "wrong-side-api-key", "sup.key", FORBIDDEN),
]


@pytest.mark.parametrize("row", [r.param() for r in ROWS])
async def test_mutation(matrix_api: Api, snapshot: Snapshot, world: World, row: Row) -> None:
    await run_mutation(matrix_api, snapshot, world, MUTATIONS[row.operation], row)
