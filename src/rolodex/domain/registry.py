"""The registry: every record type declared once, with its fields and features.

Generic code (routes, services, storage tables, tests) reads these declarations and branches on a
type's features, never on its name.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import Any

from rolodex.domain import rules


class Kind(StrEnum):
    """The value type of a scalar field."""

    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    DATETIME = "datetime"
    DECIMAL = "decimal"


class Feature(StrEnum):
    """A capability a record type may have; generic code branches on these."""

    CUSTOM_FIELDS = "custom_fields"
    TAGS = "tags"
    DATES = "dates"
    EMAIL_DOMAINS = "email_domains"
    LINKS = "links"
    NOTES = "notes"
    FOLLOW = "follow"
    ACTIVITIES = "activities"  # GET /{Coll}/{id}/Tasks, /Events, /Emails: the linked activities
    CREATE = "create"  # POST /{Coll}; Notes, for one, are created only under a parent.
    FILE_ATTACHMENTS = "file_attachments"  # GET/POST /{Coll}/{id}/FileAttachments
    IMAGE = "image"  # GET/DELETE /{Coll}/{id}/Image, PUT /{Coll}/{id}/Image/{filename}
    # GET/DELETE /{Coll}/{id}/ImageField/{fieldName}, PUT .../ImageField/{fieldName}/{fileName}:
    # the images of the type's IMAGE custom fields (rolodex.services.files)
    IMAGE_FIELDS = "image_fields"
    COMMENTS = "comments"  # GET/POST /{Coll}/{id}/Comments
    PIPELINE = "pipeline"  # PUT/DELETE /{Coll}/{id}/Pipeline, PUT /{Coll}/{id}/PipelineStage
    WRITE = "write"  # PUT and DELETE
    UPDATE = "update"  # PUT without DELETE (knowledge article categories and folders)
    DELETE = "delete"  # DELETE /{Coll}/{id} without PUT (Emails); WRITE includes it
    ACTIVITY_SETS = "activity_sets"  # POST /{Coll}/{id}/ActivitySetAssignment
    # GET /{Coll}/{id}/LinkEmailAddress: the record's own dropbox address (domain/dropbox.py)
    LINK_EMAIL_ADDRESS = "link_email_address"
    # VISIBLE_TO / VISIBLE_TEAM_ID / VISIBLE_USER_IDS: who besides the owner and administrators
    # sees the record (contract §11; enforced in SQL by rolodex.storage.visibility).
    VISIBILITY = "visibility"
    # GET/POST/PUT /{Coll}/{id}/Translations/{language}: the record in other languages
    # (rolodex.services.translations)
    TRANSLATIONS = "translations"
    # PUBLICLY_VISIBLE (tasks; events, as in v2.2): false keeps the record to its owner, a task's
    # responsible user and administrators (rolodex.storage.visibility).
    PRIVATE_FLAG = "private_flag"


@dataclass(frozen=True)
class FieldSpec:
    """One scalar field of a record, by its wire name (UPPER_SNAKE)."""

    name: str
    kind: Kind = Kind.TEXT
    max_length: int | None = None
    required: bool = False
    read_only: bool = False
    # The singular name of the record type this field points to (must exist when set).
    references: str | None = None
    # Whether equality search on this field gets an index.
    indexed: bool = False
    # Value written on create when the field is absent.
    default: object = None
    # The allowed values of a text field (matched in any case, stored as written here).
    choices: tuple[str, ...] = ()
    # Bounds of a whole-number or decimal field.
    minimum: int | None = None
    maximum: int | None = None
    # A regular expression a text value must match, and a value that does (for messages).
    pattern: str | None = None
    example: str | None = None
    # A telephone number: indexed in E.164 form for the CTI lookup (rolodex.storage.phones).
    phone: bool = False
    # A text of comma-separated ids of records of this type (VISIBLE_USER_IDS: users).
    lists: str | None = None

    @property
    def column(self) -> str:
        """The storage column name."""
        return self.name.lower()


@dataclass(frozen=True)
class Totals:
    """Fields of a record kept as sums over its line items (one UPDATE after every write of the
    record or of a line: rolodex.storage.sales), so that no total is ever half written."""

    lines: str  # the singular of the line-item type, owned by this one
    sums: tuple[tuple[str, str], ...]  # (this record's field, the lines' field it sums)
    # Summed only while this field is set (an opportunity takes its value from its lines only
    # while it has a price book); without it the fields stay as written.
    only_with: str | None = None
    # (field, summed, summed): a field that is one summed field less another (DISCOUNT).
    difference: tuple[str, str, str] | None = None
    # (field, terms): a field that adds the summed fields and this record's own (GRAND_TOTAL).
    grand: tuple[str, tuple[str, ...]] | None = None
    # (field, reference): a currency copied from the price book the reference names.
    currency: tuple[str, str] | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field these totals set."""
        named = [name for name, _ in self.sums]
        for extra in (self.difference, self.grand, self.currency):
            if extra is not None:
                named.append(extra[0])
        return tuple(named)


# eq=False: a record type is equal only to itself, and hashing it (caches key on it) is cheap.
@dataclass(frozen=True, eq=False)
class RecordType:
    """A record type as the API shows it."""

    collection: str  # path segment, e.g. "Contacts"
    singular: str  # object name used inside link bodies, e.g. "Contact"
    table: str  # storage table
    id_field: str  # e.g. "CONTACT_ID"
    fields: tuple[FieldSpec, ...]
    features: frozenset[Feature] = field(default_factory=frozenset)
    # This type's own rules (rolodex.domain.rules): derived values and checks across fields,
    # and the read-only fields those rules compute.
    rules: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    derived_fields: tuple[str, ...] = ()
    # Settings collections: the boolean field that marks the instance's default row (at most
    # one row has it); a field referring to this type takes that row's id when left out.
    default_flag: str | None = None
    # Settings collections: DELETE sets this boolean field to false instead of deleting.
    active_flag: str | None = None
    # A field whose every change is kept in a history (Opportunities' StateHistory).
    history_field: str | None = None
    # A custom object (a name ending in __c, defined at run time by an admin): its records share
    # one table, told apart by object name (rolodex.services.custom_objects).
    custom_object: bool = False
    # The fields naming the records this one belongs to (a milestone's PROJECT_ID; a price
    # book entry's PRODUCT_ID and PRICEBOOK_ID): such records are written under each owner
    # (/Projects/{id}/Milestones, /Product/{id}/PricebookEntry) and deleted with it.
    owner_fields: tuple[str, ...] = ()
    # The field naming the record whose audience this one has (an opportunity line item's
    # OPPORTUNITY_ID): a caller sees the record exactly when they see that one (in SQL).
    audience_from: str | None = None
    # Sales (rolodex.services.sales): the fields of this record that are sums of its line items.
    totals: "Totals | None" = None
    # Sales: a line item priced from a price book entry of its owner's price book (this field
    # names the entry), or a price book entry whose currency is its book's (this field names it).
    priced_by: str | None = None
    currency_of: str | None = None
    # A read-only field numbering the record, given on create: the record's id (a ticket's
    # TICKET_NUMBER, an article's ARTICLE_NO), unique in the instance and never reused.
    number_field: str | None = None

    def has(self, feature: Feature) -> bool:
        return feature in self.features

    @property
    def updatable(self) -> bool:
        """Whether PUT /{Coll} changes its records."""
        return Feature.WRITE in self.features or Feature.UPDATE in self.features

    @property
    def deletable(self) -> bool:
        """Whether DELETE /{Coll}/{id} removes its records."""
        return Feature.WRITE in self.features or Feature.DELETE in self.features

    @property
    def restricted(self) -> bool:
        """Whether some users may not see some records of this type (contract §11)."""
        return Feature.VISIBILITY in self.features or Feature.PRIVATE_FLAG in self.features

    def field_named(self, name: str) -> FieldSpec | None:
        """The field whose wire name matches `name`, ignoring case."""
        return _fields_by_upper_name(self).get(name.upper())

    @property
    def writable_fields(self) -> tuple[FieldSpec, ...]:
        found = _WRITABLE.get(self.collection)
        if found is None or found[0] is not self.fields:
            found = _WRITABLE[self.collection] = (
                self.fields,
                tuple(f for f in self.fields if not f.read_only),
            )
        return found[1]


_FIELD_INDEX: dict[str, dict[str, FieldSpec]] = {}
# Each type's writable fields, computed once (every create and update walks them).
_WRITABLE: dict[str, tuple[tuple[FieldSpec, ...], tuple[FieldSpec, ...]]] = {}


