"""tombstones of deleted records (the Deleted feed)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tombstones",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("date_deleted_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstones")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_tombstones_feed",
        "tombstones",
        ["instance_id", "record_type", "date_deleted_utc", "record_id"],
        unique=False,
    )
    op.create_index("ix_tombstones_date", "tombstones", ["date_deleted_utc"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tombstones_date", table_name="tombstones")
    op.drop_index("ix_tombstones_feed", table_name="tombstones")
    op.drop_table("tombstones")
