"""Importing emails: RFC 822 (.eml) messages become Email records linked to their people.

Insightly takes emails in only through its dropbox and integrations, and the API cannot create
them; Rolodex imports .eml files (`rolodex emails import`). Each email is linked to every Contact
(EMAIL_ADDRESS) and Lead (EMAIL) whose address is among its From and To addresses, and to every
Organisation with one of those addresses' domains in its EMAILDOMAINS. Attached files become the
email's FileAttachments. An email sent to a record's dropbox address (GET
/{Coll}/{id}/LinkEmailAddress; rolodex.domain.dropbox) among its To, Cc, Bcc, Delivered-To or
X-Original-To recipients is linked to that record too.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any, cast

from sqlalchemy import Connection

from rolodex.config import get_settings
from rolodex.domain.dates import format_datetime
from rolodex.domain.dropbox import addressed_record, record_address
from rolodex.domain.registry import CONTACTS, EMAILS, LEADS, ORGANISATIONS, Feature, RecordType
from rolodex.errors import NotFound, RolodexError
from rolodex.services.context import Caller
from rolodex.services.files import FileService, NewFile
from rolodex.services.records import RecordService
from rolodex.storage import emails as store
from rolodex.storage.files import FileStore
from rolodex.storage.repository import Repository
from rolodex.wire.files import upload_fields

# Where a record type keeps a person's email address: (type, field).
ADDRESS_FIELDS: tuple[tuple[RecordType, str], ...] = ((CONTACTS, "EMAIL_ADDRESS"), (LEADS, "EMAIL"))
# Record types matched by the domain of an address (they have Feature.EMAIL_DOMAINS).
DOMAIN_TYPES = (ORGANISATIONS,)
# The headers naming where a message was sent: a dropbox address may be in any of them (Bcc is
# seldom kept in the message; the receiving server's Delivered-To / X-Original-To then name it).
RECIPIENT_HEADERS = ("to", "cc", "bcc", "delivered-to", "x-original-to")


@dataclass(frozen=True)
class Attachment:
    """A file attached to an email: its name as sent, media type and bytes."""

    file_name: str | None
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ParsedEmail:
    """An email's fields (wire names), the addresses of its From and To headers, its files, and
    every address it was sent to (RECIPIENT_HEADERS)."""

    fields: dict[str, Any]
    addresses: frozenset[str]
    attachments: tuple[Attachment, ...] = ()
    recipients: frozenset[str] = frozenset()


def parse_eml(raw: bytes) -> ParsedEmail:
    """The Email fields of one RFC 822 message: subject, from, to, date, body, format, size."""
    message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
    body, body_format = _body(message)
    headers = {
        name: ", ".join(str(v) for v in message.get_all(name, [])) for name in ("from", "to")
    }
    addresses = frozenset(
        address.strip().lower()
        for _name, address in getaddresses([headers["from"], headers["to"]])
        if "@" in address
    )
    fields = {
        "SUBJECT": str(message.get("subject", "")).strip() or None,
        "EMAIL_FROM": headers["from"] or None,
        "EMAIL_TO": headers["to"] or None,
        "EMAIL_DATE_UTC": format_datetime(_date(message)),
        "FORMAT": body_format,
        "BODY": body,
        "SIZE": len(raw),
    }
    attachments = tuple(
        Attachment(part.get_filename(), part.get_content_type(), _payload(part))
        for part in message.iter_attachments()
    )
    sent_to = [", ".join(str(v) for v in message.get_all(name, [])) for name in RECIPIENT_HEADERS]
    recipients = frozenset(
        address.strip().lower() for _name, address in getaddresses(sent_to) if "@" in address
    )
    return ParsedEmail(fields, addresses, attachments, recipients)


def import_emails(
    connection: Connection,
    caller: Caller,
    files: Sequence[tuple[str, bytes]],
    store: FileStore,
    upload_limit: int,
    written: list[str],
    dropbox_domain: str | None = None,
) -> list[int]:
    """Create one Email per (name, raw .eml) for `caller` (its owner); returns the new ids.

    The emails' attached files become their FileAttachments. A file that cannot be stored is an
    error naming the file; the caller's unit of work then writes none of them, and the caller
    discards the stored attachments, whose keys are appended to `written` as they are written.
    Dropbox addresses are read at `dropbox_domain` (None: the server's setting).
    """
    domain = dropbox_domain if dropbox_domain is not None else get_settings().dropbox_domain
    service = RecordService(connection, caller, EMAILS)
    files_service = FileService(connection, caller, EMAILS, store)
    ids = []
    for name, raw in files:
        parsed = parse_eml(raw)
        found = matching_records(connection, caller, parsed.addresses)
        found += dropbox_records(connection, caller, parsed.recipients, domain)
        links = [
            {"LINK_OBJECT_NAME": rt.singular, "LINK_OBJECT_ID": record_id}
            for rt, record_id in dict.fromkeys(found)  # once each, in the order found
        ]
        try:
            record, _etag = service.create({**parsed.fields, "LINKS": links})
            email_id = int(record[EMAILS.id_field])
            for attachment in parsed.attachments:
                fields = upload_fields(None, attachment.content_type, None, attachment.file_name)
                key = store.new_key(caller.instance_id)
                written.append(key)
                size = store.write_temp(key, attachment.content, upload_limit)
                files_service.add_file(email_id, NewFile(key, size, fields))
        except RolodexError as error:
            raise type(error)(f"{name}: {error.message}", error.errors) from None
        ids.append(email_id)
    return ids


def matching_records(
    connection: Connection, caller: Caller, addresses: frozenset[str]
) -> list[tuple[RecordType, int]]:
    """The records an email with these addresses belongs to, by type then id."""
    found: list[tuple[RecordType, int]] = []
    for rt, field in ADDRESS_FIELDS:
        column = field.lower()
        ids = store.ids_with_address(connection, caller.instance_id, rt, column, set(addresses))
        found += [(rt, record_id) for record_id in sorted(ids)]
    domains = {address.rsplit("@", 1)[1] for address in addresses}
    for rt in DOMAIN_TYPES:
        assert rt.has(Feature.EMAIL_DOMAINS)
        ids = store.ids_with_email_domain(connection, caller.instance_id, rt, domains)
        found += [(rt, record_id) for record_id in sorted(ids)]
    return found


def dropbox_records(
    connection: Connection, caller: Caller, recipients: frozenset[str], domain: str
) -> list[tuple[RecordType, int]]:
    """The existing records of the caller's instance whose dropbox address is a recipient."""
    wanted: dict[RecordType, set[int]] = {}
    for address in sorted(recipients):
        addressed = addressed_record(address, caller.instance_id, domain)
        if addressed is not None:
            wanted.setdefault(addressed[0], set()).add(addressed[1])
    repo = Repository(connection, caller.instance_id)
    return [
        (rt, record_id)
        for rt, ids in wanted.items()
        for record_id in sorted(repo.existing_ids(rt, ids))
    ]


def link_email_address(
    connection: Connection, caller: Caller, rt: RecordType, record_id: int, domain: str
) -> dict[str, str]:
    """GET /{Coll}/{id}/LinkEmailAddress: the record's dropbox address (404 if no record)."""
    RecordService(connection, caller, rt).get(record_id, brief=True)
    return {"EMAIL": record_address(rt, caller.instance_id, record_id, domain)}


def owner_caller(connection: Connection, instance_id: int, owner_email: str) -> Caller:
    """The user of the instance who will own imported emails, as the caller of the import."""
    user = store.user_by_email(connection, instance_id, owner_email)
    if user is None:
        raise NotFound(f"No user with email '{owner_email}' in instance {instance_id}.")
    return Caller(instance_id, int(user["id"]), bool(user["administrator"]))


def _body(message: EmailMessage) -> tuple[str | None, str]:
    """The HTML body when there is one, else the plain text (LF line ends); and its FORMAT."""
    part = message.get_body(preferencelist=("html", "plain"))
    if part is None:
        return None, "text"
    body_format = "html" if part.get_content_type() == "text/html" else "text"
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown or wrong charset
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return str(content).replace("\r\n", "\n"), body_format  # line ends as in text


def _payload(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _date(message: EmailMessage) -> datetime | None:
    """The Date header in UTC (a date without a zone is taken as UTC); None if unreadable."""
    value = message.get("date")
    if value is None:
        return None
    try:
        sent = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    if sent.tzinfo is not None:
        sent = sent.astimezone(UTC).replace(tzinfo=None)
    return sent.replace(microsecond=0)
