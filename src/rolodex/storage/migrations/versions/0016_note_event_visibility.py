"""Visibility of notes (VISIBLE_TO, VISIBLE_TEAM_ID, VISIBLE_USER_IDS) and events (PUBLICLY_VISIBLE)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 07:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite): cheap at any size. Every note and event
    # written before this revision was seen by everyone, and says so.
    op.add_column("notes", sa.Column("visible_to", sa.String(length=11), nullable=True))
    op.add_column("notes", sa.Column("visible_team_id", sa.BigInteger(), nullable=True))
    op.add_column("notes", sa.Column("visible_user_ids", sa.String(length=4000), nullable=True))
    op.execute(sa.text("UPDATE notes SET visible_to = 'EVERYONE'"))
    op.add_column("events", sa.Column("publicly_visible", sa.Boolean(), nullable=True))
    op.execute(sa.text("UPDATE events SET publicly_visible = true"))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("publicly_visible")
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("visible_user_ids")
        batch.drop_column("visible_team_id")
        batch.drop_column("visible_to")
