"""Typed records per record type, GENERATED from rolodex.domain.registry: do not edit.

Regenerate with `python -m rolodex.wire.client_models`. Each class is a dict (every key the
server sends is kept) whose declared fields also read as typed attributes (see record.py).
"""

from rolodex.client.record import CustomField, DateItem, EmailDomain, Link, Tag, WireRecord


class Contact(WireRecord):
    """A record of Contacts."""

    __slots__ = ()
    CONTACT_ID: int
    SALUTATION: str | None
    FIRST_NAME: str | None
    LAST_NAME: str | None
    TITLE: str | None
    BACKGROUND: str | None
    IMAGE_URL: str | None
    OWNER_USER_ID: int | None
    ORGANISATION_ID: int | None
    EMAIL_ADDRESS: str | None
    PHONE: str | None
    PHONE_HOME: str | None
    PHONE_MOBILE: str | None
    PHONE_OTHER: str | None
    PHONE_ASSISTANT: str | None
    PHONE_FAX: str | None
    ASSISTANT_NAME: str | None
    SOCIAL_LINKEDIN: str | None
    SOCIAL_FACEBOOK: str | None
    SOCIAL_TWITTER: str | None
    DATE_OF_BIRTH: str | None
    ADDRESS_MAIL_STREET: str | None
    ADDRESS_MAIL_CITY: str | None
    ADDRESS_MAIL_STATE: str | None
    ADDRESS_MAIL_POSTCODE: str | None
    ADDRESS_MAIL_COUNTRY: str | None
    ADDRESS_OTHER_STREET: str | None
    ADDRESS_OTHER_CITY: str | None
    ADDRESS_OTHER_STATE: str | None
    ADDRESS_OTHER_POSTCODE: str | None
    ADDRESS_OTHER_COUNTRY: str | None
    EMAIL_OPTED_OUT: bool | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    LAST_ACTIVITY_DATE_UTC: str | None
    NEXT_ACTIVITY_DATE_UTC: str | None
    CREATED_USER_ID: int | None
    CUSTOMFIELDS: list[CustomField]
    TAGS: list[Tag]
    DATES: list[DateItem]
    LINKS: list[Link]


class Organisation(WireRecord):
    """A record of Organisations."""

    __slots__ = ()
    ORGANISATION_ID: int
    ORGANISATION_NAME: str | None
    BACKGROUND: str | None
    IMAGE_URL: str | None
    OWNER_USER_ID: int | None
    PHONE: str | None
    PHONE_FAX: str | None
    WEBSITE: str | None
    ADDRESS_BILLING_STREET: str | None
    ADDRESS_BILLING_CITY: str | None
    ADDRESS_BILLING_STATE: str | None
    ADDRESS_BILLING_COUNTRY: str | None
    ADDRESS_BILLING_POSTCODE: str | None
    ADDRESS_SHIP_STREET: str | None
    ADDRESS_SHIP_CITY: str | None
    ADDRESS_SHIP_STATE: str | None
    ADDRESS_SHIP_POSTCODE: str | None
    ADDRESS_SHIP_COUNTRY: str | None
    SOCIAL_LINKEDIN: str | None
    SOCIAL_FACEBOOK: str | None
    SOCIAL_TWITTER: str | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    LAST_ACTIVITY_DATE_UTC: str | None
    NEXT_ACTIVITY_DATE_UTC: str | None
    CREATED_USER_ID: int | None
    CUSTOMFIELDS: list[CustomField]
    TAGS: list[Tag]
    DATES: list[DateItem]
    EMAILDOMAINS: list[EmailDomain]
    LINKS: list[Link]


