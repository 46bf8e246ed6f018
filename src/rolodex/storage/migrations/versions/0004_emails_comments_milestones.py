"""emails, comments and milestones

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _record_columns() -> list[sa.Column]:
    return [
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
    ]


def _audit_columns() -> list[sa.Column]:
    return [
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
    ]


def _record_indexes(table: str, lowered: tuple[str, ...], plain: tuple[str, ...] = ()) -> None:
    op.create_index(f"ix_{table}_instance", table, ["instance_id", "id"], unique=False)
    op.create_index(
        f"ix_{table}_updated", table, ["instance_id", "date_updated_utc", "id"], unique=False
    )
    for column in lowered:
        op.create_index(
            f"ix_{table}_{column}",
            table,
            ["instance_id", sa.literal_column(f"lower({column})")],
            unique=False,
        )
    for column in plain:
        op.create_index(f"ix_{table}_{column}", table, ["instance_id", column], unique=False)


def upgrade() -> None:
    op.create_table(
        "emails",
        *_record_columns(),
        sa.Column("email_from", sa.String(length=500), nullable=True),
        sa.Column("email_to", sa.String(length=4000), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("email_date_utc", sa.DateTime(), nullable=True),
        sa.Column("format", sa.String(length=5), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("queued_send_date_utc", sa.DateTime(), nullable=True),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emails")),
        sqlite_autoincrement=True,
    )
    _record_indexes("emails", ("email_from", "subject"))
    op.create_table(
        "milestones",
        *_record_columns(),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=True),
        sa.Column("due_date", sa.DateTime(), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("completed_date_utc", sa.DateTime(), nullable=True),
        sa.Column("project_id", sa.BigInteger(), nullable=True),
        sa.Column("responsible_user", sa.BigInteger(), nullable=True),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sqlite_autoincrement=True,
    )
    _record_indexes("milestones", ("title",), ("project_id",))
    op.create_table(
        "comments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_comments_record", "comments", ["instance_id", "record_type", "record_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_comments_record", table_name="comments")
    op.drop_table("comments")
    for table, indexes in (
        ("milestones", ("instance", "updated", "title", "project_id")),
        ("emails", ("instance", "updated", "email_from", "subject")),
    ):
        for index in indexes:
            op.drop_index(f"ix_{table}_{index}", table_name=table)
        op.drop_table(table)