def _fields_by_upper_name(rt: RecordType) -> dict[str, FieldSpec]:
    index = _FIELD_INDEX.get(rt.collection)
    if index is None:
        index = {f.name: f for f in rt.fields}
        _FIELD_INDEX[rt.collection] = index
    return index


def _text(name: str, max_length: int = 255, **kwargs: object) -> FieldSpec:
    return FieldSpec(name, Kind.TEXT, max_length, **kwargs)  # type: ignore[arg-type]


def _system_fields(id_field: str) -> tuple[FieldSpec, ...]:
    return (FieldSpec(id_field, Kind.INT, read_only=True),)


def _user(name: str) -> FieldSpec:
    return FieldSpec(name, Kind.INT, references="User")


_AUDIT_FIELDS = (
    FieldSpec("DATE_CREATED_UTC", Kind.DATETIME, read_only=True),
    FieldSpec("DATE_UPDATED_UTC", Kind.DATETIME, read_only=True),
)
_ACTIVITY_FIELDS = (
    FieldSpec("LAST_ACTIVITY_DATE_UTC", Kind.DATETIME, read_only=True),
    FieldSpec("NEXT_ACTIVITY_DATE_UTC", Kind.DATETIME, read_only=True),
)
_OWNER = FieldSpec("OWNER_USER_ID", Kind.INT, references="User")
VISIBLE_TO_CHOICES = ("EVERYONE", "OWNER", "TEAM", "INDIVIDUALS")
# Reference facts 2.13/2.14: VISIBLE_TO (<=11), VISIBLE_TEAM_ID, VISIBLE_USER_IDS (a comma list of
# user ids; Insightly's v2.2 document says responses leave it empty and show an anonymous team -
# Rolodex shows the users, so that a record read and written back keeps its audience).
_VISIBILITY_FIELDS = (
    _text("VISIBLE_TO", 11, choices=VISIBLE_TO_CHOICES, default="EVERYONE"),
    FieldSpec("VISIBLE_TEAM_ID", Kind.INT, references="Team"),
    _text(
        "VISIBLE_USER_IDS", 4000, pattern=r"^\s*\d+(\s*,\s*\d+)*\s*$", example="3,5", lists="User"
    ),
)
_CREATED_BY = FieldSpec("CREATED_USER_ID", Kind.INT, read_only=True, references="User")

# Leads, opportunities and projects: everything but DATES.
_MAJOR_FEATURES = frozenset(
    {
        Feature.CUSTOM_FIELDS,
        Feature.TAGS,
        Feature.LINKS,
        Feature.NOTES,
        Feature.FOLLOW,
        Feature.ACTIVITIES,
        Feature.CREATE,
        Feature.WRITE,
        Feature.FILE_ATTACHMENTS,
        Feature.IMAGE,
        Feature.IMAGE_FIELDS,
        Feature.ACTIVITY_SETS,
        Feature.VISIBILITY,
    }
)
_FULL_RECORD_FEATURES = _MAJOR_FEATURES | {Feature.DATES}

CONTACTS = RecordType(
    collection="Contacts",
    singular="Contact",
    table="contacts",
    id_field="CONTACT_ID",
    fields=(
        *_system_fields("CONTACT_ID"),
        _text("SALUTATION", 50),
        _text("FIRST_NAME", required=True, indexed=True),
        _text("LAST_NAME", indexed=True),
        _text("TITLE"),
        _text("BACKGROUND", 4000),
        _text("IMAGE_URL", read_only=True),
        _OWNER,
        *_VISIBILITY_FIELDS,
        FieldSpec("ORGANISATION_ID", Kind.INT, references="Organisation", indexed=True),
        _text("EMAIL_ADDRESS", indexed=True),
        _text("PHONE", phone=True),
        _text("PHONE_HOME", phone=True),
        _text("PHONE_MOBILE", phone=True),
        _text("PHONE_OTHER", phone=True),
        _text("PHONE_ASSISTANT", phone=True),
        _text("PHONE_FAX", phone=True),
        _text("ASSISTANT_NAME"),
        _text("SOCIAL_LINKEDIN"),
        _text("SOCIAL_FACEBOOK"),
        _text("SOCIAL_TWITTER"),
        FieldSpec("DATE_OF_BIRTH", Kind.DATETIME),
        _text("ADDRESS_MAIL_STREET"),
        _text("ADDRESS_MAIL_CITY"),
        _text("ADDRESS_MAIL_STATE"),
        _text("ADDRESS_MAIL_POSTCODE", 128),
        _text("ADDRESS_MAIL_COUNTRY"),
        _text("ADDRESS_OTHER_STREET"),
        _text("ADDRESS_OTHER_CITY"),
        _text("ADDRESS_OTHER_STATE"),
        _text("ADDRESS_OTHER_POSTCODE", 128),
        _text("ADDRESS_OTHER_COUNTRY"),
        FieldSpec("EMAIL_OPTED_OUT", Kind.BOOL, default=False),
        *_AUDIT_FIELDS,
        *_ACTIVITY_FIELDS,
        _CREATED_BY,
    ),
    features=_FULL_RECORD_FEATURES,
)

ORGANISATIONS = RecordType(
    collection="Organisations",
    singular="Organisation",
    table="organisations",
    id_field="ORGANISATION_ID",
    fields=(
        *_system_fields("ORGANISATION_ID"),
        _text("ORGANISATION_NAME", required=True, indexed=True),
        _text("BACKGROUND", 4000),
        _text("IMAGE_URL", 500, read_only=True),
        _OWNER,
        *_VISIBILITY_FIELDS,
        _text("PHONE", phone=True),
        _text("PHONE_FAX", phone=True),
        _text("WEBSITE", indexed=True),
        _text("ADDRESS_BILLING_STREET"),
        _text("ADDRESS_BILLING_CITY"),
        _text("ADDRESS_BILLING_STATE"),
        _text("ADDRESS_BILLING_COUNTRY"),
        _text("ADDRESS_BILLING_POSTCODE"),
        _text("ADDRESS_SHIP_STREET"),
        _text("ADDRESS_SHIP_CITY"),
        _text("ADDRESS_SHIP_STATE"),
        _text("ADDRESS_SHIP_POSTCODE"),
        _text("ADDRESS_SHIP_COUNTRY"),
        _text("SOCIAL_LINKEDIN"),
        _text("SOCIAL_FACEBOOK"),
        _text("SOCIAL_TWITTER"),
        *_AUDIT_FIELDS,
        *_ACTIVITY_FIELDS,
        _CREATED_BY,
    ),
    features=_FULL_RECORD_FEATURES | {Feature.EMAIL_DOMAINS},
)

NOTES = RecordType(
    collection="Notes",
    singular="Note",
    table="notes",
    id_field="NOTE_ID",
    fields=(
        *_system_fields("NOTE_ID"),
        _text("TITLE", required=True, indexed=True),
        # The swagger's "maxLength 0" for BODY is a generator artefact; a note body is long HTML.
        _text("BODY", 1_000_000),
        _OWNER,
        *_AUDIT_FIELDS,
        _CREATED_BY,
        # v2.2's Note had VISIBLE_TO, VISIBLE_TEAM_ID and VISIBLE_USER_IDS (its swagger-generated
        # clients' APINote); Rolodex keeps them in every version. A note added under a record
        # takes that record's audience unless it says its own (rolodex.services.records).
        *_VISIBILITY_FIELDS,
    ),
    features=frozenset(
        {
            Feature.LINKS,
            Feature.FOLLOW,
            Feature.WRITE,
            Feature.FILE_ATTACHMENTS,
            Feature.COMMENTS,
            Feature.VISIBILITY,
        }
    ),
)

