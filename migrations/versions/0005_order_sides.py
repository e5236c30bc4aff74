"""order sides: when an order was sent (what suppliers see), and who requested its
approval round (four eyes, API keys included)

Revision ID: 0005_order_sides
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_order_sides"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "purchase_order",
        sa.Column("submitted_by_api_key_id", sa.BigInteger(), nullable=True),
    )
    op.create_foreign_key(
        "purchase_order_submitted_by_api_key_id_fkey",
        "purchase_order",
        "api_key",
        ["submitted_by_api_key_id"],
        ["id"],
    )
    op.add_column(
        "purchase_order",
        sa.Column(
            "round_requester_ids",
            postgresql.ARRAY(sa.BigInteger()),
            server_default="{}",
            nullable=False,
        ),
    )
    op.add_column("purchase_order", sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
    # The submitter requested the current round of every order so far.
    op.execute(
        "UPDATE purchase_order SET round_requester_ids = ARRAY[submitted_by_id] "
        "WHERE submitted_by_id IS NOT NULL"
    )
    # An order was sent if the audit log says so; orders in a state only a sent order
    # reaches were sent even without an entry.
    op.execute(
        """
        UPDATE purchase_order po SET sent_at = COALESCE(
            (SELECT min(a.created_at) FROM audit_entry a
              WHERE a.entity_type = 'PurchaseOrder' AND a.entity_id = po.id
                AND a.action = 'purchase_order.sent'),
            CASE WHEN po.status IN ('SENT', 'ACKNOWLEDGED', 'DECLINED', 'IN_FULFILMENT',
                                    'RECEIVED', 'CLOSED')
                 THEN po.updated_at END)
        """
    )


def downgrade() -> None:
    op.drop_column("purchase_order", "sent_at")
    op.drop_column("purchase_order", "round_requester_ids")
    op.drop_constraint(
        "purchase_order_submitted_by_api_key_id_fkey", "purchase_order", type_="foreignkey"
    )
    op.drop_column("purchase_order", "submitted_by_api_key_id")
