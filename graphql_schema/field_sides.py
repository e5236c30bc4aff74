"""The one mechanism that enforces ``procurement.field_sides`` on the API.

``@sided`` goes on every object type the table lists: it checks that each field of the
type has an entry and attaches ``SideGuard`` to each field whose audience is not ALL.
The guard asks the object for its ``owners()`` and answers null, without running the
resolver, to a viewer outside the field's audience.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from strawberry.extensions.field_extension import FieldExtension
from strawberry.types.base import StrawberryOptional, get_object_definition
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info
from strawberry.utils.str_converters import to_camel_case

from procurement.field_sides import FIELD_SIDES, Audience, Owners, may_read

T = TypeVar("T")


def graphql_name(field: StrawberryField) -> str:
    return field.graphql_name or to_camel_case(field.python_name)


class SideGuard(FieldExtension):
    """Null for a viewer outside ``audience`` (the field must be nullable)."""

    def __init__(self, type_name: str, audience: Audience) -> None:
        self.type_name = type_name
        self.audience = audience

    def apply(self, field: StrawberryField) -> None:
        if not isinstance(field.type, StrawberryOptional):
            raise TypeError(
                f"{self.type_name}.{graphql_name(field)} is for {self.audience.value} only: "
                "it must be nullable to read as null for everyone else"
            )

    def _may(self, source: Any, info: Info) -> bool:
        owners: Owners = source.owners()
        return may_read(info.context.viewer, owners, self.audience)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs) if self._may(source, info) else None

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        if not self._may(source, info):
            return None
        return await next_(source, info, **kwargs)


def sided(cls: type[T]) -> type[T]:
    """Apply the table to a strawberry type (put it above ``@strawberry.type``)."""
    definition = get_object_definition(cls, strict=True)
    name = definition.name
    table = FIELD_SIDES.get(name)
    if table is None:
        raise TypeError(f"{name} has no entry in procurement.field_sides.FIELD_SIDES")
    restricted = False
    for field in definition.fields:
        if field.python_name.startswith("_"):  # strawberry.Private, not yet resolved
            continue
        audience = table.get(graphql_name(field))
        if audience is None:
            raise TypeError(f"{name}.{graphql_name(field)} has no entry in FIELD_SIDES")
        if audience is not Audience.ALL:
            restricted = True
            if not any(isinstance(e, SideGuard) for e in field.extensions):
                field.extensions.append(SideGuard(name, audience))
    if restricted and not callable(getattr(cls, "owners", None)):
        raise TypeError(f"{name} has fields for one side only: it needs an owners() method")
    return cls
