"""Access matrix of purchase orders: creation, approval, sending, the supplier's answer,
change orders, the approval policy, and the order queries.

Rules (DESIGN §2, §4): an order is read by its buyer's and its supplier's members (the
supplier from the moment it is sent: issue 9) and by platform staff; each action is
for one side and one role (``procurement/ordering/states.py``); anyone else is told
not found; the approval policy is the organisation's admins' to set.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.access_matrix.harness import (
    FORBIDDEN,
    HIDDEN,
    NODE_QUERIES,
    NOT_FOUND,
    OK,
    SEEN,
    UNAUTHENTICATED,
    Mutation,
    Query,
    Row,
    Snapshot,
    World,
    node_rows,
    run_mutation,
    run_query,
    truncate,
)
from tests.access_matrix.ordering_world import POLICY, build_world
from tests.helpers import Api
from tests.ordering_docs import (
    ADDRESS,
    PO_ACK,
    PO_APPROVE,
    PO_CANCEL,
    PO_CHANGE,
    PO_CREATE,
    PO_DECLINE,
    PO_REJECT,
    PO_SEND,
    PO_SUBMIT,
)

POLICY_SET = """
mutation P($input: ApprovalPolicySetInput!) {
  approvalPolicySet(input: $input) {
    bands { upTo approvalsRequired } errors { field code message }
  }
}"""
PO_STATE = (
    "query Q($id: ID!) { purchaseOrder(id: $id) { status needBy approvalRound buyer { name } } }"
)


@pytest.fixture(scope="module")
async def world(matrix_api: Api, snapshot: Snapshot) -> World:
    await truncate(matrix_api.db)
    built = await build_world(matrix_api)
    await snapshot.take()
    return built


# --- reading back --------------------------------------------------------------------


async def _state(api: Api, world: World, gid: str) -> dict[str, Any]:
    data = await api.gql(PO_STATE, {"id": gid}, world.token("platform.admin"))
    return data["purchaseOrder"]  # type: ignore[no-any-return]


def _expect(**want: Any) -> Any:
    async def check(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
        state = await _state(api, world, payload["purchaseOrder"]["id"])
        assert {k: state[k] for k in want} == want

    return check


async def created(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    """One DRAFT order of the caller's own organisation."""
    (po,) = payload["purchaseOrders"]
    state = await _state(api, world, po["id"])
    buyer = "Other Buyer" if row.caller.startswith("other") else "Northwind"
    assert (state["status"], state["buyer"]) == ("DRAFT", {"name": buyer})


