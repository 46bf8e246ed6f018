"""`rolodex sync`: incremental one-way sync between two Insightly-compatible servers.

State file (JSON, replaced atomically at each checkpoint):
    {"version": 1, "source": URL, "target": URL,
     "cursors": {"Contacts": {"updated": "2026-...Z", "deleted": "2026-...Z"}},
     "ids": {"Contact": {"<source id>": <target id>}},
     "pending_links": {"Contact": ["<source id>", ...]},
     "failed": {"Contact": {"<source id>": "reason"}},
     "intents": {"Contact": {"<source id>": {"at": "2026-...Z", "body": {...}}}}}
Between checkpoints every id-map change is appended to STATE.journal (one JSON line, flushed)
and replayed on the next start, so a run stopped at any point resumes without duplicating what
it created. A cursor moves only once its whole sweep is applied; resuming re-reads from the old
cursor and finds the records it already wrote unchanged.

A create is journalled twice: its intent (the body, and when) before the POST, its id after.
A run stopped between the two (killed, or the POST's answer lost) leaves the intent pending;
the next run looks in the target for a record it could have created then (equal to the body,
created since the intent, mapped to no other source record) and adopts it, or else forgets the
intent and creates the record as usual. So no stop, at any point, makes a duplicate.
"""

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rolodex.client import ApiError, BadRequestError, Client, NotFoundError
from rolodex.client.core import Record, parse_wire_date, query_date
from rolodex.domain.registry import RecordType
from rolodex.sync.files import write_atomically
from rolodex.sync.records import differs, record_type, writable_body
from rolodex.sync.sinks import ApiSink, WriteRefused

# Records are written in this order, so references (a contact's ORGANISATION_ID) map.
ORDER = [
    "Organisations",
    "Contacts",
    "Leads",
    "Opportunities",
    "Projects",
    "Tasks",
    "Events",
    "Prospect",
    "Ticket",
    "KnowledgeArticleCategory",
    "KnowledgeArticleFolder",
    "KnowledgeArticle",
    "Product",
    "Pricebook",
    # Written under their owners (rolodex.sync.sinks.OwnerRoute), after them.
    "PricebookEntry",
    "OpportunityLineItem",
    "Quotation",
    "QuotationLineItem",
]
# How far this machine's clock and the target's may disagree when matching a pending create
# (an intent's time is ours, a record's DATE_CREATED_UTC the target's).
CLOCK_SKEW = timedelta(minutes=10)


@dataclass
class SyncSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    links_set: int = 0
    failed: int = 0
    adopted: int = 0  # records made by an interrupted run, found and mapped
    no_deleted_feed: list[str] = field(default_factory=list)
    pending_links: int = 0


