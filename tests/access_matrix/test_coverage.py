"""The access matrix covers the schema: every root operation, every kind of caller.

The operations are read from the schema the code builds, not from a list kept by hand,
so adding a query or mutation without rows in the matrix fails here.  Each operation is
tried by an anonymous caller, a caller of another organisation, a caller with the wrong
role and the right caller, except where a kind of caller cannot differ (listed below,
with the reason).
"""

from __future__ import annotations

import graphql

from graphql_schema.sdl import schema_sdl
from tests import test_access_matrix as parties
from tests.access_matrix import (
    test_catalog_money,
    test_ordering_fulfilment,
    test_ordering_orders,
    test_sourcing,
)
from tests.access_matrix.harness import KINDS, UNAUTHENTICATED, Row, kinds_of

#: Operations open to anonymous callers: signing in and up, and the public category
#: tree.  Every other operation refuses them with UNAUTHENTICATED...
OPEN_TO_ANONYMOUS = {"tokenCreate", "tokenRefresh", "organizationRegister", "categories"}
#: ...except lookups of one object (or of oneself), which answer null, exactly as for
#: an object that does not exist.
NULL_FOR_ANONYMOUS = {
    "me",
    "myOrganization",
    "organization",
    "node",
    "nodes",
    "rfq",
    "quote",
    "purchaseOrder",
    "listing",
}

#: (operation, kind): why that kind of caller cannot differ from the others
EXEMPT: dict[tuple[str, str], str] = {
    # sign-in and sign-up act on no organisation and need no role
    **{
        (op, kind): "open to anyone: no organisation or role is involved"
        for op in ("tokenCreate", "tokenRefresh", "organizationRegister")
        for kind in ("wrong-role", "right")
    },
    ("categories", "wrong-role"): "public reference data: no role is needed",
    ("organization", "wrong-role"): "every member reads its own organisation",
    ("organizations", "wrong-role"): "every signed-in caller reads the directory",
    ("myOrganization", "wrong-role"): "every caller reads its own organisation",
    ("listings", "wrong-role"): "every signed-in caller reads the catalog, every member "
    "of a supplier its own listings",
}


def schema_operations() -> set[str]:
    """Every root field of the schema as the code builds it."""
    schema = graphql.build_schema(schema_sdl())
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    return {name for root in roots if root is not None for name in root.fields}


def matrix_rows() -> list[Row]:
    return [
        *test_sourcing.ROWS,
        *test_ordering_orders.ROWS,
        *test_ordering_fulfilment.ROWS,
        *test_catalog_money.ROWS,
    ]


def matrix_kinds() -> dict[str, set[str]]:
    """Operation -> the kinds of caller the matrix tries it with, across every domain."""
    covered = kinds_of(matrix_rows())
    for case in parties.MUTATION_CASES:
        kind = next((k for k in KINDS if case.kind.startswith(k)), None)
        if case.kind in ("platform-admin", "self"):  # the right caller of those rows
            kind = "right"
        if kind is not None:
            covered.setdefault(case.operation, set()).add(kind)
    for operation, kinds in parties.QUERY_COVERAGE.items():
        covered.setdefault(operation, set()).update(kinds)
    return covered


def test_every_operation_of_the_schema_is_in_the_matrix() -> None:
    """An operation added to the schema without matrix rows fails here, and so does a
    matrix row for an operation the schema no longer has."""
    in_schema = schema_operations()
    in_matrix = set(matrix_kinds())
    assert sorted(in_schema - in_matrix) == [], "operations without rows in the matrix"
    assert sorted(in_matrix - in_schema) == [], "matrix rows for operations not in the schema"


def test_every_operation_is_tried_by_every_kind_of_caller() -> None:
    missing = [
        (operation, kind)
        for operation, kinds in sorted(matrix_kinds().items())
        for kind in KINDS
        if kind not in kinds and (operation, kind) not in EXEMPT
    ]
    assert missing == []
    stale = [key for key in EXEMPT if key[1] in matrix_kinds().get(key[0], set())]
    assert stale == [], "exempt, yet tried: drop the exemption"


def test_anonymous_callers_are_refused_except_where_listed() -> None:
    """The anonymous rows agree with the lists above: UNAUTHENTICATED everywhere except
    the operations open to anyone and the single-object lookups."""
    assert schema_operations() >= OPEN_TO_ANONYMOUS | NULL_FOR_ANONYMOUS
    for row in matrix_rows():
        if row.kind != "anonymous":
            continue
        refused = row.expect == UNAUTHENTICATED
        open_ = row.operation in OPEN_TO_ANONYMOUS | NULL_FOR_ANONYMOUS
        assert refused != open_, row
    for case in parties.MUTATION_CASES:
        if case.kind == "anonymous":
            assert (case.expect == parties.UNAUTHENTICATED) != (
                case.operation in OPEN_TO_ANONYMOUS
            ), case