async def policy_set(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    """The caller's organisation has the new bands; Northwind's are untouched unless
    the caller is Northwind's."""
    own = await api.gql("{ approvalPolicy { approvalsRequired } }", token=world.token(row.caller))
    assert own["approvalPolicy"] == [{"approvalsRequired": 2}]
    if row.caller.startswith("other"):
        northwind = await api.gql(
            "{ approvalPolicy { approvalsRequired } }", token=world.token("buyer.viewer")
        )
        assert northwind["approvalPolicy"] == [
            {"approvalsRequired": b["approvalsRequired"]} for b in POLICY
        ]


# --- the mutations -------------------------------------------------------------------


def _id(world: World, target: str) -> dict[str, Any]:
    return {"id": world.gids[target]}


def _reason(world: World, target: str) -> dict[str, Any]:
    return {"id": world.gids[target], "reason": "Budget moved"}


NEED_BY = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()

MUTATIONS: dict[str, Mutation] = {
    "purchaseOrderCreate": Mutation(
        PO_CREATE,
        lambda w, t: {
            "lines": [{"listingId": w.gids[t], "quantity": "50"}],
            "deliveryAddress": ADDRESS,
        },
        created,
        "listing",
    ),
    "purchaseOrderSubmit": Mutation(
        PO_SUBMIT, _id, _expect(status="PENDING_APPROVAL"), "po.draft", "missing.po"
    ),
    "purchaseOrderApprove": Mutation(
        PO_APPROVE, _id, _expect(status="APPROVED"), "po.pending", "missing.po"
    ),
    "purchaseOrderReject": Mutation(
        PO_REJECT, _reason, _expect(status="DRAFT"), "po.pending", "missing.po"
    ),
    "purchaseOrderSend": Mutation(
        PO_SEND, _id, _expect(status="SENT"), "po.approved", "missing.po"
    ),
    "purchaseOrderAcknowledge": Mutation(
        PO_ACK, _id, _expect(status="ACKNOWLEDGED"), "po.sent", "missing.po"
    ),
    "purchaseOrderDecline": Mutation(
        PO_DECLINE, _reason, _expect(status="DECLINED"), "po.sent", "missing.po"
    ),
    "purchaseOrderCancel": Mutation(
        PO_CANCEL, _reason, _expect(status="CANCELLED"), "po.ack", "missing.po"
    ),
    "purchaseOrderChange": Mutation(
        PO_CHANGE,
        lambda w, t: {
            "id": w.gids[t],
            "expectedVersion": w.data["versions"].get(t, 1),
            "needBy": NEED_BY,
        },
        _expect(needBy=NEED_BY),
        "po.draft",
        "missing.po",
    ),
    "approvalPolicySet": Mutation(
        POLICY_SET, lambda w, t: {"bands": [{"upTo": None, "approvalsRequired": 2}]}, policy_set
    ),
}

M = Row
MUTATION_ROWS: list[Row] = [
    # purchaseOrderCreate: BUYERs, for their own organisation, from public listings
    M("purchaseOrderCreate", "anonymous", "anonymous", UNAUTHENTICATED),
    M("purchaseOrderCreate", "outsider-orders-for-own-org", "other.buyer", OK),
    M("purchaseOrderCreate", "wrong-role", "buyer.viewer", FORBIDDEN),
    M("purchaseOrderCreate", "wrong-role-supplier", "sup.sales", FORBIDDEN),
    M("purchaseOrderCreate", "right", "buyer.buyer", OK),
    M("purchaseOrderCreate", "right-api-key", "buyer.key", OK),
    # approvalPolicySet: ORG_ADMINs, for their own organisation
    M("approvalPolicySet", "anonymous", "anonymous", UNAUTHENTICATED),
    M("approvalPolicySet", "outsider-sets-own-org", "other.admin", OK),
    M("approvalPolicySet", "wrong-role", "buyer.buyer", FORBIDDEN),
    M("approvalPolicySet", "wrong-role-approver", "buyer.approver", FORBIDDEN),
    M("approvalPolicySet", "wrong-role-api-key", "buyer.key", FORBIDDEN),
    M("approvalPolicySet", "right", "buyer.admin", OK),
]


def _order_rows(op: str, wrong: list[tuple[str, str]], right: str, supplier: str) -> list[Row]:
    """Anonymous, the two outsiders, the wrong roles and the right one, and the order's
    supplier (``supplier``: its expected code; for buyer actions on orders not yet sent,
    NOT_FOUND by issue 9)."""
    rows = [
        M(op, "anonymous", "anonymous", UNAUTHENTICATED),
        M(op, "outsider-buyer", "other.buyer", NOT_FOUND),
        M(op, "outsider-supplier", "rival.sales", NOT_FOUND),
        M(op, "outsider-platform-admin", "platform.admin", FORBIDDEN),
    ]
    rows += [M(op, f"wrong-role-{label}", caller, FORBIDDEN) for label, caller in wrong]
    if supplier == "hidden":
        rows.append(M(op, "wrong-side-supplier", "sup.sales", NOT_FOUND))
    elif supplier == "forbidden":
        rows.append(M(op, "wrong-side-supplier", "sup.sales", FORBIDDEN))
    rows.append(M(op, "right", right, OK))
    return rows


VIEWER, BUYER = ("viewer", "buyer.viewer"), ("buyer", "buyer.buyer")
SUP_VIEWER, THE_BUYER = ("viewer", "sup.viewer"), ("the-buyer", "buyer.buyer")
MUTATION_ROWS += _order_rows("purchaseOrderSubmit", [VIEWER], "buyer.buyer", "hidden")
MUTATION_ROWS += _order_rows("purchaseOrderApprove", [VIEWER, BUYER], "buyer.approver", "hidden")
MUTATION_ROWS += _order_rows("purchaseOrderReject", [VIEWER, BUYER], "buyer.approver", "hidden")
MUTATION_ROWS += _order_rows("purchaseOrderSend", [VIEWER], "buyer.buyer", "hidden")
MUTATION_ROWS += _order_rows("purchaseOrderChange", [VIEWER], "buyer.buyer", "hidden")
MUTATION_ROWS += _order_rows("purchaseOrderCancel", [VIEWER], "buyer.buyer", "forbidden")
MUTATION_ROWS += _order_rows("purchaseOrderAcknowledge", [SUP_VIEWER, THE_BUYER], "sup.sales", "")
MUTATION_ROWS += _order_rows("purchaseOrderDecline", [SUP_VIEWER, THE_BUYER], "sup.sales", "")
MUTATION_ROWS += [
    # machine clients buy and sell, but approve nothing (an approval is a person's)
    M("purchaseOrderSubmit", "right-api-key", "buyer.key", OK),
    M("purchaseOrderApprove", "wrong-role-api-key", "buyer.key", FORBIDDEN),
    M("purchaseOrderAcknowledge", "right-api-key", "sup.key", OK),
    # the requester never approves their own order, even with the role
    M(
        "purchaseOrderApprove",
        "wrong-role-requester",
        "buyer.buyer_approver",
        ("FORBIDDEN", "id"),
        target="po.pending.own",
    ),
]


@pytest.mark.parametrize("row", [r.param() for r in MUTATION_ROWS])
async def test_mutation(matrix_api: Api, snapshot: Snapshot, world: World, row: Row) -> None:
    await run_mutation(matrix_api, snapshot, world, MUTATIONS[row.operation], row)


# --- the queries -------------------------------------------------------------------------


def _listed(field: str) -> Any:
    def seen(data: dict[str, Any], world: World, target: str) -> bool:
        return world.gids[target] in {n["id"] for n in data[field]["nodes"]}

    return seen


def _order(data: dict[str, Any], world: World, target: str) -> bool:
    found = data["purchaseOrder"]
    assert found is None or found == {"id": world.gids[target]}
    return found is not None


def _policy(data: dict[str, Any], world: World, target: str) -> bool:
    """Northwind's bands, rather than an organisation's with none."""
    return [b["approvalsRequired"] for b in data["approvalPolicy"]] == [0, 1]


LIST = "{{ {field}(first: 100) {{ nodes {{ id }} }} }}"
QUERIES: dict[str, Query] = {
    "purchaseOrder": Query(
        "query Q($id: ID, $ref: String) { purchaseOrder(id: $id, externalReference: $ref) { id } }",
        _id,
        _order,
        "po.sent",
    ),
    "purchaseOrders": Query(
        LIST.format(field="purchaseOrders"), lambda w, t: {}, _listed("purchaseOrders"), "po.sent"
    ),
    "purchaseOrdersAwaitingMyApproval": Query(
        LIST.format(field="purchaseOrdersAwaitingMyApproval"),
        lambda w, t: {},
        _listed("purchaseOrdersAwaitingMyApproval"),
        "po.pending",
    ),
    "approvalPolicy": Query(
        "{ approvalPolicy { upTo approvalsRequired } }", lambda w, t: {}, _policy
    ),
    **NODE_QUERIES,
}

BY_REFERENCE = {"id": None, "ref": "ERP-PO-1"}

Q = Row
QUERY_ROWS: list[Row] = []
for _op in ("purchaseOrder", "purchaseOrders"):
    anonymous = HIDDEN if _op == "purchaseOrder" else UNAUTHENTICATED
    QUERY_ROWS += [
        Q(_op, "anonymous", "anonymous", anonymous),
        Q(_op, "outsider-buyer", "other.buyer", HIDDEN),
        Q(_op, "outsider-supplier", "rival.sales", HIDDEN),
        Q(_op, "right-buyer-viewer", "buyer.viewer", SEEN),
        Q(_op, "right-buyer-draft", "buyer.viewer", SEEN, target="po.draft"),
        Q(_op, "right-supplier-once-sent", "sup.viewer", SEEN),
        Q(_op, "right-platform-admin", "platform.admin", SEEN),
        Q(
            _op,
            "wrong-role-supplier-draft",
            "sup.sales",
            HIDDEN,
            target="po.draft",
        ),
        Q(
            _op,
            "wrong-role-supplier-pending",
            "sup.sales",
            HIDDEN,
            target="po.pending",
        ),
        Q(
            _op,
            "wrong-role-supplier-approved-not-sent",
            "sup.sales",
            HIDDEN,
            target="po.approved",
        ),
    ]
QUERY_ROWS += [
    Q("purchaseOrder", "missing", "buyer.viewer", HIDDEN, target="missing.po"),
    # by external reference: the buyer's own key, even its supplier does not look it up
    *(
        Q("purchaseOrder", f"{kind}-by-reference", caller, expect, extra=BY_REFERENCE)
        for kind, caller, expect in (
            ("anonymous", "anonymous", HIDDEN),
            ("outsider", "other.buyer", HIDDEN),
            ("wrong-role-supplier", "sup.sales", HIDDEN),
            ("right", "buyer.viewer", SEEN),
        )
    ),
    # purchaseOrdersAwaitingMyApproval: APPROVERs of the buyer, not the requester
    Q("purchaseOrdersAwaitingMyApproval", "anonymous", "anonymous", UNAUTHENTICATED),
    Q("purchaseOrdersAwaitingMyApproval", "outsider", "other.buyer", HIDDEN),
    Q("purchaseOrdersAwaitingMyApproval", "outsider-supplier", "sup.sales", HIDDEN),
    Q("purchaseOrdersAwaitingMyApproval", "wrong-role", "buyer.buyer", HIDDEN),
    Q("purchaseOrdersAwaitingMyApproval", "wrong-role-admin", "buyer.admin", HIDDEN),
    Q("purchaseOrdersAwaitingMyApproval", "right", "buyer.approver", SEEN),
    # approvalPolicy: every member reads its own organisation's bands, and only those
    Q("approvalPolicy", "anonymous", "anonymous", UNAUTHENTICATED),
    Q("approvalPolicy", "outsider", "other.buyer", HIDDEN),
    Q("approvalPolicy", "wrong-role-supplier", "sup.sales", HIDDEN),
    Q("approvalPolicy", "right-viewer", "buyer.viewer", SEEN),
]


# orders through node(id) and nodes(ids): the same rules as purchaseOrder(id)
QUERY_ROWS += [
    *node_rows(
        "po.sent",
        seen=("buyer.viewer", "sup.viewer", "platform.admin"),
        hidden=("anonymous", "other.buyer", "rival.sales"),
    ),
    *node_rows(
        "po.draft",
        seen=("buyer.viewer",),
        hidden=("anonymous", "other.buyer", "rival.sales", "sup.sales"),
    ),
]


@pytest.mark.parametrize("row", [r.param() for r in QUERY_ROWS])
async def test_query(matrix_api: Api, snapshot: Snapshot, world: World, row: Row) -> None:
    await run_query(matrix_api, snapshot, world, QUERIES[row.operation], row)


ROWS = QUERY_ROWS + MUTATION_ROWS