class Lead(WireRecord):
    """A record of Leads."""

    __slots__ = ()
    LEAD_ID: int
    SALUTATION: str | None
    FIRST_NAME: str | None
    LAST_NAME: str | None
    TITLE: str | None
    ORGANISATION_NAME: str | None
    EMAIL: str | None
    PHONE: str | None
    MOBILE: str | None
    FAX: str | None
    WEBSITE: str | None
    INDUSTRY: str | None
    EMPLOYEE_COUNT: int | None
    LEAD_RATING: int | None
    LEAD_DESCRIPTION: str | None
    LEAD_SOURCE_ID: int | None
    LEAD_STATUS_ID: int | None
    RESPONSIBLE_USER_ID: int | None
    OWNER_USER_ID: int | None
    ADDRESS_STREET: str | None
    ADDRESS_CITY: str | None
    ADDRESS_STATE: str | None
    ADDRESS_POSTCODE: str | None
    ADDRESS_COUNTRY: str | None
    CONVERTED: bool | None
    CONVERTED_DATE_UTC: str | None
    CONVERTED_CONTACT_ID: int | None
    CONVERTED_ORGANISATION_ID: int | None
    CONVERTED_OPPORTUNITY_ID: int | None
    EMAIL_OPTED_OUT: bool | None
    IMAGE_URL: str | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    LAST_ACTIVITY_DATE_UTC: str | None
    NEXT_ACTIVITY_DATE_UTC: str | None
    CREATED_USER_ID: int | None
    CUSTOMFIELDS: list[CustomField]
    TAGS: list[Tag]
    LINKS: list[Link]


class Opportunity(WireRecord):
    """A record of Opportunities."""

    __slots__ = ()
    OPPORTUNITY_ID: int
    OPPORTUNITY_NAME: str | None
    OPPORTUNITY_DETAILS: str | None
    OPPORTUNITY_STATE: str | None
    PROBABILITY: int | None
    BID_CURRENCY: str | None
    BID_AMOUNT: float | None
    BID_TYPE: str | None
    BID_DURATION: int | None
    OPPORTUNITY_VALUE: float | None
    FORECAST_CLOSE_DATE: str | None
    ACTUAL_CLOSE_DATE: str | None
    CATEGORY_ID: int | None
    PIPELINE_ID: int | None
    STAGE_ID: int | None
    RESPONSIBLE_USER_ID: int | None
    OWNER_USER_ID: int | None
    ORGANISATION_ID: int | None
    IMAGE_URL: str | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    LAST_ACTIVITY_DATE_UTC: str | None
    NEXT_ACTIVITY_DATE_UTC: str | None
    CREATED_USER_ID: int | None
    CUSTOMFIELDS: list[CustomField]
    TAGS: list[Tag]
    LINKS: list[Link]


class Project(WireRecord):
    """A record of Projects."""

    __slots__ = ()
    PROJECT_ID: int
    PROJECT_NAME: str | None
    STATUS: str | None
    PROJECT_DETAILS: str | None
    STARTED_DATE: str | None
    COMPLETED_DATE: str | None
    OPPORTUNITY_ID: int | None
    CATEGORY_ID: int | None
    PIPELINE_ID: int | None
    STAGE_ID: int | None
    RESPONSIBLE_USER_ID: int | None
    OWNER_USER_ID: int | None
    IMAGE_URL: str | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    LAST_ACTIVITY_DATE_UTC: str | None
    NEXT_ACTIVITY_DATE_UTC: str | None
    CREATED_USER_ID: int | None
    CUSTOMFIELDS: list[CustomField]
    TAGS: list[Tag]
    LINKS: list[Link]


class Task(WireRecord):
    """A record of Tasks."""

    __slots__ = ()
    TASK_ID: int
    TITLE: str | None
    CATEGORY_ID: int | None
    DUE_DATE: str | None
    START_DATE: str | None
    COMPLETED: bool | None
    COMPLETED_DATE_UTC: str | None
    DETAILS: str | None
    STATUS: str | None
    PRIORITY: int | None
    PERCENT_COMPLETE: int | None
    MILESTONE_ID: int | None
    PROJECT_ID: int | None
    OPPORTUNITY_ID: int | None
    STAGE_ID: int | None
    RESPONSIBLE_USER_ID: int | None
    OWNER_USER_ID: int | None
    ASSIGNED_BY_USER_ID: int | None
    ASSIGNED_TEAM_ID: int | None
    ASSIGNED_DATE_UTC: str | None
    EMAIL_ID: int | None
    PARENT_TASK_ID: int | None
    RECURRENCE: str | None
    REMINDER_DATE_UTC: str | None
    REMINDER_SENT: bool | None
    OWNER_VISIBLE: bool | None
    PUBLICLY_VISIBLE: bool | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    CREATED_USER_ID: int | None
    CUSTOMFIELDS: list[CustomField]
    LINKS: list[Link]


