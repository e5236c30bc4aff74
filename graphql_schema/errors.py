"""Mutation payload errors and the one place mutations open their transaction."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from procurement.errors import DomainError
from procurement.errors import ErrorCode as DomainErrorCode
from procurement.viewer import Viewer

log = logging.getLogger(__name__)

# strawberry.enum registers the GraphQL enum on the class itself and returns that class;
# naming the class (not the call's result) keeps these names types for mypy.
strawberry.enum(DomainErrorCode, name="ErrorCode", description="Why a request was refused.")
ErrorCode = DomainErrorCode


@strawberry.type(description="A problem with the request; nothing was changed.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase), or null for the whole request."
    )
    code: ErrorCode
    message: str


def user_errors(exc: DomainError) -> list[UserError]:
    return [UserError(field=e.field, code=e.code, message=e.message) for e in exc.errors]


R = TypeVar("R")


async def in_transaction(
    info: Info, act: Callable[[AsyncSession, Viewer | None], Awaitable[R]]
) -> tuple[R | None, list[UserError]]:
    """Run a service call in one transaction: all of it commits, or none of it.

    A ``DomainError`` rolls back and becomes payload errors.  A unique-constraint race
    (two requests creating the same thing at once) is reported as DUPLICATE.
    """
    ctx = info.context
    try:
        async with ctx.db.transaction() as session:
            result = await act(session, ctx.viewer)
        return result, []
    except DomainError as exc:
        return None, user_errors(exc)
    except IntegrityError as exc:
        log.info("integrity error turned into DUPLICATE: %s", exc.orig)
        return None, [
            UserError(
                field=None,
                code=DomainErrorCode.DUPLICATE,
                message="This conflicts with an existing record",
            )
        ]
    except DBAPIError as exc:
        if "could not serialize" in str(exc.orig) or "deadlock" in str(exc.orig):
            return None, [
                UserError(
                    field=None,
                    code=DomainErrorCode.VERSION_CONFLICT,
                    message="Another change happened at the same time; retry",
                )
            ]
        raise
