"""Property-based fuzzing of the whole API (issue 9, "Proof"): no document gets a 500.

hypothesis-graphql generates queries and mutations from the live schema; each is sent
through the real ASGI app, signed in as a buyer and as a supplier, against the demo data
set.  Each ID argument gets the global ID of an existing row of the type it takes
(told by its name: ``rfqId``, or ``id`` under ``purchaseOrderApprove``; any type for
``node(id:)``), and optional arguments that random values can only break (cursors,
expected versions) are left out, so documents reach the services and mutations succeed
instead of stopping at "not found".
The property: the HTTP status is below 500, the body is JSON, and no error carries
``INTERNAL_SERVER_ERROR`` (a masked crash).

Categories, one test each per principal (``CATEGORIES``):

- ``realistic``: well-formed values (no NUL, real IDs, plausible decimals and dates);
- ``explicit-nulls``: mutations whose every optional input field is an explicit null;
- ``invalid-documents``: ``Mode.NEGATIVE``, documents with one schema violation each;
- ``hostile-ids``, ``-strings``, ``-decimals``, ``-dates``, ``-cursors``: realistic
  values except one kind of scalar: unknown or overflowing IDs; NUL bytes, lone
  surrogates and strings longer than any column; NaN/Infinity/huge or too fine decimals;
  calendar-edge dates with extreme offsets; forged pagination cursors.

A category still known to fail is listed in ``KNOWN_FAILING`` (run as
``xfail(strict=False)``, with the reason); delete its entry once the fix is in, and the
test guards it from then on.

Bounds: a number of examples and a wall-clock budget per test (``CATEGORIES``) keep the
module at about a minute on a loaded two-core machine, seeding included; each test has
a fixed seed, so CI sends the same documents every time.  To explore further:
``PROCUREMENT_FUZZ_SCALE=10`` (ten times the examples and seconds),
``PROCUREMENT_FUZZ_RANDOM=1`` (new examples each run), ``PROCUREMENT_FUZZ_SHRINK=1``
(shrink a failure to a minimal document; slow, and ignores the time budget),
``PROCUREMENT_FUZZ_COLLECT=<file>`` (append every failing document to the file as a JSON
line and go on, to survey what fails).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import time
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
from graphql import (
    REMOVE,
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLID,
    GraphQLSchema,
    NullValueNode,
    ObjectFieldNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    is_non_null_type,
    print_ast,
    visit,
)
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes
from sqlalchemy import text

from fixtures.loader import load_demo
from graphql_schema.ids import to_global_id
from procurement.db import Database
from procurement.parties.credentials import hash_password, issue_tokens
from procurement.parties.models import User

RANDOM = os.environ.get("PROCUREMENT_FUZZ_RANDOM") == "1"
SHRINK = os.environ.get("PROCUREMENT_FUZZ_SHRINK") == "1"
COLLECT = os.environ.get("PROCUREMENT_FUZZ_COLLECT")

#: global ID type name -> table, for every type whose ID an argument may take
ID_TABLES = {
    "ApiKey": "api_key",
    "AuditEvent": "audit_entry",
    "Category": "category",
    "GoodsReceipt": "goods_receipt",
    "Invoice": "invoice",
    "Listing": "listing",
    "Organization": "organization",
    "PurchaseOrder": "purchase_order",
    "PurchaseOrderLine": "purchase_order_line",
    "Quote": "quote",
    "QuoteLine": "quote_line",
    "ReturnRequest": "return_request",
    "Rfq": "rfq",
    "RfqLine": "rfq_line",
    "RfqQuestion": "rfq_question",
    "Shipment": "shipment",
    "User": "app_user",
}

#: the principals: an organisation of the demo data and the roles of a user added to it
#: (every role of its side, so that documents reach the services, not only FORBIDDEN)
PRINCIPALS = {
    "buyer": ("Northwind Manufacturing GmbH", ["ORG_ADMIN", "BUYER", "APPROVER"]),
    "supplier": ("Shenzhen Precision Hardware Co., Ltd.", ["ORG_ADMIN", "SUPPLIER_SALES"]),
}

#: category -> why it still fails (xfail, not strict), with a minimal failing document;
#: all are the boundary hardening of issue 9 ("bad input is a clear error, never a 500")
#: done on another branch: delete an entry once that fix is merged
KNOWN_FAILING: dict[str, str] = {}


#: global IDs of existing rows, by type name
Ids = dict[str, list[str]]


@dataclass
class World:
    client: httpx.AsyncClient
    tokens: dict[str, str]
    #: global IDs of existing rows by type, without the fuzzing users (deactivating or
    #: demoting them would end the run's sessions)
    ids: Ids


async def _truncate(db: Database) -> None:
    async with db.transaction() as s:
        tables = [
            r[0]
            for r in await s.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        await s.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


async def _principal(db: Database, label: str, org_name: str, roles: list[str]) -> User:
    async with db.transaction() as s:
        org = (
            await s.execute(text("SELECT id FROM organization WHERE name = :n"), {"n": org_name})
        ).scalar_one()
        email = f"fuzz-{label}@fuzz.example"
        user = User(
            organization_id=org,
            email=email,
            email_normalized=email,
            full_name=f"Fuzz {label}",
            password_hash=await hash_password("Fuzz-pass-2026"),
            roles=roles,
            approval_limit=Decimal("1000000000") if "APPROVER" in roles else None,
        )
        s.add(user)
        await s.flush()
        return user


@pytest.fixture(scope="module")
async def world(app: Any) -> AsyncIterator[World]:
    """The demo data set plus one fuzzing user per side.  Not the ``db``/``api``
    fixtures: those empty the tables before every test, and this data set is built once
    for the module (the fuzzed mutations change it as they go, as real clients would)."""
    db: Database = app.state.db
    await _truncate(db)
    await load_demo(db)
    tokens: dict[str, str] = {}
    users: list[int] = []
    for label, (org_name, roles) in PRINCIPALS.items():
        user = await _principal(db, label, org_name, roles)
        assert user.id is not None and user.organization_id is not None
        users.append(user.id)
        tokens[label] = issue_tokens(
            user_id=user.id,
            organization_id=user.organization_id,
            secret=app.state.settings.resolved_secret_key(),
            access_minutes=120,
            refresh_days=1,
        ).access_token
    ids: Ids = {}
    async with db.read() as s:
        for type_name, table in ID_TABLES.items():
            rows = await s.execute(text(f"SELECT id FROM {table} ORDER BY id"))
            found = [
                to_global_id(type_name, row_id)
                for (row_id,) in rows
                if not (type_name == "User" and row_id in users)
            ]
            if found:
                ids[type_name] = found
    assert len(ids) >= 12, ids  # the demo data set is there
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield World(client, tokens, ids)


# --- value strategies -----------------------------------------------------------------


def _string(value: Any) -> Any:
    return nodes.String(value)


#: values a field of this API often expects, so that documents get past validation
PLAUSIBLE_TEXT = [
    "EUR",
    "USD",
    "CNY",
    "JPY",
    "DE",
    "CN",
    "EA",
    "KG",
    "M8 bolt",
    "fuzz@fuzz.example",
    "https://fuzz.example",
    "Fuzz-pass-2026-long",
    "DEMO-PO-DRAFT",
    "31160000",
]


def existing_ids(ids: Ids) -> st.SearchStrategy[str]:
    """The ID of an existing row, of a type drawn first (the demo data has hundreds of
    audit events and a few RFQs: drawing among all rows would mostly give audit events)."""
    return st.sampled_from(sorted(ids)).flatmap(lambda t: st.sampled_from(ids[t]))


#: the type of an ID argument, by its name without ``Id``/``Ids`` (``rfqLineId``)
ID_NAMES = {
    "rfq": "Rfq",
    "rfqLine": "RfqLine",
    "quote": "Quote",
    "quoteLine": "QuoteLine",
    "listing": "Listing",
    "category": "Category",
    "parent": "Category",
    "organization": "Organization",
    "supplier": "Organization",
    "counterparty": "Organization",
    "entity": "Organization",
    "purchaseOrder": "PurchaseOrder",
    "user": "User",
}
#: the type a root field is about, by the prefix of its name (for ``id`` and ``lineId``)
ROOT_TYPES = [
    ("purchaseOrder", "PurchaseOrder"),
    ("returnRe", "ReturnRequest"),
    ("rfqQuestion", "RfqQuestion"),
    ("rfq", "Rfq"),
    ("quote", "Quote"),
    ("listing", "Listing"),
    ("user", "User"),
    ("apiKey", "ApiKey"),
    ("invoice", "Invoice"),
    ("organization", "Organization"),
    ("supplier", "Organization"),
    ("shipment", "Shipment"),
    ("goodsReceipt", "GoodsReceipt"),
]


def id_type(name: str, root: str) -> str | None:
    """The type an ID argument named ``name`` under the root field ``root`` most likely
    takes; None when the name does not tell (``node(id:)``: any type will do)."""
    stem = re.sub(r"Ids?$|^ids?$", "", name)
    if stem in ID_NAMES:
        return ID_NAMES[stem]
    about = next((t for prefix, t in ROOT_TYPES if root.startswith(prefix)), None)
    if stem == "":
        return about
    if stem.lower().endswith("line"):
        return {"Rfq": "RfqLine", "Quote": "RfqLine"}.get(about or "", "PurchaseOrderLine")
    return None


class _PlugIds(Visitor):
    """Replaces each existing ID the strategy drew by one of the type its argument takes
    (picked by a hash of the drawn one, so the same document prints the same way)."""

    def __init__(
        self,
        type_info: TypeInfo,
        ids: Ids,
        known: frozenset[str],
        drop: frozenset[str],
        nulls: bool,
    ) -> None:
        super().__init__()
        self.type_info = type_info
        self.ids = ids
        self.known = known
        self.drop = drop
        self.nulls = nulls

    def _optional(self) -> bool:
        return not is_non_null_type(self.type_info.get_input_type())

    def enter_argument(self, node: ArgumentNode, *_: Any) -> Any:
        return REMOVE if node.name.value in self.drop and self._optional() else None

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> Any:
        if not self._optional():
            return None
        if node.name.value in self.drop:
            return REMOVE
        if self.nulls:
            return ObjectFieldNode(name=node.name, value=NullValueNode())
        return None

    def enter_string_value(
        self, node: StringValueNode, key: Any, parent: Any, path: Any, ancestors: Any
    ) -> Any:
        if node.value not in self.known:
            return None  # not one of ours (a hostile ID, or not an ID at all)
        input_type = get_named_type(self.type_info.get_input_type())
        if input_type is None or input_type.name != GraphQLID.name:
            return None
        chain = [*ancestors, parent]
        named = [a for a in chain if isinstance(a, ArgumentNode | ObjectFieldNode)]
        roots = [a for a in chain if isinstance(a, FieldNode)]
        if not named or not roots:
            return None
        wanted = id_type(named[-1].name.value, roots[0].name.value)
        if wanted not in self.ids:
            return None
        choices = self.ids[wanted]
        return StringValueNode(value=choices[zlib.crc32(node.value.encode()) % len(choices)])


#: optional arguments that random values only ever make fail early (a random cursor is
#: INVALID, a random expected version a VERSION_CONFLICT): left out where they are
#: optional, except in the category that fuzzes them
NOT_RANDOM = frozenset({"after", "before", "expectedVersion"})


def id_plugger(
    schema: GraphQLSchema, ids: Ids, drop: frozenset[str] = NOT_RANDOM, nulls: bool = False
) -> Callable[[DocumentNode], str]:
    """A ``print_ast`` for hypothesis-graphql that plugs IDs of the right type in, leaves
    the optional arguments ``drop`` out, and with ``nulls`` sets every optional input
    field to an explicit null."""
    known = frozenset(i for group in ids.values() for i in group)

    def print_with_ids(document: DocumentNode) -> str:
        type_info = TypeInfo(schema)
        plug = _PlugIds(type_info, ids, known, drop, nulls)
        return print_ast(visit(document, TypeInfoVisitor(type_info, plug)))

    return print_with_ids


def realistic_scalars(ids: Ids) -> dict[str, st.SearchStrategy[Any]]:
    text_ = st.one_of(
        st.sampled_from(PLAUSIBLE_TEXT),
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40),
    )
    decimals = st.one_of(
        st.decimals(min_value=0, max_value=100000, places=2),
        st.sampled_from(["1", "10", "100", "1000", "0.5", "-1", "0"]).map(Decimal),
    )
    moments = st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    )
    return {
        "ID": existing_ids(ids).map(_string),
        "String": text_.map(_string),
        "Decimal": decimals.map(lambda d: _string(str(d))),
        "DateTime": moments.map(lambda m: _string(m.isoformat())),
        "Date": st.dates(date(2024, 1, 1), date(2030, 12, 31)).map(lambda d: _string(d)),
    }


def _cursor(value: Any) -> str:
    raw = value if isinstance(value, str) else json.dumps(value)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


HOSTILE = {
    "ID": [
        to_global_id("PurchaseOrder", 2**63),
        to_global_id("Rfq", 10**30),
        to_global_id("User", 0),
        _cursor("Rfq:-1"),
        "",
        "\x00",
        "not-base64!",
        to_global_id("PurchaseOrder", 1) + "\x00",
    ],
    "Decimal": [
        "NaN",
        "-NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "1e999999",
        "-1e999999",
        "1E+2",
        "0.00001",
        "0.0000001",
        "99999999999999999999999999.999999",
        "-0",
    ],
    "DateTime": [
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59.999999+00:00",
    ],
    "Date": ["0001-01-01", "9999-12-31"],
    #: forged cursors: wrong types, huge numbers, non-finite decimals, deep nesting
    "cursor": [
        _cursor([10**30, 10**30]),
        _cursor([1e308, "x"]),
        _cursor([{"n": "NaN"}, 1]),
        _cursor([{"n": "1e999999"}, 1]),
        _cursor([{"dt": "9999-12-31T23:59:59-23:59"}, 2**63]),
        _cursor([{"d": "0000-00-00"}, 1]),
        _cursor([None, None]),
        _cursor([True, [1]]),
        _cursor(["a", {"x": 1}]),
        _cursor("[" * 5000 + "]" * 5000),
        _cursor("1e999999"),
    ],
}


def hostile_scalars(category: str, ids: Ids) -> dict[str, st.SearchStrategy[Any]]:
    """The realistic values, with one kind of scalar made hostile (so that a failure
    names its kind, and each kind can be switched on as its fix lands)."""
    scalars = realistic_scalars(ids)
    if category == "hostile-ids":
        scalars["ID"] = st.one_of(
            existing_ids(ids), st.sampled_from(HOSTILE["ID"]), st.text(max_size=30)
        ).map(_string)
    elif category == "hostile-strings":
        scalars["String"] = st.one_of(
            st.text(st.characters(codec=None)),  # NUL bytes and lone surrogates
            st.integers(250, 20000).map(lambda n: "x" * n),  # longer than any column
        ).map(_string)
    elif category == "hostile-decimals":
        scalars["Decimal"] = st.one_of(
            st.sampled_from(HOSTILE["Decimal"]), st.decimals(allow_nan=True).map(str)
        ).map(_string)
    elif category == "hostile-dates":
        offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
            lambda m: timezone(timedelta(minutes=m))
        )
        scalars["DateTime"] = st.one_of(
            st.datetimes(timezones=offsets).map(lambda m: m.isoformat()),
            st.sampled_from(HOSTILE["DateTime"]),
        ).map(_string)
        scalars["Date"] = st.one_of(st.dates(), st.sampled_from(HOSTILE["Date"])).map(_string)
    elif category == "hostile-cursors":
        scalars["String"] = st.one_of(
            st.sampled_from(HOSTILE["cursor"]), st.sampled_from(PLAUSIBLE_TEXT)
        ).map(_string)
    else:
        raise ValueError(category)
    return scalars


def documents(category: str, schema: GraphQLSchema, ids: Ids) -> st.SearchStrategy[str]:
    plug = id_plugger(schema, ids, frozenset() if category == "hostile-cursors" else NOT_RANDOM)
    if category == "realistic":
        return from_schema(
            schema, custom_scalars=realistic_scalars(ids), allow_x00=False, print_ast=plug
        )
    if category == "explicit-nulls":
        return from_schema(
            schema,
            fields=list(schema.mutation_type.fields),
            custom_scalars=realistic_scalars(ids),
            allow_x00=False,
            print_ast=id_plugger(schema, ids, nulls=True),
        )
    if category == "invalid-documents":
        return from_schema(
            schema,
            custom_scalars=realistic_scalars(ids),
            allow_x00=False,
            mode=Mode.NEGATIVE,
            print_ast=plug,
        )
    return from_schema(
        schema, custom_scalars=hostile_scalars(category, ids), codec=None, print_ast=plug
    )


# --- the property -----------------------------------------------------------------------


def _shorten(text_: str) -> str:
    """A failure message a person can read: runs of one character collapsed."""
    return re.sub(r"(.)\1{19,}", lambda m: f"{m.group(1) * 3}...({len(m.group(0))} times)", text_)[
        :4000
    ]


def check(response: httpx.Response, document: str) -> None:
    where = f"\n--- document ---\n{_shorten(document)}\n--- response ---\n"
    where += _shorten(response.text)
    assert response.status_code < 500, f"HTTP {response.status_code}{where}"
    assert response.status_code != 401, f"the fuzzing principal lost its session{where}"
    try:
        body = response.json()
    except json.JSONDecodeError:
        pytest.fail(f"the body is not JSON{where}")
    codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
    assert "INTERNAL_SERVER_ERROR" not in codes, f"a masked crash{where}"


@dataclass(frozen=True)
class Category:
    name: str
    examples: int
    seconds: float
    #: who sends the documents: the scalar boundary and the validation of a document do
    #: not depend on the principal, so those categories run once
    principals: tuple[str, ...] = ("buyer", "supplier")


#: examples and wall-clock seconds per test; the module's total stays around a minute,
#: seeding included, and a loaded machine runs fewer examples
CATEGORIES = [
    Category("realistic", 60, 8.0),
    Category("explicit-nulls", 25, 3.0),
    Category("invalid-documents", 20, 3.0, ("buyer",)),
    Category("hostile-ids", 15, 2.0, ("supplier",)),
    Category("hostile-strings", 15, 2.0, ("buyer",)),
    Category("hostile-decimals", 15, 2.0, ("supplier",)),
    Category("hostile-dates", 15, 2.0, ("buyer",)),
    Category("hostile-cursors", 15, 2.0, ("supplier",)),
]
SCALE = float(os.environ.get("PROCUREMENT_FUZZ_SCALE", "1"))


def _params() -> list[Any]:
    out = []
    for category in CATEGORIES:
        for principal in category.principals:
            marks = []
            if category.name in KNOWN_FAILING:
                reason = KNOWN_FAILING[category.name]
                marks.append(pytest.mark.xfail(strict=False, reason=reason))
            out.append(
                pytest.param(category, principal, marks=marks, id=f"{category.name}-{principal}")
            )
    return out


class _OutOfTime(Exception):
    """The test's time budget is spent: end the run (not a failure)."""


