"""custom objects: their definitions, and one table for the records of all of them

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custom_object_records",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("record_name", sa.String(length=255), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.Column("object_name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_object_records")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_custom_object_records_instance",
        "custom_object_records",
        ["instance_id", "object_name", "id"],
        unique=False,
    )
    op.create_index(
        "ix_custom_object_records_record_name",
        "custom_object_records",
        ["instance_id", "object_name", sa.literal_column("lower(record_name)")],
        unique=False,
    )
    op.create_index(
        "ix_custom_object_records_updated",
        "custom_object_records",
        ["instance_id", "object_name", "date_updated_utc", "id"],
        unique=False,
    )
    op.create_table(
        "custom_objects",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("object_name", sa.String(length=64), nullable=False),
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("singular_label", sa.String(length=255), nullable=False),
        sa.Column("plural_label", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("record_name_label", sa.String(length=255), nullable=True),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_objects")),
        sa.UniqueConstraint(
            "instance_id", "name_key", name=op.f("uq_custom_objects_instance_id_name_key")
        ),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("custom_objects")
    op.drop_index("ix_custom_object_records_updated", table_name="custom_object_records")
    op.drop_index("ix_custom_object_records_record_name", table_name="custom_object_records")
    op.drop_index("ix_custom_object_records_instance", table_name="custom_object_records")
    op.drop_table("custom_object_records")
