"""`rolodex export` and `rolodex import`: records to and from CSV or JSONL files."""

import csv
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rolodex.client import Resource
from rolodex.client.core import Record
from rolodex.domain.registry import Feature, RecordType
from rolodex.sync.files import csv_header, read_rows, tags_from_cell, write_atomically
from rolodex.sync.records import IdMap, differs, field_value, match_key, writable_body
from rolodex.sync.sinks import Sink, WriteRefused
from rolodex.wire.csv_files import csv_row, header, note_columns

Tick = Callable[[int], None]
T = TypeVar("T")


# --- export --------------------------------------------------------------------------------


def export_records(
    resource: Resource, fmt: str, out: Path, updated_after: str | None, tick: Tick
) -> tuple[int, str]:
    """Write every record (changed after `updated_after`) to `out`; the count and the cursor
    for a later incremental export. CSV: one column per field, custom field and TAGS."""
    records = resource.iterate(updated_after=updated_after)
    count = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as buffer:
        custom_names: dict[str, None] = {}
        scalar_names: dict[str, None] = {}
        for record in records:
            buffer.write(json.dumps(record) + "\n")
            note_columns(record, scalar_names, custom_names)
            count += 1
            tick(1)
        buffer.seek(0)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as handle:
            if fmt == "jsonl":
                for line in buffer:
                    handle.write(line)
            else:
                writer = csv.writer(handle)
                writer.writerow(header(scalar_names, custom_names))
                for line in buffer:
                    writer.writerow(csv_row(json.loads(line), scalar_names, custom_names))
    return count, records.cursor


# --- import --------------------------------------------------------------------------------


def check_nothing(body: Record, creating: bool) -> None:
    """What a dry run checks of a row when nothing can check it as the target would."""


@dataclass
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)  # column -> field ('' = ignore)
    match_on: str | None = None
    dry_run: bool = False
    id_map_file: Path | None = None
    # A simulated dry run's check of each body (raises WriteRefused): checks.RowChecker.check.
    check: Callable[[Record, bool], None] = check_nothing


@dataclass
class ImportSummary:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    links_set: int = 0
    links_waiting: int = 0  # links to records of other files not imported yet
    ignored_columns: list[str] = field(default_factory=list)


class ColumnError(ValueError):
    """Columns that map to nothing: the import does not start (nothing would be lost)."""


def column_plan(rt: RecordType, columns: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Each column's destination: a field name, a custom field (__c), TAGS, ID (the source
    id) or '' (ignored). Unknown columns raise ColumnError naming them."""
    plan: dict[str, str] = {}
    unknown = []
    for column in columns:
        if column in mapping:
            plan[column] = mapping[column].strip()
            continue
        name = column.strip().upper().replace(" ", "_").replace("-", "_")
        spec = rt.field_named(name)
        if name == rt.id_field:
            plan[column] = "ID"
        elif spec is not None:
            plan[column] = spec.name if not spec.read_only else ""
        elif name.endswith("__C") and rt.has(Feature.CUSTOM_FIELDS):
            plan[column] = column.strip()
        elif name in ("TAGS", "LINKS", "CUSTOMFIELDS", "DATES", "EMAILDOMAINS"):
            plan[column] = name
        else:
            unknown.append(column)
    if unknown:
        names = ", ".join(repr(c) for c in unknown)
        raise ColumnError(
            f"no field of {rt.collection} matches the column(s) {names}; map each with "
            f"--map 'COLUMN=FIELD' (a field, a custom field Name__c or TAGS) or ignore it "
            f"with --map 'COLUMN='"
        )
    return plan


def row_to_record(rt: RecordType, row: Record, plan: dict[str, str]) -> Record:
    """A CSV or JSONL row as a wire record (empty CSV cells are left out)."""
    record: Record = {}
    custom: list[Record] = []
    for column, value in row.items():
        target = plan.get(column, "")
        if not target:
            continue
        if isinstance(value, str) and value == "":
            continue
        if target == "ID":
            record[rt.id_field] = value
        elif target == "TAGS":
            names = tags_from_cell(value) if isinstance(value, str) else None
            record["TAGS"] = [{"TAG_NAME": n} for n in names] if names is not None else value
        elif target in ("LINKS", "DATES", "EMAILDOMAINS"):
            record[target] = json.loads(value) if isinstance(value, str) else value
        elif target == "CUSTOMFIELDS":
            custom.extend(json.loads(value) if isinstance(value, str) else value)
        elif target.upper().endswith("__C"):
            custom.append({"FIELD_NAME": target, "FIELD_VALUE": value})
        else:
            record[target] = value
    if custom:
        record["CUSTOMFIELDS"] = custom
    return record


class Rejects:
    """The reject file: each refused row as read, with the line and the reason."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[Record] = []

    def add(self, line: int, row: Any, why: str) -> None:
        self.rows.append({"line": line, "reason": why, "row": row})

    def write(self) -> None:
        if self.rows:
            write_atomically(self.path, "".join(json.dumps(r) + "\n" for r in self.rows))
        else:
            self.path.unlink(missing_ok=True)