def fuzz(
    category: Category,
    strategy: st.SearchStrategy[str],
    send: Callable[[str], httpx.Response],
    label: str,
) -> int:
    """Run the property over ``strategy`` until the examples or the seconds are spent;
    the number of documents sent.  Runs in a worker thread (see the test)."""
    end = time.monotonic() + category.seconds * SCALE
    sent: list[str] = []
    failure: dict[str, AssertionError] = {}

    @settings(
        max_examples=int(category.examples * SCALE),
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if SHRINK else [])],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
    )
    @given(document=strategy)
    def prop(document: str) -> None:
        if document in failure:  # hypothesis replays a failure: the world has moved on
            raise failure[document]
        if not failure and time.monotonic() > end and not SHRINK:
            raise _OutOfTime
        sent.append(document)
        try:
            check(send(document), document)
        except AssertionError as exc:
            if COLLECT:  # exploring: note it and go on
                with open(COLLECT, "a") as out:
                    out.write(json.dumps({"test": label, "document": document}) + "\n")
                return
            failure[document] = exc
            raise

    if not RANDOM:
        prop = seed(zlib.crc32(label.encode()))(prop)
    with contextlib.suppress(_OutOfTime):
        prop()
    return len(sent)


_STRATEGIES: dict[str, st.SearchStrategy[str]] = {}


