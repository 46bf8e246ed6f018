"""teams with their members, activity sets with their activities

Existing instances get the default activity set from `rolodex db upgrade` (DEFAULTS_VERSION 2).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _record_table(table: str, *columns: sa.Column) -> None:
    """A record table as storage.tables builds it from the registry, with its two indexes."""
    op.create_table(
        table,
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        *columns,
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sqlite_autoincrement=True,
    )
    op.create_index(f"ix_{table}_instance", table, ["instance_id", "id"], unique=False)
    op.create_index(
        f"ix_{table}_updated", table, ["instance_id", "date_updated_utc", "id"], unique=False
    )


def upgrade() -> None:
    _record_table(
        "teams",
        sa.Column("team_name", sa.String(length=255), nullable=True),
        sa.Column("anonymous_team", sa.Boolean(), nullable=True),
    )
    _record_table(
        "activity_sets",
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("for_contacts", sa.Boolean(), nullable=True),
        sa.Column("for_organisations", sa.Boolean(), nullable=True),
        sa.Column("for_opportunities", sa.Boolean(), nullable=True),
        sa.Column("for_projects", sa.Boolean(), nullable=True),
        sa.Column("for_leads", sa.Boolean(), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "team_members",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("member_user_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
        sa.UniqueConstraint(
            "team_id", "member_user_id", name=op.f("uq_team_members_team_id_member_user_id")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_team_members_team", "team_members", ["instance_id", "team_id"], unique=False
    )
    op.create_table(
        "activities",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("activityset_id", sa.BigInteger(), nullable=False),
        sa.Column("activity_name", sa.String(length=255), nullable=False),
        sa.Column("activity_details", sa.String(length=4000), nullable=True),
        sa.Column("activity_type", sa.String(length=10), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column("responsible_user_id", sa.BigInteger(), nullable=True),
        sa.Column("assigned_team_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_visible", sa.Boolean(), nullable=False),
        sa.Column("publicly_visible", sa.Boolean(), nullable=False),
        sa.Column("reminder", sa.Boolean(), nullable=False),
        sa.Column("reminder_days_before_due", sa.Integer(), nullable=True),
        sa.Column("reminder_time", sa.String(length=5), nullable=True),
        sa.Column("due_days_after_start", sa.Integer(), nullable=True),
        sa.Column("event_days_after_start", sa.Integer(), nullable=True),
        sa.Column("event_time", sa.String(length=5), nullable=True),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("skip_sat", sa.Boolean(), nullable=False),
        sa.Column("skip_sun", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_activities_set", "activities", ["instance_id", "activityset_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_activities_set", table_name="activities")
    op.drop_table("activities")
    op.drop_index("ix_team_members_team", table_name="team_members")
    op.drop_table("team_members")
    for table in ("activity_sets", "teams"):
        for index in ("instance", "updated"):
            op.drop_index(f"ix_{table}_{index}", table_name=table)
        op.drop_table(table)
