"""The Rolodex Python SDK: a client of any Insightly v3.1-compatible API (httpx only).

    from rolodex.client import Client
    with Client("https://crm.example.com", "API-KEY") as crm:
        contact = crm.contacts.create({"FIRST_NAME": "Ada"})
        crm.contacts.update(contact["CONTACT_ID"], {"TITLE": "Countess"})
        for record in crm.contacts.iterate(updated_after="2026-01-01"):
            ...

Records are plain dicts in the wire shape (UPPER_SNAKE keys). Install with
`pip install rolodex[client]`; nothing of the server is imported.
"""

from rolodex.client.aio import AsyncClient, AsyncRecords, AsyncResource
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
from rolodex.client.sync import Client, RecordPage, Records, Resource
from rolodex.client.types import OBJECT_TYPES, ObjectType, custom_object, object_type

__all__ = [
    "OBJECT_TYPES",
    "ApiError",
    "AsyncClient",
    "AsyncRecords",
    "AsyncResource",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "NotFoundError",
    "ObjectType",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitedError",
    "RecordPage",
    "Records",
    "Resource",
    "RetryPolicy",
    "ServerError",
    "Sweep",
    "TransportError",
    "apply_changes",
    "custom_fields_dict",
    "custom_object",
    "object_type",
]
