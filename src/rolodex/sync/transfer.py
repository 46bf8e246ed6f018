"""`rolodex export` and `rolodex import`: records to and from CSV or JSONL files."""

import csv
import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolodex.client import Resource
from rolodex.client.core import Record
from rolodex.domain.registry import Feature, RecordType
from rolodex.sync.files import (
    TAGS_COLUMN,
    cell,
    csv_header,
    read_rows,
    tags_cell,
    tags_from_cell,
    write_atomically,
)
from rolodex.sync.records import IdMap, differs, writable_body
from rolodex.sync.sinks import Sink, WriteRefused

Tick = Callable[[int], None]


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
            for key, value in record.items():
                if not isinstance(value, list):
                    scalar_names[key] = None
            for item in record.get("CUSTOMFIELDS") or []:
                custom_names[item["FIELD_NAME"]] = None
            count += 1
            tick(1)
        buffer.seek(0)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as handle:
            if fmt == "jsonl":
                for line in buffer:
                    handle.write(line)
            else:
                columns = [*scalar_names, *custom_names, TAGS_COLUMN]
                writer = csv.writer(handle)
                writer.writerow(columns)
                for line in buffer:
                    writer.writerow(_csv_row(json.loads(line), scalar_names, custom_names))
    return count, records.cursor


def _csv_row(record: Record, scalars: Iterable[str], custom: Iterable[str]) -> list[str]:
    values = {c["FIELD_NAME"]: c.get("FIELD_VALUE") for c in record.get("CUSTOMFIELDS") or []}
    row = [cell(record.get(name)) for name in scalars]
    row += [cell(values.get(name)) for name in custom]
    row.append(tags_cell(record.get("TAGS") or []))
    return row


# --- import --------------------------------------------------------------------------------


@dataclass
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)  # column -> field ('' = ignore)
    match_on: str | None = None
    dry_run: bool = False
    id_map_file: Path | None = None


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


def import_records(
    rt: RecordType,
    sink: Sink,
    path: Path,
    fmt: str,
    options: ImportOptions,
    rejects: Rejects,
    tick: Tick,
) -> ImportSummary:
    """Import every row of `path`: create, or update what --match-on (or the id map) finds;
    refused rows go to `rejects`. Links are set in a second pass, once every row exists."""
    summary = ImportSummary()
    ids = load_id_map(options.id_map_file)
    mine = ids.setdefault(rt.singular, {})
    columns = csv_header(path) if fmt == "csv" else None
    pending_links: list[tuple[int, Record, int, list[Record]]] = []
    for line, row, problem in read_rows(path, fmt):
        summary.read += 1
        tick(1)
        if row is None:
            rejects.add(line, None, problem)
            summary.rejected += 1
            continue
        plan = column_plan(rt, columns if columns is not None else list(row), options.mapping)
        record = row_to_record(rt, row, plan)
        source_id = record.get(rt.id_field)
        links = record.pop("LINKS", None)
        body, problems = writable_body(rt, record, ids, options.id_map_file is not None)
        if problems:
            rejects.add(line, row, "; ".join(problems))
            summary.rejected += 1
            continue
        try:
            target_id, outcome = _write(rt, sink, body, source_id, mine, options)
        except WriteRefused as refused:
            rejects.add(line, row, str(refused))
            summary.rejected += 1
            continue
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        if target_id is not None and source_id is not None:
            mine[str(source_id)] = target_id
        if links is not None and target_id is not None:
            pending_links.append((line, row, target_id, links))
    for line, row, target_id, links in pending_links:
        wanted, problems = writable_body(rt, {"LINKS": links}, ids)
        current = sink.get(target_id) if not options.dry_run else None
        if problems:
            # The far end is not imported (yet): importing it later links it from its side.
            # Meanwhile the links the target has already are kept, not replaced.
            summary.links_waiting += len(problems)
            if current is not None:
                wanted["LINKS"] = _union(current.get("LINKS") or [], wanted["LINKS"])
        if current is not None and not differs(rt, current, wanted):
            continue
        if not options.dry_run:
            try:
                sink.update(target_id, wanted)
            except WriteRefused as refused:
                rejects.add(line, row, f"imported, but links not set: {refused}")
                summary.rejected += 1
                continue
        summary.links_set += 1
    if options.id_map_file is not None and not options.dry_run:
        write_atomically(options.id_map_file, json.dumps(ids, indent=1))
    return summary


def _write(
    rt: RecordType,
    sink: Sink,
    body: Record,
    source_id: Any,
    mine: dict[str, int],
    options: ImportOptions,
) -> tuple[int | None, str]:
    """Create or update one record; its target id and what happened."""
    existing: Record | None = None
    if options.match_on:
        value = _match_value(body, options.match_on)
        if value in (None, ""):
            raise WriteRefused(f"{options.match_on} is empty: nothing to match on")
        found = sink.find(options.match_on, value)
        if len(found) > 1:
            ids = ", ".join(str(r[rt.id_field]) for r in found[:5])
            raise WriteRefused(
                f"{options.match_on} = {value!r} matches {len(found)} records ({ids})"
            )
        existing = found[0] if found else None
    elif source_id is not None and str(source_id) in mine:
        existing = sink.get(mine[str(source_id)])
    if existing is None:
        # Checked here too, so that --dry-run finds what the server would refuse first.
        missing = [
            spec.name
            for spec in rt.writable_fields
            if spec.required and str(body.get(spec.name) or "").strip() == ""
        ]
        if missing:
            raise WriteRefused("; ".join(f"{name}: is required" for name in missing))
        if options.dry_run:
            return None, "created"
        created = sink.create(body)
        return int(created[rt.id_field]), "created"
    target_id = int(existing[rt.id_field])
    if not differs(rt, existing, body):
        return target_id, "unchanged"
    if not options.dry_run:
        sink.update(target_id, body)
    return target_id, "updated"


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


def _match_value(body: Record, name: str) -> Any:
    if name.upper().endswith("__C"):
        for item in body.get("CUSTOMFIELDS") or []:
            if item["FIELD_NAME"].lower() == name.lower():
                return item["FIELD_VALUE"]
        return None
    return body.get(name.upper())
