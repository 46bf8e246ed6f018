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
dependency; see packages/rolodex-client); nothing of the server is imported. The per-type
parts (models.py, clients.py) are generated from the server's registry by rolodex.cli.sdk_source.
"""

from rolodex.client import models
from rolodex.client.aio import AsyncRecords, AsyncTransport
from rolodex.client.calls import RecordPage, custom_object, object_type
from rolodex.client.clients import AsyncClient, AsyncResource, Client, Resource
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
from rolodex.client.models import *  # noqa: F403 (the generated names: one a record type)
from rolodex.client.record import CustomField, FileAttachment, Tombstone, WireRecord
from rolodex.client.sync import Records, SyncTransport
from rolodex.client.types import ObjectType

__all__ = [
    "ApiError",
    "AsyncClient",
    "AsyncRecords",
    "AsyncResource",
    "AsyncTransport",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "CustomField",
    "FileAttachment",
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
    "SyncTransport",
    "Tombstone",
    "TransportError",
    "WireRecord",
    "apply_changes",
    "custom_fields_dict",
    "custom_object",
    "object_type",
]
__all__ += models.__all__
