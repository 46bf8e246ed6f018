"""A user's role: administrator, user or read-only (a read-only user changes nothing)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# An administrator is never read-only: three roles, no fourth combination.
_ROLE_CHECK = "NOT (administrator AND read_only)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a CHECK only with its column (batch mode would rebuild the table and lose
        # its expression indexes on lower(...)).
        op.execute(
            "ALTER TABLE users ADD COLUMN read_only BOOLEAN DEFAULT 0 NOT NULL "
            f"CONSTRAINT ck_users_role CHECK ({_ROLE_CHECK})"
        )
        return
    op.add_column(
        "users", sa.Column("read_only", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_check_constraint("ck_users_role", "users", _ROLE_CHECK)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("ck_users_role", "users", type_="check")
    op.drop_column("users", "read_only")