LEADS = RecordType(
    collection="Leads",
    singular="Lead",
    table="leads",
    id_field="LEAD_ID",
    fields=(
        *_system_fields("LEAD_ID"),
        _text("SALUTATION", 50),
        _text("FIRST_NAME", indexed=True),
        _text("LAST_NAME", required=True, indexed=True),
        _text("TITLE"),
        _text("ORGANISATION_NAME", indexed=True),
        _text("EMAIL", indexed=True),
        _text("PHONE", phone=True),
        _text("MOBILE", phone=True),
        _text("FAX", phone=True),
        _text("WEBSITE"),
        _text("INDUSTRY", 128),
        FieldSpec("EMPLOYEE_COUNT", Kind.INT, minimum=0),
        FieldSpec("LEAD_RATING", Kind.INT),
        _text("LEAD_DESCRIPTION", 4000),
        # Left out on create: the instance's default source and status.
        FieldSpec("LEAD_SOURCE_ID", Kind.INT, references="LeadSource"),
        FieldSpec("LEAD_STATUS_ID", Kind.INT, references="LeadStatus"),
        _user("RESPONSIBLE_USER_ID"),
        _OWNER,
        *_VISIBILITY_FIELDS,
        _text("ADDRESS_STREET"),
        _text("ADDRESS_CITY"),
        _text("ADDRESS_STATE"),
        _text("ADDRESS_POSTCODE", 128),
        _text("ADDRESS_COUNTRY"),
        FieldSpec("CONVERTED", Kind.BOOL, read_only=True, default=False),
        FieldSpec("CONVERTED_DATE_UTC", Kind.DATETIME, read_only=True),
        FieldSpec("CONVERTED_CONTACT_ID", Kind.INT, read_only=True, references="Contact"),
        FieldSpec("CONVERTED_ORGANISATION_ID", Kind.INT, read_only=True, references="Organisation"),
        FieldSpec("CONVERTED_OPPORTUNITY_ID", Kind.INT, read_only=True, references="Opportunity"),
        FieldSpec("EMAIL_OPTED_OUT", Kind.BOOL, default=False),
        _text("IMAGE_URL", read_only=True),
        *_AUDIT_FIELDS,
        *_ACTIVITY_FIELDS,
        _CREATED_BY,
    ),
    features=_MAJOR_FEATURES | {Feature.LINK_EMAIL_ADDRESS},
)

OPPORTUNITIES = RecordType(
    collection="Opportunities",
    singular="Opportunity",
    table="opportunities",
    id_field="OPPORTUNITY_ID",
    fields=(
        *_system_fields("OPPORTUNITY_ID"),
        _text("OPPORTUNITY_NAME", required=True, indexed=True),
        _text("OPPORTUNITY_DETAILS", 4000),
        _text(
            "OPPORTUNITY_STATE",
            20,
            choices=("OPEN", "ABANDONED", "LOST", "SUSPENDED", "WON"),
            default="OPEN",
            indexed=True,
        ),
        FieldSpec("PROBABILITY", Kind.INT, minimum=0, maximum=100),
        _text("BID_CURRENCY", 20),
        FieldSpec("BID_AMOUNT", Kind.DECIMAL),
        _text(
            "BID_TYPE",
            20,
            choices=("Fixed Bid", "Per Hour", "Per Day", "Per Week", "Per Month", "Per Year"),
        ),
        FieldSpec("BID_DURATION", Kind.INT, minimum=0),
        FieldSpec("OPPORTUNITY_VALUE", Kind.DECIMAL, read_only=True),
        FieldSpec("FORECAST_CLOSE_DATE", Kind.DATETIME),
        FieldSpec("ACTUAL_CLOSE_DATE", Kind.DATETIME),
        FieldSpec("CATEGORY_ID", Kind.INT, references="OpportunityCategory"),
        # v3.1: changed through PUT /Opportunities/{id}/Pricebook only (APIPricebookChange,
        # sterner-stuff/insightly-php @ cc858564 docs/Model/APIPricebookChange.md).
        FieldSpec("PRICEBOOK_ID", Kind.INT, read_only=True),
        # Changed through /Pipeline and /PipelineStage only (rolodex.services.pipelines).
        FieldSpec("PIPELINE_ID", Kind.INT, read_only=True),
        FieldSpec("STAGE_ID", Kind.INT, read_only=True),
        _user("RESPONSIBLE_USER_ID"),
        _OWNER,
        *_VISIBILITY_FIELDS,
        FieldSpec("ORGANISATION_ID", Kind.INT, references="Organisation", indexed=True),
        _text("IMAGE_URL", read_only=True),
        *_AUDIT_FIELDS,
        *_ACTIVITY_FIELDS,
        _CREATED_BY,
    ),
    features=_MAJOR_FEATURES | {Feature.PIPELINE, Feature.LINK_EMAIL_ADDRESS},
    rules=rules.opportunity,
    derived_fields=("OPPORTUNITY_VALUE",),
    history_field="OPPORTUNITY_STATE",
    # With a price book, the bid is the sum of the line items' TOTAL_PRICE in the book's
    # currency, and so is OPPORTUNITY_VALUE, whatever BID_AMOUNT a PUT sends (decision: the
    # issue's "takes its value from its line items"; a per-unit bid of products is not a thing).
    totals=Totals(
        lines="OpportunityLineItem",
        sums=(("BID_AMOUNT", "TOTAL_PRICE"), ("OPPORTUNITY_VALUE", "TOTAL_PRICE")),
        only_with="PRICEBOOK_ID",
        currency=("BID_CURRENCY", "PRICEBOOK_ID"),
    ),
)

PROJECTS = RecordType(
    collection="Projects",
    singular="Project",
    table="projects",
    id_field="PROJECT_ID",
    fields=(
        *_system_fields("PROJECT_ID"),
        _text("PROJECT_NAME", required=True, indexed=True),
        _text(
            "STATUS",
            20,
            required=True,
            choices=(
                "Abandoned",
                "Cancelled",
                "Completed",
                "Deferred",
                "In Progress",
                "Not Started",
            ),
        ),
        _text("PROJECT_DETAILS", 4000),
        FieldSpec("STARTED_DATE", Kind.DATETIME),
        FieldSpec("COMPLETED_DATE", Kind.DATETIME),
        FieldSpec("OPPORTUNITY_ID", Kind.INT, references="Opportunity"),
        FieldSpec("CATEGORY_ID", Kind.INT, references="ProjectCategory"),
        FieldSpec("PIPELINE_ID", Kind.INT, read_only=True),
        FieldSpec("STAGE_ID", Kind.INT, read_only=True),
        _user("RESPONSIBLE_USER_ID"),
        _OWNER,
        *_VISIBILITY_FIELDS,
        _text("IMAGE_URL", read_only=True),
        *_AUDIT_FIELDS,
        *_ACTIVITY_FIELDS,
        _CREATED_BY,
    ),
    features=_MAJOR_FEATURES | {Feature.PIPELINE, Feature.LINK_EMAIL_ADDRESS},
)

TASKS = RecordType(
    collection="Tasks",
    singular="Task",
    table="tasks",
    id_field="TASK_ID",
    fields=(
        *_system_fields("TASK_ID"),
        _text("TITLE", 500, required=True, indexed=True),
        FieldSpec("CATEGORY_ID", Kind.INT, references="TaskCategory"),
        FieldSpec("DUE_DATE", Kind.DATETIME),
        FieldSpec("START_DATE", Kind.DATETIME),
        FieldSpec("COMPLETED", Kind.BOOL, default=False),
        FieldSpec("COMPLETED_DATE_UTC", Kind.DATETIME, read_only=True),
        _text("DETAILS", 4000),
        _text(
            "STATUS",
            20,
            choices=("Completed", "Deferred", "In Progress", "Not Started", "Waiting"),
            default="Not Started",
        ),
        FieldSpec("PRIORITY", Kind.INT, minimum=1, maximum=3, default=2),
        FieldSpec("PERCENT_COMPLETE", Kind.INT, minimum=0, maximum=100, default=0),
        FieldSpec("MILESTONE_ID", Kind.INT),
        FieldSpec("PROJECT_ID", Kind.INT, references="Project", indexed=True),
        FieldSpec("OPPORTUNITY_ID", Kind.INT, references="Opportunity", indexed=True),
        FieldSpec("STAGE_ID", Kind.INT),
        _user("RESPONSIBLE_USER_ID"),
        _OWNER,
        _user("ASSIGNED_BY_USER_ID"),
        FieldSpec("ASSIGNED_TEAM_ID", Kind.INT, references="Team"),
        FieldSpec("ASSIGNED_DATE_UTC", Kind.DATETIME),
        FieldSpec("EMAIL_ID", Kind.INT),
        FieldSpec("PARENT_TASK_ID", Kind.INT, references="Task"),
        _text("RECURRENCE", 20),
        FieldSpec("REMINDER_DATE_UTC", Kind.DATETIME),
        FieldSpec("REMINDER_SENT", Kind.BOOL, default=False),
        # OWNER_VISIBLE: whether the owner of a task assigned to another is kept informed (v2.2's
        # description); PUBLICLY_VISIBLE: "True, if Task is visible to others" (PRIVATE_FLAG).
        FieldSpec("OWNER_VISIBLE", Kind.BOOL, default=True),
        FieldSpec("PUBLICLY_VISIBLE", Kind.BOOL, default=True),
        *_AUDIT_FIELDS,
        _CREATED_BY,
    ),
    features=frozenset(
        {
            Feature.CUSTOM_FIELDS,
            Feature.IMAGE_FIELDS,
            Feature.LINKS,
            Feature.FOLLOW,
            Feature.CREATE,
            Feature.WRITE,
            Feature.COMMENTS,
            Feature.PRIVATE_FLAG,
        }
    ),
    rules=rules.task,
    derived_fields=("COMPLETED_DATE_UTC",),
)

