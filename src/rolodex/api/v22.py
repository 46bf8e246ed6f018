"""/v2.2 record types in the v2 object graph, over the same record services as /v3.1.

Contacts, Organisations, Leads, Opportunities, Projects, Tasks, Events, Notes and Emails are
served here; every handler translates with rolodex.wire.v22 (the mapping table is there) and
calls the same RecordService as /v3.1, so a record written here reads back through every
version. The v2.2 operations without a graph record in their request body (follows, files,
images, pipelines, categories, teams, ...) are re-mounted /v3.1 handlers (api.versions.V2_2).
v2.2's rules (contract §10):
- `PUT` replaces the whole graph: each sub-collection left out is removed (the address and
  contact-info fields it maps to are cleared, custom fields not sent are cleared); items sent
  back keep their ids. Top-level fields left out are unchanged, as in v3.1 **(decision)**.
- `PUT ?brief=true` changes the top-level fields only.
- What the v3.1 record has no field for (a third address, a second e-mail, labels) is kept in
  the record's v2.2 extension (rolodex.wire.v22 says how), read with the record by every v2.2
  route (the record services are built with `extension_wire`).
- An invalid sub-element is a 400 naming it, and nothing changes (**decision**: Insightly drops
  invalid sub-elements).
- Sub-elements are edited one at a time at /{Coll}/{id}/Addresses, /ContactInfos, /Dates,
  /CustomFields, /Links, /ContactLinks, /OrganisationLinks, /EventLinks, /NoteLinks (and
  /TaskLinks, /EmailLinks): each is a whole-graph PUT of the record with that one item added
  (POST), changed (PUT, the item's id in the body) or removed (DELETE .../{itemId}).
- `/Contacts/Search` takes v2.2's named filters (one at a time, **decision**): email,
  phone_number, first_name, last_name, city, state, postcode, country (of the mail address),
  organisation (an id), tag; `/Organisations/Search`: name, phone_number, website, city, state,
  postcode, country (of the billing address), tag **(decision: the v2.2 sources name only the
  Contacts filters)**; the other types take v3.1's field_name/field_value in v2.2 field names,
  or tag. All take updated_after_utc and the paging parameters.
- `POST /Notes` takes v2.2's LINK_SUBJECT_ID and LINK_SUBJECT_TYPE (CONTACT, ORGANISATION,
  OPPORTUNITY, PROJECT, LEAD) and links the note to that record.
"""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, page_from, query_bool, query_value, read_body
from rolodex.api.records import RecordId, record_service
from rolodex.api.responses import WireResponse, list_response, record_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.registry import (
    CONTACTS,
    EMAILS,
    EVENTS,
    LEADS,
    NOTES,
    OPPORTUNITIES,
    ORGANISATIONS,
    PROJECTS,
    TASKS,
    Feature,
    RecordType,
    by_singular,
)
from rolodex.errors import BadRequest, NotFound, invalid_field
from rolodex.services.context import Caller, utc_now
from rolodex.services.pipelines import PipelineService
from rolodex.services.records import Extension, RecordService
from rolodex.services.tombstones import purge_expired
from rolodex.storage.files import FileStore
from rolodex.storage.repository import FieldFilter
from rolodex.wire import v22
from rolodex.wire.json import upper_keys
from rolodex.wire.records import LinkIn

PREFIX = "/v2.2"
Record = dict[str, Any]

# v2.2's named search filters: {collection: {query parameter: v3.1 field}}; "tag" is a tag.
SEARCH_FILTERS = {
    "Contacts": {
        "email": "EMAIL_ADDRESS",
        "phone_number": "PHONE",
        "first_name": "FIRST_NAME",
        "last_name": "LAST_NAME",
        "city": "ADDRESS_MAIL_CITY",
        "state": "ADDRESS_MAIL_STATE",
        "postcode": "ADDRESS_MAIL_POSTCODE",
        "country": "ADDRESS_MAIL_COUNTRY",
        "organisation": "ORGANISATION_ID",
    },
    "Organisations": {
        "name": "ORGANISATION_NAME",
        "phone_number": "PHONE",
        "website": "WEBSITE",
        "city": "ADDRESS_BILLING_CITY",
        "state": "ADDRESS_BILLING_STATE",
        "postcode": "ADDRESS_BILLING_POSTCODE",
        "country": "ADDRESS_BILLING_COUNTRY",
    },
}


