"""The record types the SDK knows, mirroring rolodex.domain.registry (a test keeps them equal).

Kept as plain data here so that the SDK does not need the server's packages.
"""

from dataclasses import dataclass, field

_MAJOR = frozenset(
    {"create", "custom_fields", "file_attachments", "follow", "links", "notes", "tags", "write"}
)

_ACTIVITY = frozenset({"create", "custom_fields", "links", "write"})


@dataclass(frozen=True)
class ObjectType:
    """A record type as the API shows it: its path, link name, id field and features."""

    collection: str
    singular: str
    id_field: str
    features: frozenset[str] = field(default_factory=frozenset)

    def has(self, feature: str) -> bool:
        return feature in self.features

    @property
    def deletable(self) -> bool:
        """Whether its records can be deleted (and so have a Deleted feed on Rolodex)."""
        return self.has("write") or self.has("delete")


OBJECT_TYPES: tuple[ObjectType, ...] = (
    ObjectType("Contacts", "Contact", "CONTACT_ID", _MAJOR),
    ObjectType("Organisations", "Organisation", "ORGANISATION_ID", _MAJOR),
    ObjectType("Leads", "Lead", "LEAD_ID", _MAJOR),
    ObjectType("Opportunities", "Opportunity", "OPPORTUNITY_ID", _MAJOR),
    ObjectType("Projects", "Project", "PROJECT_ID", _MAJOR),
    ObjectType("Tasks", "Task", "TASK_ID", _ACTIVITY | {"follow"}),
    ObjectType("Events", "Event", "EVENT_ID", _ACTIVITY),
    ObjectType(
        "Notes", "Note", "NOTE_ID", frozenset({"file_attachments", "follow", "links", "write"})
    ),
    ObjectType("Users", "User", "USER_ID"),
    ObjectType(
        "Emails",
        "Email",
        "EMAIL_ID",
        frozenset({"delete", "file_attachments", "follow", "links", "tags"}),
    ),
    ObjectType("Milestones", "Milestone", "MILESTONE_ID"),
)

CUSTOM_OBJECT_FEATURES = frozenset(
    {"create", "custom_fields", "file_attachments", "follow", "links", "notes", "tags", "write"}
)


def custom_object(name: str) -> ObjectType:
    """The type of the custom object `name` (Foo__c): its records are at /v3.1/Foo__c."""
    if not name.lower().endswith("__c"):
        raise ValueError(f"'{name}' is not a custom object name (it must end in __c)")
    return ObjectType(name, name, "RECORD_ID", CUSTOM_OBJECT_FEATURES)


def object_type(name: str) -> ObjectType:
    """A type by collection or singular name, any case; custom objects by their __c name."""
    key = name.strip().lower()
    for candidate in OBJECT_TYPES:
        if key in (candidate.collection.lower(), candidate.singular.lower()):
            return candidate
    if key.endswith("__c"):
        return custom_object(name.strip())
    known = ", ".join(t.collection for t in OBJECT_TYPES)
    raise ValueError(f"unknown object '{name}'; use one of {known}, or a custom object Foo__c")