EVENTS = RecordType(
    collection="Events",
    singular="Event",
    table="events",
    id_field="EVENT_ID",
    fields=(
        *_system_fields("EVENT_ID"),
        _text("TITLE", indexed=True),
        _text("LOCATION"),
        FieldSpec("START_DATE_UTC", Kind.DATETIME, required=True, indexed=True),
        FieldSpec("END_DATE_UTC", Kind.DATETIME, required=True),
        FieldSpec("ALL_DAY", Kind.BOOL, default=False),
        _text("DETAILS", 4000),
        FieldSpec("REMINDER_DATE_UTC", Kind.DATETIME),
        FieldSpec("REMINDER_SENT", Kind.BOOL, default=False),
        _OWNER,
        *_AUDIT_FIELDS,
        _CREATED_BY,
        # v2.2's Event had PUBLICLY_VISIBLE (reference facts 2.9); kept in every version.
        FieldSpec("PUBLICLY_VISIBLE", Kind.BOOL, default=True),
    ),
    features=frozenset(
        {
            Feature.CUSTOM_FIELDS,
            Feature.IMAGE_FIELDS,
            Feature.LINKS,
            Feature.CREATE,
            Feature.WRITE,
            Feature.PRIVATE_FLAG,
        }
    ),
    rules=rules.event,
)

# Emails arrive only by import (rolodex.services.emails): the API reads and deletes them.
EMAILS = RecordType(
    collection="Emails",
    singular="Email",
    table="emails",
    id_field="EMAIL_ID",
    fields=(
        *_system_fields("EMAIL_ID"),
        _text("EMAIL_FROM", 500, indexed=True),
        _text("EMAIL_TO", 4000),
        _text("SUBJECT", 500, indexed=True),
        FieldSpec("EMAIL_DATE_UTC", Kind.DATETIME),
        _text("FORMAT", 5, choices=("text", "html")),
        FieldSpec("SIZE", Kind.INT, minimum=0),
        _text("BODY", 10_000_000),
        _OWNER,
        *_AUDIT_FIELDS,
        FieldSpec("QUEUED_SEND_DATE_UTC", Kind.DATETIME),
        _CREATED_BY,
    ),
    features=frozenset(
        {
            Feature.TAGS,
            Feature.LINKS,
            Feature.FOLLOW,
            Feature.DELETE,
            Feature.COMMENTS,
            Feature.FILE_ATTACHMENTS,  # from the imported message's attachments
        }
    ),
)

# Milestones are read at /Milestones and written under their project (owner_field).
MILESTONES = RecordType(
    collection="Milestones",
    singular="Milestone",
    table="milestones",
    id_field="MILESTONE_ID",
    fields=(
        *_system_fields("MILESTONE_ID"),
        _text("TITLE", 500, required=True, indexed=True),
        FieldSpec("COMPLETED", Kind.BOOL, required=True, default=False),
        FieldSpec("DUE_DATE", Kind.DATETIME, required=True),
        _OWNER,
        *_AUDIT_FIELDS,
        FieldSpec("COMPLETED_DATE_UTC", Kind.DATETIME, read_only=True),
        FieldSpec("PROJECT_ID", Kind.INT, required=True, references="Project", indexed=True),
        _user("RESPONSIBLE_USER"),  # sic: Insightly's name has no _ID
    ),
    rules=rules.task,  # COMPLETED_DATE_UTC as for a task
    derived_fields=("COMPLETED_DATE_UTC",),
    owner_fields=("PROJECT_ID",),
)

# Prospects (marketing). Insightly's v3.1 swagger types the Prospect body as a bare object
# (sterner-stuff/insightly-php @ cc858564 docs/Api/ProspectsApi.md: "FieldValues", no
# APIProspect model), so the fields come from the clients that read real prospects: the Go
# client's struct (leapforce-dev/lib-go-insightly Prospect.go) and Airbyte's recorded schema
# (airbytehq/airbyte airbyte-integrations/connectors/source-insightly/source_insightly/schemas/
# prospects.json @ 25aa6122). Neither gives lengths or required fields: a prospect is the
# marketing twin of a lead, so LAST_NAME is required and the lengths are a lead's (decision).
PROSPECTS = RecordType(
    collection="Prospect",
    singular="Prospect",
    table="prospects",
    id_field="PROSPECT_ID",
    fields=(
        *_system_fields("PROSPECT_ID"),
        # The lead, contact and organisation the prospect became or belongs to (must exist).
        FieldSpec("LEAD_ID", Kind.INT, references="Lead"),
        FieldSpec("CONTACT_ID", Kind.INT, references="Contact"),
        FieldSpec("ORGANISATION_ID", Kind.INT, references="Organisation", indexed=True),
        _text("SALUTATION", 50),
        _text("FIRST_NAME", indexed=True),
        _text("LAST_NAME", required=True, indexed=True),
        _text("TITLE"),
        _text("ORGANISATION_NAME", indexed=True),
        _text("EMAIL_ADDRESS", indexed=True),
        _text("PHONE"),
        _text("MOBILE"),
        _text("FAX"),
        _text("WEBSITE"),
        _text("ADDRESS_STREET"),
        _text("ADDRESS_CITY"),
        _text("ADDRESS_STATE"),
        _text("ADDRESS_POSTCODE", 128),
        _text("ADDRESS_COUNTRY"),
        _text("INDUSTRY", 128),
        FieldSpec("EMPLOYEE_COUNT", Kind.INT, minimum=0),
        FieldSpec("SCORE", Kind.INT),
        _text("GRADE", 20),
        _text("DESCRIPTION", 4000),
        FieldSpec("DO_NOT_EMAIL", Kind.BOOL, default=False),
        FieldSpec("DO_NOT_CALL", Kind.BOOL, default=False),
        FieldSpec("OPTED_OUT", Kind.BOOL, default=False),
        FieldSpec("DO_NOT_SYNC", Kind.BOOL, default=False),
        # Written by whoever converted the prospect (Rolodex has no prospect conversion of its
        # own, so an import from Insightly keeps it).
        FieldSpec("LEAD_CONVERSION_DATE_UTC", Kind.DATETIME),
        FieldSpec("GRADE_PROFILE_ID", Kind.INT, minimum=0),
        _OWNER,
        *_VISIBILITY_FIELDS,
        FieldSpec("LAST_ACTIVITY_DATE_UTC", Kind.DATETIME, read_only=True),
        *_AUDIT_FIELDS,
        _CREATED_BY,
    ),
    features=frozenset(
        {
            Feature.CUSTOM_FIELDS,
            Feature.IMAGE_FIELDS,
            Feature.TAGS,
            Feature.FOLLOW,
            Feature.CREATE,
            Feature.WRITE,
            Feature.VISIBILITY,
        }
    ),
)

# Tickets (service). The swagger types the Ticket body as a bare object (sterner-stuff/
# insightly-php @ cc858564 docs/Api/TicketsApi.md; its only ticket model is APITicketMerge,
# {TARGET_TICKET_NUMBER: int}), so the fields are those Airbyte reads from real tickets
# (airbytehq/airbyte .../source-insightly/source_insightly/schemas/tickets.json @ 23e2082c),
# less its TicketCommentBodyHtml (the conversation is at /Ticket/{id}/Comments). Lengths,
# required fields and the status values are decisions: a ticket is named by its SUBJECT.
TICKET_STATUSES = ("New", "Open", "Pending", "On Hold", "Solved", "Closed")
TICKETS = RecordType(
    collection="Ticket",
    singular="Ticket",
    table="tickets",
    id_field="TICKET_ID",
    fields=(
        *_system_fields("TICKET_ID"),
        _text("TICKET_NUMBER", 20, read_only=True, indexed=True),
        _text("SUBJECT", 500, required=True, indexed=True),
        _text("TICKET_TYPE"),
        _text("TICKET_STATUS", 20, choices=TICKET_STATUSES, default="New", indexed=True),
        _text("PRIORITY"),
        _text("SOURCE"),
        _text("TO_EMAIL_ADDRESS"),
        FieldSpec("CONTACT_ID", Kind.INT, references="Contact", indexed=True),
        FieldSpec("ORGANISATION_ID", Kind.INT, references="Organisation", indexed=True),
        _OWNER,
        FieldSpec("DATE_SOLVED_UTC", Kind.DATETIME, read_only=True),
        FieldSpec("DATE_CLOSED_UTC", Kind.DATETIME, read_only=True),
        *_AUDIT_FIELDS,
        _CREATED_BY,
    ),
    features=frozenset(
        {
            Feature.CUSTOM_FIELDS,
            Feature.IMAGE_FIELDS,
            Feature.TAGS,
            Feature.FOLLOW,
            Feature.CREATE,
            Feature.WRITE,
            Feature.COMMENTS,
        }
    ),
    rules=rules.ticket,
    derived_fields=("DATE_SOLVED_UTC", "DATE_CLOSED_UTC"),
    number_field="TICKET_NUMBER",
)