def load_id_map(path: Path | None) -> IdMap:
    if path is None or not path.exists():
        return {}
    loaded: IdMap = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@dataclass
class _Outcome:
    """What became of one row."""

    line: int
    row: Any
    what: str  # created, updated, unchanged or rejected
    source_id: Any = None
    target_id: int | None = None
    reason: str = ""
    links: list[Record] | None = None

    def refuse(self, why: str) -> None:
        self.what, self.reason, self.target_id = "rejected", why, None


@dataclass
class _LinkOutcome:
    links_set: int = 0
    links_waiting: int = 0
    refused: list[tuple[int, Any, str]] = field(default_factory=list)


def import_records(
    rt: RecordType,
    sink: Sink,
    path: Path,
    fmt: str,
    options: ImportOptions,
    rejects: Rejects,
    tick: Tick,
    started: Tick = lambda rows: None,
) -> ImportSummary:
    """Import every row of `path`: create, or update what --match-on (or the id map) finds;
    refused rows go to `rejects`. Links are set in a second pass, once every row exists.

    Rows go in batches of the sink's batch_rows, each one transaction of the sink: an error that
    stops the import leaves the batches before it written (and the id map saying so) and nothing of
    the batch it stopped in. A dry run through a sink that rehearses does every write in a
    transaction rolled back at the end, so its counts are those of a real run."""
    summary = ImportSummary()
    ids = load_id_map(options.id_map_file)
    mine = ids.setdefault(rt.singular, {})
    columns = csv_header(path) if fmt == "csv" else None
    simulate = options.dry_run and not sink.rehearses
    plans: dict[tuple[str, ...], dict[str, str]] = {}
    pending_links: list[tuple[int, Record, int, list[Record]]] = []
    keep_map = options.id_map_file is not None and not options.dry_run
    would_create: dict[str, Record] = {}  # by a simulated dry run, by match key
    rows = sum(1 for _ in read_rows(path, fmt))
    started(rows)
    if options.match_on or mine:
        sink.expect(rows)
    with sink.session():
        for chunk in _chunks(read_rows(path, fmt), sink.batch_rows):
            undo: dict[str, int | None] = {}

            def attempt(chunk: list[Any] = chunk, undo: dict[str, int | None] = undo) -> Any:
                _restore(mine, undo)  # a batch run again after a deadlock starts afresh
                return _import_chunk(
                    rt, sink, chunk, columns, plans, options, ids, undo, would_create
                )

            try:
                outcomes: list[_Outcome] = sink.batch(attempt)
            except BaseException:
                _restore(mine, undo)
                raise
            for outcome in outcomes:
                summary.read += 1
                if outcome.what == "rejected":
                    rejects.add(outcome.line, outcome.row, outcome.reason)
                    summary.rejected += 1
                    continue
                setattr(summary, outcome.what, getattr(summary, outcome.what) + 1)
                if outcome.links is not None and outcome.target_id is not None:
                    pending_links.append(
                        (outcome.line, outcome.row, outcome.target_id, outcome.links)
                    )
            tick(len(outcomes))
            if keep_map and options.id_map_file is not None:
                write_atomically(options.id_map_file, json.dumps(ids, indent=1))
        for link_chunk in _chunks(pending_links, sink.batch_rows):

            def set_links(items: list[Any] = link_chunk) -> _LinkOutcome:
                return _set_links(rt, sink, items, ids, simulate)

            done = sink.batch(set_links)
            summary.links_set += done.links_set
            summary.links_waiting += done.links_waiting
            for line, row, why in done.refused:
                rejects.add(line, row, why)
                summary.rejected += 1
    if keep_map and options.id_map_file is not None:
        write_atomically(options.id_map_file, json.dumps(ids, indent=1))
    return summary


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _restore(mine: dict[str, int], undo: dict[str, int | None]) -> None:
    """Put back the id map entries a failed batch changed."""
    for key, old in undo.items():
        if old is None:
            mine.pop(key, None)
        else:
            mine[key] = old
    undo.clear()


