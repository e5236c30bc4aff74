"""The schema as SDL, as checked in to ``schema.graphql``."""

from __future__ import annotations

from strawberry.printer import print_schema

from graphql_schema.schema import build_schema
from procurement.config import Settings


def schema_sdl() -> str:
    # introspection switched on so production settings print the same schema
    settings = Settings(PROCUREMENT_INTROSPECTION=True)
    return print_schema(build_schema(settings)) + "\n"
