"""Access matrix of the catalog (listings) and of money (FX rates).

Rules: a listing is written by its supplier's SUPPLIER_SALES staff; every signed-in
caller reads the ACTIVE listings of VERIFIED suppliers, a supplier also its own (any
state), platform staff all; anything else is not found.  Users of a SUSPENDED supplier
may not act as it (issue 9).  FX rates are reference data every signed-in caller reads;
only platform admins record them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from graphql_schema.ids import to_global_id
from procurement.parties.models import VerificationStatus
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
from tests.access_matrix.ordering_world import add_user
from tests.helpers import Api
from tests.test_comparison_api import FX_RATE_SET, FX_RATES
from tests.test_fulfilment_and_catalog import (
    LISTING_ARCHIVE,
    LISTING_CREATE,
    LISTING_UPDATE,
    listing_input,
)

MISSING_ID = 10**9
TODAY = datetime.now(UTC).date().isoformat()

# --- the world ---------------------------------------------------------------------------


async def _listing(api: Api, token: str, **over: Any) -> str:
    made = await api.mutate(LISTING_CREATE, listing_input(**over), token)
    assert made["errors"] == [], made
    return str(made["listing"]["id"])


async def build_world(api: Api) -> World:
    """``sup`` (VERIFIED: ``listing.active``, ``listing.archived``), ``rival``,
    ``pending`` (its ``listing.pending`` is not public), ``fallen`` (``listing.fallen``,
    then SUSPENDED), the buyer ``buyer`` and a platform admin; one EUR/USD rate."""
    sup = await api.org(
        "Bolt Supplier", supplier=True, users={"sales": ["SUPPLIER_SALES"], "admin": ["ORG_ADMIN"]}
    )
    rival = await api.org("Rival Supplier", supplier=True, users={"sales": ["SUPPLIER_SALES"]})
    pending = await api.org(
        "Pending Supplier",
        supplier=True,
        status=VerificationStatus.PENDING,
        users={"sales": ["SUPPLIER_SALES"]},
    )
    fallen = await api.org("Fallen Supplier", supplier=True, users={"sales": ["SUPPLIER_SALES"]})
    buyer = await api.org(
        "Northwind", buyer=True, users={"buyer": ["BUYER"], "admin": ["ORG_ADMIN"]}
    )
    platform = await api.platform_admin()
    tokens: dict[str, str | None] = {
        "anonymous": None,
        "platform.admin": platform.token,
        "sup.viewer": await add_user(api, sup, "viewer", ["VIEWER"]),
    }
    for key, org in {
        "sup": sup,
        "rival": rival,
        "pending": pending,
        "fallen": fallen,
        "buyer": buyer,
    }.items():
        for label, actor in org.users.items():
            tokens[f"{key}.{label}"] = actor.token
    sales = sup.users["sales"].token
    gids = {
        "listing.active": await _listing(api, sales, title="Hex nut M8"),
        "listing.archived": await _listing(api, sales, title="Old nut"),
        "listing.pending": await _listing(api, pending.users["sales"].token, title="Pending nut"),
        "listing.fallen": await _listing(api, fallen.users["sales"].token, title="Fallen nut"),
        "missing.listing": to_global_id("Listing", MISSING_ID),
        "sup": sup.gid,
        "pending": pending.gid,
    }
    archived = await api.mutate(LISTING_ARCHIVE, {"id": gids["listing.archived"]}, sales)
    assert archived["errors"] == [], archived
    rate = await api.mutate(
        FX_RATE_SET, {"base": "EUR", "quote": "USD", "rate": "1.1", "asOf": TODAY}, platform.token
    )
    assert rate["errors"] == [], rate
    async with api.db.transaction() as s:
        await s.execute(
            text("UPDATE organization SET verification_status = :st WHERE id = :id"),
            {"st": VerificationStatus.SUSPENDED.value, "id": fallen.id},
        )
    return World(tokens=tokens, gids=gids)


@pytest.fixture(scope="module")
async def world(matrix_api: Api, snapshot: Snapshot) -> World:
    await truncate(matrix_api.db)
    built = await build_world(matrix_api)
    await snapshot.take()
    return built


# --- reading back --------------------------------------------------------------------

LISTING_STATE = "query L($id: ID!) { listing(id: $id) { title status supplier { name } } }"


def _listing_is(**want: Any) -> Any:
    async def check(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
        data = await api.gql(
            LISTING_STATE, {"id": payload["listing"]["id"]}, world.token("platform.admin")
        )
        assert {k: data["listing"][k] for k in want} == want

    return check


async def listing_created(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    """An ACTIVE listing of the caller's own organisation, which buyers now find."""
    supplier = {"sup": "Bolt Supplier", "rival": "Rival Supplier"}[row.caller.split(".")[0]]
    await _listing_is(status="ACTIVE", supplier={"name": supplier})(api, world, row, payload)
    found = await api.gql(
        "{ listings(first: 100) { nodes { id } } }", token=world.token("buyer.buyer")
    )
    assert {"id": payload["listing"]["id"]} in found["listings"]["nodes"]