# Knowledge: categories hold folders, folders hold articles. The swagger types their bodies as
# bare objects (sterner-stuff/insightly-php @ cc858564 docs/Api/KnowledgeArticle*Api.md), so the
# fields are those Airbyte reads from real records (airbytehq/airbyte .../source-insightly/
# source_insightly/schemas/knowledge_article_categories.json, knowledge_article_folders.json @
# 25aa6122, knowledge_articles.json @ 21030f76). Categories and folders have no DELETE in v3.1.
# Lengths, required fields and the article statuses are decisions.
KNOWLEDGE_ARTICLE_CATEGORIES = RecordType(
    collection="KnowledgeArticleCategory",
    singular="KnowledgeArticleCategory",
    table="knowledge_article_categories",
    id_field="CATEGORY_ID",
    fields=(
        *_system_fields("CATEGORY_ID"),
        _text("CATEGORY_NAME", required=True, indexed=True),
        _text("DESCRIPTION", 4000),
        *_AUDIT_FIELDS,
        _CREATED_BY,
    ),
    features=frozenset({Feature.CREATE, Feature.UPDATE}),
)

KNOWLEDGE_ARTICLE_FOLDERS = RecordType(
    collection="KnowledgeArticleFolder",
    singular="KnowledgeArticleFolder",
    table="knowledge_article_folders",
    id_field="FOLDER_ID",
    fields=(
        *_system_fields("FOLDER_ID"),
        _text("FOLDER_NAME", required=True, indexed=True),
        # Airbyte's schema types it as text; it is the id of the folder's category (decision).
        FieldSpec(
            "CATEGORY_ID",
            Kind.INT,
            required=True,
            references="KnowledgeArticleCategory",
            indexed=True,
        ),
        _text("VISIBILITY", 50),
        _text("ORDER_ARTICLES", 50),
        *_AUDIT_FIELDS,
        _CREATED_BY,
    ),
    features=frozenset({Feature.CREATE, Feature.UPDATE}),
)

# Airbyte's names Status, Language, Title and Body are mixed case in Insightly's answers; Rolodex
# writes every key in upper case (contract section 3) and reads them in any case. ArticleVersion
# and ExternalLinkCount (kept by Insightly's portal) are left out (decision).
KNOWLEDGE_ARTICLE_STATUSES = ("Draft", "Published", "Archived")
KNOWLEDGE_ARTICLES = RecordType(
    collection="KnowledgeArticle",
    singular="KnowledgeArticle",
    table="knowledge_articles",
    id_field="ARTICLE_ID",
    fields=(
        *_system_fields("ARTICLE_ID"),
        FieldSpec("ARTICLE_NO", Kind.INT, read_only=True, indexed=True),
        _text("TITLE", required=True, indexed=True),
        # HTML, as long as a request body may be (the server's limit, ROLODEX_MAX_BODY_BYTES).
        FieldSpec("BODY", Kind.TEXT),
        _text("STATUS", 20, choices=KNOWLEDGE_ARTICLE_STATUSES, default="Draft", indexed=True),
        _text("LANGUAGE", 20),
        FieldSpec("CATEGORY_ID", Kind.INT, references="KnowledgeArticleCategory", indexed=True),
        FieldSpec("FOLDER_ID", Kind.INT, references="KnowledgeArticleFolder", indexed=True),
        _text("URL_SLUG"),
        FieldSpec("PROMOTED", Kind.BOOL, default=False),
        # Readers' votes on the portal, not the API's to write.
        FieldSpec("UPVOTE_COUNT", Kind.INT, read_only=True, default=0),
        FieldSpec("DOWNVOTE_COUNT", Kind.INT, read_only=True, default=0),
        FieldSpec("FIRST_PUBLISHED_DATE_UTC", Kind.DATETIME, read_only=True),
        FieldSpec("LAST_PUBLISHED_DATE_UTC", Kind.DATETIME, read_only=True),
        FieldSpec("ARCHIVED_DATE_UTC", Kind.DATETIME, read_only=True),
        _OWNER,
        *_AUDIT_FIELDS,
        _CREATED_BY,
    ),
    features=frozenset(
        {
            Feature.CUSTOM_FIELDS,
            Feature.IMAGE_FIELDS,
            Feature.TAGS,
            Feature.FOLLOW,
            Feature.CREATE,
            Feature.WRITE,
            Feature.TRANSLATIONS,
        }
    ),
    rules=rules.knowledge_article,
    derived_fields=("FIRST_PUBLISHED_DATE_UTC", "LAST_PUBLISHED_DATE_UTC", "ARCHIVED_DATE_UTC"),
    number_field="ARTICLE_NO",
)

# --- Sales catalogue (v3.1 only) -------------------------------------------------------------
# Products sit in price books through price book entries (a product's price in the book's
# currency); an opportunity with a price book and a quotation have line items, each priced
# from an entry of that book. The swagger types the Product, Pricebook and Quotation bodies as
# bare objects ("FieldValues": sterner-stuff/insightly-php @ cc858564 docs/Api/ProductsApi.md,
# PriceBooksApi.md, QuotesApi.md), so their fields are decisions named after Insightly's web
# app; the entry and line-item fields are the swagger's models (docs/Model/APIPricebookEntry.md,
# APIOpportunityLineItem.md, APIQuotationLineItem.md), required fields as there marked.
_CURRENCY = _text("CURRENCY_CODE", 3, pattern=r"^[A-Za-z]{3}$", example="USD")

PRODUCTS = RecordType(
    collection="Product",
    singular="Product",
    table="products",
    id_field="PRODUCT_ID",
    fields=(
        *_system_fields("PRODUCT_ID"),
        _text("PRODUCT_NAME", required=True, indexed=True),
        _text("PRODUCT_CODE", 100, indexed=True),
        _text("PRODUCT_SKU", 100, indexed=True),
        _text("DESCRIPTION", 4000),
        _text("PRODUCT_FAMILY"),
        # The price a price book entry with USE_STANDARD_PRICE starts from (decision).
        FieldSpec("DEFAULT_PRICE", Kind.DECIMAL, minimum=0),
        _CURRENCY,
        FieldSpec("ACTIVE", Kind.BOOL, default=True),
        _text("IMAGE_URL", 500, read_only=True),
        _OWNER,
        *_AUDIT_FIELDS,
        _CREATED_BY,
    ),
    # ProductsApi.md: Follow and Image, no Tags (and no DELETE of its entries but by /Product).
    features=frozenset(
        {
            Feature.CUSTOM_FIELDS,
            Feature.IMAGE_FIELDS,
            Feature.FOLLOW,
            Feature.CREATE,
            Feature.WRITE,
            Feature.IMAGE,
        }
    ),
)

# PriceBooksApi.md has no DELETE /Pricebook/{id}: a book is made inactive instead (ACTIVE).
PRICEBOOKS = RecordType(
    collection="Pricebook",
    singular="Pricebook",
    table="pricebooks",
    id_field="PRICEBOOK_ID",
    fields=(
        *_system_fields("PRICEBOOK_ID"),
        _text("NAME", required=True, indexed=True),
        _text("DESCRIPTION", 4000),
        # Every entry of the book is in this currency (rolodex.services.sales).
        replace(_CURRENCY, required=True),
        FieldSpec("ACTIVE", Kind.BOOL, default=True),
        _OWNER,
        *_AUDIT_FIELDS,
        _CREATED_BY,
    ),
    features=frozenset({Feature.CUSTOM_FIELDS, Feature.FOLLOW, Feature.CREATE, Feature.UPDATE}),
)