class SyncState:
    """The state file and its journal."""

    def __init__(self, path: Path, source: str, target: str) -> None:
        self.path = path
        self.journal = path.with_name(path.name + ".journal")
        self._lock = threading.Lock()
        self.data: dict[str, Any] = {"version": 1, "source": source, "target": target}
        if path.exists():
            self.data = json.loads(path.read_text(encoding="utf-8"))
            if self.data.get("source") != source or self.data.get("target") != target:
                raise ValueError(
                    f"{path} is the state of a sync from {self.data.get('source')} to "
                    f"{self.data.get('target')}; use another --state file for this pair"
                )
        for key in ("cursors", "ids", "pending_links", "failed", "intents"):
            self.data.setdefault(key, {})
        self._replay()

    def _replay(self) -> None:
        if not self.journal.exists():
            return
        for line in self.journal.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                break  # a line cut short by a crash: nothing after it was written
            self._apply(entry)
        self.checkpoint()

    def _apply(self, entry: dict[str, Any]) -> None:
        intents = self.data["intents"].setdefault(entry["type"], {})
        if "intent" in entry:  # a create about to be sent, or one that made nothing
            if entry["intent"] is None:
                intents.pop(entry["source"], None)
            else:
                intents[entry["source"]] = entry["intent"]
            return
        intents.pop(entry["source"], None)
        ids = self.data["ids"].setdefault(entry["type"], {})
        if entry["target"] is None:
            ids.pop(entry["source"], None)
        else:
            ids[entry["source"]] = entry["target"]

    def _append(self, entry: dict[str, Any], durable: bool = False) -> None:
        """Journal `entry`: written through to the file (a killed process loses nothing);
        `durable` waits for the disk too (fsync), so that not even a power cut loses it."""
        with self._lock:  # creates run concurrently: one entry, whole, at a time
            self._apply(entry)
            with self.journal.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry) + "\n")
                out.flush()
                if durable:
                    os.fsync(out.fileno())

    def record(self, type_name: str, source_id: str, target_id: int | None) -> None:
        """Remember (or forget) a mapping at once, in the journal; it settles any intent.
        Not waited to disk: a mapping lost with a power cut leaves its durable intent, which
        the next run settles by finding the record it made."""
        self._append({"type": type_name, "source": source_id, "target": target_id})

    def intend(self, type_name: str, source_id: str, body: dict[str, Any]) -> None:
        """Journal a create, durably, before sending it, so that a stop before `record` is
        noticed."""
        at = query_date(datetime.now(UTC))
        intent = {"at": at, "body": body}
        self._append({"type": type_name, "source": source_id, "intent": intent}, durable=True)

    def drop_intent(self, type_name: str, source_id: str) -> None:
        """Forget an intent whose create made nothing (refused, or never sent)."""
        self._append({"type": type_name, "source": source_id, "intent": None})

    def intents(self, type_name: str) -> dict[str, dict[str, Any]]:
        """The pending creates of a type: {source id: {"at", "body"}}."""
        found: dict[str, dict[str, Any]] = self.data["intents"].get(type_name, {})
        return dict(found)

    def checkpoint(self) -> None:
        write_atomically(self.path, json.dumps(self.data, indent=1, sort_keys=True))
        self.journal.unlink(missing_ok=True)

    def cursor(self, collection: str, kind: str) -> str | None:
        found: str | None = self.data["cursors"].get(collection, {}).get(kind)
        return found

    def set_cursor(self, collection: str, kind: str, value: str) -> None:
        self.data["cursors"].setdefault(collection, {})[kind] = value

    @property
    def ids(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = self.data["ids"]
        return found


def ordered(objects: list[str]) -> list[str]:
    """The objects in an order where referenced records come first (custom objects last)."""
    rank = {name.lower(): index for index, name in enumerate(ORDER)}
    return sorted(objects, key=lambda name: rank.get(name.lower(), len(ORDER)))


Progress = Callable[[str, int | None], None]  # a step's name and its total, when known


def run_sync(
    source: Client,
    target: Client,
    objects: list[str],
    state: SyncState,
    tick: Callable[[str, int], None],
    started: Progress = lambda name, total: None,
    workers: Callable[[], int] = lambda: 1,
) -> SyncSummary:
    """Bring the target up to date with the source for `objects`; checkpoints as it goes.

    Progress goes by step: "Syncing {Coll}" counts the records read from the source, "Deletions
    in {Coll}" the tombstones, "Links of {Coll}" the records whose links are set."""
    summary = SyncSummary()
    for collection in ordered(objects):
        sink = ApiSink(target.resource(collection), workers)
        _sync_records(source, sink, target, collection, state, summary, tick, started)
        _sync_deletions(source, sink, collection, state, summary, tick)
    for collection in ordered(objects):
        sink = ApiSink(target.resource(collection), workers)
        _sync_links(source, sink, collection, state, summary, tick, started)
    summary.pending_links = sum(len(v) for v in state.data["pending_links"].values())
    state.checkpoint()
    return summary


def _sync_records(
    source: Client,
    sink: ApiSink,
    target: Client,
    collection: str,
    state: SyncState,
    summary: SyncSummary,
    tick: Callable[[str, int], None],
    started: Progress,
) -> None:
    rt = record_type(collection)
    step = f"Syncing {collection}"
    _settle_intents(target, collection, state, summary)
    resource = source.resource(collection)
    cursor = state.cursor(collection, "updated")
    started(
        step, resource.list_page(top=1, brief=True, count_total=True, updated_after=cursor).total
    )
    sweep = resource.iterate(cursor)
    ids = state.ids.setdefault(rt.singular, {})
    if ids:
        sink.expect(len(ids))
    pending = set(state.data["pending_links"].get(rt.singular, []))
    failed = state.data["failed"].setdefault(rt.singular, {})
    batch: dict[str, Record] = {}

    def apply() -> None:
        _apply(rt, sink, batch, state, summary, failed)
        batch.clear()

    for record in sweep:
        tick(step, 1)
        source_id = str(record[rt.id_field])
        if source_id in batch:
            apply()  # a newer version of a record of this batch: the older one goes first
        body, _problems = writable_body(rt, record, state.ids)
        # Links are set once both ends exist; a new record without links has none to set.
        body.pop("LINKS", None)
        if record.get("LINKS") or (source_id in ids and "LINKS" in record):
            pending.add(source_id)
        batch[source_id] = body
        if len(batch) >= sink.batch_rows:
            apply()
    apply()
    state.data["pending_links"][rt.singular] = sorted(pending)
    state.set_cursor(collection, "updated", sweep.cursor)
    state.checkpoint()


def _apply(
    rt: RecordType,
    sink: ApiSink,
    batch: dict[str, Record],
    state: SyncState,
    summary: SyncSummary,
    failed: dict[str, str],
) -> None:
    """Write one batch of source records: the creates, then the updates, each concurrently.
    Each create's intent is journalled just before it is sent, its id as soon as it is
    answered, so that a stop at any point leaves at most the creates in flight unsettled."""
    ids = state.ids.setdefault(rt.singular, {})
    creates: list[tuple[str, Record]] = []
    updates: list[tuple[str, int, Record]] = []
    for source_id, body in batch.items():
        current = sink.get(ids[source_id]) if source_id in ids else None
        if current is None:
            creates.append((source_id, body))
        elif differs(rt, current, body):
            updates.append((source_id, int(current[rt.id_field]), body))
        else:
            summary.unchanged += 1
            failed.pop(source_id, None)

    def create(item: tuple[str, Record]) -> Record:
        source_id, body = item
        state.intend(rt.singular, source_id, body)
        try:
            created = sink.create(body)
        except WriteRefused:
            state.drop_intent(rt.singular, source_id)  # refused: nothing was made
            raise
        state.record(rt.singular, source_id, int(created[rt.id_field]))
        return created

    for (source_id, _), result in zip(creates, sink.concurrently(create, creates), strict=True):
        if isinstance(result, str):
            failed[source_id] = result
            summary.failed += 1
        else:
            summary.created += 1
            failed.pop(source_id, None)
    changed = sink.update_many([(target_id, body) for _, target_id, body in updates])
    for (source_id, _, _), answer in zip(updates, changed, strict=True):
        if isinstance(answer, str):
            failed[source_id] = answer
            summary.failed += 1
        else:
            summary.updated += 1
            failed.pop(source_id, None)


def _settle_intents(
    target: Client, collection: str, state: SyncState, summary: SyncSummary
) -> None:
    """Adopt the records that pending creates made in the target, or forget those creates."""
    rt = record_type(collection)
    pending = state.intents(rt.singular)
    if not pending:
        return
    since = min(parse_wire_date(p["at"]) for p in pending.values()) - CLOCK_SKEW
    mapped = {int(v) for v in state.ids.get(rt.singular, {}).values()}
    candidates = [
        record
        for record in target.resource(collection).iterate(since)
        if int(record[rt.id_field]) not in mapped
    ]
    for source_id, intent in sorted(pending.items(), key=lambda item: item[1]["at"]):
        made = parse_wire_date(intent["at"]) - CLOCK_SKEW
        found = next(
            (
                record
                for record in candidates
                if _created_since(record, made) and not differs(rt, record, intent["body"])
            ),
            None,
        )
        if found is None:
            state.drop_intent(rt.singular, source_id)  # never made: the sweep creates it
            continue
        candidates.remove(found)
        state.record(rt.singular, source_id, int(found[rt.id_field]))
        summary.adopted += 1


def _created_since(record: dict[str, Any], moment: datetime) -> bool:
    """Whether the record was created at or after `moment` (true when the server omits it)."""
    created = record.get("DATE_CREATED_UTC")
    return created is None or parse_wire_date(str(created)) >= moment


def _sync_deletions(
    source: Client,
    sink: ApiSink,
    collection: str,
    state: SyncState,
    summary: SyncSummary,
    tick: Callable[[str, int], None],
) -> None:
    rt = record_type(collection)
    feed = source.resource(collection).deleted(state.cursor(collection, "deleted"))
    ids = state.ids.setdefault(rt.singular, {})
    try:
        for tombstone in feed:
            tick(f"Deletions in {collection}", 1)
            source_id = str(tombstone["ID"])
            if source_id in ids:
                sink.delete(ids[source_id])
                state.record(rt.singular, source_id, None)
                summary.deleted += 1
    except (NotFoundError, BadRequestError):
        summary.no_deleted_feed.append(collection)  # Insightly: deletions cannot be seen
        return
    state.set_cursor(collection, "deleted", feed.cursor)
    state.checkpoint()


def _sync_links(
    source: Client,
    sink: ApiSink,
    collection: str,
    state: SyncState,
    summary: SyncSummary,
    tick: Callable[[str, int], None],
    started: Progress,
) -> None:
    rt = record_type(collection)
    ids = state.ids.get(rt.singular, {})
    still: list[str] = []
    waiting = state.data["pending_links"].get(rt.singular, [])
    step = f"Links of {collection}"
    if waiting:
        started(step, len(waiting))
        sink.expect(len(waiting))
    for source_id in waiting:
        tick(step, 1)
        if source_id not in ids:
            continue  # deleted, or failed: nothing to link
        try:
            links = source.resource(collection).links(int(source_id))
        except NotFoundError:
            continue
        wanted, problems = writable_body(rt, {"LINKS": links}, state.ids)
        if problems:
            still.append(source_id)  # the far end is not synced (yet): try again next run
        current = sink.get(ids[source_id])
        if current is None:
            continue
        if differs(rt, current, wanted) and not problems:
            try:
                sink.update(ids[source_id], wanted)
                summary.links_set += 1
            except (WriteRefused, ApiError):
                still.append(source_id)
    state.data["pending_links"][rt.singular] = still
    state.checkpoint()
