"""Sales catalogue: Product, Pricebook, PricebookEntry, OpportunityLineItem, Quotation and
QuotationLineItem, and an opportunity's PRICEBOOK_ID

Each table is built as rolodex.storage.tables declares it from the registry (issue 15).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("opportunities", sa.Column("pricebook_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "products",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("product_name", sa.String(length=255), nullable=True),
        sa.Column("product_code", sa.String(length=100), nullable=True),
        sa.Column("product_sku", sa.String(length=100), nullable=True),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("product_family", sa.String(length=255), nullable=True),
        sa.Column("default_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("image_url", sa.String(length=500), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_products_instance", "products", ["instance_id", "id"])
    op.create_index(
        "ix_products_product_code",
        "products",
        ["instance_id", sa.literal_column("lower(product_code)"), "id"],
    )
    op.create_index(
        "ix_products_product_name",
        "products",
        ["instance_id", sa.literal_column("lower(product_name)"), "id"],
    )
    op.create_index(
        "ix_products_product_sku",
        "products",
        ["instance_id", sa.literal_column("lower(product_sku)"), "id"],
    )
    op.create_index("ix_products_updated", "products", ["instance_id", "date_updated_utc", "id"])
    op.create_table(
        "pricebooks",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricebooks")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pricebooks_instance", "pricebooks", ["instance_id", "id"])
    op.create_index(
        "ix_pricebooks_name", "pricebooks", ["instance_id", sa.literal_column("lower(name)"), "id"]
    )
    op.create_index(
        "ix_pricebooks_updated", "pricebooks", ["instance_id", "date_updated_utc", "id"]
    )
    op.create_table(
        "pricebook_entries",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("pricebook_id", sa.BigInteger(), nullable=True),
        sa.Column("product_id", sa.BigInteger(), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=True),
        sa.Column("price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("use_standard_price", sa.Boolean(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricebook_entries")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pricebook_entries_instance", "pricebook_entries", ["instance_id", "id"])
    op.create_index(
        "ix_pricebook_entries_pricebook_id",
        "pricebook_entries",
        ["instance_id", "pricebook_id", "id"],
    )
    op.create_index(
        "ix_pricebook_entries_product_id", "pricebook_entries", ["instance_id", "product_id", "id"]
    )
    op.create_index(
        "ix_pricebook_entries_updated",
        "pricebook_entries",
        ["instance_id", "date_updated_utc", "id"],
    )
    op.create_table(
        "opportunity_line_items",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("opportunity_id", sa.BigInteger(), nullable=True),
        sa.Column("pricebook_entry_id", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=True),
        sa.Column("list_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("discount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("subtotal", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("total_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("service_date", sa.DateTime(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_line_items")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_opportunity_line_items_instance", "opportunity_line_items", ["instance_id", "id"]
    )
    op.create_index(
        "ix_opportunity_line_items_opportunity_id",
        "opportunity_line_items",
        ["instance_id", "opportunity_id", "id"],
    )
    op.create_index(
        "ix_opportunity_line_items_pricebook_entry_id",
        "opportunity_line_items",
        ["instance_id", "pricebook_entry_id", "id"],
    )
    op.create_index(
        "ix_opportunity_line_items_updated",
        "opportunity_line_items",
        ["instance_id", "date_updated_utc", "id"],
    )
    op.create_table(
        "quotations",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("quotation_name", sa.String(length=255), nullable=True),
        sa.Column("quote_number", sa.String(length=20), nullable=True),
        sa.Column("opportunity_id", sa.BigInteger(), nullable=True),
        sa.Column("pricebook_id", sa.BigInteger(), nullable=True),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("organisation_id", sa.BigInteger(), nullable=True),
        sa.Column("quotation_status", sa.String(length=20), nullable=True),
        sa.Column("quotation_description", sa.String(length=4000), nullable=True),
        sa.Column("quotation_expiration_date", sa.DateTime(), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=True),
        sa.Column("subtotal", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("discount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("total_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("tax", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("shipping_handling", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("grand_total", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotations")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_quotations_instance", "quotations", ["instance_id", "id"])
    op.create_index(
        "ix_quotations_opportunity_id", "quotations", ["instance_id", "opportunity_id", "id"]
    )
    op.create_index(
        "ix_quotations_quotation_name",
        "quotations",
        ["instance_id", sa.literal_column("lower(quotation_name)"), "id"],
    )
    op.create_index(
        "ix_quotations_quotation_status",
        "quotations",
        ["instance_id", sa.literal_column("lower(quotation_status)"), "id"],
    )
    op.create_index(
        "ix_quotations_quote_number",
        "quotations",
        ["instance_id", sa.literal_column("lower(quote_number)"), "id"],
    )
    op.create_index(
        "ix_quotations_updated", "quotations", ["instance_id", "date_updated_utc", "id"]
    )
    op.create_table(
        "quotation_line_items",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", _ID, nullable=False),
        sa.Column("quotation_id", sa.BigInteger(), nullable=True),
        sa.Column("opportunity_item_id", sa.BigInteger(), nullable=True),
        sa.Column("pricebook_entry_id", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=True),
        sa.Column("list_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("discount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("subtotal", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("total_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("sort_order", sa.BigInteger(), nullable=True),
        sa.Column("date_created_utc", sa.DateTime(), nullable=False),
        sa.Column("date_updated_utc", sa.DateTime(), nullable=False),
        sa.Column("created_user_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotation_line_items")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_quotation_line_items_instance", "quotation_line_items", ["instance_id", "id"]
    )
    op.create_index(
        "ix_quotation_line_items_pricebook_entry_id",
        "quotation_line_items",
        ["instance_id", "pricebook_entry_id", "id"],
    )
    op.create_index(
        "ix_quotation_line_items_quotation_id",
        "quotation_line_items",
        ["instance_id", "quotation_id", "id"],
    )
    op.create_index(
        "ix_quotation_line_items_updated",
        "quotation_line_items",
        ["instance_id", "date_updated_utc", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_quotation_line_items_instance", table_name="quotation_line_items")
    op.drop_index("ix_quotation_line_items_pricebook_entry_id", table_name="quotation_line_items")
    op.drop_index("ix_quotation_line_items_quotation_id", table_name="quotation_line_items")
    op.drop_index("ix_quotation_line_items_updated", table_name="quotation_line_items")
    op.drop_table("quotation_line_items")
    op.drop_index("ix_quotations_instance", table_name="quotations")
    op.drop_index("ix_quotations_opportunity_id", table_name="quotations")
    op.drop_index("ix_quotations_quotation_name", table_name="quotations")
    op.drop_index("ix_quotations_quotation_status", table_name="quotations")
    op.drop_index("ix_quotations_quote_number", table_name="quotations")
    op.drop_index("ix_quotations_updated", table_name="quotations")
    op.drop_table("quotations")
    op.drop_index("ix_opportunity_line_items_instance", table_name="opportunity_line_items")
    op.drop_index("ix_opportunity_line_items_opportunity_id", table_name="opportunity_line_items")
    op.drop_index(
        "ix_opportunity_line_items_pricebook_entry_id", table_name="opportunity_line_items"
    )
    op.drop_index("ix_opportunity_line_items_updated", table_name="opportunity_line_items")
    op.drop_table("opportunity_line_items")
    op.drop_index("ix_pricebook_entries_instance", table_name="pricebook_entries")
    op.drop_index("ix_pricebook_entries_pricebook_id", table_name="pricebook_entries")
    op.drop_index("ix_pricebook_entries_product_id", table_name="pricebook_entries")
    op.drop_index("ix_pricebook_entries_updated", table_name="pricebook_entries")
    op.drop_table("pricebook_entries")
    op.drop_index("ix_pricebooks_instance", table_name="pricebooks")
    op.drop_index("ix_pricebooks_name", table_name="pricebooks")
    op.drop_index("ix_pricebooks_updated", table_name="pricebooks")
    op.drop_table("pricebooks")
    op.drop_index("ix_products_instance", table_name="products")
    op.drop_index("ix_products_product_code", table_name="products")
    op.drop_index("ix_products_product_name", table_name="products")
    op.drop_index("ix_products_product_sku", table_name="products")
    op.drop_index("ix_products_updated", table_name="products")
    op.drop_table("products")
    with op.batch_alter_table("opportunities") as batch:
        batch.drop_column("pricebook_id")