def _body_object(body: Any) -> Record:
    upper = upper_keys(body)
    if isinstance(upper, list) and len(upper) == 1:
        upper = upper[0]
    if not isinstance(upper, dict):
        raise BadRequest("The request body must be a JSON object.")
    return upper


def _record_id(body: Record, rt: RecordType, path_id: int | None) -> int:
    if path_id is not None:
        return path_id
    value = body.get(rt.id_field)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid_field(rt.id_field, "is required to update a record")
    try:
        return int(value)
    except ValueError:
        raise invalid_field(rt.id_field, f"'{value}' is not a whole number") from None


# v2.2's opportunities carry the reason of their current state (reference facts 2.14, S22): read
# from the state history (the latest change, if it set the current state), and written as a
# state change with that reason. Sent as null, or left out, it leaves the reason as it is.
STATE_REASON = "OPPORTUNITY_STATE_REASON_ID"
_STATE_FIELD = OPPORTUNITIES.field_named("OPPORTUNITY_STATE")
_DEFAULT_STATE = _STATE_FIELD.default if _STATE_FIELD else None


def _shown(
    connection: Connection, caller: Caller, rt: RecordType, records: list[Record]
) -> list[Record]:
    """v3.1 records as /v2.2 shows them, read in the same unit of work."""
    shown = [v22.to_v22(rt.collection, record) for record in records]
    if rt is OPPORTUNITIES and records:
        reasons = PipelineService(connection, caller, rt).current_reasons(records)
        for record in shown:
            record[STATE_REASON] = reasons[record[rt.id_field]]
    return shown


def _shown_one(
    connection: Connection, caller: Caller, rt: RecordType, result: tuple[Record, str]
) -> tuple[Record, str]:
    record, etag = result
    return _shown(connection, caller, rt, [record])[0], etag


def _sent_reason(rt: RecordType, body: Record) -> int | None:
    """The OPPORTUNITY_STATE_REASON_ID of a v2.2 opportunity body (taken out of it), or None."""
    value = body.pop(STATE_REASON, None) if rt is OPPORTUNITIES else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise invalid_field(STATE_REASON, f"'{value}' is not an OpportunityStateReason id")
    return int(value)


def _give_reason(
    connection: Connection, caller: Caller, service: RecordService, state: Any, reason_id: int
) -> None:
    """Have the next state change `service` writes carry the reason (a 400 naming the field if
    it is no reason for `state`)."""
    pipeline = PipelineService(connection, caller, OPPORTUNITIES)
    try:
        service.history_reason = pipeline.checked_reason(str(state).upper(), reason_id)
    except BadRequest as error:
        raise invalid_field(STATE_REASON, error.errors[0].message) from None


def _replace_graph(
    connection: Connection,
    caller: Caller,
    service: RecordService,
    rt: RecordType,
    record_id: int,
    graph: Record,
    brief: bool = False,
) -> tuple[Record, str]:
    """Write the v2.2 `graph` over the stored record (whole, or top level only if `brief`)."""
    current = service.get_for_update(record_id)  # locked: nothing changes under the merge
    write = v22.from_v22(rt.collection, graph, record_id=record_id, current=current, brief=brief)
    write.body[rt.id_field] = record_id
    reason_id = _sent_reason(rt, write.body)
    state = current.get("OPPORTUNITY_STATE")
    if reason_id is not None:
        _give_reason(
            connection, caller, service, write.body.get("OPPORTUNITY_STATE", state), reason_id
        )
    try:
        record, etag = service.update(write.body, record_id, _extension(write))
    except BadRequest as error:
        raise v22.renamed_error(rt.collection, error) from None
    shown, etag = _shown_one(connection, caller, rt, (record, etag))
    if reason_id is not None and shown[STATE_REASON] != reason_id:
        # The state did not change, its reason did: a history entry, and the record moves.
        service.keep_history(
            record_id, {"opportunity_state": record["OPPORTUNITY_STATE"]}, utc_now()
        )
        service.touch(record_id)
        shown, etag = _shown_one(connection, caller, rt, service.read(record_id))
    return shown, etag


