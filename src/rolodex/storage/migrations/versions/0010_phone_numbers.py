"""CTI: the phone number index (backfilled from the records) and the open pages of screen pops

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 15:00:00
"""

import sqlalchemy as sa
from alembic import op

from rolodex.config import get_settings
from rolodex.storage.phones import reindex_all

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "phone_numbers",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("field_name", sa.String(length=64), nullable=False),
        sa.Column("e164", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_numbers")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_phone_numbers_lookup", "phone_numbers", ["instance_id", "e164"])
    op.create_index(
        "ix_phone_numbers_record", "phone_numbers", ["instance_id", "record_type", "record_id"]
    )
    op.create_table(
        "cti_pages",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("instance_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("heartbeat_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_cti_pages")),
    )
    op.create_index("ix_cti_pages_user", "cti_pages", ["instance_id", "user_id"])
    # The records written before this revision get their numbers indexed.
    reindex_all(op.get_bind(), get_settings().default_phone_region)


def downgrade() -> None:
    op.drop_index("ix_cti_pages_user", table_name="cti_pages")
    op.drop_table("cti_pages")
    op.drop_index("ix_phone_numbers_record", table_name="phone_numbers")
    op.drop_index("ix_phone_numbers_lookup", table_name="phone_numbers")
    op.drop_table("phone_numbers")
