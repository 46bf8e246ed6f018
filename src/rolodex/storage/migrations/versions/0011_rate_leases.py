"""Rate limits by leases: the daily counter remembers until when blocks of it are held

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 03:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Seconds since the epoch until which a server process may still hold unused calls of the
    # day's allowance (rolodex.services.ratelimit); 0 when none is held.
    op.add_column(
        "rate_daily",
        sa.Column("leased_until", sa.Float(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("rate_daily") as batch:
        batch.drop_column("leased_until")
