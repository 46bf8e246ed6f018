"""The database schema, in SQLAlchemy Core.

Record tables are built from the registry (one column per declared field), so a field is declared
once. Sub-collections that every record type may have (tags, dates, email domains, links,
follows) live in generic tables keyed by (record_type, record_id).
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.types import TypeEngine

from rolodex.domain.registry import (
    CUSTOM_OBJECT_RECORDS,
    OWN_ROUTE_TYPES,
    RECORD_TYPES,
    SETTINGS_TYPES,
    Feature,
    FieldSpec,
    Kind,
    RecordType,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
# Tables with an Id say sqlite_autoincrement=True: a deleted record's id is never handed out
# again (a client that still holds it must get 404, not someone else's record).
Id = BigInteger().with_variant(Integer(), "sqlite")


def _column_type(spec: FieldSpec) -> TypeEngine:
    if spec.kind is Kind.TEXT:
        if spec.max_length is not None and spec.max_length <= 4000:
            return String(spec.max_length)
        return Text()
    if spec.kind is Kind.INT:
        return BigInteger()
    if spec.kind is Kind.BOOL:
        return Boolean()
    if spec.kind is Kind.DATETIME:
        return DateTime()
    return Numeric(18, 4)


instances = Table(
    "instances",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("subdomain", String(255), nullable=False),
    Column("plan_name", String(64), nullable=False),
    Column("date_created_utc", DateTime(), nullable=False),
    # Overrides the server's daily rate limit for this instance when set (0 = no limit).
    Column("rate_limit_daily", Integer(), nullable=True),
    # Which set of default settings (rolodex.domain.defaults) the instance has been given.
    Column("defaults_version", Integer(), nullable=False, server_default="0"),
    sqlite_autoincrement=True,
)

# Rate-limit counters, shared by every server process through the database.
rate_daily = Table(
    "rate_daily",
    metadata,
    Column("instance_id", BigInteger(), primary_key=True),
    Column("day", Date(), primary_key=True),
    # Calls granted today: made, or leased to a server process that may still make them.
    Column("calls", Integer(), nullable=False),
    # Until when (epoch seconds) a process may hold unused leased calls; 0 when none.
    Column("leased_until", Float(), nullable=False, server_default="0"),
)

rate_second = Table(
    "rate_second",
    metadata,
    Column("user_id", BigInteger(), primary_key=True),
    Column("second", BigInteger(), primary_key=True),
    Column("calls", Integer(), nullable=False),
)


_AUDIT_COLUMNS = ("date_created_utc", "date_updated_utc", "created_user_id")


def _record_table(rt: RecordType, *extra: Column | CheckConstraint) -> Table:
    columns: list[Column] = [
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("instance_id", Id, nullable=False),
    ]
    for spec in rt.fields:
        if spec.name == rt.id_field or spec.column in ("instance_id", *_AUDIT_COLUMNS):
            continue
        columns.append(Column(spec.column, _column_type(spec), nullable=True))
    # Every row keeps its audit columns (ETags and sync need them), declared on the wire or not.
    columns.extend(
        [
            Column("date_created_utc", DateTime(), nullable=False),
            Column("date_updated_utc", DateTime(), nullable=False),
            Column("created_user_id", BigInteger(), nullable=True),
        ]
    )
    if rt.has(Feature.CUSTOM_FIELDS):
        columns.append(Column("custom_fields", JSON(), nullable=False))
    table = Table(rt.table, metadata, *columns, *extra, sqlite_autoincrement=True)
    # Every index starts with the scope of a query: the instance (and the custom object).
    scope = [table.c.instance_id]
    if rt.custom_object:
        scope.append(table.c.object_name)
    # Where some records are hidden from some users, every index ends with what decides who
    # sees a row (rolodex.storage.visibility), so that a non-administrator's list, sweep or
    # search skips over hidden rows in the index alone, as an administrator's does.
    audience = [table.c[name] for name in _audience_columns(rt, table)]
    # A page of a list: the instance's records in id order (without it SQLite may sort them all).
    Index(f"ix_{rt.table}_instance", *scope, table.c.id, *audience)
    # The sync sweep's access path: updated_after_utc ordered by (DATE_UPDATED_UTC, id).
    Index(f"ix_{rt.table}_updated", *scope, table.c.date_updated_utc, table.c.id, *audience)
    for spec in rt.fields:
        if spec.indexed:
            column = table.c[spec.column]
            # Text search is case-insensitive, so the index is on lower(column).
            expr = func.lower(column) if spec.kind is Kind.TEXT else column
            # The id last: a search's matches come out of the index in id order, so a page of
            # them is read without sorting every match (SQLite's rowid does this implicitly).
            Index(f"ix_{rt.table}_{spec.column}", *scope, expr, table.c.id, *audience)
    if rt.has(Feature.PIPELINE):
        # A board's access path: a pipeline's records counted, summed and ranked per stage.
        stage = (table.c.pipeline_id, table.c.stage_id)
        Index(f"ix_{rt.table}_pipeline", *scope, *stage, table.c.id, *audience)
    return table


def _audience_columns(rt: RecordType, table: Table) -> tuple[str, ...]:
    """The columns that decide who sees a record of `rt` (none when everyone sees them all)."""
    if rt.has(Feature.VISIBILITY):
        return ("owner_user_id", "visible_to", "visible_team_id")
    if rt.has(Feature.PRIVATE_FLAG):
        responsible = ("responsible_user_id",) if "responsible_user_id" in table.c else ()
        return ("owner_user_id", "publicly_visible", *responsible)
    return ()


record_tables: dict[str, Table] = {}
for _rt in (*RECORD_TYPES, *SETTINGS_TYPES, *OWN_ROUTE_TYPES):
    _extra: list[Column | CheckConstraint] = []
    if _rt.singular == "User":
        _extra = [
            Column("email_key", String(255), nullable=False, unique=True),
            Column("api_key_hash", String(64), nullable=False, unique=True),
            # argon2id hash of the web sign-in password; None: the user cannot sign in.
            Column("password_hash", String(255), nullable=True),
            # The read-only role (rolodex.services.context.Role): reads everything, changes
            # nothing. An administrator is never read-only (the three roles, and no fourth).
            Column("read_only", Boolean(), nullable=False, server_default=false()),
            CheckConstraint("NOT (administrator AND read_only)", name="ck_users_role"),
        ]
    record_tables[_rt.singular] = _record_table(_rt, *_extra)

users = record_tables["User"]

# The dashboard's "my tasks" (rolodex.services.dashboard): a user's open tasks by due date, for
# each column that says whose a task is, ending with what decides who sees it.
_tasks = record_tables["Task"]
for _holder, _other in (("responsible", "owner"), ("owner", "responsible")):
    Index(
        f"ix_tasks_{_holder}_due",
        _tasks.c.instance_id,
        _tasks.c[f"{_holder}_user_id"],
        _tasks.c.due_date,
        _tasks.c.completed,
        _tasks.c.id,
        _tasks.c.publicly_visible,
        _tasks.c[f"{_other}_user_id"],
    )

# A user's saved filters of a list page (rolodex.services.saved_filters): a name, and the
# list's search and order it brings back.
saved_filters = Table(
    "saved_filters",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("user_id", BigInteger(), nullable=False),
    Column("object_name", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    # The name in lower case: a user's filters of a list have names unlike in any letter case.
    Column("name_key", String(100), nullable=False),
    Column("search_field", String(64), nullable=True),
    Column("search_text", String(500), nullable=True),
    Column("sort_field", String(64), nullable=True),
    Column("descending", Boolean(), nullable=False),
    Column("date_created_utc", DateTime(), nullable=False),
    UniqueConstraint("instance_id", "user_id", "object_name", "name_key"),
    sqlite_autoincrement=True,
)

# Signed-in web sessions. The cookie holds a random token; only its SHA-256 is stored.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", BigInteger(), nullable=False, index=True),
    # The synchronizer token every form of this session must send back.
    Column("csrf_token", String(64), nullable=False),
    Column("date_created_utc", DateTime(), nullable=False),
    Column("expires_utc", DateTime(), nullable=False),
)

# Failed web sign-ins per email, to slow down password guessing (cleared by a success).
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email_key", String(255), nullable=False),
    Column("date_failed_utc", DateTime(), nullable=False),
    Index("ix_sign_in_failures_email", "email_key", "date_failed_utc"),
    sqlite_autoincrement=True,
)

# Custom objects: their definitions, and the records of all of them in one table (by object name).
custom_objects = Table(
    "custom_objects",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("object_name", String(64), nullable=False),
    # The name in lower case: unique per instance, so Foo__c and foo__c cannot both exist.
    Column("name_key", String(64), nullable=False),
    Column("singular_label", String(255), nullable=False),
    Column("plural_label", String(255), nullable=False),
    Column("description", String(1000), nullable=True),
    Column("record_name_label", String(255), nullable=True),
    Column("created_user_id", BigInteger(), nullable=True),
    Column("date_created_utc", DateTime(), nullable=False),
    Column("date_updated_utc", DateTime(), nullable=False),
    UniqueConstraint("instance_id", "name_key"),
    sqlite_autoincrement=True,
)
custom_object_records = _record_table(
    CUSTOM_OBJECT_RECORDS, Column("object_name", String(64), nullable=False)
)

tags = Table(
    "tags",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("tag_name", String(255), nullable=False),
    Index("ix_tags_record", "instance_id", "record_type", "record_id"),
    sqlite_autoincrement=True,
)
# SearchByTag: the record id last, so the page of a tag's records is read in id order.
Index(
    "ix_tags_name",
    tags.c.instance_id,
    tags.c.record_type,
    func.lower(tags.c.tag_name),
    tags.c.record_id,
)

dates = Table(
    "dates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("occasion_name", String(255), nullable=True),
    Column("occasion_date", DateTime(), nullable=False),
    Column("repeat_yearly", Boolean(), nullable=False),
    Column("create_task_yearly", Boolean(), nullable=False),
    Index("ix_dates_record", "instance_id", "record_type", "record_id"),
    sqlite_autoincrement=True,
)

email_domains = Table(
    "email_domains",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("email_domain", String(255), nullable=False),
    Index("ix_email_domains_record", "instance_id", "record_type", "record_id"),
    sqlite_autoincrement=True,
)

links = Table(
    "links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("object_name", String(64), nullable=False),
    Column("object_id", BigInteger(), nullable=False),
    Column("link_object_name", String(64), nullable=False),
    Column("link_object_id", BigInteger(), nullable=False),
    Column("role", String(255), nullable=True),
    Column("details", String(255), nullable=True),
    Column("relationship_id", BigInteger(), nullable=True),
    Column("is_forward", Boolean(), nullable=True),
    Column("date_created_utc", DateTime(), nullable=False),
    Index("ix_links_object", "instance_id", "object_name", "object_id"),
    Index("ix_links_link_object", "instance_id", "link_object_name", "link_object_id"),
    sqlite_autoincrement=True,
)

# Comments on a record of a type with Feature.COMMENTS (rolodex.services.comments).
comments = Table(
    "comments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("body", Text(), nullable=False),
    Column("owner_user_id", BigInteger(), nullable=True),
    Column("date_created_utc", DateTime(), nullable=False),
    Column("date_updated_utc", DateTime(), nullable=False),
    Index("ix_comments_record", "instance_id", "record_type", "record_id"),
    sqlite_autoincrement=True,
)

# Files attached to records, and record images (is_image); the bytes are on disk (storage/files.py).
file_attachments = Table(
    "file_attachments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("is_image", Boolean(), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("file_size", BigInteger(), nullable=False),
    Column("file_category_id", BigInteger(), nullable=True),
    Column("owner_user_id", BigInteger(), nullable=True),
    # The file's path under the files folder: "{instance_id}/{random token}".
    Column("storage_key", String(255), nullable=False, unique=True),
    Column("date_created_utc", DateTime(), nullable=False),
    Column("date_updated_utc", DateTime(), nullable=False),
    Index("ix_file_attachments_record", "instance_id", "record_type", "record_id"),
    sqlite_autoincrement=True,
)

follows = Table(
    "follows",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("user_id", BigInteger(), nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("date_created_utc", DateTime(), nullable=False),
    UniqueConstraint("user_id", "record_type", "record_id"),
    Index("ix_follows_record", "instance_id", "record_type", "record_id"),
    sqlite_autoincrement=True,
)

# Every value a record's history field has taken (Opportunities' StateHistory), newest last.
state_history = Table(
    "state_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("state", String(20), nullable=True),
    Column("state_reason_id", BigInteger(), nullable=True),
    Column("state_reason", String(255), nullable=True),
    Column("date_changed_utc", DateTime(), nullable=False),
    Column("changed_user_id", BigInteger(), nullable=True),
    Index("ix_state_history_record", "instance_id", "record_type", "record_id"),
    sqlite_autoincrement=True,
)

# Team memberships (TEAMMEMBERS; the id is the wire's PERMISSION_ID): a user is in a team once.
team_members = Table(
    "team_members",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("team_id", BigInteger(), nullable=False),
    Column("member_user_id", BigInteger(), nullable=False),
    UniqueConstraint("team_id", "member_user_id"),
    Index("ix_team_members_team", "instance_id", "team_id"),
    # Visibility: the teams a caller is in, read inside every query of a non-administrator.
    Index("ix_team_members_member", "instance_id", "member_user_id", "team_id"),
    sqlite_autoincrement=True,
)

# The activities of an activity set (ACTIVITIES), in id order (rolodex.services.activity_sets).
activities = Table(
    "activities",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("activityset_id", BigInteger(), nullable=False),
    Column("activity_name", String(255), nullable=False),
    Column("activity_details", String(4000), nullable=True),
    Column("activity_type", String(10), nullable=False),
    Column("category_id", BigInteger(), nullable=True),
    Column("responsible_user_id", BigInteger(), nullable=True),
    Column("assigned_team_id", BigInteger(), nullable=True),
    Column("owner_visible", Boolean(), nullable=False),
    Column("publicly_visible", Boolean(), nullable=False),
    Column("reminder", Boolean(), nullable=False),
    Column("reminder_days_before_due", Integer(), nullable=True),
    Column("reminder_time", String(5), nullable=True),
    Column("due_days_after_start", Integer(), nullable=True),
    Column("event_days_after_start", Integer(), nullable=True),
    Column("event_time", String(5), nullable=True),
    Column("all_day", Boolean(), nullable=False),
    Column("duration", Integer(), nullable=True),
    Column("skip_sat", Boolean(), nullable=False),
    Column("skip_sun", Boolean(), nullable=False),
    Index("ix_activities_set", "instance_id", "activityset_id"),
    sqlite_autoincrement=True,
)

# Custom field definitions per instance and object (a standard type's singular name, or a custom
# object's name); field_key is the lower-cased FIELD_NAME, unique per object.
# next_number: the last AUTONUMBER handed out (rolodex.services.custom_fields).
custom_field_definitions = Table(
    "custom_field_definitions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("object_name", String(64), nullable=False),
    Column("field_key", String(100), nullable=False),
    Column("field_name", String(100), nullable=False),
    Column("field_label", String(255), nullable=False),
    Column("field_type", String(20), nullable=False),
    Column("field_order", Integer(), nullable=False),
    Column("default_value", JSON(), nullable=True),
    Column("editable", Boolean(), nullable=False),
    Column("visible", Boolean(), nullable=False),
    Column("field_help_text", String(1000), nullable=True),
    Column("join_object", String(64), nullable=True),
    Column("next_number", BigInteger(), nullable=False),
    Column("date_created_utc", DateTime(), nullable=False),
    Column("date_updated_utc", DateTime(), nullable=False),
    UniqueConstraint("instance_id", "object_name", "field_key"),
    sqlite_autoincrement=True,
)

# The options of DROPDOWN and MULTISELECT fields (OPTION_ID is the id), in option_order.
custom_field_options = Table(
    "custom_field_options",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("definition_id", BigInteger(), nullable=False),
    Column("option_value", String(100), nullable=False),
    Column("option_order", Integer(), nullable=False),
    Index("ix_custom_field_options_definition", "instance_id", "definition_id"),
    sqlite_autoincrement=True,
)

# The search keys of every custom value (rolodex.domain.custom_fields.index_keys), kept with
# each write of a record's custom fields: Search on a custom field is one index range here.
custom_field_values = Table(
    "custom_field_values",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("field_key", String(100), nullable=False),
    Column("value_key", String(200), nullable=False),
    Index(
        "ix_custom_field_values_search",
        "instance_id",
        "record_type",
        "field_key",
        "value_key",
        "record_id",
    ),
    Index("ix_custom_field_values_record", "instance_id", "record_type", "record_id"),
)

# The phone fields of every record in E.164 form (rolodex.storage.phones), kept with each write
# of a record: the CTI lookup of a caller's number is one index range here.
phone_numbers = Table(
    "phone_numbers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("field_name", String(64), nullable=False),
    Column("e164", String(20), nullable=False),
    Index("ix_phone_numbers_lookup", "instance_id", "e164"),
    Index("ix_phone_numbers_record", "instance_id", "record_type", "record_id"),
    sqlite_autoincrement=True,
)

# The web pages listening for CTI screen pops (rolodex.services.pops), one row per open event
# stream, refreshed by a heartbeat: how a screen pop counts the pages it reaches across server
# processes (a publish cannot count its receivers).
cti_pages = Table(
    "cti_pages",
    metadata,
    Column("token", String(32), primary_key=True),
    Column("instance_id", BigInteger(), nullable=False),
    Column("user_id", BigInteger(), nullable=False),
    Column("heartbeat_utc", DateTime(), nullable=False),
    Index("ix_cti_pages_user", "instance_id", "user_id"),
)

# Deleted records (GET /v3.1/{Coll}/Deleted, rolodex.services.tombstones): one row per delete,
# written in the delete's transaction and kept ROLODEX_TOMBSTONE_DAYS.
tombstones = Table(
    "tombstones",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("instance_id", Id, nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("date_deleted_utc", DateTime(), nullable=False),
    # Who saw the record when it was deleted (rolodex.storage.visibility): who sees it in the feed.
    Column("owner_user_id", BigInteger(), nullable=True),
    Column("visible_to", String(11), nullable=True),
    Column("visible_team_id", BigInteger(), nullable=True),
    Column("visible_user_ids", String(4000), nullable=True),
    # The feed's access path: (DATE_DELETED_UTC, ID) order per instance and record type.
    Index("ix_tombstones_feed", "instance_id", "record_type", "date_deleted_utc", "record_id"),
    # The purge's access path.
    Index("ix_tombstones_date", "date_deleted_utc"),
    sqlite_autoincrement=True,
)

# What a record holds in one wire version that the record itself has no field for (a v2.2
# contact's third address, a second e-mail, the labels it wrote): one JSON body per record and
# version (rolodex.storage.extensions), written in the transaction that writes the record; and,
# as wire "translations", the record's text in other languages (rolodex.services.translations).
record_extensions = Table(
    "record_extensions",
    metadata,
    Column("instance_id", BigInteger(), nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("wire", String(16), nullable=False),
    Column("body", JSON(), nullable=False),
    PrimaryKeyConstraint("instance_id", "record_type", "record_id", "wire"),
)

# The users of each record whose VISIBLE_TO is INDIVIDUALS (its VISIBLE_USER_IDS as rows), kept
# with each write of the record: what a non-administrator's queries probe (rolodex.storage.
# visibility), one primary-key lookup per such record.
record_viewers = Table(
    "record_viewers",
    metadata,
    Column("instance_id", BigInteger(), nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("record_id", BigInteger(), nullable=False),
    Column("user_id", BigInteger(), nullable=False),
    PrimaryKeyConstraint("instance_id", "record_type", "record_id", "user_id"),
)