def _extension(write: v22.V22Write) -> Extension | None:
    """What the services keep beside the record for a v2.2 write (None: leave it as it is)."""
    return None if write.extension is None else Extension(v22.WIRE, write.extension)


# A sub-element route: the graph array it edits, and its item's id field.
SUB_ELEMENTS = {
    "Addresses": ("ADDRESSES", "ADDRESS_ID", "Address"),
    "ContactInfos": ("CONTACTINFOS", "CONTACT_INFO_ID", "ContactInfo"),
    "Dates": ("DATES", "DATE_ID", "Date"),
    "CustomFields": ("CUSTOMFIELDS", "CUSTOM_FIELD_ID", "CustomField"),
    "Links": ("LINKS", "LINK_ID", "Link"),
    "ContactLinks": ("CONTACTLINKS", "CONTACT_LINK_ID", "ContactLink"),
    "OrganisationLinks": ("ORGANISATIONLINKS", "ORG_LINK_ID", "OrganisationLink"),
    "TaskLinks": ("TASKLINKS", "TASK_LINK_ID", "TaskLink"),
    "EventLinks": ("EVENTLINKS", "EVENT_LINK_ID", "EventLink"),
    "NoteLinks": ("NOTELINKS", "NOTE_LINK_ID", "NoteLink"),
    "EmailLinks": ("EMAILLINKS", "EMAIL_LINK_ID", "EmailLink"),
}


def _sub_elements(rt: RecordType) -> list[str]:
    """The sub-element routes of `rt`: those whose graph array its v2.2 record has."""
    arrays = set(v22.sub_collections(rt.collection))
    return [route for route, (array, _, _) in SUB_ELEMENTS.items() if array in arrays]


def _same_id(a: Any, b: Any) -> bool:
    return a is not None and str(a).upper() == str(b).upper()


