"""Indexes of records some users may not see end with the columns that decide who sees a row

A non-administrator's list, sweep or search then skips over hidden rows in the index alone (no
table read per row skipped), as an administrator's does (contract §11, issue 14).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Each record table whose rows some users may not see, and the columns that decide who sees one.
AUDIENCES: dict[str, tuple[str, ...]] = {
    "contacts": ("owner_user_id", "visible_to", "visible_team_id"),
    "custom_object_records": ("owner_user_id", "visible_to", "visible_team_id"),
    "events": ("owner_user_id", "publicly_visible"),
    "leads": ("owner_user_id", "visible_to", "visible_team_id"),
    "notes": ("owner_user_id", "visible_to", "visible_team_id"),
    "opportunities": ("owner_user_id", "visible_to", "visible_team_id"),
    "organisations": ("owner_user_id", "visible_to", "visible_team_id"),
    "projects": ("owner_user_id", "visible_to", "visible_team_id"),
    "tasks": ("owner_user_id", "publicly_visible", "responsible_user_id"),
}
# (table, index, its columns before the audience; lower(...) as written).
INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("contacts", "ix_contacts_email_address", ("instance_id", "lower(email_address)", "id")),
    ("contacts", "ix_contacts_first_name", ("instance_id", "lower(first_name)", "id")),
    ("contacts", "ix_contacts_instance", ("instance_id", "id")),
    ("contacts", "ix_contacts_last_name", ("instance_id", "lower(last_name)", "id")),
    ("contacts", "ix_contacts_organisation_id", ("instance_id", "organisation_id", "id")),
    ("contacts", "ix_contacts_updated", ("instance_id", "date_updated_utc", "id")),
    (
        "custom_object_records",
        "ix_custom_object_records_instance",
        ("instance_id", "object_name", "id"),
    ),
    (
        "custom_object_records",
        "ix_custom_object_records_record_name",
        ("instance_id", "object_name", "lower(record_name)", "id"),
    ),
    (
        "custom_object_records",
        "ix_custom_object_records_updated",
        ("instance_id", "object_name", "date_updated_utc", "id"),
    ),
    ("events", "ix_events_instance", ("instance_id", "id")),
    ("events", "ix_events_start_date_utc", ("instance_id", "start_date_utc", "id")),
    ("events", "ix_events_title", ("instance_id", "lower(title)", "id")),
    ("events", "ix_events_updated", ("instance_id", "date_updated_utc", "id")),
    ("leads", "ix_leads_email", ("instance_id", "lower(email)", "id")),
    ("leads", "ix_leads_first_name", ("instance_id", "lower(first_name)", "id")),
    ("leads", "ix_leads_instance", ("instance_id", "id")),
    ("leads", "ix_leads_last_name", ("instance_id", "lower(last_name)", "id")),
    ("leads", "ix_leads_organisation_name", ("instance_id", "lower(organisation_name)", "id")),
    ("leads", "ix_leads_updated", ("instance_id", "date_updated_utc", "id")),
    ("notes", "ix_notes_instance", ("instance_id", "id")),
    ("notes", "ix_notes_title", ("instance_id", "lower(title)", "id")),
    ("notes", "ix_notes_updated", ("instance_id", "date_updated_utc", "id")),
    ("opportunities", "ix_opportunities_instance", ("instance_id", "id")),
    (
        "opportunities",
        "ix_opportunities_opportunity_name",
        ("instance_id", "lower(opportunity_name)", "id"),
    ),
    (
        "opportunities",
        "ix_opportunities_opportunity_state",
        ("instance_id", "lower(opportunity_state)", "id"),
    ),
    ("opportunities", "ix_opportunities_organisation_id", ("instance_id", "organisation_id", "id")),
    ("opportunities", "ix_opportunities_updated", ("instance_id", "date_updated_utc", "id")),
    ("organisations", "ix_organisations_instance", ("instance_id", "id")),
    (
        "organisations",
        "ix_organisations_organisation_name",
        ("instance_id", "lower(organisation_name)", "id"),
    ),
    ("organisations", "ix_organisations_updated", ("instance_id", "date_updated_utc", "id")),
    ("organisations", "ix_organisations_website", ("instance_id", "lower(website)", "id")),
    ("projects", "ix_projects_instance", ("instance_id", "id")),
    ("projects", "ix_projects_project_name", ("instance_id", "lower(project_name)", "id")),
    ("projects", "ix_projects_updated", ("instance_id", "date_updated_utc", "id")),
    ("tasks", "ix_tasks_instance", ("instance_id", "id")),
    ("tasks", "ix_tasks_opportunity_id", ("instance_id", "opportunity_id", "id")),
    ("tasks", "ix_tasks_project_id", ("instance_id", "project_id", "id")),
    ("tasks", "ix_tasks_title", ("instance_id", "lower(title)", "id")),
    ("tasks", "ix_tasks_updated", ("instance_id", "date_updated_utc", "id")),
)


def _column(name: str) -> sa.ColumnClause[object] | str:
    return sa.literal_column(name) if name.startswith("lower(") else name


def _recreate(with_audience: bool) -> None:
    for table, name, columns in INDEXES:
        op.drop_index(name, table_name=table)
        tail = AUDIENCES[table] if with_audience else ()
        op.create_index(name, table, [*map(_column, columns), *tail])


def upgrade() -> None:
    _recreate(with_audience=True)


def downgrade() -> None:
    _recreate(with_audience=False)
