"""One check of every argument value, at the boundary, before any resolver runs.

Every string, decimal, date and time a client sends, at any depth of any argument of
any field, goes through ``procurement.values``: NUL bytes and lone surrogates, strings
longer than their column, decimals finer or larger than their column, non-finite
numbers and dates off the calendar become typed errors naming the field, instead of a
database error masked as INTERNAL_SERVER_ERROR.  Values that pass reach the resolver
normalised to what will be stored.

An input field names its column with ``column(Model.attribute)``; the limits (length,
precision, scale) are read from that column, so they cannot drift from the schema of the
database.  A field without a column gets the defaults of ``procurement.values``.

A refused mutation returns its payload with ``errors`` (nothing ran, so nothing
changed); a refused query field raises the error (``extensions.code`` and ``field``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import strawberry
from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    default_field_resolver,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition

from graphql_schema.errors import user_errors
from procurement.errors import Collector, DomainError
from procurement.values import Limits, check_value, limits_of

_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
_LIMITS = "procurement.limits"
_GUARDED = "procurement.guarded"


def column(attribute: Any, **field_options: Any) -> Any:
    """An input field stored in ``attribute``'s column, with that column's limits."""
    return strawberry.field(metadata={_LIMITS: limits_of(attribute)}, **field_options)


def limited(limits: Limits, **field_options: Any) -> Any:
    """An input field with explicit limits (a value stored in no column of its own)."""
    return strawberry.field(metadata={_LIMITS: limits}, **field_options)


def _limits(definition: Any) -> Limits | None:
    metadata = getattr(definition, "metadata", None) or {}
    return metadata.get(_LIMITS)


def _path(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _clean(c: Collector, value: Any, type_: Any, field: str, limits: Limits | None) -> Any:
    if value is None or value is Undefined:
        return value
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            return _clean(c, value, type_.of_type, field, limits)
        return [_clean(c, v, type_.of_type, f"{field}[{i}]", limits) for i, v in enumerate(value)]
    if isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
        out = {}
        for name, item in value.items():
            gql_field = type_.fields.get(name)
            if gql_field is None:
                out[name] = item
                continue
            child_limits = _limits(gql_field.extensions.get(_BACKREF))
            out[name] = _clean(c, item, gql_field.type, _path(field, name), child_limits)
        return out
    return check_value(c, value, field or None, limits)


def clean_arguments(field: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments with every value checked and normalised; DomainError listing every
    problem (one per field) if any."""
    c = Collector()
    out = {}
    for name, value in kwargs.items():
        arg = field.args.get(name)
        if arg is None:
            out[name] = value
            continue
        # the single ``input`` object of a mutation is the root of its error paths
        prefix = "" if name == "input" else name
        out[name] = _clean(c, value, arg.type, prefix, _limits(arg.extensions.get(_BACKREF)))
    c.raise_if_any()
    return out


def _refusal(field: Any) -> Callable[[DomainError], Any] | None:
    """How a field answers refused arguments: its payload with ``errors`` if it has one."""
    definition = field.extensions.get(_BACKREF)
    payload = getattr(definition, "type", None)
    if isinstance(payload, StrawberryOptional):
        payload = payload.of_type
    if not has_object_definition(payload):
        return None
    fields = payload.__strawberry_definition__.fields
    if not any(f.python_name == "errors" for f in fields):
        return None
    empty: dict[str, list[object] | None] = {
        f.python_name: [] if isinstance(f.type, StrawberryList) else None
        for f in fields
        if f.python_name != "errors"
    }

    def refuse(exc: DomainError) -> Any:
        # the TypeGuard narrowed ``payload`` to its definition protocol; it is the class
        make = cast("Callable[..., Any]", payload)
        return make(**empty, errors=user_errors(exc))

    return refuse


def _guard(field: Any) -> None:
    resolve = field.resolve or default_field_resolver
    refuse = _refusal(field)

    def guarded(source: Any, info: Any, **kwargs: Any) -> Any:
        try:
            clean = clean_arguments(field, kwargs)
        except DomainError as exc:
            if refuse is None:
                raise
            return refuse(exc)
        return resolve(source, info, **clean)

    field.resolve = guarded


def guard_arguments(schema: GraphQLSchema) -> None:
    """Put the check in front of every resolver that takes arguments (once)."""
    if (schema.extensions or {}).get(_GUARDED):
        return
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            if field.args:
                _guard(field)
    schema.extensions = {**(schema.extensions or {}), _GUARDED: True}
