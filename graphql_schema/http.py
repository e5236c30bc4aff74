"""GraphQL over HTTP (the GraphQL-over-HTTP specification), by hand.

strawberry's ASGI view answers only ``application/json``; this endpoint also speaks
``application/graphql-response+json`` with its status codes, refuses batching, keeps
mutations to POST, bounds the body size, authenticates the bearer token, and turns
domain errors into ``extensions.code``.

Status codes:
- request errors (unparseable body, no query, a document that fails to parse or
  validate, bad variables): 400 with ``application/graphql-response+json``; 200 with
  legacy ``application/json`` (as the specification asks);
- malformed JSON body: 400 either way; wrong content type: 415; body or query too large: 413;
  unacceptable Accept: 406; mutation over GET: 405; invalid or expired token: 401.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from graphql_schema.context import Context
from graphql_schema.idempotent import SharedSession, mutation_fields, secret_mutations
from procurement.audit.service import request_id_var
from procurement.config import Settings
from procurement.db import Database
from procurement.errors import DomainError, ErrorCode
from procurement.idempotency import Replay, check_request, claim, request_hash
from procurement.parties.auth import authenticate
from procurement.viewer import Viewer

log = logging.getLogger("procurement.http")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,100}$")


class RequestError(Exception):
    def __init__(
        self, status: int, message: str, code: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


def negotiate(accept: str | None) -> str:
    """The response media type for an Accept header (GraphQL-over-HTTP §Accept)."""
    if not accept:
        return GRAPHQL_RESPONSE
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE in types:
        return GRAPHQL_RESPONSE
    if JSON in types:
        return JSON
    if "*/*" in types or "application/*" in types:
        return GRAPHQL_RESPONSE
    raise RequestError(406, f"Accept {GRAPHQL_RESPONSE} or {JSON}", "NOT_ACCEPTABLE")


async def _read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise RequestError(413, f"The request body is larger than {limit} bytes", "TOO_LARGE")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, f"The request body is larger than {limit} bytes", "TOO_LARGE")
        chunks.append(chunk)
    return b"".join(chunks)


#: no input of this API nests more than a few levels; deeper JSON is refused up front, so
#: nothing downstream (hashing, coercion) recurses through it
MAX_JSON_DEPTH = 32


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (iteratively: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _loads(raw: str | bytes, what: str) -> Any:
    """JSON, or a 400: a body nested deeper than Python's recursion limit raises
    RecursionError in ``json.loads``, which would otherwise escape as a plain-text 500."""
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestError(400, f"{what} is not valid JSON", "BAD_REQUEST") from exc
    except RecursionError as exc:
        raise RequestError(400, f"{what} is nested too deeply", "BAD_REQUEST") from exc
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise RequestError(400, f"{what} is nested too deeply", "BAD_REQUEST")
    return value


def _json_param(raw: str | None, name: str) -> Any:
    if raw is None or raw == "":
        return None
    return _loads(raw, f"'{name}'")


async def _params(request: Request, settings: Settings) -> dict[str, Any]:
    if request.method == "GET":
        q = request.query_params
        params: dict[str, Any] = {
            "query": q.get("query"),
            "variables": _json_param(q.get("variables"), "variables"),
            "operationName": q.get("operationName"),
            "extensions": _json_param(q.get("extensions"), "extensions"),
        }
    else:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != JSON:
            raise RequestError(415, f"Send the request as {JSON}", "UNSUPPORTED_MEDIA_TYPE")
        body = await _read_body(request, settings.max_body_bytes)
        params = _loads(body, "The body")
        if isinstance(params, list):
            raise RequestError(400, "Batched requests are not supported", "BAD_REQUEST")
        if not isinstance(params, dict):
            raise RequestError(400, "The body must be a JSON object", "BAD_REQUEST")
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RequestError(400, "The request has no 'query' string", "BAD_REQUEST")
    if len(query) > settings.max_query_length:
        # before the lexer, which reads a string literal character by character
        # (a 900 KB one took over a second): the token limit cannot see inside a token
        raise RequestError(
            413, f"The query is longer than {settings.max_query_length} characters", "TOO_LARGE"
        )
    variables = params.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError(400, "'variables' must be an object", "BAD_REQUEST")
    op = params.get("operationName")
    if op is not None and not isinstance(op, str):
        raise RequestError(400, "'operationName' must be a string", "BAD_REQUEST")
    return {"query": query, "variables": variables, "operationName": op}


def format_error(error: GraphQLError) -> dict[str, Any]:
    out: dict[str, Any] = dict(error.formatted)
    ext = dict(out.get("extensions") or {})
    original = error.original_error
    if isinstance(original, DomainError):
        first = original.errors[0]
        ext["code"] = first.code.value
        if first.field:
            ext["field"] = first.field
    elif "code" not in ext:
        if error.message.startswith("Syntax Error"):
            ext["code"] = "GRAPHQL_PARSE_FAILED"
        elif not error.path:
            ext["code"] = "GRAPHQL_VALIDATION_FAILED"
        else:
            ext["code"] = "INTERNAL_SERVER_ERROR"
    out["extensions"] = ext
    return out


def _error_body(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def _respond(
    body: dict[str, Any],
    status: int,
    media: str,
    request_id: str,
    headers: dict[str, str] | None = None,
) -> Response:
    h = {"X-Request-ID": request_id, **(headers or {})}
    return Response(
        json.dumps(body, separators=(",", ":")), status_code=status, media_type=media, headers=h
    )


async def graphql_endpoint(request: Request) -> Response:
    state = request.app.state
    settings: Settings = state.settings
    db: Database = state.db
    incoming = request.headers.get("x-request-id", "")
    request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    token_var = request_id_var.set(request_id)
    try:
        return await _handle(request, settings, db, request_id)
    except Exception:
        # a bug, not the client's fault: logged in full here, a JSON error body there
        # (never a plain-text 500 or a stack trace)
        log.exception("unexpected error handling request %s", request_id)
        return _respond(
            _error_body("Unexpected error.", "INTERNAL_SERVER_ERROR"), 500, JSON, request_id
        )
    finally:
        request_id_var.reset(token_var)


async def _handle(request: Request, settings: Settings, db: Database, request_id: str) -> Response:
    accept = request.headers.get("accept")
    if (
        request.method == "GET"
        and "query" not in request.query_params
        and accept
        and "text/html" in accept
    ):
        if settings.graphiql_enabled:
            return HTMLResponse(get_graphql_ide_html("graphiql"))
        return Response("Not found", status_code=404)
    media = JSON
    try:
        media = negotiate(accept)
        params = await _params(request, settings)
        viewer = None
        auth = request.headers.get("authorization")
        if auth:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise RequestError(
                    401,
                    "Use 'Authorization: Bearer <token>'",
                    "UNAUTHENTICATED",
                    {"WWW-Authenticate": "Bearer"},
                )
            viewer = await authenticate(db, settings, token.strip())
            if viewer is None:
                raise RequestError(
                    401,
                    "The token is invalid, expired or revoked",
                    "UNAUTHENTICATED",
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
        key = request.headers.get("idempotency-key")
        if key is not None and request.method == "POST":
            fields = mutation_fields(params["query"], params["operationName"])
            if fields is not None:
                return await _idempotent(
                    request, db, settings, viewer, params, key.strip(), fields, media, request_id
                )
        allowed = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        context = Context(
            db=db,
            settings=settings,
            viewer=viewer,
            request_id=request_id,
            client_address=request.client.host if request.client else None,
        )
        try:
            result = await request.app.state.schema.execute(
                params["query"],
                variable_values=params["variables"],
                context_value=context,
                operation_name=params["operationName"],
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError as exc:
            if request.method == "GET":
                raise RequestError(
                    405, "Send mutations with POST", "METHOD_NOT_ALLOWED", {"Allow": "POST"}
                ) from exc
            raise RequestError(
                400, "Subscriptions are served over WebSocket", "BAD_REQUEST"
            ) from exc
        except CannotGetOperationTypeError as exc:
            raise RequestError(
                400,
                f"The document has no operation named '{params['operationName']}'",
                "GRAPHQL_VALIDATION_FAILED",
            ) from exc
        except MissingQueryError as exc:
            raise RequestError(400, "The request has no 'query' string", "BAD_REQUEST") from exc
    except RequestError as exc:
        status = exc.status
        if status == 400 and media == JSON and exc.code != "BAD_REQUEST":
            status = 200
        return _respond(_error_body(exc.message, exc.code), status, media, request_id, exc.headers)

    body, status = result_body(result, media)
    return _respond(body, status, media, request_id)


def result_body(result: Any, media: str) -> tuple[dict[str, Any], int]:
    body: dict[str, Any] = {}
    errors = [format_error(e) for e in result.errors or []]
    request_error = (
        bool(result.errors) and result.data is None and all(not e.path for e in result.errors or [])
    )
    if not request_error:
        body["data"] = result.data
    if errors:
        body["errors"] = errors
    if result.extensions:
        body["extensions"] = result.extensions
    status = 400 if request_error and media == GRAPHQL_RESPONSE else 200
    return body, status


class _NotStored(Exception):
    def __init__(self, body: dict[str, Any], status: int) -> None:
        super().__init__("not stored")
        self.body = body
        self.status = status


_IDEMPOTENCY_STATUS = {
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.IDEMPOTENCY_IN_PROGRESS: 409,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 422,
}


async def _idempotent(
    request: Request,
    db: Database,
    settings: Settings,
    viewer: Viewer | None,
    params: dict[str, Any],
    key: str,
    fields: list[str],
    media: str,
    request_id: str,
) -> Response:
    """Run a mutation with its Idempotency-Key claim in one transaction (see
    procurement/idempotency.py): resolvers and loaders share that transaction's session,
    one at a time, so the stored response is exactly what the client gets.  Refused
    before anything runs: anonymous requests (401) and mutations that return a secret
    (400), which are never stored."""
    digest = request_hash(params["query"], params["variables"], params["operationName"])
    try:
        secret = secret_mutations(request.app.state.schema._schema)
        principal = check_request(viewer, key, fields, secret)
        async with (
            db.sessions() as session,
            session.begin(),
            claim(session, principal, key, digest) as record,
        ):
            context = Context(
                db=SharedSession(session),
                settings=settings,
                viewer=viewer,
                request_id=request_id,
                client_address=request.client.host if request.client else None,
            )
            result = await request.app.state.schema.execute(
                params["query"],
                variable_values=params["variables"],
                context_value=context,
                operation_name=params["operationName"],
                allowed_operation_types={OperationType.MUTATION},
            )
            body, status = result_body(result, media)
            if "errors" in body:
                raise _NotStored(body, status)  # nothing of it is kept; a retry reruns
            record.response = {"body": body, "status": status}
    except Replay as replay:
        return _respond(
            replay.response["body"],
            replay.response["status"],
            media,
            request_id,
            {"Idempotency-Replayed": "true"},
        )
    except _NotStored as failed:
        return _respond(failed.body, failed.status, media, request_id)
    except DomainError as exc:
        code = exc.errors[0].code
        status = _IDEMPOTENCY_STATUS.get(code, 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return _respond(_error_body(str(exc), code.value), status, media, request_id, headers)
    return _respond(body, status, media, request_id)
