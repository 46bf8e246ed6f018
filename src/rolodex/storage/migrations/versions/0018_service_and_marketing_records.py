"""Service and marketing records: Prospect, Ticket, KnowledgeArticle and its categories and folders

Each table is built as rolodex.storage.tables declares it from the registry (issue 15).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "prospects",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("lead_id", sa.BigInteger(), nullable=True),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("organisation_id", sa.BigInteger(), nullable=True),
        sa.Column("salutation", sa.String(length=50), nullable=True),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("last_name", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("organisation_name", sa.String(length=255), nullable=True),
        sa.Column("email_address", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=255), nullable=True),
        sa.Column("mobile", sa.String(length=255), nullable=True),
        sa.Column("fax", sa.String(length=255), nullable=True),
        sa.Column("website", sa.String(length=255), nullable=True),
        sa.Column("address_street", sa.String(length=255), nullable=True),
        sa.Column("address_city", sa.String(length=255), nullable=True),
        sa.Column("address_state", sa.String(length=255), nullable=True),
        sa.Column("address_postcode", sa.String(length=128), nullable=True),
        sa.Column("address_country", sa.String(length=255), nullable=True),
        sa.Column("industry", sa.String(length=128), nullable=True),
        sa.Column("employee_count", sa.BigInteger(), nullable=True),
        sa.Column("score", sa.BigInteger(), nullable=True),
        sa.Column("grade", sa.String(length=20), nullable=True),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("do_not_email", sa.Boolean(), nullable=True),
        sa.Column("do_not_call", sa.Boolean(), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=True),
        sa.Column("do_not_sync", sa.Boolean(), nullable=True),
        sa.Column("lead_conversion_date_utc", sa.DateTime(), nullable=True),
        sa.Column("grade_profile_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("visible_to", sa.String(length=11), nullable=True),
        sa.Column("visible_team_id", sa.BigInteger(), nullable=True),
        sa.Column("visible_user_ids", sa.String(length=4000), nullable=True),
        sa.Column("last_activity_date_utc", sa.DateTime(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospects")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_prospects_email_address",
        "prospects",
        [
            "instance_id",
            sa.literal_column("lower(email_address)"),
            "id",
            "owner_user_id",
            "visible_to",
            "visible_team_id",
        ],
    )
    op.create_index(
        "ix_prospects_first_name",
        "prospects",
        [
            "instance_id",
            sa.literal_column("lower(first_name)"),
            "id",
            "owner_user_id",
            "visible_to",
            "visible_team_id",
        ],
    )
    op.create_index(
        "ix_prospects_instance",
        "prospects",
        ["instance_id", "id", "owner_user_id", "visible_to", "visible_team_id"],
    )
    op.create_index(
        "ix_prospects_last_name",
        "prospects",
        [
            "instance_id",
            sa.literal_column("lower(last_name)"),
            "id",
            "owner_user_id",
            "visible_to",
            "visible_team_id",
        ],
    )
    op.create_index(
        "ix_prospects_organisation_id",
        "prospects",
        ["instance_id", "organisation_id", "id", "owner_user_id", "visible_to", "visible_team_id"],
    )
    op.create_index(
        "ix_prospects_organisation_name",
        "prospects",
        [
            "instance_id",
            sa.literal_column("lower(organisation_name)"),
            "id",
            "owner_user_id",
            "visible_to",
            "visible_team_id",
        ],
    )
    op.create_index(
        "ix_prospects_updated",
        "prospects",
        ["instance_id", "date_updated_utc", "id", "owner_user_id", "visible_to", "visible_team_id"],
    )
    op.create_table(
        "tickets",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("ticket_number", sa.String(length=20), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("ticket_type", sa.String(length=255), nullable=True),
        sa.Column("ticket_status", sa.String(length=20), nullable=True),
        sa.Column("priority", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("to_email_address", sa.String(length=255), nullable=True),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("organisation_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("date_solved_utc", sa.DateTime(), nullable=True),
        sa.Column("date_closed_utc", sa.DateTime(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_tickets_contact_id", "tickets", ["instance_id", "contact_id", "id"])
    op.create_index("ix_tickets_instance", "tickets", ["instance_id", "id"])
    op.create_index(
        "ix_tickets_organisation_id", "tickets", ["instance_id", "organisation_id", "id"]
    )
    op.create_index(
        "ix_tickets_subject", "tickets", ["instance_id", sa.literal_column("lower(subject)"), "id"]
    )
    op.create_index(
        "ix_tickets_ticket_number",
        "tickets",
        ["instance_id", sa.literal_column("lower(ticket_number)"), "id"],
    )
    op.create_index(
        "ix_tickets_ticket_status",
        "tickets",
        ["instance_id", sa.literal_column("lower(ticket_status)"), "id"],
    )
    op.create_index("ix_tickets_updated", "tickets", ["instance_id", "date_updated_utc", "id"])
    op.create_table(
        "knowledge_article_categories",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("category_name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_article_categories")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_knowledge_article_categories_category_name",
        "knowledge_article_categories",
        ["instance_id", sa.literal_column("lower(category_name)"), "id"],
    )
    op.create_index(
        "ix_knowledge_article_categories_instance",
        "knowledge_article_categories",
        ["instance_id", "id"],
    )
    op.create_index(
        "ix_knowledge_article_categories_updated",
        "knowledge_article_categories",
        ["instance_id", "date_updated_utc", "id"],
    )
    op.create_table(
        "knowledge_article_folders",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("folder_name", sa.String(length=255), nullable=True),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column("visibility", sa.String(length=50), nullable=True),
        sa.Column("order_articles", sa.String(length=50), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_article_folders")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_knowledge_article_folders_category_id",
        "knowledge_article_folders",
        ["instance_id", "category_id", "id"],
    )
    op.create_index(
        "ix_knowledge_article_folders_folder_name",
        "knowledge_article_folders",
        ["instance_id", sa.literal_column("lower(folder_name)"), "id"],
    )
    op.create_index(
        "ix_knowledge_article_folders_instance", "knowledge_article_folders", ["instance_id", "id"]
    )
    op.create_index(
        "ix_knowledge_article_folders_updated",
        "knowledge_article_folders",
        ["instance_id", "date_updated_utc", "id"],
    )
    op.create_table(
        "knowledge_articles",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("article_no", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=20), nullable=True),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column("folder_id", sa.BigInteger(), nullable=True),
        sa.Column("url_slug", sa.String(length=255), nullable=True),
        sa.Column("promoted", sa.Boolean(), nullable=True),
        sa.Column("upvote_count", sa.BigInteger(), nullable=True),
        sa.Column("downvote_count", sa.BigInteger(), nullable=True),
        sa.Column("first_published_date_utc", sa.DateTime(), nullable=True),
        sa.Column("last_published_date_utc", sa.DateTime(), nullable=True),
        sa.Column("archived_date_utc", sa.DateTime(), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_articles")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_knowledge_articles_article_no",
        "knowledge_articles",
        ["instance_id", "article_no", "id"],
    )
    op.create_index(
        "ix_knowledge_articles_category_id",
        "knowledge_articles",
        ["instance_id", "category_id", "id"],
    )
    op.create_index(
        "ix_knowledge_articles_folder_id", "knowledge_articles", ["instance_id", "folder_id", "id"]
    )
    op.create_index("ix_knowledge_articles_instance", "knowledge_articles", ["instance_id", "id"])
    op.create_index(
        "ix_knowledge_articles_status",
        "knowledge_articles",
        ["instance_id", sa.literal_column("lower(status)"), "id"],
    )
    op.create_index(
        "ix_knowledge_articles_title",
        "knowledge_articles",
        ["instance_id", sa.literal_column("lower(title)"), "id"],
    )
    op.create_index(
        "ix_knowledge_articles_updated",
        "knowledge_articles",
        ["instance_id", "date_updated_utc", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_knowledge_articles_article_no", table_name="knowledge_articles")
    op.drop_index("ix_knowledge_articles_category_id", table_name="knowledge_articles")
    op.drop_index("ix_knowledge_articles_folder_id", table_name="knowledge_articles")
    op.drop_index("ix_knowledge_articles_instance", table_name="knowledge_articles")
    op.drop_index("ix_knowledge_articles_status", table_name="knowledge_articles")
    op.drop_index("ix_knowledge_articles_title", table_name="knowledge_articles")
    op.drop_index("ix_knowledge_articles_updated", table_name="knowledge_articles")
    op.drop_table("knowledge_articles")
    op.drop_index(
        "ix_knowledge_article_folders_category_id", table_name="knowledge_article_folders"
    )
    op.drop_index(
        "ix_knowledge_article_folders_folder_name", table_name="knowledge_article_folders"
    )
    op.drop_index("ix_knowledge_article_folders_instance", table_name="knowledge_article_folders")
    op.drop_index("ix_knowledge_article_folders_updated", table_name="knowledge_article_folders")
    op.drop_table("knowledge_article_folders")
    op.drop_index(
        "ix_knowledge_article_categories_category_name", table_name="knowledge_article_categories"
    )
    op.drop_index(
        "ix_knowledge_article_categories_instance", table_name="knowledge_article_categories"
    )
    op.drop_index(
        "ix_knowledge_article_categories_updated", table_name="knowledge_article_categories"
    )
    op.drop_table("knowledge_article_categories")
    op.drop_index("ix_tickets_contact_id", table_name="tickets")
    op.drop_index("ix_tickets_instance", table_name="tickets")
    op.drop_index("ix_tickets_organisation_id", table_name="tickets")
    op.drop_index("ix_tickets_subject", table_name="tickets")
    op.drop_index("ix_tickets_ticket_number", table_name="tickets")
    op.drop_index("ix_tickets_ticket_status", table_name="tickets")
    op.drop_index("ix_tickets_updated", table_name="tickets")
    op.drop_table("tickets")
    op.drop_index("ix_prospects_email_address", table_name="prospects")
    op.drop_index("ix_prospects_first_name", table_name="prospects")
    op.drop_index("ix_prospects_instance", table_name="prospects")
    op.drop_index("ix_prospects_last_name", table_name="prospects")
    op.drop_index("ix_prospects_organisation_id", table_name="prospects")
    op.drop_index("ix_prospects_organisation_name", table_name="prospects")
    op.drop_index("ix_prospects_updated", table_name="prospects")
    op.drop_table("prospects")
