"""idempotency records bound to their principal

Revision ID: 0007_idempotency_principals
Revises: 0006_sessions
Create Date: 2026-12-03 18:20:00

A stored response is replayed only to the user or API key that made it.  Records written
before this revision name no principal: they stay (so a retry of such a request is still
refused rather than run twice) but replay to no one, and their stored responses, some of
which held secrets in plaintext (apiKeyCreate, tokenCreate), are erased.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_idempotency_principals"
down_revision: str | None = "0006_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("idempotency_record", sa.Column("user_id", sa.BigInteger(), nullable=True))
    op.add_column("idempotency_record", sa.Column("api_key_id", sa.BigInteger(), nullable=True))
    op.create_check_constraint(
        "ck_idempotency_record_principal",
        "idempotency_record",
        "num_nonnulls(user_id, api_key_id) <= 1",
    )
    op.execute("UPDATE idempotency_record SET response = NULL")


def downgrade() -> None:
    op.drop_constraint("ck_idempotency_record_principal", "idempotency_record", type_="check")
    op.drop_column("idempotency_record", "api_key_id")
    op.drop_column("idempotency_record", "user_id")