def strategy(category: str, schema: Any, ids: Ids) -> st.SearchStrategy[str]:
    """Built once per category: hypothesis-graphql caches its per-type strategies in it."""
    if category not in _STRATEGIES:
        _STRATEGIES[category] = documents(category, schema, ids)
    return _STRATEGIES[category]


@pytest.mark.parametrize(("category", "principal"), _params())
async def test_no_document_gets_a_500(
    world: World, app: Any, category: Category, principal: str
) -> None:
    """Hypothesis drives a worker thread; each document is sent on this event loop (the
    one the app's database pool lives on), which is free while the test awaits the
    thread.  That keeps hypothesis's control flow synchronous, so a time budget can end
    the run cleanly."""
    loop = asyncio.get_running_loop()
    headers = {
        "authorization": f"Bearer {world.tokens[principal]}",
        "accept": "application/graphql-response+json",
    }

    def send(document: str) -> httpx.Response:
        request = world.client.post("/graphql", json={"query": document}, headers=headers)
        return asyncio.run_coroutine_threadsafe(request, loop).result(timeout=120)

    docs = strategy(category.name, app.state.schema._schema, world.ids)
    sent = await asyncio.to_thread(fuzz, category, docs, send, f"{category.name}-{principal}")
    print(f"fuzz {category.name} as {principal}: {sent} documents")
    assert sent > 0
