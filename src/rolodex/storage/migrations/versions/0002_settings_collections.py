"""settings collections (lead sources and statuses, categories, pipelines, state reasons,
relationships), opportunity state history, instances.defaults_version

Existing instances get their default settings from `rolodex db upgrade`, which runs these
migrations and then rolodex.services.settings.seed_all_instances.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_categories",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("category_name", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("background_color", sa.String(length=6), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_categories")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_file_categories_instance", "file_categories", ["instance_id", "id"], unique=False
    )
    op.create_index(
        "ix_file_categories_updated",
        "file_categories",
        ["instance_id", "date_updated_utc", "id"],
        unique=False,
    )
    op.create_table(
        "lead_sources",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("lead_source", sa.String(length=255), nullable=True),
        sa.Column("default_value", sa.Boolean(), nullable=True),
        sa.Column("field_order", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_sources")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_lead_sources_instance", "lead_sources", ["instance_id", "id"], unique=False)
    op.create_index(
        "ix_lead_sources_updated",
        "lead_sources",
        ["instance_id", "date_updated_utc", "id"],
        unique=False,
    )
    op.create_table(
        "lead_statuses",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("lead_status", sa.String(length=255), nullable=True),
        sa.Column("default_status", sa.Boolean(), nullable=True),
        sa.Column("status_type", sa.BigInteger(), nullable=True),
        sa.Column("field_order", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_statuses")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_lead_statuses_instance", "lead_statuses", ["instance_id", "id"], unique=False
    )
    op.create_index(
        "ix_lead_statuses_updated",
        "lead_statuses",
        ["instance_id", "date_updated_utc", "id"],
        unique=False,
    )
    op.create_table(
        "opportunity_categories",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("category_name", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("background_color", sa.String(length=6), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_categories")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_opportunity_categories_instance",
        "opportunity_categories",
        ["instance_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_opportunity_categories_updated",
        "opportunity_categories",
        ["instance_id", "date_updated_utc", "id"],
        unique=False,
    )
    op.create_table(
        "opportunity_state_reasons",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("state_reason", sa.String(length=255), nullable=True),
        sa.Column("for_opportunity_state", sa.String(length=20), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_state_reasons")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_opportunity_state_reasons_instance",
        "opportunity_state_reasons",
        ["instance_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_opportunity_state_reasons_updated",
        "opportunity_state_reasons",
        ["instance_id", "date_updated_utc", "id"],
        unique=False,
    )
    op.create_table(
        "pipeline_stages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("pipeline_id", sa.BigInteger(), nullable=True),
        sa.Column("stage_name", sa.String(length=255), nullable=True),
        sa.Column("stage_order", sa.BigInteger(), nullable=True),
        sa.Column("activityset_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_stages")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_pipeline_stages_instance", "pipeline_stages", ["instance_id", "id"], unique=False
    )
    op.create_index(
        "ix_pipeline_stages_pipeline_id",
        "pipeline_stages",
        ["instance_id", "pipeline_id"],
        unique=False,
    )
    op.create_index(
        "ix_pipeline_stages_updated",
        "pipeline_stages",
        ["instance_id", "date_updated_utc", "id"],
        unique=False,
    )
    op.create_table(
        "pipelines",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("pipeline_name", sa.String(length=255), nullable=True),
        sa.Column("for_opportunities", sa.Boolean(), nullable=True),
        sa.Column("for_projects", sa.Boolean(), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pipelines_instance", "pipelines", ["instance_id", "id"], unique=False)
    op.create_index(
        "ix_pipelines_updated", "pipelines", ["instance_id", "date_updated_utc", "id"], unique=False
    )
    op.create_table(
        "project_categories",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("category_name", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("background_color", sa.String(length=6), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_categories")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_project_categories_instance", "project_categories", ["instance_id", "id"], unique=False
    )
    op.create_index(
        "ix_project_categories_updated",
        "project_categories",
        ["instance_id", "date_updated_utc", "id"],
        unique=False,
    )
    op.create_table(
        "relationships",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("forward_title", sa.String(length=255), nullable=True),
        sa.Column("forward", sa.String(length=255), nullable=True),
        sa.Column("reverse_title", sa.String(length=255), nullable=True),
        sa.Column("reverse", sa.String(length=255), nullable=True),
        sa.Column("for_contacts", sa.Boolean(), nullable=True),
        sa.Column("for_organisations", sa.Boolean(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relationships")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_relationships_instance", "relationships", ["instance_id", "id"], unique=False
    )
    op.create_index(
        "ix_relationships_updated",
        "relationships",
        ["instance_id", "date_updated_utc", "id"],
        unique=False,
    )
    op.create_table(
        "state_history",
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
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("state_reason_id", sa.BigInteger(), nullable=True),
        sa.Column("state_reason", sa.String(length=255), nullable=True),
        sa.Column("date_changed_utc", sa.DateTime(), nullable=False),
        sa.Column("changed_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_state_history")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_state_history_record",
        "state_history",
        ["instance_id", "record_type", "record_id"],
        unique=False,
    )
    op.create_table(
        "task_categories",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("category_name", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("background_color", sa.String(length=6), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_categories")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_task_categories_instance", "task_categories", ["instance_id", "id"], unique=False
    )
    op.create_index(
        "ix_task_categories_updated",
        "task_categories",
        ["instance_id", "date_updated_utc", "id"],
        unique=False,
    )
    op.add_column(
        "instances", sa.Column("defaults_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("users", sa.Column("created_user_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "created_user_id")
    op.drop_column("instances", "defaults_version")
    op.drop_index("ix_task_categories_updated", table_name="task_categories")
    op.drop_index("ix_task_categories_instance", table_name="task_categories")
    op.drop_table("task_categories")
    op.drop_index("ix_state_history_record", table_name="state_history")
    op.drop_table("state_history")
    op.drop_index("ix_relationships_updated", table_name="relationships")
    op.drop_index("ix_relationships_instance", table_name="relationships")
    op.drop_table("relationships")
    op.drop_index("ix_project_categories_updated", table_name="project_categories")
    op.drop_index("ix_project_categories_instance", table_name="project_categories")
    op.drop_table("project_categories")
    op.drop_index("ix_pipelines_updated", table_name="pipelines")
    op.drop_index("ix_pipelines_instance", table_name="pipelines")
    op.drop_table("pipelines")
    op.drop_index("ix_pipeline_stages_updated", table_name="pipeline_stages")
    op.drop_index("ix_pipeline_stages_pipeline_id", table_name="pipeline_stages")
    op.drop_index("ix_pipeline_stages_instance", table_name="pipeline_stages")
    op.drop_table("pipeline_stages")
    op.drop_index("ix_opportunity_state_reasons_updated", table_name="opportunity_state_reasons")
    op.drop_index("ix_opportunity_state_reasons_instance", table_name="opportunity_state_reasons")
    op.drop_table("opportunity_state_reasons")
    op.drop_index("ix_opportunity_categories_updated", table_name="opportunity_categories")
    op.drop_index("ix_opportunity_categories_instance", table_name="opportunity_categories")
    op.drop_table("opportunity_categories")
    op.drop_index("ix_lead_statuses_updated", table_name="lead_statuses")
    op.drop_index("ix_lead_statuses_instance", table_name="lead_statuses")
    op.drop_table("lead_statuses")
    op.drop_index("ix_lead_sources_updated", table_name="lead_sources")
    op.drop_index("ix_lead_sources_instance", table_name="lead_sources")
    op.drop_table("lead_sources")
    op.drop_index("ix_file_categories_updated", table_name="file_categories")
    op.drop_index("ix_file_categories_instance", table_name="file_categories")
    op.drop_table("file_categories")