# APIPricebookEntry has neither PRODUCT_ID nor PRICEBOOK_ID (the path names one owner); Rolodex
# shows both, as an entry is read at /PricebookEntry too (decision). One entry per product in
# a book (decision); its CURRENCY_CODE is its book's (the issue; left out, it is the book's).
PRICEBOOK_ENTRIES = RecordType(
    collection="PricebookEntry",
    singular="PricebookEntry",
    table="pricebook_entries",
    id_field="PRICEBOOK_ENTRY_ID",
    fields=(
        *_system_fields("PRICEBOOK_ENTRY_ID"),
        FieldSpec("PRICEBOOK_ID", Kind.INT, required=True, references="Pricebook", indexed=True),
        FieldSpec("PRODUCT_ID", Kind.INT, required=True, references="Product", indexed=True),
        _CURRENCY,
        FieldSpec("PRICE", Kind.DECIMAL, required=True, minimum=0),
        FieldSpec("USE_STANDARD_PRICE", Kind.BOOL, default=False),
        FieldSpec("ACTIVE", Kind.BOOL, default=True),
        _CREATED_BY,
        *_AUDIT_FIELDS,
    ),
    features=frozenset({Feature.CUSTOM_FIELDS, Feature.IMAGE_FIELDS}),
    owner_fields=("PRODUCT_ID", "PRICEBOOK_ID"),
    currency_of="PRICEBOOK_ID",
)

# DISCOUNT is a percentage of the subtotal (decision: the swagger gives only a number).
_LINE_FIELDS = (
    FieldSpec(
        "PRICEBOOK_ENTRY_ID", Kind.INT, required=True, references="PricebookEntry", indexed=True
    ),
    _text("DESCRIPTION", 4000),
    # The entry's currency and price, copied when the line is priced (rolodex.services.sales).
    _text("CURRENCY_CODE", 3, read_only=True),
    FieldSpec("LIST_PRICE", Kind.DECIMAL, read_only=True),
    FieldSpec("UNIT_PRICE", Kind.DECIMAL, required=True, minimum=0),
    FieldSpec("QUANTITY", Kind.DECIMAL, required=True, minimum=0),
    FieldSpec("DISCOUNT", Kind.DECIMAL, default=0, minimum=0, maximum=100),
    FieldSpec("SUBTOTAL", Kind.DECIMAL, read_only=True),
    FieldSpec("TOTAL_PRICE", Kind.DECIMAL, read_only=True),
)

OPPORTUNITY_LINE_ITEMS = RecordType(
    collection="OpportunityLineItem",
    singular="OpportunityLineItem",
    table="opportunity_line_items",
    id_field="OPPORTUNITY_ITEM_ID",
    fields=(
        *_system_fields("OPPORTUNITY_ITEM_ID"),
        FieldSpec(
            "OPPORTUNITY_ID", Kind.INT, required=True, references="Opportunity", indexed=True
        ),
        *_LINE_FIELDS,
        FieldSpec("SERVICE_DATE", Kind.DATETIME),
        *_AUDIT_FIELDS,
    ),
    features=frozenset({Feature.CUSTOM_FIELDS, Feature.IMAGE_FIELDS}),
    rules=rules.line_item,
    derived_fields=("SUBTOTAL", "TOTAL_PRICE"),
    owner_fields=("OPPORTUNITY_ID",),
    audience_from="OPPORTUNITY_ID",
    priced_by="PRICEBOOK_ENTRY_ID",
)

QUOTATION_STATUSES = (
    "Draft",
    "Needs Review",
    "In Review",
    "Approved",
    "Rejected",
    "Presented",
    "Accepted",
    "Denied",
)
# A quotation is drawn from an opportunity and seen by whoever sees it (decision); its lines
# are priced from its own PRICEBOOK_ID (the opportunity's when left out).
QUOTATIONS = RecordType(
    collection="Quotation",
    singular="Quotation",
    table="quotations",
    id_field="QUOTATION_ID",
    fields=(
        *_system_fields("QUOTATION_ID"),
        _text("QUOTATION_NAME", required=True, indexed=True),
        _text("QUOTE_NUMBER", 20, read_only=True, indexed=True),
        FieldSpec(
            "OPPORTUNITY_ID", Kind.INT, required=True, references="Opportunity", indexed=True
        ),
        FieldSpec("PRICEBOOK_ID", Kind.INT, required=True, references="Pricebook"),
        FieldSpec("CONTACT_ID", Kind.INT, references="Contact"),
        FieldSpec("ORGANISATION_ID", Kind.INT, references="Organisation"),
        _text("QUOTATION_STATUS", 20, choices=QUOTATION_STATUSES, default="Draft", indexed=True),
        _text("QUOTATION_DESCRIPTION", 4000),
        FieldSpec("QUOTATION_EXPIRATION_DATE", Kind.DATETIME),
        _text("CURRENCY_CODE", 3, read_only=True),
        FieldSpec("SUBTOTAL", Kind.DECIMAL, read_only=True),
        FieldSpec("DISCOUNT", Kind.DECIMAL, read_only=True),
        FieldSpec("TOTAL_PRICE", Kind.DECIMAL, read_only=True),
        FieldSpec("TAX", Kind.DECIMAL, minimum=0),
        FieldSpec("SHIPPING_HANDLING", Kind.DECIMAL, minimum=0),
        FieldSpec("GRAND_TOTAL", Kind.DECIMAL, read_only=True),
        _OWNER,
        *_AUDIT_FIELDS,
        _CREATED_BY,
    ),
    features=frozenset(
        {Feature.CUSTOM_FIELDS, Feature.IMAGE_FIELDS, Feature.FOLLOW, Feature.CREATE, Feature.WRITE}
    ),
    number_field="QUOTE_NUMBER",
    audience_from="OPPORTUNITY_ID",
    # SUBTOTAL and TOTAL_PRICE sum the lines', DISCOUNT is what their discounts take off,
    # GRAND_TOTAL adds TAX and SHIPPING_HANDLING (decision: what a quote shows its customer).
    totals=Totals(
        lines="QuotationLineItem",
        sums=(("SUBTOTAL", "SUBTOTAL"), ("TOTAL_PRICE", "TOTAL_PRICE")),
        difference=("DISCOUNT", "SUBTOTAL", "TOTAL_PRICE"),
        grand=("GRAND_TOTAL", ("TOTAL_PRICE", "TAX", "SHIPPING_HANDLING")),
        currency=("CURRENCY_CODE", "PRICEBOOK_ID"),
    ),
)

# APIQuotationLineItem has no QUOTATION_ID (the path names the quotation); shown (decision).
QUOTATION_LINE_ITEMS = RecordType(
    collection="QuotationLineItem",
    singular="QuotationLineItem",
    table="quotation_line_items",
    id_field="QUOTATION_ITEM_ID",
    fields=(
        *_system_fields("QUOTATION_ITEM_ID"),
        FieldSpec("QUOTATION_ID", Kind.INT, required=True, references="Quotation", indexed=True),
        # The opportunity line the quote line was drawn from, if any (must be one of the
        # quotation's opportunity: rolodex.services.sales).
        FieldSpec("OPPORTUNITY_ITEM_ID", Kind.INT, references="OpportunityLineItem"),
        *_LINE_FIELDS,
        FieldSpec("SORT_ORDER", Kind.INT, minimum=0, maximum=2**31 - 1),
        *_AUDIT_FIELDS,
    ),
    features=frozenset({Feature.CUSTOM_FIELDS, Feature.IMAGE_FIELDS}),
    rules=rules.line_item,
    derived_fields=("SUBTOTAL", "TOTAL_PRICE"),
    owner_fields=("QUOTATION_ID",),
    audience_from="QUOTATION_ID",
    priced_by="PRICEBOOK_ENTRY_ID",
)

USERS = RecordType(
    collection="Users",
    singular="User",
    table="users",
    id_field="USER_ID",
    fields=(
        *_system_fields("USER_ID"),
        FieldSpec("CONTACT_ID", Kind.INT),
        _text("FIRST_NAME", indexed=True),
        _text("LAST_NAME", indexed=True),
        _text("TIMEZONE_ID", 255, default="UTC"),
        _text("EMAIL_ADDRESS", indexed=True),
        _text("EMAIL_DROPBOX_IDENTIFIER"),
        _text("EMAIL_DROPBOX_ADDRESS"),
        FieldSpec("ADMINISTRATOR", Kind.BOOL, default=False),
        FieldSpec("ACCOUNT_OWNER", Kind.BOOL, default=False),
        FieldSpec("ACTIVE", Kind.BOOL, default=True),
        *_AUDIT_FIELDS,
        _text("USER_CURRENCY", 3, default="USD"),
        _text("CONTACT_DISPLAY", 255, default="FIRST_LAST"),
        _text("CONTACT_ORDER", 255, default="FIRST_LAST"),
        FieldSpec("TASK_WEEK_START", Kind.INT, default=1),
        FieldSpec("INSTANCE_ID", Kind.INT, read_only=True),
        FieldSpec("PROFILE_ID", Kind.INT),
        FieldSpec("ROLE_ID", Kind.INT),
    ),
    features=frozenset(),
)

