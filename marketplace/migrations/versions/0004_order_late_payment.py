"""orders: when money arrived after the order had ended

Revision ID: 0004_order_late_payment
Revises: 0003_trace_orders_payments
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_order_late_payment"
down_revision: str | None = "0003_trace_orders_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mkt_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("late_paid_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mkt_orders", schema=None) as batch_op:
        batch_op.drop_column("late_paid_at")