def _import_chunk(
    rt: RecordType,
    sink: Sink,
    chunk: list[tuple[int, Record | None, str]],
    columns: list[str] | None,
    plans: dict[tuple[str, ...], dict[str, str]],
    options: ImportOptions,
    ids: IdMap,
    undo: dict[str, int | None],
    would_create: dict[str, Record],
) -> list[_Outcome]:
    """Each row of one batch checked and written, in the order of the file: creates and
    updates are held and written together (concurrently, through the API), first whenever a
    later row could need to find one of them. A simulated dry run checks each row as the
    target would (options.check) and remembers what it would have created, so that a later
    row finds it, as in a real run."""
    mine = ids[rt.singular]
    simulate = options.dry_run and not sink.rehearses
    # A type whose records reference records of the same type: each create is written at once,
    # so that a later row's reference finds it.
    one_by_one = any(spec.references == rt.singular for spec in rt.writable_fields)
    outcomes: list[_Outcome] = []
    creates: list[tuple[_Outcome, Record]] = []
    updates: list[tuple[_Outcome, Record]] = []
    pending_keys: set[str] = set()

    def remember(outcome: _Outcome) -> None:
        if outcome.source_id is not None and outcome.target_id is not None:
            key = str(outcome.source_id)
            undo.setdefault(key, mine.get(key))
            mine[key] = outcome.target_id

    def flush() -> None:
        if creates:
            created = sink.create_many([body for _, body in creates])
            for (outcome, _), result in zip(creates, created, strict=True):
                if isinstance(result, str):
                    outcome.refuse(result)
                else:
                    outcome.target_id = result
                    remember(outcome)
        if updates:
            changes = [(int(outcome.target_id or 0), body) for outcome, body in updates]
            for (outcome, _), answer in zip(updates, sink.update_many(changes), strict=True):
                if isinstance(answer, str):
                    outcome.refuse(answer)
        creates.clear()
        updates.clear()
        pending_keys.clear()

    for line, row, problem in chunk:
        if row is None:
            outcomes.append(_Outcome(line, None, "rejected", reason=problem))
            continue
        names = tuple(columns if columns is not None else row)
        plan = plans.get(names)
        if plan is None:
            plan = plans[names] = column_plan(rt, list(names), options.mapping)
        record = row_to_record(rt, row, plan)
        outcome = _Outcome(line, row, "created", source_id=record.get(rt.id_field))
        outcome.links = record.pop("LINKS", None)
        outcomes.append(outcome)
        body, problems = writable_body(rt, record, ids, options.id_map_file is not None)
        if problems:
            outcome.refuse("; ".join(problems))
            continue
        key = _pending_key(body, outcome.source_id, options)
        if key is not None and key in pending_keys:
            flush()
        try:
            existing = _existing(rt, sink, body, outcome.source_id, mine, options)
            if existing is None and key is not None:
                existing = would_create.get(key)
            if simulate:
                options.check(body, existing is None)
            if existing is None:
                if simulate:
                    if key is not None:
                        would_create[key] = {**body, rt.id_field: -len(would_create) - 1}
                    continue
                creates.append((outcome, body))
            else:
                outcome.target_id = int(existing[rt.id_field])
                remember(outcome)
                if not differs(rt, existing, body):
                    outcome.what = "unchanged"
                    continue
                outcome.what = "updated"
                if simulate:
                    continue
                updates.append((outcome, body))
            if key is not None:
                pending_keys.add(key)
            if one_by_one:
                flush()
        except WriteRefused as refused:
            outcome.refuse(str(refused))
    flush()
    return outcomes


