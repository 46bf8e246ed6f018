"""Activity sets on the wire: the set file of `rolodex activity-sets create`, the body of
POST /{Coll}/{id}/ActivitySetAssignment, and the documented shapes of ActivitySet and Activity.
"""

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from rolodex.wire.records import WireBool, WireDatetime, WireInt, WireModel, whole_number

ACTIVITY_TYPES = ("Task", "Event")
_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
_MAX_DAYS = 3650


def _activity_type(value: Any) -> Any:
    if isinstance(value, str):
        for choice in ACTIVITY_TYPES:
            if value.strip().lower() == choice.lower():
                return choice
        raise ValueError("must be Task or Event")
    return value


ActivityType = Annotated[
    str,
    BeforeValidator(_activity_type),
    WithJsonSchema({"type": "string", "enum": list(ACTIVITY_TYPES), "description": "Any case"}),
]
TimeOfDay = Annotated[str, Field(pattern=_TIME_PATTERN, description="HH:mm (UTC)")]
Days = whole_number(0, _MAX_DAYS)
Minutes = whole_number(1, 60 * 24 * 31)


class ActivityIn(WireModel):
    """One activity of a set file."""

    ACTIVITY_NAME: str = Field(min_length=1, max_length=255, pattern=r"\S")
    ACTIVITY_DETAILS: str | None = Field(default=None, max_length=4000)
    ACTIVITY_TYPE: ActivityType
    CATEGORY_ID: WireInt | None = None  # tasks: a TaskCategory
    RESPONSIBLE_USER_ID: WireInt | None = None
    ASSIGNED_TEAM_ID: WireInt | None = None  # tasks
    OWNER_VISIBLE: WireBool = True  # tasks
    PUBLICLY_VISIBLE: WireBool = True  # tasks
    REMINDER: WireBool = False
    REMINDER_DAYS_BEFORE_DUE: Days | None = None  # type: ignore[valid-type]
    REMINDER_TIME: TimeOfDay | None = None
    DUE_DAYS_AFTER_START: Days | None = None  # type: ignore[valid-type]
    EVENT_DAYS_AFTER_START: Days | None = None  # type: ignore[valid-type]
    EVENT_TIME: TimeOfDay | None = None
    ALL_DAY: WireBool = False  # events
    DURATION: Minutes | None = None  # type: ignore[valid-type]
    SKIP_SAT: WireBool = False
    SKIP_SUN: WireBool = False


class ActivitySetIn(WireModel):
    """A set file: the set and its activities, in the wire shape of GET /ActivitySets/{id}."""

    NAME: str = Field(min_length=1, max_length=255, pattern=r"\S")
    FOR_CONTACTS: WireBool = False
    FOR_ORGANISATIONS: WireBool = False
    FOR_OPPORTUNITIES: WireBool = False
    FOR_PROJECTS: WireBool = False
    FOR_LEADS: WireBool = False
    OWNER_USER_ID: WireInt | None = None
    ACTIVITIES: list[ActivityIn] = []


class ActivityAssignmentIn(WireModel):
    ACTIVITY_ID: WireInt
    RESPONSIBLE_USER_ID: WireInt | None = None
    ASSIGNED_TEAM_ID: WireInt | None = None


class ActivitySetAssignmentIn(WireModel):
    """POST /{Coll}/{id}/ActivitySetAssignment."""

    ACTIVITYSET_ID: WireInt
    START_DATE: WireDatetime
    END_DATE: WireDatetime | None = None
    ACTIVITY_ASSIGNMENTS: list[ActivityAssignmentIn] | None = None


class Activity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ACTIVITY_ID: int
    ACTIVITYSET_ID: int
    ACTIVITY_NAME: str
    ACTIVITY_DETAILS: str | None
    ACTIVITY_TYPE: str
    CATEGORY_ID: int | None
    RESPONSIBLE_USER_ID: int | None
    ASSIGNED_TEAM_ID: int | None
    OWNER_VISIBLE: bool
    PUBLICLY_VISIBLE: bool
    REMINDER: bool
    REMINDER_DAYS_BEFORE_DUE: int | None
    REMINDER_TIME: str | None
    DUE_DAYS_AFTER_START: int | None
    EVENT_DAYS_AFTER_START: int | None
    EVENT_TIME: str | None
    ALL_DAY: bool
    DURATION: int | None
    SKIP_SAT: bool
    SKIP_SUN: bool


class ActivitySet(BaseModel):
    """An activity set as sent; `brief=true` leaves ACTIVITIES out."""

    model_config = ConfigDict(extra="forbid")

    ACTIVITYSET_ID: int
    NAME: str | None
    FOR_CONTACTS: bool | None
    FOR_ORGANISATIONS: bool | None
    FOR_OPPORTUNITIES: bool | None
    FOR_PROJECTS: bool | None
    FOR_LEADS: bool | None
    OWNER_USER_ID: int | None
    ACTIVITIES: list[Activity] | None = None


# The activity columns, by wire name, in the order GET shows them.
ACTIVITY_FIELDS = tuple(name for name in Activity.model_fields if name != "ACTIVITYSET_ID")


def doc_models() -> list[type[BaseModel]]:
    """The models the OpenAPI document names."""
    return [Activity, ActivitySet, ActivityAssignmentIn, ActivitySetAssignmentIn]
