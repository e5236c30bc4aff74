"""Benchmark: how long validating a hostile document takes, next to a normal one.

No database: the schema's own validator (graphql_schema/validation.py, the code every
request goes through) on documents within the token limit:

- normal: a screen's query (an organisation with its users and their fields);
- fragment bomb: 17 fragments, each spreading the next twice (2^16 expanded copies);
- duplicate fields: ``{ me { id id id ... } }`` up to the token limit;
- nested duplicates: two same-named fields at each level (4^levels pairs to compare);
- many fragments: 100 fragments spread in one place (every pair compared);
- unused fragments: 300 of them, up to the token limit (every rule walks them);
- long string: a 900 KB filter text.

Prints the median time of parsing and of validating each (no cache), the ratio of its
validation time to the normal document's, and whether it was refused.  Target: every
document validated well under 100 ms.

    python bench/validation.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator

from graphql import GraphQLError, Lexer, Source, Token, TokenKind, parse
from strawberry.types import ExecutionContext

from graphql_schema.schema import build_schema
from graphql_schema.validation import RequestValidator
from procurement.config import Settings

NORMAL = """
query Screen($first: Int) {
  me { id email fullName roles organization { id name country
    users(first: $first) { totalCount edges { cursor node { id email fullName roles } } } } }
}
"""


def fragment_bomb(levels: int = 17) -> str:
    frags = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels - 1)]
    frags.append(f"fragment F{levels - 1} on Query {{ me {{ id }} }}")
    return "query { ...F0 } " + " ".join(frags)


def duplicate_fields(tokens: int) -> str:
    return "{ me { " + "id " * (tokens - 6) + "} }"


def nested_duplicates(levels: int = 7) -> str:
    inner = "id"
    for _ in range(levels):
        one = f"organization {{ users(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}"
        inner = f"{one} {one}"
    return "{ me { " + inner + " } }"


def many_fragments(count: int) -> str:
    keys = ["id", "email", "fullName", "roles", "organization { id }"]
    spreads = " ".join(f"...F{i}" for i in range(count))
    frags = " ".join(f"fragment F{i} on User {{ {keys[i % 5]} }}" for i in range(count))
    return "{ me { " + spreads + " } } " + frags


def unused_fragments(count: int) -> str:
    frag = "fragment F{i} on User {{ id email fullName roles organization {{ id name country }} }}"
    return "{ me { id } } " + " ".join(frag.format(i=i) for i in range(count))


def wide_valid(aliases: int) -> str:
    """A valid document near the token limit: every alias a page of organisations with
    their fields, categories and users (what a dashboard might ask for at once)."""
    block = (
        'a{i}: organizations(first: 2, filter: {{text: "x{i}"}}) {{ totalCount pageInfo '
        "{{ hasNextPage endCursor }} edges {{ cursor node {{ id name country baseCurrency "
        "isBuyer isSupplier verificationStatus version createdAt website description "
        "categories {{ id code name }} users(first: 2) {{ totalCount edges {{ cursor node "
        "{{ id email fullName roles isActive version createdAt }} }} }} }} }} }}"
    )
    return "query Wide { " + " ".join(block.format(i=i) for i in range(aliases)) + " }"


def valid_at_token_limit(max_tokens: int) -> str:
    """The widest document like ``wide_valid`` that stays within ``max_tokens``: how
    long an honest request at the limit takes to validate (its aliases are allowed by a
    validator of its own with a raised alias limit; every other rule is the same)."""
    aliases = 1
    while len(list(_tokens(wide_valid(aliases + 1)))) <= max_tokens:
        aliases += 1
    return wide_valid(aliases)


def _tokens(query: str) -> Iterator[Token]:
    lexer = Lexer(Source(query))
    while (token := lexer.advance()).kind is not TokenKind.EOF:
        yield token


def long_string() -> str:
    return '{ organizations(filter: {text: "%s"}) { totalCount } }' % ("x" * 900_000)


def time_one(
    validator: RequestValidator, settings: Settings, query: str
) -> tuple[float, float, str]:
    """(parse seconds, validation seconds, outcome), refusing as a request would."""
    if len(query) > settings.max_query_length:  # graphql_schema/http.py, before parsing
        return 0.0, 0.0, "refused before parsing: TOO_LARGE"
    start = time.perf_counter()
    try:
        document = parse(query, max_tokens=settings.max_tokens)
    except GraphQLError:
        return time.perf_counter() - start, 0.0, "refused by the parser"
    parsed = time.perf_counter()
    errors = validator.document_errors(document)  # uncached: no query text given
    if not errors:
        ctx = ExecutionContext(query=query, schema=None, allowed_operations=(), variables={})  # type: ignore[arg-type]
        ctx.graphql_document = document
        errors = validator.errors(ctx)
    done = time.perf_counter()
    if errors:
        code = (errors[0].extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED")
        return parsed - start, done - parsed, f"refused: {code}"
    return parsed - start, done - parsed, "valid"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    settings = Settings(SECRET_KEY="bench-" + "x" * 32)  # type: ignore[call-arg]
    schema = build_schema(settings)
    validator = RequestValidator(schema._schema, settings)
    at_limit = valid_at_token_limit(settings.max_tokens)
    wide_settings = settings.model_copy(update={"max_aliases": at_limit.count("organizations(")})
    wide_validator = RequestValidator(schema._schema, wide_settings)
    documents = {
        "normal": NORMAL,
        f"wide valid ({settings.max_aliases} aliases)": wide_valid(settings.max_aliases),
        f"valid at the limit ({len(list(_tokens(at_limit)))} tokens)": at_limit,
        "fragment bomb (17 levels)": fragment_bomb(),
        "duplicate fields": duplicate_fields(settings.max_tokens),
        "nested duplicates (2 levels)": nested_duplicates(2),
        "nested duplicates (6 levels)": nested_duplicates(6),
        "many fragments in one place": many_fragments(100),
        "150 unused fragments": unused_fragments(150),
        "900 KB string": long_string(),
    }
    print(
        f"{'document':30} {'bytes':>7} {'parse ms':>9} {'validate ms':>12} {'x normal':>9}  outcome"
    )
    base = None
    for name, query in documents.items():
        checker = wide_validator if query is at_limit else validator
        runs = [time_one(checker, settings, query) for _ in range(args.runs)]
        parse_s = statistics.median(r[0] for r in runs)
        validate_s = statistics.median(r[1] for r in runs)
        base = base or validate_s
        print(
            f"{name:30} {len(query):>7} {parse_s * 1000:>9.2f} {validate_s * 1000:>12.2f}"
            f" {validate_s / base:>9.1f}  {runs[-1][2]}"
        )


if __name__ == "__main__":
    main()