def _pending_key(body: Record, source_id: Any, options: ImportOptions) -> str | None:
    """What a later row would find this one by (its --match-on value, or its source id)."""
    if options.match_on:
        value = field_value(body, options.match_on)
        return None if value in (None, "") else "match:" + match_key(value)
    return None if source_id is None else "source:" + str(source_id)


def _existing(
    rt: RecordType,
    sink: Sink,
    body: Record,
    source_id: Any,
    mine: dict[str, int],
    options: ImportOptions,
) -> Record | None:
    """The record this row updates: the one --match-on finds, or the id map's; or None."""
    if options.match_on:
        value = field_value(body, options.match_on)
        if value in (None, ""):
            raise WriteRefused(f"{options.match_on} is empty: nothing to match on")
        found = sink.find(options.match_on, value)
        if len(found) > 1:
            ids = ", ".join(str(r[rt.id_field]) for r in found[:5])
            raise WriteRefused(
                f"{options.match_on} = {value!r} matches {len(found)} records ({ids})"
            )
        return found[0] if found else None
    if source_id is not None and str(source_id) in mine:
        return sink.get(mine[str(source_id)])
    return None


def _set_links(
    rt: RecordType,
    sink: Sink,
    items: list[tuple[int, Record, int, list[Record]]],
    ids: IdMap,
    simulate: bool,
) -> _LinkOutcome:
    """The second pass for one batch: each record's links, once every row exists."""
    done = _LinkOutcome()
    for line, row, target_id, links in items:
        wanted, problems = writable_body(rt, {"LINKS": links}, ids)
        current = sink.get(target_id) if not simulate else None
        if problems:
            # The far end is not imported (yet): importing it later links it from its side.
            # Meanwhile the links the target has already are kept, not replaced.
            done.links_waiting += len(problems)
            if current is not None:
                wanted["LINKS"] = _union(current.get("LINKS") or [], wanted["LINKS"])
        if current is not None and not differs(rt, current, wanted):
            continue
        if not simulate:
            try:
                sink.update(target_id, wanted)
            except WriteRefused as refused:
                done.refused.append((line, row, f"imported, but links not set: {refused}"))
                continue
        done.links_set += 1
    return done


def _union(current: list[Record], wanted: list[Record]) -> list[Record]:
    """The current links (as link bodies) plus the wanted ones they lack."""
    keys = {(str(k["LINK_OBJECT_NAME"]).lower(), int(k["LINK_OBJECT_ID"])) for k in current}
    kept = [
        {
            "LINK_OBJECT_NAME": k["LINK_OBJECT_NAME"],
            "LINK_OBJECT_ID": k["LINK_OBJECT_ID"],
            "ROLE": k.get("ROLE"),
            "DETAILS": k.get("DETAILS"),
            "IS_FORWARD": k.get("IS_FORWARD"),
        }
        for k in current
    ]
    extra = [
        k
        for k in wanted
        if (str(k["LINK_OBJECT_NAME"]).lower(), int(k["LINK_OBJECT_ID"])) not in keys
    ]
    return kept + extra
