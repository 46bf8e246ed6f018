"""file attachments and record images

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_attachments",
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
        sa.Column("is_image", sa.Boolean(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("file_category_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_attachments")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_file_attachments_storage_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_file_attachments_record",
        "file_attachments",
        ["instance_id", "record_type", "record_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_file_attachments_record", table_name="file_attachments")
    op.drop_table("file_attachments")
