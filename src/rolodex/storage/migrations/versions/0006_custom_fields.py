"""custom field definitions, their options, and the search keys of custom values

Values written before this revision stay in the records' JSON but have no definition and no
search keys; define the field (POST /v3.1/CustomFields/{objectName}) and write them again.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "custom_field_definitions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("object_name", sa.String(length=64), nullable=False),
        sa.Column("field_key", sa.String(length=100), nullable=False),
        sa.Column("field_name", sa.String(length=100), nullable=False),
        sa.Column("field_label", sa.String(length=255), nullable=False),
        sa.Column("field_type", sa.String(length=20), nullable=False),
        sa.Column("field_order", sa.Integer(), nullable=False),
        sa.Column("default_value", sa.JSON(), nullable=True),
        sa.Column("editable", sa.Boolean(), nullable=False),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.Column("field_help_text", sa.String(length=1000), nullable=True),
        sa.Column("join_object", sa.String(length=64), nullable=True),
        sa.Column("next_number", sa.BigInteger(), nullable=False),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field_definitions")),
        sa.UniqueConstraint(
            "instance_id",
            "object_name",
            "field_key",
            name=op.f("uq_custom_field_definitions_instance_id_object_name_field_key"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "custom_field_options",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("definition_id", sa.BigInteger(), nullable=False),
        sa.Column("option_value", sa.String(length=100), nullable=False),
        sa.Column("option_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field_options")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_custom_field_options_definition",
        "custom_field_options",
        ["instance_id", "definition_id"],
        unique=False,
    )
    op.create_table(
        "custom_field_values",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("field_key", sa.String(length=100), nullable=False),
        sa.Column("value_key", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field_values")),
    )
    op.create_index(
        "ix_custom_field_values_search",
        "custom_field_values",
        ["instance_id", "record_type", "field_key", "value_key", "record_id"],
        unique=False,
    )
    op.create_index(
        "ix_custom_field_values_record",
        "custom_field_values",
        ["instance_id", "record_type", "record_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_custom_field_values_record", table_name="custom_field_values")
    op.drop_index("ix_custom_field_values_search", table_name="custom_field_values")
    op.drop_table("custom_field_values")
    op.drop_index("ix_custom_field_options_definition", table_name="custom_field_options")
    op.drop_table("custom_field_options")
    op.drop_table("custom_field_definitions")
