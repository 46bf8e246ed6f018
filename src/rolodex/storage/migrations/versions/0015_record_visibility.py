"""Record visibility: VISIBLE_TO, VISIBLE_TEAM_ID, VISIBLE_USER_IDS and the index of their users

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = (
    "contacts",
    "organisations",
    "leads",
    "opportunities",
    "projects",
    "custom_object_records",
)


def upgrade() -> None:
    for table in TABLES:
        # Plain ADD COLUMN (no table rebuild on SQLite): cheap at any size.
        op.add_column(table, sa.Column("visible_to", sa.String(length=11), nullable=True))
        op.add_column(table, sa.Column("visible_team_id", sa.BigInteger(), nullable=True))
        op.add_column(table, sa.Column("visible_user_ids", sa.String(length=4000), nullable=True))
        # Every record written before this revision was seen by everyone, and says so.
        op.execute(sa.text(f"UPDATE {table} SET visible_to = 'EVERYONE'"))
    # Who saw a deleted record: the Deleted feed shows it to them only.
    op.add_column("tombstones", sa.Column("owner_user_id", sa.BigInteger(), nullable=True))
    op.add_column("tombstones", sa.Column("visible_to", sa.String(length=11), nullable=True))
    op.add_column("tombstones", sa.Column("visible_team_id", sa.BigInteger(), nullable=True))
    op.add_column(
        "tombstones", sa.Column("visible_user_ids", sa.String(length=4000), nullable=True)
    )
    op.create_table(
        "record_viewers",
        sa.Column("instance_id", sa.BigInteger(), nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "instance_id", "record_type", "record_id", "user_id", name=op.f("pk_record_viewers")
        ),
    )
    op.create_index(
        "ix_team_members_member", "team_members", ["instance_id", "member_user_id", "team_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_team_members_member", table_name="team_members")
    op.drop_table("record_viewers")
    with op.batch_alter_table("tombstones") as batch:
        for column in ("visible_user_ids", "visible_team_id", "visible_to", "owner_user_id"):
            batch.drop_column(column)
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("visible_user_ids")
            batch.drop_column("visible_team_id")
            batch.drop_column("visible_to")
