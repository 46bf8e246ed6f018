"""What a record holds in one wire version that it has no field for (v2.2 sub-elements)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_extensions",
        sa.Column("instance_id", sa.BigInteger(), nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("wire", sa.String(length=16), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(
            "instance_id", "record_type", "record_id", "wire", name=op.f("pk_record_extensions")
        ),
    )


def downgrade() -> None:
    op.drop_table("record_extensions")
