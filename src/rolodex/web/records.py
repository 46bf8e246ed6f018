"""The record pages: list with search and paging, detail, create, edit and delete, for every
record type of the registry and every custom object of the instance.

Each page calls the same services as the API (rolodex.services.records and friends), so a form is
checked exactly as a POST or PUT body is; what a page offers follows the type's features (no
create form for Emails, no edit for Milestones).
"""

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rolodex.domain.registry import (
    NOTES,
    RECORD_TYPES,
    TASKS,
    Feature,
    FieldSpec,
    Kind,
    RecordType,
    by_singular,
    custom_object_type,
    is_custom_object_name,
    name_fields,
    owned_types,
    record_name,
    record_url,
)
from rolodex.errors import BadRequest, FieldError, NotFound, PreconditionFailed, RolodexError
from rolodex.services.context import Caller
from rolodex.services.custom_fields import CustomFieldService
from rolodex.services.custom_objects import CustomObjectService
from rolodex.services.files import FileService, find_file
from rolodex.services.owned import OwnedService
from rolodex.services.pipelines import pipeline_place
from rolodex.services.records import RecordService, Wire, record_names, sortable_fields
from rolodex.services.saved_filters import SavedFilter, SavedFilterService
from rolodex.services.sessions import WebSession
from rolodex.services.timeline import record_timeline
from rolodex.storage.engine import unit_of_work
from rolodex.storage.files import CHUNK_BYTES, FileStore
from rolodex.storage.repository import FieldFilter, Page
from rolodex.web.bodies import read_upload_form, stage_upload
from rolodex.web.common import (
    CsrfFailure,
    FormPost,
    check_csrf,
    form_action,
    form_post,
    redirect,
    render,
    require_session,
    writing_session,
)
from rolodex.web.fields import (
    TAGS_INPUT,
    Control,
    FormState,
    body_from_form,
    control_for_value,
    custom_controls,
    default_state,
    is_select_reference,
    list_columns,
    picked_ids,
    place_errors,
    record_state,
    search_fields,
    sections,
    spec_label,
    standard_controls,
    submitted_state,
    whole_graph,
    with_current_option,
)
from rolodex.web.navigation import record_types_of
from rolodex.wire.files import content_disposition
from rolodex.wire.records import INT64_MAX, LinkIn

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Settings lists, users and teams are short: a select offers this many at most.
_MAX_OPTIONS = 500
_SIDE_LIST = 100  # notes, files and owned records shown on a detail page
# Users are listed on the admin pages, not among the records.
_STANDARD = {rt.singular.lower(): rt for rt in RECORD_TYPES if rt.singular != "User"}
_STANDARD.update({rt.collection.lower(): rt for rt in RECORD_TYPES if rt.singular != "User"})

Session = Annotated[WebSession, Depends(require_session)]
Post = Annotated[FormPost, Depends(form_post)]


@dataclass(frozen=True)
class RecordKind:
    """A record type as the pages show it, with the instance's custom field definitions."""

    rt: RecordType
    label: str  # "Contact", or a custom object's singular label
    plural: str
    name_label: str | None  # a custom object's label for RECORD_NAME
    definitions: list[Wire]
    writable: bool  # whether the caller may change anything (not a read-only user)

    @property
    def object_name(self) -> str:
        return self.rt.singular

    @property
    def url(self) -> str:
        return f"/records/{self.rt.singular}"

    @property
    def can_create(self) -> bool:
        return self.writable and self.rt.has(Feature.CREATE)

    @property
    def can_edit(self) -> bool:
        return self.writable and self.rt.updatable

    @property
    def can_delete(self) -> bool:
        return self.writable and self.rt.deletable

    @property
    def can_link(self) -> bool:
        return self.can_edit and self.rt.has(Feature.LINKS)


@dataclass(frozen=True)
class Cell:
    """A value as a page shows it, with the address of the record it names, if any."""

    text: str
    url: str | None = None


def record_kind(connection: Connection, caller: Caller, object_name: str) -> RecordKind:
    """The record type a page's ObjectName means (any case; plural too), or 404."""
    name = object_name.strip()
    if is_custom_object_name(name):
        definition = CustomObjectService(connection, caller).get(name)
        rt = custom_object_type(definition["OBJECT_NAME"])
        label, plural = definition["SINGULAR_LABEL"], definition["PLURAL_LABEL"]
        name_label = definition["RECORD_NAME_LABEL"]
    else:
        found = _STANDARD.get(name.lower())
        if found is None:
            raise NotFound(f"There are no records called {object_name!r}.")
        rt, label, plural, name_label = found, found.singular, found.collection, None
    definitions = []
    if rt.has(Feature.CUSTOM_FIELDS):
        definitions = CustomFieldService(connection, caller, rt.singular).list_all()
    return RecordKind(rt, label, plural, name_label, definitions, not caller.read_only)


def _canonical(request: Request, kind: RecordKind, object_name: str) -> Response | None:
    """A redirect to the address spelt as the type is (Contact, Suite_Item__c), if it is not."""
    if object_name == kind.object_name:
        return None
    segments = request.url.path.split("/")  # "", "records", the name, and what follows
    segments[2] = kind.object_name
    return redirect("/".join(segments) + (f"?{request.url.query}" if request.url.query else ""))


