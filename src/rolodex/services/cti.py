"""CTI use cases: find records by a caller's phone number, and check a screen pop's target."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from rolodex.domain.phones import to_e164
from rolodex.domain.registry import USERS, RecordType, by_singular, resolve_object_name
from rolodex.errors import Forbidden, NotFound, invalid_field
from rolodex.services.context import Caller
from rolodex.services.records import RecordService
from rolodex.storage.phones import PhoneStore
from rolodex.wire.cti import ScreenPopIn
from rolodex.wire.json import upper_keys
from rolodex.wire.records import validate

# A lookup answers at most this many phone fields (a shared switchboard number can be on many).
MAX_MATCHES = 500


@dataclass(frozen=True)
class Match:
    """A record with a phone field holding the number looked up."""

    rt: RecordType
    record: dict[str, Any]  # the record as the API sends it (brief)
    field_name: str


def lookup(connection: Connection, caller: Caller, phone_number: str, region: str) -> list[Match]:
    """The Contacts, Leads and Organisations with a phone field holding `phone_number` (after
    normalisation), or a 400 when it is no phone number."""
    number = to_e164(phone_number, region)
    if number is None:
        raise invalid_field(
            "phone_number",
            f"'{phone_number}' is not a phone number (write it in international form, "
            f"e.g. +14155550100, or as dialled in region {region})",
        )
    hits = PhoneStore(connection, caller.instance_id).find(number, MAX_MATCHES)
    ids_by_type: dict[str, list[int]] = defaultdict(list)
    for record_type, record_id, _ in hits:
        ids_by_type[record_type].append(record_id)
    records: dict[tuple[str, int], dict[str, Any]] = {}
    for record_type, ids in ids_by_type.items():
        service = RecordService(connection, caller, by_singular(record_type))
        rows = list(service.repo.records_by_id(service.rt, ids).values())
        for row, record in zip(rows, service.to_wire(rows, True), strict=True):
            records[(record_type, row["id"])] = record
    return [
        Match(by_singular(record_type), records[(record_type, record_id)], field_name)
        for record_type, record_id, field_name in hits
        if (record_type, record_id) in records
    ]


@dataclass(frozen=True)
class PopTarget:
    """A checked screen pop: the record (its type's exact name) and the user to show it to."""

    rt: RecordType
    record: dict[str, Any]
    record_id: int
    user_id: int


def pop_target(connection: Connection, caller: Caller, data: Any) -> PopTarget:
    """Check a ScreenPop body: the record exists in the caller's instance (404 otherwise), and
    the user is the caller, or any user of the instance when the caller is an administrator."""
    body = validate(ScreenPopIn, upper_keys(data))
    rt = resolve_object_name(body.OBJECT_NAME)
    if rt is None or rt is USERS:
        raise invalid_field(
            "OBJECT_NAME", f"'{body.OBJECT_NAME}' is not a record type with a record page"
        )
    records = RecordService(connection, caller, rt)  # 404 for an unknown custom object
    record = records.get(body.RECORD_ID, brief=True)
    user_id = caller.user_id if body.USER_ID is None else body.USER_ID
    if user_id != caller.user_id:
        if not caller.is_admin:
            raise Forbidden("Only an administrator may pop a record to another user's pages.")
        try:
            user = RecordService(connection, caller, USERS).get(user_id, brief=True)
        except NotFound:
            raise invalid_field("USER_ID", f"{user_id} is not a user of this instance") from None
        # The record must be one that user sees (contract §11): else it is missing for them.
        shown_to = Caller(caller.instance_id, user_id, is_admin=bool(user["ADMINISTRATOR"]))
        RecordService(connection, shown_to, rt).get(body.RECORD_ID, brief=True)
    return PopTarget(records.rt, record, body.RECORD_ID, user_id)
