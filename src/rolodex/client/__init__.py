"""The Rolodex Python SDK: a client of any Insightly v3.1-compatible API (httpx only).

    from rolodex.client import Client
    with Client("https://crm.example.com", "API-KEY") as crm:
        contact = crm.contacts.create({"FIRST_NAME": "Ada"})
        crm.contacts.update(contact["CONTACT_ID"], {"TITLE": "Countess"})
        for record in crm.contacts.iterate(updated_after="2026-01-01"):
            ...

Results are typed records (rolodex.client.models, one class per record type): dicts in the
wire shape, so `contact["FIRST_NAME"]` and `contact.FIRST_NAME` both work, and every key the
server sent is kept. Install the SDK alone with `pip install rolodex-client` (httpx is its only
dependency; see packages/rolodex-client); nothing of the server is imported.
"""

from rolodex.client.aio import AsyncClient, AsyncRecords, AsyncResource
from rolodex.client.calls import RecordPage
from rolodex.client.core import RetryPolicy, Sweep, apply_changes, custom_fields_dict
from rolodex.client.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from rolodex.client.models import (
    MODELS,
    Contact,
    CustomObjectRecord,
    Email,
    Event,
    Lead,
    Milestone,
    Note,
    Opportunity,
    Organisation,
    Project,
    Task,
    User,
)
from rolodex.client.record import (
    CustomField,
    DateItem,
    EmailDomain,
    FileAttachment,
    Link,
    Tag,
    Tombstone,
    WireRecord,
)
from rolodex.client.sync import Client, Records, Resource
from rolodex.client.types import OBJECT_TYPES, ObjectType, custom_object, object_type

__all__ = [
    "MODELS",
    "OBJECT_TYPES",
    "ApiError",
    "AsyncClient",
    "AsyncRecords",
    "AsyncResource",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "Contact",
    "CustomField",
    "CustomObjectRecord",
    "DateItem",
    "Email",
    "EmailDomain",
    "Event",
    "FileAttachment",
    "Lead",
    "Link",
    "Milestone",
    "NotFoundError",
    "Note",
    "ObjectType",
    "Opportunity",
    "Organisation",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "Project",
    "RateLimitedError",
    "RecordPage",
    "Records",
    "Resource",
    "RetryPolicy",
    "ServerError",
    "Sweep",
    "Tag",
    "Task",
    "Tombstone",
    "TransportError",
    "User",
    "WireRecord",
    "apply_changes",
    "custom_fields_dict",
    "custom_object",
    "object_type",
]
