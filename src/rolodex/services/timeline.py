"""A record's timeline: its notes (Feature.NOTES), the tasks, events and e-mails linked to it
(Feature.ACTIVITIES), its own comments (Feature.COMMENTS) and the changes of its history field
(Opportunities' state), newest first. One list query per kind: a fixed number of statements.

The project keeps no history of other field changes, so the timeline shows none."""

from dataclasses import dataclass

from sqlalchemy import Connection

from rolodex.domain.dates import format_datetime
from rolodex.domain.registry import (
    EMAILS,
    EVENTS,
    NOTES,
    TASKS,
    Feature,
    RecordType,
    record_name,
    record_url,
)
from rolodex.services.comments import CommentService
from rolodex.services.context import Caller
from rolodex.services.records import RecordService
from rolodex.storage.repository import Page

TIMELINE_ITEMS = 50  # of each kind: the newest of them


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to a record."""

    when: str  # the wire's "YYYY-MM-DD HH:MM:SS", which sorts as the time does
    kind: str
    title: str
    url: str | None = None
    detail: str = ""


# The related types of the timeline, each with the field that dates its entries.
_RELATED: tuple[tuple[Feature, RecordType, str], ...] = (
    (Feature.NOTES, NOTES, "DATE_CREATED_UTC"),
    (Feature.ACTIVITIES, TASKS, "DATE_CREATED_UTC"),
    (Feature.ACTIVITIES, EVENTS, "START_DATE_UTC"),
    (Feature.ACTIVITIES, EMAILS, "EMAIL_DATE_UTC"),
)
_NEWEST = ("date_created_utc", True)


def record_timeline(
    connection: Connection, caller: Caller, rt: RecordType, record_id: int
) -> list[TimelineEntry]:
    """What happened to the record, newest first (404 if the caller does not see it)."""
    parent = RecordService(connection, caller, rt)
    parent.get(record_id, brief=True)
    entries: list[TimelineEntry] = []
    for feature, related, date_field in _RELATED:
        if not rt.has(feature):
            continue
        page = Page(top=TIMELINE_ITEMS, sort=_NEWEST)
        found, _ = RecordService(connection, caller, related).list_page(
            page, parent.linked_filter(record_id), brief=True
        )
        for item in found:
            entries.append(
                TimelineEntry(
                    when=item.get(date_field) or item["DATE_CREATED_UTC"],
                    kind=related.singular,
                    title=record_name(related, item, related.singular),
                    url=record_url(related.singular, item[related.id_field]),
                    detail=_detail(related, item),
                )
            )
    if rt.has(Feature.COMMENTS):
        comments, _ = CommentService(connection, caller).list_page(
            rt, record_id, Page(top=TIMELINE_ITEMS)
        )
        for comment in comments:
            entries.append(TimelineEntry(comment["DATE_CREATED_UTC"], "Comment", comment["BODY"]))
    if rt.history_field is not None:
        for change in parent.repo.history_of(rt.singular, record_id):
            reason = f" ({change['state_reason']})" if change["state_reason"] else ""
            entries.append(
                TimelineEntry(
                    format_datetime(change["date_changed_utc"]) or "",
                    "Change",
                    f"{rt.history_field.replace('_', ' ').capitalize()} set to "
                    f"{change['state']}{reason}",
                )
            )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _detail(related: RecordType, item: dict[str, object]) -> str:
    """A line under the entry: a note's text, a task's due date and state."""
    if related is NOTES:
        return str(item.get("BODY") or "")
    if related is TASKS:
        due = f"due {item['DUE_DATE']}" if item.get("DUE_DATE") else ""
        done = "completed" if item.get("COMPLETED") else ""
        return ", ".join(part for part in (due, done) if part)
    return ""
