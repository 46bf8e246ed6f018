"""Merging tickets (POST /Ticket/{id}/Merge): a rule of tickets of their own.

The ticket named in the path merges into the one whose TICKET_NUMBER the body names
(`{"TARGET_TICKET_NUMBER": 12}`, Insightly's APITicketMerge, facts source S31): the target takes
the source's comments, tags, follows and links, and the source is deleted (it goes to the Deleted
feed), all in the caller's one unit of work, so a merge is never half done. The target's own
fields and custom fields are kept as they are; the source's are not copied (decision: a merge
keeps the ticket being merged into, and its history arrives as the comments).
"""

from typing import Any

from sqlalchemy import Connection

from rolodex.domain.registry import TICKETS
from rolodex.errors import invalid_field
from rolodex.services.context import Caller
from rolodex.services.records import RecordService
from rolodex.wire.json import upper_keys
from rolodex.wire.records import INT64_MAX

Wire = dict[str, Any]
TARGET = "TARGET_TICKET_NUMBER"


def target_number(body: Any) -> int:
    """The TARGET_TICKET_NUMBER of a merge body (a whole number, or its digits as text)."""
    upper = upper_keys(body)
    value = upper.get(TARGET) if isinstance(upper, dict) else None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= INT64_MAX:
        raise invalid_field(
            TARGET,
            'is required: the ticket number to merge into, e.g. {"TARGET_TICKET_NUMBER": 12}',
        )
    return value


def merge(connection: Connection, caller: Caller, source_id: int, body: Any) -> list[Wire]:
    """Merge ticket `source_id` into the ticket numbered in `body`; the target, as merged."""
    number = target_number(body)
    service = RecordService(connection, caller, TICKETS)
    found = service.repo.ids_where(TICKETS, "ticket_number", str(number))
    if not found:
        service.get(source_id, brief=True)  # an unknown source is a 404 first
        raise invalid_field(TARGET, f"names no ticket: there is no ticket number {number}")
    target_id = found[0]
    if target_id == source_id:
        raise invalid_field(TARGET, "is the ticket being merged: a ticket cannot merge into itself")
    # Both locked, in id order (two merges of the same pair cannot deadlock).
    for ticket_id in sorted((source_id, target_id)):
        service.get_for_update(ticket_id)
    service.repo.move_related(TICKETS.singular, source_id, target_id)
    service.touch(target_id)
    service.delete(source_id)
    return [service.get(target_id)]