async def rate_set(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    data = await api.gql(FX_RATES, {"base": "EUR", "quote": "GBP"}, world.token("buyer.buyer"))
    (rate,) = data["fxRates"]
    assert (rate["asOf"], Decimal(rate["rate"])) == (TODAY, Decimal("0.85"))


# --- the mutations -------------------------------------------------------------------

MUTATIONS: dict[str, Mutation] = {
    "listingCreate": Mutation(LISTING_CREATE, lambda w, t: listing_input(), listing_created),
    "listingUpdate": Mutation(
        LISTING_UPDATE,
        lambda w, t: {"id": w.gids[t], "title": "Renamed nut"},
        _listing_is(title="Renamed nut", status="ACTIVE"),
        "listing.active",
        "missing.listing",
    ),
    "listingArchive": Mutation(
        LISTING_ARCHIVE,
        lambda w, t: {"id": w.gids[t]},
        _listing_is(status="ARCHIVED"),
        "listing.active",
        "missing.listing",
    ),
    "fxRateSet": Mutation(
        FX_RATE_SET,
        lambda w, t: {"base": "EUR", "quote": "GBP", "rate": "0.85", "asOf": TODAY},
        rate_set,
    ),
}

M = Row
MUTATION_ROWS: list[Row] = [
    # listingCreate: SUPPLIER_SALES, for their own organisation
    M("listingCreate", "anonymous", "anonymous", UNAUTHENTICATED),
    M("listingCreate", "outsider-lists-for-own-org", "rival.sales", OK),
    M("listingCreate", "wrong-role", "sup.viewer", FORBIDDEN),
    M("listingCreate", "wrong-role-admin", "sup.admin", FORBIDDEN),
    M("listingCreate", "wrong-role-buyer", "buyer.buyer", FORBIDDEN),
    M("listingCreate", "wrong-role-suspended-supplier", "fallen.sales", FORBIDDEN),
    M("listingCreate", "right", "sup.sales", OK),
]
for _op in ("listingUpdate", "listingArchive"):
    MUTATION_ROWS += [
        M(_op, "anonymous", "anonymous", UNAUTHENTICATED),
        M(_op, "outsider", "rival.sales", NOT_FOUND),
        # a buyer reads the listing but writes nothing of another organisation's
        M(_op, "outsider-buyer-who-sees-it", "buyer.buyer", NOT_FOUND),
        M(_op, "outsider-platform-admin", "platform.admin", NOT_FOUND),
        M(_op, "wrong-role", "sup.viewer", FORBIDDEN),
        M(
            _op,
            "wrong-role-suspended-supplier",
            "fallen.sales",
            FORBIDDEN,
            target="listing.fallen",
        ),
        M(_op, "right", "sup.sales", OK),
    ]
MUTATION_ROWS += [
    # fxRateSet: platform admins only, refused before anything is looked at
    M("fxRateSet", "anonymous", "anonymous", UNAUTHENTICATED),
    M("fxRateSet", "outsider-org-admin", "buyer.admin", FORBIDDEN),
    M("fxRateSet", "wrong-role", "sup.sales", FORBIDDEN),
    M("fxRateSet", "right", "platform.admin", OK),
]


@pytest.mark.parametrize("row", [r.param() for r in MUTATION_ROWS])
async def test_mutation(matrix_api: Api, snapshot: Snapshot, world: World, row: Row) -> None:
    await run_mutation(matrix_api, snapshot, world, MUTATIONS[row.operation], row)


# --- the queries -------------------------------------------------------------------------


def _listed(data: dict[str, Any], world: World, target: str) -> bool:
    return world.gids[target] in {n["id"] for n in data["listings"]["nodes"]}


def _one(data: dict[str, Any], world: World, target: str) -> bool:
    found = data["listing"]
    assert found is None or found == {"id": world.gids[target]}
    return found is not None


def _rate(data: dict[str, Any], world: World, target: str) -> bool:
    return [(r["base"], r["quote"]) for r in data["fxRates"]] == [("EUR", "USD")]


QUERIES: dict[str, Query] = {
    "listings": Query(
        "query L($filter: ListingFilter) { listings(filter: $filter) { nodes { id } } }",
        lambda w, t: {},
        _listed,
        "listing.active",
    ),
    "listing": Query(
        "query L($id: ID!) { listing(id: $id) { id } }",
        lambda w, t: {"id": w.gids[t]},
        _one,
        "listing.active",
    ),
    "fxRates": Query(FX_RATES, lambda w, t: {}, _rate),
    **NODE_QUERIES,
}


def _of(supplier: str) -> dict[str, Any]:
    """``listings`` shows a supplier its own listings in any state when filtered by it."""
    return {"filter": {"supplierId": f"gid:{supplier}"}}


Q = Row
QUERY_ROWS: list[Row] = [
    Q("listings", "anonymous", "anonymous", UNAUTHENTICATED),
    Q("listing", "anonymous", "anonymous", HIDDEN),
]
for _op in ("listings", "listing"):
    QUERY_ROWS += [
        Q(_op, "outsider-buyer", "buyer.buyer", SEEN),
        Q(_op, "outsider-buyer-archived", "buyer.buyer", HIDDEN, target="listing.archived"),
        Q(_op, "outsider-buyer-unverified", "buyer.buyer", HIDDEN, target="listing.pending"),
        Q(_op, "outsider-buyer-suspended", "buyer.buyer", HIDDEN, target="listing.fallen"),
        Q(_op, "outsider-supplier-archived", "rival.sales", HIDDEN, target="listing.archived"),
    ]
QUERY_ROWS += [
    # listings: the public catalog; one's own listings in any state when filtered by one's
    # own organisation (another supplier's filter still shows only its public ones)
    Q(
        "listings",
        "outsider-filters-by-supplier",
        "rival.sales",
        HIDDEN,
        target="listing.archived",
        extra=_of("sup"),
    ),
    Q("listings", "right-platform-admin", "platform.admin", SEEN),
    Q(
        "listings",
        "right-own-archived",
        "sup.viewer",
        SEEN,
        target="listing.archived",
        extra=_of("sup"),
    ),
    Q(
        "listings",
        "right-own-unverified",
        "pending.sales",
        SEEN,
        target="listing.pending",
        extra=_of("pending"),
    ),
    # listing: as listings, and platform admins see every listing
    Q("listing", "wrong-role-viewer-own-archived", "sup.viewer", SEEN, target="listing.archived"),
    Q("listing", "right-own-unverified", "pending.sales", SEEN, target="listing.pending"),
    Q("listing", "right-platform-admin", "platform.admin", SEEN, target="listing.pending"),
    Q("listing", "missing", "buyer.buyer", HIDDEN, target="missing.listing"),
    # fxRates: reference data; any organisation, any role reads it, once signed in
    Q("fxRates", "anonymous", "anonymous", UNAUTHENTICATED),
    Q("fxRates", "outsider-any-org", "rival.sales", SEEN),
    Q("fxRates", "wrong-role-viewer", "sup.viewer", SEEN),
    Q("fxRates", "right", "buyer.buyer", SEEN),
]


# listings through node(id) and nodes(ids): the same rules as listing(id)
QUERY_ROWS += [
    *node_rows("listing.active", seen=("buyer.buyer", "rival.sales"), hidden=("anonymous",)),
    *node_rows(
        "listing.archived",
        seen=("sup.viewer", "platform.admin"),
        hidden=("anonymous", "buyer.buyer", "rival.sales"),
    ),
    *node_rows("listing.pending", seen=("pending.sales",), hidden=("buyer.buyer",)),
    *node_rows("listing.fallen", hidden=("buyer.buyer", "rival.sales")),
]


@pytest.mark.parametrize("row", [r.param() for r in QUERY_ROWS])
async def test_query(matrix_api: Api, snapshot: Snapshot, world: World, row: Row) -> None:
    await run_query(matrix_api, snapshot, world, QUERIES[row.operation], row)


ROWS = QUERY_ROWS + MUTATION_ROWS