def build_router(rt: RecordType) -> APIRouter:
    """The /v2.2 routes of Contacts or Organisations."""
    collection = rt.collection
    router = APIRouter(
        prefix=f"{PREFIX}/{collection}",
        route_class=CaseInsensitiveRoute,
        tags=[f"{collection} (v2.2)"],
        dependencies=[Depends(authenticated_caller)],
    )

    def one(result: tuple[Record, str], status: int = 200, **extra: str) -> Response:
        record, etag = result
        return record_response(record, rt.singular, etag, status, **extra)

    @router.get("", summary=f"List {collection} (v2.2 graph)")
    async def list_records(request: Request) -> Response:
        page = page_from(request)
        brief = query_bool(request, "brief")

        def work(connection: Connection, caller: Caller) -> tuple[list[Record], int | None]:
            records, total = record_service(request, connection, caller, rt).list_page(
                page, None, brief
            )
            return _shown(connection, caller, rt, records), total

        records, total = await execute(request, work)
        return list_response(records, total, rt.singular)

    @router.get("/Search", summary=f"Search {collection} by a v2.2 named filter")
    async def search_records(request: Request) -> Response:
        page = page_from(request)
        brief = query_bool(request, "brief")
        filters = SEARCH_FILTERS.get(collection, {})
        given: list[tuple[str, str]] = []
        for name in (*filters, "tag"):
            value = query_value(request, name)
            if value is not None and value.strip():
                given.append((name, value.strip()))
        field_name = query_value(request, "field_name")
        if not filters and field_name is not None and field_name.strip():
            # Types without v2.2 named filters: v3.1's field_name/field_value, in v2.2 names.
            name = field_name.strip().upper()
            given.append((v22.GRAPH_TYPES[collection].renamed.get(name, name), ""))
        if len(given) > 1:
            names = ", ".join(name for name, _ in given)
            raise BadRequest(f"Search takes one filter at a time; this asks for {names}.")

        def work(connection: Connection, caller: Caller) -> tuple[list[Record], int | None]:
            service = record_service(request, connection, caller, rt)
            field_filter = None
            if given:
                name, value = given[0]
                if name == "tag":
                    field_filter = FieldFilter(tag_name=value)
                elif name in filters:
                    field_filter = service.search_filter(filters[name], value)
                else:
                    field_filter = service.search_filter(name, query_value(request, "field_value"))
            records, total = service.list_page(page, field_filter, brief)
            return _shown(connection, caller, rt, records), total

        records, total = await execute(request, work)
        return list_response(records, total, rt.singular)

    @router.get("/{record_id:int}", summary=f"Get one {rt.singular} (v2.2 graph)")
    async def get_record(request: Request, record_id: RecordId) -> Response:
        brief = query_bool(request, "brief")

        def work(connection: Connection, caller: Caller) -> tuple[Record, str]:
            service = record_service(request, connection, caller, rt)
            return _shown_one(connection, caller, rt, service.read(record_id, brief))

        return one(await execute(request, work))

    if rt.has(Feature.CREATE) or rt is NOTES:

        @router.post("", status_code=201, summary=f"Create a {rt.singular} (v2.2 graph)")
        async def create_record(request: Request) -> Response:
            body = _body_object(await read_body(request))
            subject = _note_subject(body) if rt is NOTES else None

            def work(connection: Connection, caller: Caller) -> tuple[Record, str]:
                extra: list[LinkIn] = []
                if subject is not None:
                    parent, parent_id = subject
                    record_service(request, connection, caller, parent).get(parent_id, brief=True)
                    extra.append(LinkIn(LINK_OBJECT_NAME=parent.singular, LINK_OBJECT_ID=parent_id))
                write = v22.from_v22(collection, body)
                service = record_service(request, connection, caller, rt)
                reason_id = _sent_reason(rt, write.body)
                if reason_id is not None:
                    state = write.body.get("OPPORTUNITY_STATE") or _DEFAULT_STATE
                    _give_reason(connection, caller, service, state, reason_id)
                try:
                    created = service.create(
                        write.body, extra_links=extra, extension=_extension(write)
                    )
                except BadRequest as error:
                    raise v22.renamed_error(collection, error) from None
                return _shown_one(connection, caller, rt, created)

            result = await execute(request, work, write=True)
            location = f"{PREFIX}/{collection}/{result[0][rt.id_field]}"
            return one(result, 201, Location=location)

    if rt.has(Feature.WRITE):

        async def update(request: Request, path_id: int | None) -> Response:
            body = _body_object(await read_body(request))
            brief = query_bool(request, "brief")
            record_id = _record_id(body, rt, path_id)

            def work(connection: Connection, caller: Caller) -> tuple[Record, str]:
                service = record_service(request, connection, caller, rt)
                return _replace_graph(connection, caller, service, rt, record_id, body, brief)

            return one(await execute(request, work, write=True))

        @router.put("", summary=f"Replace a {rt.singular}'s graph (id in the body)")
        async def update_record(request: Request) -> Response:
            return await update(request, None)

        @router.put(
            "/{record_id:int}", summary=f"Replace a {rt.singular}'s graph", include_in_schema=False
        )
        async def update_record_at(request: Request, record_id: RecordId) -> Response:
            return await update(request, record_id)

    if rt.has(Feature.WRITE) or rt.has(Feature.DELETE):

        @router.delete("/{record_id:int}", status_code=202, summary=f"Delete a {rt.singular}")
        async def delete_record(request: Request, record_id: RecordId) -> Response:
            keep_days = request.app.state.settings.tombstone_days

            def work(connection: Connection, caller: Caller) -> list[str]:
                removed: list[str] = record_service(request, connection, caller, rt).delete(
                    record_id
                )
                purge_expired(connection, keep_days, caller.instance_id)
                return removed

            removed_files = await execute(request, work, write=True)
            store = FileStore.for_settings(request.app.state.settings)
            await run_in_threadpool(store.remove, removed_files)
            return Response(status_code=202)

    if rt.has(Feature.TAGS):
        _add_tag_routes(router, rt)
    for name in _sub_elements(rt) if rt.has(Feature.WRITE) else ():
        _add_sub_element_routes(router, rt, name)
    if rt.has(Feature.ACTIVITIES):
        for related in (TASKS, EVENTS, EMAILS):
            _add_related_list(router, rt, related)
    if rt.has(Feature.NOTES):
        _add_related_list(router, rt, NOTES)
        _add_note_route(router, rt)
    return router