class Event(WireRecord):
    """A record of Events."""

    __slots__ = ()
    EVENT_ID: int
    TITLE: str | None
    LOCATION: str | None
    START_DATE_UTC: str | None
    END_DATE_UTC: str | None
    ALL_DAY: bool | None
    DETAILS: str | None
    REMINDER_DATE_UTC: str | None
    REMINDER_SENT: bool | None
    OWNER_USER_ID: int | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    CREATED_USER_ID: int | None
    CUSTOMFIELDS: list[CustomField]
    LINKS: list[Link]


class Note(WireRecord):
    """A record of Notes."""

    __slots__ = ()
    NOTE_ID: int
    TITLE: str | None
    BODY: str | None
    OWNER_USER_ID: int | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    CREATED_USER_ID: int | None
    LINKS: list[Link]


class User(WireRecord):
    """A record of Users."""

    __slots__ = ()
    USER_ID: int
    CONTACT_ID: int | None
    FIRST_NAME: str | None
    LAST_NAME: str | None
    TIMEZONE_ID: str | None
    EMAIL_ADDRESS: str | None
    EMAIL_DROPBOX_IDENTIFIER: str | None
    EMAIL_DROPBOX_ADDRESS: str | None
    ADMINISTRATOR: bool | None
    ACCOUNT_OWNER: bool | None
    ACTIVE: bool | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    USER_CURRENCY: str | None
    CONTACT_DISPLAY: str | None
    CONTACT_ORDER: str | None
    TASK_WEEK_START: int | None
    INSTANCE_ID: int | None
    PROFILE_ID: int | None
    ROLE_ID: int | None


class Email(WireRecord):
    """A record of Emails."""

    __slots__ = ()
    EMAIL_ID: int
    EMAIL_FROM: str | None
    EMAIL_TO: str | None
    SUBJECT: str | None
    EMAIL_DATE_UTC: str | None
    FORMAT: str | None
    SIZE: int | None
    BODY: str | None
    OWNER_USER_ID: int | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    QUEUED_SEND_DATE_UTC: str | None
    CREATED_USER_ID: int | None
    TAGS: list[Tag]
    LINKS: list[Link]


class Milestone(WireRecord):
    """A record of Milestones."""

    __slots__ = ()
    MILESTONE_ID: int
    TITLE: str | None
    COMPLETED: bool | None
    DUE_DATE: str | None
    OWNER_USER_ID: int | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    COMPLETED_DATE_UTC: str | None
    PROJECT_ID: int | None
    RESPONSIBLE_USER: int | None


class CustomObjectRecord(WireRecord):
    """A record of a custom object (its own fields are in CUSTOMFIELDS)."""

    __slots__ = ()
    RECORD_ID: int
    RECORD_NAME: str | None
    OWNER_USER_ID: int | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    CREATED_USER_ID: int | None
    CUSTOMFIELDS: list[CustomField]
    TAGS: list[Tag]
    LINKS: list[Link]


# The record class of each collection; custom objects use CustomObjectRecord.
MODELS: dict[str, type[WireRecord]] = {
    "Contacts": Contact,
    "Organisations": Organisation,
    "Leads": Lead,
    "Opportunities": Opportunity,
    "Projects": Project,
    "Tasks": Task,
    "Events": Event,
    "Notes": Note,
    "Users": User,
    "Emails": Email,
    "Milestones": Milestone,
}