# Every record type the API serves, in the order the OpenAPI document lists them.
RECORD_TYPES: tuple[RecordType, ...] = (
    CONTACTS,
    ORGANISATIONS,
    LEADS,
    OPPORTUNITIES,
    PROJECTS,
    TASKS,
    EVENTS,
    NOTES,
    USERS,
    EMAILS,
    MILESTONES,
    PROSPECTS,
    TICKETS,
    KNOWLEDGE_ARTICLE_CATEGORIES,
    KNOWLEDGE_ARTICLE_FOLDERS,
    KNOWLEDGE_ARTICLES,
    PRODUCTS,
    PRICEBOOKS,
    PRICEBOOK_ENTRIES,
    OPPORTUNITY_LINE_ITEMS,
    QUOTATIONS,
    QUOTATION_LINE_ITEMS,
)

_BY_SINGULAR = {rt.singular.lower(): rt for rt in RECORD_TYPES}
_SETTINGS_BY_SINGULAR: dict[str, RecordType] = {}  # filled below the settings declarations
_BY_COLLECTION = {rt.collection.lower(): rt for rt in RECORD_TYPES}


def linkable_types() -> tuple[RecordType, ...]:
    """The record types that can be an end of a link."""
    return tuple(rt for rt in RECORD_TYPES if rt.has(Feature.LINKS))


def owned_types(owner: RecordType) -> tuple[RecordType, ...]:
    """The record types whose records belong to a record of `owner` (Projects: Milestones)."""
    return tuple(rt for rt in RECORD_TYPES if owner_field_of(rt, owner) is not None)


def owner_field_of(rt: RecordType, owner: RecordType) -> str | None:
    """The field of `rt` that names its `owner` record, if a record of `owner` owns it."""
    for name in rt.owner_fields:
        spec = rt.field_named(name)
        if spec is not None and spec.references == owner.singular:
            return name
    return None


def resolve_object_name(name: str) -> RecordType | None:
    """A record type from an object name as clients write it: singular or plural, any case.

    A custom object name (`Foo__c`) gives its type as written; whether the caller's instance has
    such an object, and its exact spelling, are the services' to check.
    """
    key = name.strip().lower()
    if is_custom_object_name(name.strip()):
        return custom_object_type(name.strip(), canonical=False)
    return _BY_SINGULAR.get(key) or _BY_COLLECTION.get(key)


def by_singular(name: str) -> RecordType:
    """The record type with this exact singular name (internal use; names come from here)."""
    if is_custom_object_name(name):
        return custom_object_type(name)
    key = name.lower()
    return _BY_SINGULAR.get(key) or _SETTINGS_BY_SINGULAR[key]


# --- How people see a record ----------------------------------------------------------------
# The web pages and the CTI API (lookup matches, screen pops) name records and point at their
# pages the same way.


# A record form's sections, by field-name prefix (the first that matches wins); within its
# section a field is labelled by the rest of its name: ADDRESS_MAIL_STREET is "Street" under
# "Mailing address". Fields no prefix names are the type's "Details".
FIELD_SECTIONS = (
    ("ADDRESS_MAIL_", "Mailing address"),
    ("ADDRESS_OTHER_", "Other address"),
    ("ADDRESS_BILLING_", "Billing address"),
    ("ADDRESS_SHIP_", "Shipping address"),
    ("ADDRESS_", "Address"),
    ("SOCIAL_", "Social profiles"),
)
# Fields of their own section that keep their whole name as label.
_SECTION_OF_FIELD = {
    **dict.fromkeys(
        ("EMAIL_ADDRESS", "EMAIL", "PHONE", "PHONE_HOME", "PHONE_MOBILE", "PHONE_OTHER"),
        "Phone and e-mail",
    ),
    **dict.fromkeys(
        ("PHONE_ASSISTANT", "PHONE_FAX", "FAX", "MOBILE", "WEBSITE"), "Phone and e-mail"
    ),
    **dict.fromkeys(
        ("OWNER_USER_ID", "VISIBLE_TO", "VISIBLE_TEAM_ID", "VISIBLE_USER_IDS"),
        "Owner and visibility",
    ),
}
DETAILS_SECTION = "Details"
# Words that a field name spells otherwise than people do, and whole labels that read better.
_WORDS = {"LINKEDIN": "LinkedIn", "EMAIL": "e-mail", "URL": "URL", "ID": "ID"}
_LABELS = {
    "EMAIL_ADDRESS": "E-mail address",
    "EMAIL": "E-mail address",
    "PHONE_HOME": "Home phone",
    "PHONE_MOBILE": "Mobile phone",
    "PHONE_OTHER": "Other phone",
    "PHONE_ASSISTANT": "Assistant's phone",
    "PHONE_FAX": "Fax",
    "SOCIAL_TWITTER": "X (Twitter)",
    "OWNER_USER_ID": "Owner",
    "CREATED_USER_ID": "Created by",
    "RESPONSIBLE_USER_ID": "Responsible user",
    "VISIBLE_TEAM_ID": "Visible to team",
    "VISIBLE_USER_IDS": "Visible to users",
    "DATE_OF_BIRTH": "Date of birth",
}


def field_section(name: str) -> str:
    """The section of a record form that a field belongs to (FIELD_SECTIONS)."""
    if name in _SECTION_OF_FIELD:
        return _SECTION_OF_FIELD[name]
    for prefix, section in FIELD_SECTIONS:
        if name.startswith(prefix):
            return section
    return DETAILS_SECTION


def field_words(name: str) -> str:
    """A field's label for people, within its section: FIRST_NAME -> "First name",
    ADDRESS_MAIL_STREET -> "Street", SOCIAL_LINKEDIN -> "LinkedIn", ORGANISATION_ID ->
    "Organisation" (a reference), DATE_UPDATED_UTC -> "Date updated (UTC)"."""
    if name in _LABELS:
        return _LABELS[name]
    for prefix, _ in FIELD_SECTIONS:
        if name.startswith(prefix) and name != prefix:
            name = name.removeprefix(prefix)
            break
    words = name.split("_")
    utc = words[-1] == "UTC"
    if utc:
        words = words[:-1]
    if len(words) > 1 and words[-1] == "ID":
        words = words[:-1]
    spelt = [_WORDS.get(word, word.lower()) for word in words]
    text = " ".join(spelt)
    text = text[:1].upper() + text[1:]
    return f"{text} (UTC)" if utc else text


@cache  # asked for every row of a list
def name_fields(rt: RecordType) -> tuple[str, ...]:
    """The fields that name a record: the first run of indexed text fields called *NAME, *TITLE
    or *SUBJECT (FIRST_NAME and LAST_NAME; SUBJECT), else the first required text field."""
    run: list[str] = []
    for spec in rt.fields:
        naming = (
            spec.kind is Kind.TEXT
            and spec.indexed
            and not spec.read_only
            and spec.name.endswith(("NAME", "TITLE", "SUBJECT"))
        )
        if naming:
            run.append(spec.name)
        elif run:
            break
    if run:
        return tuple(run)
    first = next((s.name for s in rt.fields if s.kind is Kind.TEXT and s.required), None)
    return (first,) if first else ()


def record_name(rt: RecordType, record: Mapping[str, Any], type_label: str | None = None) -> str:
    """A record's name for people ("Ada Lovelace"), or its type and id when it has none."""
    parts = [str(record.get(name) or "").strip() for name in name_fields(rt)]
    text = " ".join(part for part in parts if part)
    return text or f"{type_label or rt.singular} {record.get(rt.id_field)}"


def record_url(object_name: str, record_id: int) -> str:
    """The path of a record's page in the web application (what a CTI screen pop opens)."""
    return f"/records/{object_name}/{record_id}"


# --- Custom objects --------------------------------------------------------------------------
# Every custom object has the same scalar fields; everything of its own is in CUSTOMFIELDS.

# Letters, digits and _, ending in __c (in any case: paths match case-insensitively).
CUSTOM_OBJECT_NAME_PATTERN = r"[A-Za-z][A-Za-z0-9_]{0,60}__[cC]"
_CUSTOM_OBJECT_NAME = re.compile(f"^{CUSTOM_OBJECT_NAME_PATTERN}$")

CUSTOM_OBJECT_RECORDS = RecordType(
    collection="CustomObjectRecords",
    singular="CustomObjectRecord",
    table="custom_object_records",
    id_field="RECORD_ID",
    fields=(
        *_system_fields("RECORD_ID"),
        _text("RECORD_NAME", required=True, indexed=True),
        _OWNER,
        *_VISIBILITY_FIELDS,
        *_AUDIT_FIELDS,
        _CREATED_BY,
    ),
    features=frozenset(
        {
            Feature.CUSTOM_FIELDS,
            Feature.TAGS,
            Feature.LINKS,
            Feature.NOTES,
            Feature.FOLLOW,
            Feature.CREATE,
            Feature.WRITE,
            Feature.FILE_ATTACHMENTS,
            Feature.VISIBILITY,
            Feature.TRANSLATIONS,
        }
    ),
    custom_object=True,
)