def _add_related_list(router: APIRouter, rt: RecordType, related: RecordType) -> None:
    """GET /{Coll}/{id}/{Related}: the records of `related` linked to the record, in v2.2."""

    @router.get(
        f"/{{record_id:int}}/{related.collection}",
        summary=f"{related.collection} linked to the record (v2.2 graph)",
        name=f"v22_related_{related.collection.lower()}",
    )
    async def get_related(request: Request, record_id: RecordId) -> Response:
        page = page_from(request)
        brief = query_bool(request, "brief")

        def work(connection: Connection, caller: Caller) -> tuple[list[Record], int | None]:
            parent = record_service(request, connection, caller, rt)
            parent.get(record_id, brief=True)
            service = record_service(request, connection, caller, related)
            found = service.list_page(page, parent.linked_filter(record_id), brief)

            records, total = found
            return _shown(connection, caller, related, records), total

        records, total = await execute(request, work)
        return list_response(records, total, related.singular)


def _add_note_route(router: APIRouter, rt: RecordType) -> None:
    """POST /{Coll}/{id}/Notes: a note linked to the record, in v2.2."""

    @router.post(
        "/{record_id:int}/Notes",
        status_code=201,
        summary="Add a note to the record (v2.2 graph)",
        name="v22_add_note",
    )
    async def add_note(request: Request, record_id: RecordId) -> Response:
        body = _body_object(await read_body(request))

        def work(connection: Connection, caller: Caller) -> tuple[Record, str]:
            record_service(request, connection, caller, rt).get(record_id, brief=True)
            link = LinkIn(LINK_OBJECT_NAME=rt.singular, LINK_OBJECT_ID=record_id)
            record, etag = record_service(request, connection, caller, NOTES).create(
                v22.from_v22(NOTES.collection, body).body, extra_links=[link]
            )
            return v22.to_v22(NOTES.collection, record), etag

        record, etag = await execute(request, work, write=True)
        location = f"{PREFIX}/{NOTES.collection}/{record[NOTES.id_field]}"
        return record_response(record, NOTES.singular, etag, 201, Location=location)


# v2.2 created a note for a parent named in the body (reference facts 2.10).
NOTE_SUBJECTS = ("CONTACT", "ORGANISATION", "OPPORTUNITY", "PROJECT", "LEAD")


def _note_subject(body: Record) -> tuple[RecordType, int]:
    """The record a v2.2 note is created for: LINK_SUBJECT_TYPE and LINK_SUBJECT_ID."""
    kind = body.get("LINK_SUBJECT_TYPE")
    if not isinstance(kind, str) or kind.strip().upper() not in NOTE_SUBJECTS:
        raise invalid_field("LINK_SUBJECT_TYPE", f"is required, one of {', '.join(NOTE_SUBJECTS)}")
    subject_id = body.get("LINK_SUBJECT_ID")
    if isinstance(subject_id, bool) or not isinstance(subject_id, int | str):
        raise invalid_field("LINK_SUBJECT_ID", "is required")
    try:
        parent_id = int(subject_id)
    except ValueError:
        raise invalid_field("LINK_SUBJECT_ID", f"'{subject_id}' is not a whole number") from None
    return by_singular(kind.strip().capitalize()), parent_id


def _edit_graph(
    request: Request, rt: RecordType, record_id: int, change: Callable[[Record], None]
) -> Callable[[Connection, Caller], tuple[Record, Record]]:
    """Work that applies `change` to the record's v2.2 graph and writes it back whole.

    Answers (graph before, graph after)."""

    def work(connection: Connection, caller: Caller) -> tuple[Record, Record]:
        service = record_service(request, connection, caller, rt)
        before = v22.to_v22(rt.collection, service.get_for_update(record_id))
        graph = {name: list(before.get(name) or []) for name in v22.sub_collections(rt.collection)}
        change(graph)
        after, _ = _replace_graph(connection, caller, service, rt, record_id, graph)
        return before, after

    return work