def _check_id(record_id: int) -> None:
    if record_id > INT64_MAX:  # no record has such an id (and the database could not take it)
        raise NotFound(f"No record with ID {record_id}.")


def _engine(request: Request) -> Any:
    return request.app.state.engine


def _store(request: Request) -> FileStore:
    return FileStore.for_settings(request.app.state.settings)


# --- list ------------------------------------------------------------------------------------


def _whole_number(text: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(text or default), low), high)
    except ValueError:
        return default


@dataclass(frozen=True)
class Heading:
    """A list's column heading: its link sorts by the column (the other way if it is the
    current order); no link where the column cannot be sorted by."""

    label: str
    field: str = ""  # the field it sorts by
    url: str | None = None
    sorted: str = ""  # aria-sort: "ascending", "descending" or "" (not the current order)
    wide_only: bool = False


# How many page numbers a list's pager shows either side of the current page.
_PAGE_WINDOW = 2


@router.get("/records/{object_name}")
def record_list(request: Request, object_name: str, session: Session) -> Response:
    """A page of records, optionally those whose chosen field equals the search text, in the
    order of a column, with the total and links to the other pages."""
    return list_page(request, session, object_name, request.query_params)


@dataclass(frozen=True)
class ListView:
    """What a list page shows: its search, order and slice (as its address says them)."""

    text: str = ""
    field: str = ""
    sort: str = ""
    descending: bool = False
    skip: int = 0
    top: int = PAGE_SIZE

    def url(self, base: str, **changes: Any) -> str:
        """The address of this list (with `changes`: of another page or order of it)."""
        view = replace(self, **changes)
        params = {"skip": str(view.skip), "top": str(view.top)}
        if view.text:
            params.update(q=view.text, field=view.field)
        if view.sort:
            params.update(sort=view.sort, order="desc" if view.descending else "asc")
        return f"{base}?" + "&".join(f"{k}={_quote(v)}" for k, v in params.items())


# What a list says after a bulk action (its address's `done`): tagged-3, deleted-2.
_DONE = re.compile(r"(tagged|deleted)-(\d{1,3})")


def list_page(
    request: Request,
    session: WebSession,
    object_name: str,
    query: Mapping[str, str],
    problem: str = "",
    status_code: int = 200,
    chosen: Collection[int] = (),
) -> Response:
    """The list page that the parameters `query` describe; with `problem`, the refusal of an
    action on its chosen records (`chosen`, still ticked), shown above it."""
    view = ListView(
        text=(query.get("q") or "").strip(),
        sort=(query.get("sort") or "").strip().upper(),
        descending=query.get("order") == "desc",
        skip=_whole_number(query.get("skip"), 0, 0, INT64_MAX),
        top=_whole_number(query.get("top"), PAGE_SIZE, 1, MAX_PAGE_SIZE),
    )
    error = ""
    with unit_of_work(_engine(request)) as connection:
        kind = record_kind(connection, session.caller, object_name)
        if not problem and (moved := _canonical(request, kind, object_name)) is not None:
            return moved
        choices = search_fields(kind.rt)
        allowed = {value for value, _ in choices}
        field_name = query.get("field") or ""
        view = replace(view, field=field_name if field_name in allowed else _first(choices))
        service = RecordService(connection, session.caller, kind.rt)
        field_filter = None
        records: list[Wire] = []
        total = 0
        try:
            if view.text and view.field == TAGS_INPUT:
                field_filter = FieldFilter(tag_name=view.text)
            elif view.text:
                field_filter = service.search_filter(view.field, view.text)
            records, counted = service.list_page(
                Page(skip=view.skip, top=view.top, count_total=True),
                field_filter,
                brief=True,
                sort=(view.sort, view.descending) if view.sort else None,
            )
            total = counted or 0
        except BadRequest as exc:
            error = exc.message
        columns = list_columns(kind.rt)
        names = _reference_names(connection, session.caller, kind.rt, records, columns)
        saved = SavedFilterService(connection, session.caller, kind.rt).list()
    rows = [
        {
            "id": r[kind.rt.id_field],
            "name": Cell(
                record_name(kind.rt, r, kind.label),
                record_url(kind.object_name, r[kind.rt.id_field]),
            ),
            "cells": [_cell(spec, r.get(spec.name), names) for spec in columns],
            "updated": r.get("DATE_UPDATED_UTC") or "",
        }
        for r in records
    ]
    sortable = set(sortable_fields(kind.rt))

    def heading(label: str, field: str | None, wide_only: bool = False) -> Heading:
        if field is None or field not in sortable:
            return Heading(label, wide_only=wide_only)
        current = field == view.sort
        url = view.url(kind.url, skip=0, sort=field, descending=current and not view.descending)
        order = ("descending" if view.descending else "ascending") if current else ""
        return Heading(label, field, url, order, wide_only)

    names_of = name_fields(kind.rt)
    headings = [
        heading("Name", names_of[0] if names_of else None),
        *(
            heading(spec_label(spec, kind.name_label), spec.name, wide_only=i > 0)
            for i, spec in enumerate(columns)
        ),
        heading("Updated (UTC)", "DATE_UPDATED_UTC", wide_only=True),
    ]
    done = _DONE.fullmatch(query.get("done") or "")
    context = {
        "kind": kind,
        "rows": rows,
        "headings": headings,
        "search_choices": choices,
        "field": view.field,
        "q": view.text,
        "sort": view.sort,
        "descending": view.descending,
        "error": error,
        "problem": problem,
        "notice": _notice(kind, done.group(1), int(done.group(2))) if done else "",
        "chosen": set(chosen),
        "here": view.url(kind.url),
        "has_tags": kind.rt.has(Feature.TAGS),
        "saved": [(f, saved_filter_url(kind, f)) for f in saved],
        "showing": _showing(view.skip, len(rows), total),
        "pages": _pages(view.skip, view.top, total, lambda start: view.url(kind.url, skip=start)),
    }
    status = status_code if problem else 400 if error else 200
    return render(request, "records/list.html", context, status)


