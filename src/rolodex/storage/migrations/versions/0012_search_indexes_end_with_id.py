"""Search indexes end with the record id, so a page of matches is read in id order

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 22:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# (table, column, indexed on lower(column)): each indexed field of a record type.
FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("contacts", "first_name", True),
    ("contacts", "last_name", True),
    ("contacts", "organisation_id", False),
    ("contacts", "email_address", True),
    ("organisations", "organisation_name", True),
    ("organisations", "website", True),
    ("leads", "first_name", True),
    ("leads", "last_name", True),
    ("leads", "organisation_name", True),
    ("leads", "email", True),
    ("opportunities", "opportunity_name", True),
    ("opportunities", "opportunity_state", True),
    ("opportunities", "organisation_id", False),
    ("projects", "project_name", True),
    ("tasks", "title", True),
    ("tasks", "project_id", False),
    ("tasks", "opportunity_id", False),
    ("events", "title", True),
    ("events", "start_date_utc", False),
    ("notes", "title", True),
    ("users", "first_name", True),
    ("users", "last_name", True),
    ("users", "email_address", True),
    ("emails", "email_from", True),
    ("emails", "subject", True),
    ("milestones", "title", True),
    ("milestones", "project_id", False),
    ("pipeline_stages", "pipeline_id", False),
    ("custom_object_records", "record_name", True),
)


def _field(column: str, lowered: bool) -> sa.ColumnClause[object] | str:
    return sa.literal_column(f"lower({column})") if lowered else column


def _recreate(with_id: bool) -> None:
    tail = ["id"] if with_id else []
    for table, column, lowered in FIELDS:
        name = f"ix_{table}_{column}"
        op.drop_index(name, table_name=table)
        # Custom objects' records share a table: the object is part of every index's scope.
        scope = (
            ["instance_id", "object_name"] if table == "custom_object_records" else ["instance_id"]
        )
        op.create_index(name, table, [*scope, _field(column, lowered), *tail])
    op.drop_index("ix_tags_name", table_name="tags")
    op.create_index(
        "ix_tags_name",
        "tags",
        [
            "instance_id",
            "record_type",
            sa.literal_column("lower(tag_name)"),
            *(["record_id"] if with_id else []),
        ],
    )


def upgrade() -> None:
    _recreate(with_id=True)


def downgrade() -> None:
    _recreate(with_id=False)
