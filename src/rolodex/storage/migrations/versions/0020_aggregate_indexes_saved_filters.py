"""Indexes of the boards' and the dashboard's grouped counts; users' saved list filters

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# The types with a pipeline, and the columns that decide who sees their records.
PIPELINE_TABLES = ("opportunities", "projects")
AUDIENCE = ("owner_user_id", "visible_to", "visible_team_id")
TASK_HOLDERS = (("responsible", "owner"), ("owner", "responsible"))


def upgrade() -> None:
    for table in PIPELINE_TABLES:
        op.create_index(
            f"ix_{table}_pipeline",
            table,
            ["instance_id", "pipeline_id", "stage_id", "id", *AUDIENCE],
        )
    for holder, other in TASK_HOLDERS:
        op.create_index(
            f"ix_tasks_{holder}_due",
            "tasks",
            [
                "instance_id",
                f"{holder}_user_id",
                "due_date",
                "completed",
                "id",
                "publicly_visible",
                f"{other}_user_id",
            ],
        )
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("object_name", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("search_field", sa.String(length=64), nullable=True),
        sa.Column("search_text", sa.String(length=500), nullable=True),
        sa.Column("sort_field", sa.String(length=64), nullable=True),
        sa.Column("descending", sa.Boolean(), nullable=False),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        sa.UniqueConstraint(
            "instance_id",
            "user_id",
            "object_name",
            "name_key",
            name=op.f("uq_saved_filters_instance_id_user_id_object_name_name_key"),
        ),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("saved_filters")
    for holder, _ in TASK_HOLDERS:
        op.drop_index(f"ix_tasks_{holder}_due", table_name="tasks")
    for table in PIPELINE_TABLES:
        op.drop_index(f"ix_{table}_pipeline", table_name=table)