def saved_filter_url(kind: RecordKind, saved: SavedFilter) -> str:
    """The address of the list that a saved filter brings back."""
    view = ListView(saved.search_text, saved.search_field, saved.sort_field, saved.descending)
    return view.url(kind.url)


def _first(choices: list[tuple[str, str]]) -> str:
    return choices[0][0] if choices else ""


def _notice(kind: RecordKind, done: str, count: int) -> str:
    """What a list says after a bulk action: "Tagged 3 contacts." """
    noun = kind.label.lower() if count == 1 else kind.plural.lower()
    return f"{done.capitalize()} {count} {noun}."


@dataclass(frozen=True)
class PageLink:
    """One link of a list's pager: a page number, or First, Previous, Next, Last."""

    label: str
    url: str | None  # None: the current page, or First/Previous on the first page, ...
    current: bool = False
    rel: str = ""


def _showing(skip: int, shown: int, total: int) -> str:
    """The count a list shows: "1-20 of 1,234" (with an en dash), "None of 1,234" past the end."""
    if not shown:
        return f"None of {total:,}" if total else ""
    return f"{skip + 1:,}\u2013{skip + shown:,} of {total:,}"


def _pages(skip: int, top: int, total: int, url: Callable[[int], str]) -> list[PageLink]:
    """First, Previous, a window of page numbers around the current page, Next and Last; empty
    when everything fits on one page."""
    count = max((total + top - 1) // top, 1)
    if count == 1 and skip == 0:
        return []
    current = min(skip // top, count - 1)
    at_start, at_end = skip == 0, skip + top >= total
    low = max(min(current - _PAGE_WINDOW, count - 1 - 2 * _PAGE_WINDOW), 0)
    high = min(low + 2 * _PAGE_WINDOW, count - 1)
    links = [
        PageLink("First", None if at_start else url(0)),
        PageLink("Previous", None if at_start else url(max(skip - top, 0)), rel="prev"),
    ]
    for number in range(low, high + 1):
        here = skip == number * top
        links.append(PageLink(f"{number + 1:,}", None if here else url(number * top), here))
    links += [
        PageLink("Next", None if at_end else url(skip + top), rel="next"),
        PageLink("Last", None if at_end else url((count - 1) * top)),
    ]
    return links


def _quote(value: str) -> str:
    return quote(value, safe="")


# --- detail ----------------------------------------------------------------------------------


@router.get("/records/{object_name}/{record_id:int}")
def record_detail(request: Request, object_name: str, record_id: int, session: Session) -> Response:
    """A record with its fields, custom fields, tags, links, notes and files."""
    _check_id(record_id)
    with unit_of_work(_engine(request)) as connection:
        kind = record_kind(connection, session.caller, object_name)
        if (moved := _canonical(request, kind, object_name)) is not None:
            return moved
        context = _detail_context(connection, session.caller, kind, record_id, _store(request))
    return render(request, "records/detail.html", context)


def _detail_context(
    connection: Connection,
    caller: Caller,
    kind: RecordKind,
    record_id: int,
    store: FileStore,
    note: FormState | None = None,
    link_form: FormState | None = None,
    file_error: str = "",
    task: FormState | None = None,
) -> dict[str, Any]:
    rt = kind.rt
    service = RecordService(connection, caller, rt)
    record = service.get(record_id)
    specs = [s for s in rt.fields if s.name != rt.id_field]
    names = _reference_names(connection, caller, rt, [record], specs)
    shown_always = set(name_fields(rt)) | {"DATE_UPDATED_UTC"}
    named = _pipeline_cells(connection, caller, rt, record) if rt.has(Feature.PIPELINE) else {}
    fields = [
        (
            named[spec.name][0] if spec.name in named else spec_label(spec, kind.name_label),
            named[spec.name][1]
            if spec.name in named
            else _cell(spec, record.get(spec.name), names),
        )
        for spec in specs
        if record.get(spec.name) not in (None, "") or spec.name in shown_always or spec.required
    ]
    type_labels = _type_labels(connection, caller)
    links = record.get("LINKS", [])
    if rt.has(Feature.NOTES):  # its notes have a section of their own
        links = [link for link in links if link["LINK_OBJECT_NAME"] != NOTES.singular]
    links = _links(connection, caller, links, type_labels)
    shows_timeline = rt.has(Feature.NOTES) or rt.has(Feature.ACTIVITIES)
    timeline = record_timeline(connection, caller, rt, record_id) if shows_timeline else None
    files: list[Wire] = []
    if rt.has(Feature.FILE_ATTACHMENTS):
        files, _ = FileService(connection, caller, rt, store).list_files(
            record_id, Page(top=_SIDE_LIST)
        )
    owned = []
    for owned_rt in owned_types(rt):
        found, _ = OwnedService(connection, caller, rt, owned_rt).list_page(
            record_id, Page(top=_SIDE_LIST), brief=True
        )
        owned.append(
            (
                owned_rt.collection,
                [
                    Cell(
                        record_name(owned_rt, r),
                        record_url(owned_rt.singular, r[owned_rt.id_field]),
                    )
                    for r in found
                ],
            )
        )
    return {
        "kind": kind,
        "record_id": record_id,
        "title": record_name(rt, record, kind.label),
        "fields": fields,
        "custom": _custom_cells(kind, record, type_labels),
        "tags": [t["TAG_NAME"] for t in record.get("TAGS", [])],
        "dates": record.get("DATES"),
        "email_domains": [d["EMAIL_DOMAIN"] for d in record.get("EMAILDOMAINS", [])],
        "links": links,
        "looked_up_by": [
            (
                type_labels.get(item["OBJECT_NAME"], item["OBJECT_NAME"]),
                Cell(item["RECORD_NAME"], record_url(item["OBJECT_NAME"], item["RECORD_ID"])),
            )
            for item in record.get("LOOKED_UP_BY", [])
        ],
        "has_notes": rt.has(Feature.NOTES),
        "has_tasks": rt.has(Feature.ACTIVITIES),
        "timeline": timeline,
        "note": note or FormState(),
        "task": task or FormState(),
        "has_files": rt.has(Feature.FILE_ATTACHMENTS),
        "files": files,
        "file_error": file_error,
        "owned": owned,
        "can_link": kind.can_link,
        "link_targets": [t for t in record_types_of(connection, caller) if t.object_name != "Note"],
        "link_form": link_form or FormState(),
        "link_name": _link_name(connection, caller, link_form, type_labels),
    }


def _pipeline_cells(
    connection: Connection, caller: Caller, rt: RecordType, record: Wire
) -> dict[str, tuple[str, Cell]]:
    """The pipeline (a link to its board) and the stage a record is at, by name."""
    pipeline, stage = pipeline_place(connection, caller, record)
    cells = {}
    if pipeline is not None:
        board = f"/boards/{rt.collection}/{record['PIPELINE_ID']}"
        cells["PIPELINE_ID"] = ("Pipeline", Cell(pipeline, board))
    if stage is not None:
        cells["STAGE_ID"] = ("Stage", Cell(stage))
    return cells


def _link_name(
    connection: Connection, caller: Caller, form: FormState | None, type_labels: dict[str, str]
) -> str:
    """The name of the record the link form (shown again) had chosen, for its picker."""
    values = form.values if form else {}
    object_name, chosen = values.get("LINK_OBJECT_NAME"), values.get("LINK_OBJECT_ID")
    if object_name not in type_labels or not isinstance(chosen, str):
        return ""
    if not chosen.isdigit() or len(chosen) > 18:  # not an id, or none a record has
        return ""
    key = (str(object_name), int(chosen))
    return record_names(connection, caller, {key[0]: {key[1]}}).get(key, "")


def _custom_cells(
    kind: RecordKind, record: Wire, type_labels: dict[str, str]
) -> list[tuple[str, Cell]]:
    values = {item["FIELD_NAME"]: item["FIELD_VALUE"] for item in record.get("CUSTOMFIELDS", [])}
    lookups = {item["FIELD_NAME"]: item for item in record.get("LOOKUPS", [])}
    cells = []
    for defn in sorted(kind.definitions, key=lambda d: (d["FIELD_ORDER"], d["FIELD_NAME"])):
        if not defn["VISIBLE"]:
            continue
        value = values.get(defn["FIELD_NAME"])
        lookup = lookups.get(defn["FIELD_NAME"])
        if lookup is not None:
            target = by_singular(lookup["OBJECT_NAME"])
            label = type_labels.get(target.singular, target.singular)
            browsable = target.has(Feature.LINKS)  # users have no pages
            cell = Cell(
                record_name(target, lookup["RECORD"], label),
                record_url(target.singular, lookup["RECORD_ID"]) if browsable else None,
            )
        elif isinstance(value, bool):
            cell = Cell("Yes" if value else "No")
        elif defn["FIELD_TYPE"] == "MULTISELECT" and isinstance(value, str):
            cell = Cell(", ".join(value.split(";")))
        else:
            cell = Cell("" if value is None else str(value))
        cells.append((defn["FIELD_LABEL"], cell))
    return cells


def _links(
    connection: Connection, caller: Caller, links: list[Wire], type_labels: dict[str, str]
) -> list[dict[str, Any]]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for link in links:
        wanted[link["LINK_OBJECT_NAME"]].add(link["LINK_OBJECT_ID"])
    names = record_names(connection, caller, wanted, type_labels)
    return [
        {
            "type": type_labels.get(link["LINK_OBJECT_NAME"], link["LINK_OBJECT_NAME"]),
            "record": Cell(
                names.get((link["LINK_OBJECT_NAME"], link["LINK_OBJECT_ID"]), "")
                or f"{link['LINK_OBJECT_NAME']} {link['LINK_OBJECT_ID']}",
                record_url(link["LINK_OBJECT_NAME"], link["LINK_OBJECT_ID"]),
            ),
            "role": link["ROLE"] or "",
            "id": link["LINK_ID"],
        }
        for link in links
    ]


def _type_labels(connection: Connection, caller: Caller) -> dict[str, str]:
    """The singular label of every type a link or lookup may name."""
    labels = {rt.singular: rt.singular for rt in RECORD_TYPES}
    objects, _ = CustomObjectService(connection, caller).list_page(Page(top=_MAX_OPTIONS))
    labels.update({o["OBJECT_NAME"]: o["SINGULAR_LABEL"] for o in objects})
    return labels


def _reference_names(
    connection: Connection,
    caller: Caller,
    rt: RecordType,
    records: list[Wire],
    specs: list[FieldSpec] | tuple[FieldSpec, ...],
) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for spec in specs:
        if spec.references is None:
            continue
        for record in records:
            value = record.get(spec.name)
            if isinstance(value, int):
                wanted[by_singular(spec.references).singular].add(value)
    return record_names(connection, caller, wanted)


def _cell(spec: FieldSpec, value: Any, names: dict[tuple[str, int], str]) -> Cell:
    """A standard field's value for people; a reference as its record's name (and link)."""
    if value is None or value == "":
        return Cell("")
    if spec.references is not None and isinstance(value, int):
        target = by_singular(spec.references)
        text = names.get((target.singular, value), f"{target.singular} {value}")
        browsable = target.has(Feature.LINKS)
        return Cell(text, record_url(target.singular, value) if browsable else None)
    if spec.kind is Kind.BOOL:
        return Cell("Yes" if value else "No")
    if spec.kind is Kind.DATETIME and isinstance(value, str) and not spec.name.endswith("_UTC"):
        day, _, time = value.partition(" ")
        return Cell(day if time == "00:00:00" else value)
    return Cell(str(value))


# --- forms -----------------------------------------------------------------------------------


def _select_choices(
    connection: Connection, caller: Caller, rt: RecordType
) -> dict[str, list[tuple[str, str]]]:
    """The options of each reference chosen from a select, and of each list of ids chosen
    from boxes (VISIBLE_USER_IDS): its target's active rows."""
    loaded: dict[str, list[tuple[str, str]]] = {}
    choices = {}
    for spec in rt.writable_fields:
        if not is_select_reference(spec) and spec.lists is None:
            continue
        target = by_singular(spec.references or spec.lists or "")
        if target.singular not in loaded:
            rows, _ = RecordService(connection, caller, target).list_page(
                Page(top=_MAX_OPTIONS), brief=True
            )
            active = target.active_flag
            loaded[target.singular] = [
                (str(row[target.id_field]), record_name(target, row))
                for row in rows
                if active is None or row[active]
            ]
        choices[spec.name] = loaded[target.singular]
    return choices


def _controls(connection: Connection, caller: Caller, kind: RecordKind) -> list[Control]:
    choices = _select_choices(connection, caller, kind.rt)
    return [
        *standard_controls(kind.rt, choices, kind.name_label),
        *custom_controls(kind.definitions),
    ]


def _form_page(
    request: Request,
    kind: RecordKind,
    controls: list[Control],
    state: FormState,
    record_id: int | None = None,
    etag: str = "",
    status_code: int = 200,
) -> Response:
    shown = []
    for control in controls:
        value = state.values.get(control.name, "")
        shown.append(control_for_value(with_current_option(control, value), value))
    context = {
        "kind": kind,
        "sections": sections(shown),
        "state": state,
        "picked": _picked_names(request, controls, state.values),
        "record_id": record_id,
        "etag": etag,
        "has_tags": kind.rt.has(Feature.TAGS),
        "action": f"{kind.url}/{record_id}/edit" if record_id is not None else f"{kind.url}/new",
        "check": f"{kind.url}/{record_id}/check" if record_id is not None else f"{kind.url}/check",
        "cancel_url": record_url(kind.object_name, record_id) if record_id else kind.url,
    }
    return render(request, "records/form.html", context, status_code)


def _picked_names(
    request: Request, controls: list[Control], values: dict[str, Any]
) -> dict[str, str]:
    """The name of the record each picker shows (one statement per type of record picked)."""
    wanted = picked_ids(controls, values)
    if not wanted:
        return {}
    session = require_session(request)
    with unit_of_work(_engine(request)) as connection:
        names = record_names(connection, session.caller, wanted)
    return {
        control.name: names.get((control.picks, int(values[control.name])), "")
        for control in controls
        if control.picks in wanted and str(values.get(control.name, "")).isdigit()
    }


def _error_state(
    exc: RolodexError, controls: list[Control], order: list[str], values: dict[str, Any]
) -> FormState:
    by_control, general = place_errors(exc.errors, controls, order)
    if not exc.errors:
        general = [exc.message]
    return FormState(values, by_control, general)


_OWNER = "OWNER_USER_ID"


@router.get("/records/{object_name}/new")
def new_record_form(request: Request, object_name: str, session: Session) -> Response:
    """The form of a new record, with the fields' defaults."""
    with unit_of_work(_engine(request)) as connection:
        kind = _creatable(connection, session.caller, object_name)
        if (moved := _canonical(request, kind, object_name)) is not None:
            return moved
        controls = _controls(connection, session.caller, kind)
    values = default_state(kind.rt, controls, kind.definitions)
    if values.get(_OWNER) == "":  # a new record is the signed-in user's unless changed
        values[_OWNER] = str(session.caller.user_id)
    return _form_page(request, kind, controls, FormState(values))


@router.post("/records/{object_name}/new")
def create_record(request: Request, object_name: str, post: Post) -> Response:
    """Create the record the form describes, or show the form again with each error."""
    caller = post.session.caller
    with unit_of_work(_engine(request)) as connection:
        kind = _creatable(connection, caller, object_name)
        controls = _controls(connection, caller, kind)
    tags = kind.rt.has(Feature.TAGS)
    values = submitted_state(controls, post.form, tags)
    body, order = body_from_form(controls, values, tags, creating=True)
    return form_action(
        request,
        lambda connection: RecordService(connection, caller, kind.rt).create(body)[0],
        lambda record: redirect(record_url(kind.object_name, record[kind.rt.id_field])),
        lambda error: _form_page(
            request, kind, controls, _error_state(error, controls, order, values), status_code=400
        ),
    )


def _to_change(
    connection: Connection,
    caller: Caller,
    object_name: str,
    allowed: Callable[[RecordKind], bool],
    refusal: str,
) -> RecordKind:
    """The record type of a page that changes records of it: 403 for a read-only user (its
    form too, so that the user is told why), 404 where the pages offer no such change."""
    caller.check_may_write()
    kind = record_kind(connection, caller, object_name)
    if not allowed(kind):
        raise NotFound(refusal.format(plural=kind.plural))
    return kind


def _creatable(connection: Connection, caller: Caller, object_name: str) -> RecordKind:
    return _to_change(
        connection,
        caller,
        object_name,
        lambda kind: kind.can_create,
        "{plural} are not created here.",
    )


def _editable(connection: Connection, caller: Caller, object_name: str) -> RecordKind:
    return _to_change(
        connection,
        caller,
        object_name,
        lambda kind: kind.can_edit,
        "{plural} cannot be changed here.",
    )


@router.get("/records/{object_name}/{record_id:int}/edit")
def edit_record_form(
    request: Request, object_name: str, record_id: int, session: Session
) -> Response:
    """The form of a record's fields, custom fields and tags, as they are now."""
    _check_id(record_id)
    with unit_of_work(_engine(request)) as connection:
        kind = _editable(connection, session.caller, object_name)
        if (moved := _canonical(request, kind, object_name)) is not None:
            return moved
        record, etag = RecordService(connection, session.caller, kind.rt).read(record_id)
        controls = _controls(connection, session.caller, kind)
    state = FormState(record_state(controls, record))
    return _form_page(request, kind, controls, state, record_id, etag)


@router.post("/records/{object_name}/{record_id:int}/edit")
def update_record(request: Request, object_name: str, record_id: int, post: Post) -> Response:
    """Save the form over the record as read when the form was opened (its ETag): a record
    changed since is not overwritten. Sub-collections the form does not show are kept."""
    _check_id(record_id)
    caller = post.session.caller
    etag = post.text("etag")
    with unit_of_work(_engine(request)) as connection:
        kind = _editable(connection, caller, object_name)
        controls = _controls(connection, caller, kind)
    tags = kind.rt.has(Feature.TAGS)
    values = submitted_state(controls, post.form, tags)
    changes, order = body_from_form(controls, values, tags, creating=False)

    def change(connection: Connection) -> None:
        service = RecordService(connection, caller, kind.rt, if_match=etag or None)
        service.update(whole_graph(service.get(record_id), changes), record_id)

    def again(error: RolodexError) -> Response:
        if isinstance(error, PreconditionFailed):
            stale = FormState(values, general=[STALE_MESSAGE], stale=True)
            return _form_page(request, kind, controls, stale, record_id, etag, 412)
        state = _error_state(error, controls, order, values)
        return _form_page(request, kind, controls, state, record_id, etag, 400)

    return form_action(
        request,
        change,
        lambda _: redirect(record_url(kind.object_name, record_id)),
        again,
        (PreconditionFailed, BadRequest),
    )


@router.post("/records/{object_name}/check")
def check_new_record(request: Request, object_name: str, post: Post) -> Response:
    """The messages the new-record form's values would get if sent now, by field (as JSON)."""
    return _check(request, object_name, None, post)


@router.post("/records/{object_name}/{record_id:int}/check")
def check_record(request: Request, object_name: str, record_id: int, post: Post) -> Response:
    """The messages the edit form's values would get if saved now, by field (as JSON)."""
    _check_id(record_id)
    return _check(request, object_name, record_id, post)


def _check(request: Request, object_name: str, record_id: int | None, post: FormPost) -> Response:
    """The form's values checked by the service's own rules (RecordService.check), exactly as
    the form's POST would be; nothing is written."""
    caller = post.session.caller
    with unit_of_work(_engine(request)) as connection:
        if record_id is None:
            kind = _creatable(connection, caller, object_name)
        else:
            kind = _editable(connection, caller, object_name)
        controls = _controls(connection, caller, kind)
        tags = kind.rt.has(Feature.TAGS)
        values = submitted_state(controls, post.form, tags)
        body, order = body_from_form(controls, values, tags, creating=record_id is None)
        service = RecordService(connection, caller, kind.rt)
        try:
            if record_id is None:
                service.check(body)
            else:
                service.check(whole_graph(service.get(record_id), body), record_id)
        except BadRequest as error:
            state = _error_state(error, controls, order, values)
            return JSONResponse({"errors": state.errors, "general": state.general})
    return JSONResponse({"errors": {}, "general": []})


STALE_MESSAGE = (
    "Someone changed this record after you opened this form, so your changes were not saved. "
    "Open the record again to see its current values, then make your changes again."
)


# --- delete, notes and files -----------------------------------------------------------------


@router.get("/records/{object_name}/{record_id:int}/delete")
def delete_record_form(
    request: Request, object_name: str, record_id: int, session: Session
) -> Response:
    """Ask before deleting a record."""
    _check_id(record_id)
    with unit_of_work(_engine(request)) as connection:
        kind = _deletable(connection, session.caller, object_name)
        if (moved := _canonical(request, kind, object_name)) is not None:
            return moved
        record = RecordService(connection, session.caller, kind.rt).get(record_id, brief=True)
    context = {
        "kind": kind,
        "record_id": record_id,
        "title": record_name(kind.rt, record, kind.label),
    }
    return render(request, "records/delete.html", context)


@router.post("/records/{object_name}/{record_id:int}/delete")
def delete_record(request: Request, object_name: str, record_id: int, post: Post) -> Response:
    """Delete a record (as DELETE /v3.1/{Coll}/{id} does), then show its list."""
    _check_id(record_id)
    with unit_of_work(_engine(request), write=True) as connection:
        kind = _deletable(connection, post.session.caller, object_name)
        removed = RecordService(connection, post.session.caller, kind.rt).delete(record_id)
    # The record's files leave the disk only once its deletion has committed.
    _store(request).remove(removed)
    return redirect(kind.url)


def _deletable(connection: Connection, caller: Caller, object_name: str) -> RecordKind:
    return _to_change(
        connection,
        caller,
        object_name,
        lambda kind: kind.can_delete,
        "{plural} cannot be deleted here.",
    )


@router.post("/records/{object_name}/{record_id:int}/notes")
def add_note(request: Request, object_name: str, record_id: int, post: Post) -> Response:
    """Add a note to the record (as POST /v3.1/{Coll}/{id}/Notes does)."""
    values: dict[str, Any] = {
        "TITLE": post.text("TITLE"),
        "BODY": str(post.form.get("BODY") or "").replace("\r\n", "\n"),
    }
    data = {name: value if value.strip() else None for name, value in values.items()}
    return _add_linked(request, object_name, record_id, post, NOTES, values, data)


@router.post("/records/{object_name}/{record_id:int}/tasks")
def add_task(request: Request, object_name: str, record_id: int, post: Post) -> Response:
    """Add a task linked to the record (as POST /v3.1/Tasks with a link to it does)."""
    values = {"TITLE": post.text("TITLE"), "DUE_DATE": post.text("DUE_DATE")}
    data = {name: value or None for name, value in values.items()}
    return _add_linked(request, object_name, record_id, post, TASKS, values, data)


# What the timeline's quick add makes: the feature the record needs, and its plural.
_QUICK_ADDS = {"Note": (Feature.NOTES, "notes"), "Task": (Feature.ACTIVITIES, "tasks")}


def _add_linked(
    request: Request,
    object_name: str,
    record_id: int,
    post: Post,
    made: RecordType,
    values: dict[str, Any],
    data: dict[str, Any],
) -> Response:
    """Make a `made` record (a note, a task) linked to the record, from the timeline's quick
    add form; its form again on the detail page, with the errors, when it is refused."""
    _check_id(record_id)
    caller = post.session.caller
    feature, plural = _QUICK_ADDS[made.singular]

    def change(connection: Connection) -> RecordKind:
        kind = record_kind(connection, caller, object_name)
        if not kind.rt.has(feature):
            raise NotFound(f"{kind.plural} have no {plural}.")
        RecordService(connection, caller, kind.rt).get(record_id, brief=True)
        link = LinkIn(LINK_OBJECT_NAME=kind.object_name, LINK_OBJECT_ID=record_id)
        RecordService(connection, caller, made).create(data, extra_links=[link])
        return kind

    def again(error: RolodexError) -> Response:
        controls = [c for c in standard_controls(made, {}) if c.name in values]
        state = _error_state(error, controls, [], values)
        if made is NOTES:
            return _detail_page(request, caller, object_name, record_id, note=state)
        return _detail_page(request, caller, object_name, record_id, task=state)

    return form_action(
        request,
        change,
        lambda kind: redirect(record_url(kind.object_name, record_id) + "#timeline"),
        again,
    )


@router.get("/files/{file_id:int}")
def download_file(request: Request, file_id: int, session: Session) -> Response:
    """A file attachment's content, for a user of the file's instance only."""
    _check_id(file_id)
    with unit_of_work(_engine(request)) as connection:
        row = find_file(connection, session.caller, file_id)
    handle = _store(request).open(row["storage_key"])
    if handle is None:
        raise NotFound(f"The content of file {row['file_name']!r} is missing from the server.")

    def chunks() -> Any:
        with handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk

    headers = {
        "Content-Type": row["content_type"],
        "Content-Disposition": content_disposition("attachment", row["file_name"]),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    return StreamingResponse(chunks(), headers=headers)


_LINK_FIELDS = ("LINK_OBJECT_NAME", "LINK_OBJECT_ID", "ROLE")


@router.post("/records/{object_name}/{record_id:int}/links")
def add_link(request: Request, object_name: str, record_id: int, post: Post) -> Response:
    """Link the record to another (as POST /v3.1/{Coll}/{id}/Links does)."""
    _check_id(record_id)
    caller = post.session.caller
    values = {name: post.text(name) for name in _LINK_FIELDS}
    data: dict[str, Any] = {name: value or None for name, value in values.items()}

    def change(connection: Connection) -> RecordKind:
        kind = _linkable(connection, caller, object_name)
        if data["LINK_OBJECT_ID"] is not None and not values["LINK_OBJECT_ID"].isdigit():
            raise BadRequest(
                "Invalid link.",
                [FieldError("LINK_OBJECT_ID", "must be a record ID (a whole number)")],
            )
        RecordService(connection, caller, kind.rt).add_link(record_id, data)
        return kind

    def again(error: RolodexError) -> Response:
        controls = [Control(name, name, "text") for name in _LINK_FIELDS]
        state = _error_state(error, controls, [], values)
        return _detail_page(request, caller, object_name, record_id, link_form=state)

    return form_action(
        request,
        change,
        lambda kind: redirect(record_url(kind.object_name, record_id) + "#links"),
        again,
    )


@router.post("/records/{object_name}/{record_id:int}/links/{link_id:int}/delete")
def remove_link(
    request: Request, object_name: str, record_id: int, link_id: int, post: Post
) -> Response:
    """Remove one link (as DELETE /v3.1/{Coll}/{id}/Links/{linkId} does)."""
    _check_id(record_id)
    _check_id(link_id)
    caller = post.session.caller
    with unit_of_work(_engine(request), write=True) as connection:
        kind = _linkable(connection, caller, object_name)
        RecordService(connection, caller, kind.rt).delete_link(record_id, link_id)
    return redirect(record_url(kind.object_name, record_id) + "#links")


def _linkable(connection: Connection, caller: Caller, object_name: str) -> RecordKind:
    return _to_change(
        connection,
        caller,
        object_name,
        lambda kind: kind.can_link,
        "Links of {plural} cannot be changed here.",
    )


@router.post("/records/{object_name}/{record_id:int}/files")
async def upload_file(request: Request, object_name: str, record_id: int) -> Response:
    """Attach an uploaded file (as POST /v3.1/{Coll}/{id}/FileAttachments does)."""
    _check_id(record_id)
    session = await writing_session(request)
    limit = int(request.app.state.settings.max_upload_bytes)
    form = await read_upload_form(request, limit)
    try:
        check_csrf(session, form)
    except CsrfFailure:
        for _name, value in form.multi_items():
            if isinstance(value, UploadFile):
                await value.close()
        raise
    store = _store(request)
    caller = session.caller
    try:
        new = await stage_upload(form, store, caller.instance_id, limit)
    except BadRequest as exc:
        return await run_in_threadpool(
            partial(_detail_page, request, caller, object_name, record_id, file_error=exc.message)
        )

    def attach() -> RecordKind:
        with unit_of_work(_engine(request), write=True) as connection:
            kind = record_kind(connection, caller, object_name)
            if not kind.rt.has(Feature.FILE_ATTACHMENTS):
                raise NotFound(f"{kind.plural} have no files.")
            FileService(connection, caller, kind.rt, store).add_file(record_id, new)
            return kind

    try:
        kind = await run_in_threadpool(attach)
    except BaseException:
        store.discard(new.key)  # synchronous: it must run even when the task is cancelled
        raise
    return redirect(record_url(kind.object_name, record_id) + "#files")


def _detail_page(
    request: Request,
    caller: Caller,
    object_name: str,
    record_id: int,
    note: FormState | None = None,
    link_form: FormState | None = None,
    file_error: str = "",
    task: FormState | None = None,
) -> Response:
    """The record's page again (a 400) with the error of one of its forms."""
    with unit_of_work(_engine(request)) as connection:
        kind = record_kind(connection, caller, object_name)
        context = _detail_context(
            connection, caller, kind, record_id, _store(request), note, link_form, file_error, task
        )
    return render(request, "records/detail.html", context, 400)