def _add_sub_element_routes(router: APIRouter, rt: RecordType, route_name: str) -> None:
    array, id_field, element = SUB_ELEMENTS[route_name]
    path = f"/{{record_id:int}}/{route_name}"

    def result_item(before: Record, after: Record, edited: Any) -> Record:
        """The item a POST or PUT wrote: the one the graph did not have before (by id)."""
        old = {str(item.get(id_field)).upper() for item in before.get(array) or []}
        old.discard(str(edited).upper())
        for item in after.get(array) or []:
            if str(item.get(id_field)).upper() not in old:
                return dict(item)
        return {}

    @router.get(path, summary=f"The record's {array}", name=f"v22_get_{array.lower()}")
    async def get_items(request: Request, record_id: RecordId) -> Response:
        def work(connection: Connection, caller: Caller) -> list[Record]:
            record = record_service(request, connection, caller, rt).get(record_id)
            items: list[Record] = v22.to_v22(rt.collection, record).get(array) or []
            return items

        return list_response(await execute(request, work), None, element)

    @router.post(
        path, status_code=201, summary=f"Add one {element}", name=f"v22_add_{array.lower()}"
    )
    async def add_item(request: Request, record_id: RecordId) -> Response:
        item = _body_object(await read_body(request))
        item.pop(id_field, None)

        def change(graph: Record) -> None:
            graph[array].append(item)

        before, after = await execute(
            request, _edit_graph(request, rt, record_id, change), write=True
        )
        return WireResponse(result_item(before, after, None), element, 201)

    @router.put(
        path,
        summary=f"Update one {element} (its {id_field} in the body)",
        name=f"v22_put_{array.lower()}",
    )
    async def update_item(request: Request, record_id: RecordId) -> Response:
        item = _body_object(await read_body(request))
        edited = item.get(id_field)
        if edited is None:
            raise invalid_field(id_field, f"is required to update one {element}")

        def change(graph: Record) -> None:
            items = graph[array]
            for index, old in enumerate(items):
                if _same_id(old.get(id_field), edited):
                    items[index] = item
                    return
            raise NotFound(f"The {rt.singular} {record_id} has no {element} {edited}.")

        before, after = await execute(
            request, _edit_graph(request, rt, record_id, change), write=True
        )
        return WireResponse(result_item(before, after, edited), element)

    @router.delete(
        f"{path}/{{item_id}}",
        status_code=202,
        summary=f"Remove one {element}",
        name=f"v22_remove_{array.lower()}",
    )
    async def remove_item(request: Request, record_id: RecordId, item_id: str) -> Response:
        def change(graph: Record) -> None:
            kept = [item for item in graph[array] if not _same_id(item.get(id_field), item_id)]
            if len(kept) == len(graph[array]):
                raise NotFound(f"The {rt.singular} {record_id} has no {element} {item_id}.")
            graph[array] = kept

        await execute(request, _edit_graph(request, rt, record_id, change), write=True)
        return Response(status_code=202)


def _add_tag_routes(router: APIRouter, rt: RecordType) -> None:
    path = "/{record_id:int}/Tags"

    @router.get(path, summary="The record's tags", name="v22_get_tags")
    async def get_tags(request: Request, record_id: RecordId) -> Response:
        tags = await execute(
            request,
            lambda connection, caller: record_service(request, connection, caller, rt).tags(
                record_id
            ),
        )
        return list_response(tags, None, "Tag")

    @router.post(path, status_code=201, summary="Add a tag", name="v22_add_tag")
    async def add_tag(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)
        added, is_new = await execute(
            request,
            lambda connection, caller: record_service(request, connection, caller, rt).add_tag(
                record_id, body
            ),
            write=True,
        )
        return WireResponse(added, "Tag", 201 if is_new else 200)

    @router.delete(
        f"{path}/{{tag_name}}", status_code=202, summary="Remove a tag", name="v22_remove_tag"
    )
    async def remove_tag(request: Request, record_id: RecordId, tag_name: str) -> Response:
        await execute(
            request,
            lambda connection, caller: record_service(request, connection, caller, rt).remove_tag(
                record_id, tag_name
            ),
            write=True,
        )
        return Response(status_code=202)


GRAPH_RECORD_TYPES = (
    CONTACTS,
    ORGANISATIONS,
    LEADS,
    OPPORTUNITIES,
    PROJECTS,
    TASKS,
    EVENTS,
    NOTES,
    EMAILS,
)


def routers() -> list[APIRouter]:
    """The /v2.2 routers, one per graph type."""
    return [build_router(rt) for rt in GRAPH_RECORD_TYPES]
