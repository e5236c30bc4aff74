"""Self-service registration's protections: a throttle per client address, and the
same answer whether or not the email already has an account.

Decision (issue 9).  ``organizationRegister`` returned DUPLICATE for a taken email,
which told anyone, unthrottled, who has an account here.  Now:

- A taken email gets exactly what a successful registration gets: the same payload
  (organisation and user as they would be, with ids drawn from the same sequences),
  no error, the same password-hashing cost.  Nothing is written for it: the real
  account is untouched (its password, organisation, sessions), no second account
  exists, and signing in with the password just sent fails like any wrong password
  (and is throttled per email).  A person who forgot they had an account is told so
  by the sign-in failing; the "forgot password" path is where they go next.
- The real owner's organisation gets an audit entry and outbox event
  (``user.registration_attempted``) naming the organisation name that was tried, so
  its administrators can see someone used their address.
- Checks that do not depend on the email (validation, the organisation name) answer
  as before, in both cases, so they reveal nothing about it.
- Registrations are counted per client address (the ASGI scope's client; behind a
  proxy, run uvicorn with ``--proxy-headers --forwarded-allow-ips``) in PostgreSQL,
  shared by every worker; over the limit: TOO_MANY_REQUESTS.  Every attempt counts,
  refused ones included.  Signed-in platform staff are not throttled.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement import throttle
from procurement.audit.service import record
from procurement.config import Settings
from procurement.db import UnitOfWork
from procurement.errors import DomainError, ErrorCode
from procurement.parties.credentials import hash_password
from procurement.parties.models import Organization, User
from procurement.viewer import Viewer


async def admit_registration(
    db: UnitOfWork, settings: Settings, viewer: Viewer | None, client_address: str | None
) -> None:
    """Count this registration for the client address (in a committed transaction of
    its own, so refused registrations count too), or refuse it."""
    if viewer is not None and viewer.is_platform_admin:
        return
    async with db.transaction() as session:
        admitted = await throttle.admit(
            session,
            throttle.REGISTER,
            client_address or "unknown",
            limit=settings.register_max_per_window,
            window=timedelta(minutes=settings.register_window_minutes),
        )
    if not admitted:
        raise DomainError.of(
            ErrorCode.TOO_MANY_REQUESTS,
            f"Too many registrations from your network; try again in "
            f"{settings.register_window_minutes} minutes",
            None,
        )


async def answer_for_taken_email(
    session: AsyncSession,
    viewer: Viewer | None,
    org: Organization,
    user: User,
    password: str,
) -> tuple[Organization, User]:
    """What a successful registration of ``org`` and ``user`` would answer, without
    writing either: ids from the tables' own sequences, timestamps from the database
    clock, the password hashed for the same cost.  Only the owner's organisation is
    told, through its audit trail."""
    await hash_password(password)
    org_id, user_id, now = (
        await session.execute(
            select(
                func.nextval(func.pg_get_serial_sequence("organization", "id")),
                func.nextval(func.pg_get_serial_sequence("app_user", "id")),
                func.now(),
            )
        )
    ).one()
    org.id, org.created_at, org.updated_at = org_id, now, now
    user.id, user.organization_id, user.created_at, user.updated_at = user_id, org_id, now, now
    owner = (
        await session.execute(
            select(User).where(col(User.email_normalized) == user.email_normalized)
        )
    ).scalar_one()
    await record(
        session,
        viewer,
        action="user.registration_attempted",
        entity=owner,
        organization_id=owner.organization_id,
        after={"attempted_organization_name": org.name, "country": org.country},
    )
    return org, user
