"""The field-sides table (``procurement.field_sides``) against the schema, and in use.

The first tests walk the built schema: every object type is classified, every field of
a classified type has an entry, no entry is stale, and every field for one side only is
nullable and carries the guard.  Adding a type or field without deciding who reads it
fails here.  The last tests read, as the other side, every one-side field the table
names for orders and organisations, generated from the table itself.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType, get_named_type, is_non_null_type, is_object_type

from graphql_schema.field_sides import SideGuard, graphql_name
from graphql_schema.schema import build_schema
from procurement.config import Settings
from procurement.field_sides import (
    FIELD_SIDES,
    SEALED,
    Audience,
    Owners,
    audiences,
    is_wrapper,
)
from procurement.viewer import Role, Viewer
from tests.helpers import Api
from tests.ordering_docs import PO_APPROVE, PO_CHANGE, PO_SEND, PO_SUBMIT, POLICY_SET, Shop

SCHEMA = build_schema(Settings(PROCUREMENT_INTROSPECTION=True))  # type: ignore[call-arg]


def object_types() -> dict[str, GraphQLObjectType]:
    return {
        name: t
        for name, t in SCHEMA._schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__")
    }


def restricted(type_name: str) -> dict[str, Audience]:
    return {f: a for f, a in FIELD_SIDES[type_name].items() if a is not Audience.ALL}


def test_every_type_is_classified() -> None:
    unclassified = sorted(n for n in object_types() if n not in FIELD_SIDES and not is_wrapper(n))
    assert unclassified == [], f"add these types to procurement.field_sides: {unclassified}"


def test_every_field_has_an_entry_and_no_entry_is_stale() -> None:
    types = object_types()
    missing = [
        f"{name}.{field}"
        for name in FIELD_SIDES
        for field in types[name].fields
        if field not in FIELD_SIDES[name]
    ]
    assert missing == [], f"decide who reads these fields: {missing}"
    stale = [
        f"{name}.{field}"
        for name, fields in FIELD_SIDES.items()
        for field in fields
        if name not in types or field not in types[name].fields
    ]
    assert stale == [], f"entries for fields the schema no longer has: {stale}"
    assert all(f in FIELD_SIDES[t] for t, f in SEALED)


def test_one_side_fields_are_nullable_and_guarded() -> None:
    types = object_types()
    for name in FIELD_SIDES:
        definition = SCHEMA.get_type_by_name(name)
        guarded = {
            graphql_name(f): f
            for f in definition.fields  # type: ignore[union-attr]
            if any(isinstance(e, SideGuard) for e in f.extensions)
        }
        for field, audience in restricted(name).items():
            assert not is_non_null_type(types[name].fields[field].type), f"{name}.{field}"
            assert field in guarded, f"{name}.{field} ({audience}) is not guarded"
            assert guarded[field].extensions[-1].audience is audience  # type: ignore[attr-defined]
        assert set(guarded) == set(restricted(name)), name


def test_audiences() -> None:
    """Sides relative to the object; platform staff in all; anonymous in ALL only."""

    def viewer(org: int, *roles: Role) -> Viewer:
        return Viewer(organization_id=org, roles=frozenset(roles), user_id=org)

    order = Owners(buyer=1, supplier=2)
    assert audiences(viewer(1, Role.BUYER), order) == {Audience.ALL, Audience.BUYER}
    assert audiences(viewer(2), order) == {Audience.ALL, Audience.SUPPLIER}
    assert audiences(viewer(3), order) == {Audience.ALL}
    assert audiences(None, order) == {Audience.ALL}
    assert audiences(viewer(9, Role.PLATFORM_ADMIN), order) == set(Audience)
    rfq = Owners(buyer=1)  # every other reader of an RFQ is a supplier
    assert audiences(viewer(5), rfq) == {Audience.ALL, Audience.SUPPLIER}
    org = Owners(members=1)
    assert audiences(viewer(1), org) == {Audience.ALL, Audience.MEMBERS}
    assert audiences(viewer(2), org) == {Audience.ALL}
    assert audiences(None, Owners(members=1, own=True)) == set(Audience)


def selection(type_name: str, fields: list[str]) -> str:
    """Each field with the smallest selection it needs."""
    t = object_types()[type_name]
    out = []
    for f in fields:
        inner = get_named_type(t.fields[f].type)
        out.append(f"{f} {{ __typename }}" if is_object_type(inner) else f)
    return " ".join(out)


def one_side(type_name: str, audience: Audience) -> list[str]:
    return sorted(f for f, a in FIELD_SIDES[type_name].items() if a is audience)


async def sent_order_with_history(shop: Shop) -> dict[str, Any]:
    """Approved by an approver with a comment, sent, then changed: every buyer-only
    field of an order has a value."""
    p = await shop.api.mutate(
        POLICY_SET, {"bands": [{"upTo": None, "approvalsRequired": 1}]}, shop.token("admin")
    )
    assert p["errors"] == []
    po = await shop.order("50", externalReference="ERP-7")
    for doc, who, extra in (
        (PO_SUBMIT, "buyer", {}),
        (PO_APPROVE, "approver", {"comment": "within budget"}),
        (PO_SEND, "buyer", {}),
    ):
        p = await shop.act(doc, {"id": po["id"], **extra}, who)
        assert p["errors"] == [], p["errors"]
    p = await shop.act(
        PO_CHANGE,
        {
            "id": po["id"],
            "expectedVersion": p["purchaseOrder"]["version"],
            "lines": [{"lineId": po["lines"][0]["id"], "quantity": "40"}],
        },
    )
    assert p["errors"] == [], p["errors"]
    return p["purchaseOrder"]  # type: ignore[no-any-return]


async def test_the_supplier_reads_null_for_every_buyer_only_field(api: Api) -> None:
    """Generated from the table: each BUYER field of an order is null to its supplier and
    set for its buyer; each MEMBERS field of the buying organisation is null to the
    supplier and set for the buyer's own people."""
    shop = await Shop(api).setup()
    po = await sent_order_with_history(shop)
    buyer_fields = one_side("PurchaseOrder", Audience.BUYER)
    member_fields = one_side("Organization", Audience.MEMBERS)
    assert {"approvals", "revisions", "externalReference", "approvalsRequired"} <= set(buyer_fields)
    doc = f"""query Q($id: ID!) {{ purchaseOrder(id: $id) {{
        {selection("PurchaseOrder", buyer_fields)}
        buyer {{ {selection("Organization", member_fields)} }} }} }}"""
    as_supplier = (await api.gql(doc, {"id": po["id"]}, shop.sales))["purchaseOrder"]
    assert as_supplier == {
        **dict.fromkeys(buyer_fields),
        "buyer": dict.fromkeys(member_fields),
    }
    as_buyer = (await api.gql(doc, {"id": po["id"]}, shop.token("admin")))["purchaseOrder"]
    assert all(as_buyer[f] is not None for f in buyer_fields), as_buyer
    assert as_buyer["buyer"]["users"] is not None
    # the other way round: the supplier's own settings are not the buyer's to read
    doc = f"""query Q($id: ID!) {{ purchaseOrder(id: $id) {{
        supplier {{ {selection("Organization", member_fields)} }} }} }}"""
    as_buyer = (await api.gql(doc, {"id": po["id"]}, shop.token("buyer")))["purchaseOrder"]
    assert as_buyer["supplier"] == dict.fromkeys(member_fields)
    as_supplier = (await api.gql(doc, {"id": po["id"]}, shop.sales))["purchaseOrder"]
    assert as_supplier["supplier"]["users"] is not None