def is_custom_object_name(name: str) -> bool:
    """Whether `name` has the form of a custom object name (letters, digits, _, then __c)."""
    return bool(_CUSTOM_OBJECT_NAME.match(name))


def custom_object_type(name: str, canonical: bool = True) -> RecordType:
    """The record type of the custom object `name`. With canonical=False (a name as a client
    wrote it), a fresh type that nothing may cache on; else one shared type per name."""
    if not canonical:
        return _custom_type(name)
    return _canonical_custom_type(name)


@cache
def _canonical_custom_type(name: str) -> RecordType:
    return _custom_type(name)


def _custom_type(name: str) -> RecordType:
    return replace(CUSTOM_OBJECT_RECORDS, collection=name, singular=name)


# --- Settings collections --------------------------------------------------------------------
# Per-instance lists that records point to (lead sources, categories, pipelines, ...). They go
# through the same engine as records but have no search, tags or links; only admins change them
# (rolodex.services.settings), and a new instance starts with defaults (rolodex.domain.defaults).

_SETTINGS_WRITE = frozenset({Feature.CREATE, Feature.WRITE})
_HEX_COLOUR = r"^[0-9A-Fa-f]{6}$"


def _order(name: str, minimum: int = 0) -> FieldSpec:
    """A display-order number."""
    return FieldSpec(name, Kind.INT, minimum=minimum, maximum=2**31 - 1)


LEAD_SOURCES = RecordType(
    collection="LeadSources",
    singular="LeadSource",
    table="lead_sources",
    id_field="LEAD_SOURCE_ID",
    fields=(
        *_system_fields("LEAD_SOURCE_ID"),
        _text("LEAD_SOURCE", required=True),
        FieldSpec("DEFAULT_VALUE", Kind.BOOL, default=False),
        _order("FIELD_ORDER"),
    ),
    features=_SETTINGS_WRITE,
    default_flag="DEFAULT_VALUE",
)

# STATUS_TYPE 1 open, 2 closed, 3 converted (decision). GET hides the converted statuses unless
# include_converted=true, as Insightly hides its converted status.
LEAD_STATUS_CONVERTED = 3
LEAD_STATUSES = RecordType(
    collection="LeadStatuses",
    singular="LeadStatus",
    table="lead_statuses",
    id_field="LEAD_STATUS_ID",
    fields=(
        *_system_fields("LEAD_STATUS_ID"),
        _text("LEAD_STATUS", required=True),
        FieldSpec("DEFAULT_STATUS", Kind.BOOL, default=False),
        FieldSpec("STATUS_TYPE", Kind.INT, minimum=1, maximum=3, default=1),
        _order("FIELD_ORDER"),
    ),
    features=_SETTINGS_WRITE,
    default_flag="DEFAULT_STATUS",
)


def _categories(collection: str, singular: str, table: str) -> RecordType:
    return RecordType(
        collection=collection,
        singular=singular,
        table=table,
        id_field="CATEGORY_ID",
        fields=(
            *_system_fields("CATEGORY_ID"),
            _text("CATEGORY_NAME", required=True),
            FieldSpec("ACTIVE", Kind.BOOL, default=True),
            _text("BACKGROUND_COLOR", 6, required=True, pattern=_HEX_COLOUR, example="4A90D9"),
        ),
        features=_SETTINGS_WRITE,
        active_flag="ACTIVE",
    )


FILE_CATEGORIES = _categories("FileCategories", "FileCategory", "file_categories")
OPPORTUNITY_CATEGORIES = _categories(
    "OpportunityCategories", "OpportunityCategory", "opportunity_categories"
)
PROJECT_CATEGORIES = _categories("ProjectCategories", "ProjectCategory", "project_categories")
TASK_CATEGORIES = _categories("TaskCategories", "TaskCategory", "task_categories")

# Read-only over the API, as in Insightly: admins manage pipelines with `rolodex pipelines ...`.
PIPELINES = RecordType(
    collection="Pipelines",
    singular="Pipeline",
    table="pipelines",
    id_field="PIPELINE_ID",
    fields=(
        *_system_fields("PIPELINE_ID"),
        _text("PIPELINE_NAME", required=True),
        FieldSpec("FOR_OPPORTUNITIES", Kind.BOOL, default=False),
        FieldSpec("FOR_PROJECTS", Kind.BOOL, default=False),
        _OWNER,
    ),
)

PIPELINE_STAGES = RecordType(
    collection="PipelineStages",
    singular="PipelineStage",
    table="pipeline_stages",
    id_field="STAGE_ID",
    fields=(
        *_system_fields("STAGE_ID"),
        FieldSpec("PIPELINE_ID", Kind.INT, required=True, references="Pipeline", indexed=True),
        _text("STAGE_NAME", required=True),
        _order("STAGE_ORDER", 1),
        FieldSpec("ACTIVITYSET_ID", Kind.INT),
        _OWNER,
    ),
)

OPPORTUNITY_STATES = ("OPEN", "ABANDONED", "LOST", "SUSPENDED", "WON")
OPPORTUNITY_STATE_REASONS = RecordType(
    collection="OpportunityStateReasons",
    singular="OpportunityStateReason",
    table="opportunity_state_reasons",
    id_field="STATE_REASON_ID",
    fields=(
        *_system_fields("STATE_REASON_ID"),
        _text("STATE_REASON", required=True),
        _text("FOR_OPPORTUNITY_STATE", 20, required=True, choices=OPPORTUNITY_STATES),
    ),
)

RELATIONSHIPS = RecordType(
    collection="Relationships",
    singular="Relationship",
    table="relationships",
    id_field="RELATIONSHIP_ID",
    fields=(
        *_system_fields("RELATIONSHIP_ID"),
        _text("FORWARD_TITLE", required=True),
        _text("FORWARD", required=True),
        _text("REVERSE_TITLE", required=True),
        _text("REVERSE", required=True),
        FieldSpec("FOR_CONTACTS", Kind.BOOL, default=False),
        FieldSpec("FOR_ORGANISATIONS", Kind.BOOL, default=False),
    ),
)

SETTINGS_TYPES: tuple[RecordType, ...] = (
    LEAD_SOURCES,
    LEAD_STATUSES,
    FILE_CATEGORIES,
    OPPORTUNITY_CATEGORIES,
    PROJECT_CATEGORIES,
    TASK_CATEGORIES,
    PIPELINES,
    PIPELINE_STAGES,
    OPPORTUNITY_STATE_REASONS,
    RELATIONSHIPS,
)
_SETTINGS_BY_SINGULAR.update({rt.singular.lower(): rt for rt in SETTINGS_TYPES})

# --- Types with routes of their own ----------------------------------------------------------
# Teams (rolodex.services.teams) and activity sets (rolodex.services.activity_sets) take their
# scalar fields and tables from here, but their routes and nested arrays (TEAMMEMBERS,
# ACTIVITIES) are hand-written. Only admins change teams; activity sets change only by CLI.

TEAMS = RecordType(
    collection="Teams",
    singular="Team",
    table="teams",
    id_field="TEAM_ID",
    fields=(
        *_system_fields("TEAM_ID"),
        _text("TEAM_NAME", required=True),
        FieldSpec("ANONYMOUS_TEAM", Kind.BOOL, default=False),
        *_AUDIT_FIELDS,
    ),
    features=_SETTINGS_WRITE,
)

ACTIVITY_SETS = RecordType(
    collection="ActivitySets",
    singular="ActivitySet",
    table="activity_sets",
    id_field="ACTIVITYSET_ID",
    fields=(
        *_system_fields("ACTIVITYSET_ID"),
        _text("NAME", required=True),
        FieldSpec("FOR_CONTACTS", Kind.BOOL, default=False),
        FieldSpec("FOR_ORGANISATIONS", Kind.BOOL, default=False),
        FieldSpec("FOR_OPPORTUNITIES", Kind.BOOL, default=False),
        FieldSpec("FOR_PROJECTS", Kind.BOOL, default=False),
        FieldSpec("FOR_LEADS", Kind.BOOL, default=False),
        _OWNER,
    ),
)

OWN_ROUTE_TYPES: tuple[RecordType, ...] = (TEAMS, ACTIVITY_SETS)
_SETTINGS_BY_SINGULAR.update({rt.singular.lower(): rt for rt in OWN_ROUTE_TYPES})
