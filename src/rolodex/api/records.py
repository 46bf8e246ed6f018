"""Routes for one record type, generated from its registry entry.

Handlers only parse the request and pick the service call; the rules live in
rolodex.services.records. Which routes exist follows the type's declared features.
"""

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor, register_url_convertor

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import (
    execute,
    page_from,
    query_bool,
    query_date,
    query_value,
    read_body,
)
from rolodex.api.responses import WireResponse, list_element, list_response, record_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.api.versions import api_location, shows_links, version_of
from rolodex.domain.registry import (
    CUSTOM_OBJECT_NAME_PATTERN,
    CUSTOM_OBJECT_RECORDS,
    EMAILS,
    EVENTS,
    NOTES,
    TASKS,
    Feature,
    RecordType,
    custom_object_type,
)
from rolodex.errors import BadRequest, invalid_field
from rolodex.services.context import Caller
from rolodex.services.emails import link_email_address
from rolodex.services.records import RecordService
from rolodex.services.tombstones import deleted_page, purge_expired
from rolodex.storage.files import FileStore
from rolodex.storage.repository import FieldFilter
from rolodex.wire.json import upper_keys
from rolodex.wire.records import INT64_MAX, LinkIn
from rolodex.wire.xml import ITEM_NAMES

API_PREFIX = "/v3.1"

# Ids are 64-bit: a larger one in a path can name no record (400, not a database error).
RecordId = Annotated[int, Path(ge=0, le=INT64_MAX, description="The record's id")]


# The routes of every custom object: /v3.1/{object_name} where the name ends in __c.
CUSTOM_OBJECT_SEGMENT = "/{object_name:custom_object}"
CUSTOM_OBJECT_PATH = f"{API_PREFIX}{CUSTOM_OBJECT_SEGMENT}"


class CustomObjectName(StringConvertor):
    """A path segment that is a custom object name (Foo__c)."""

    regex = CUSTOM_OBJECT_NAME_PATTERN


register_url_convertor("custom_object", CustomObjectName())


def object_name_param(
    object_name: Annotated[
        str,
        Path(
            pattern=f"^{CUSTOM_OBJECT_NAME_PATTERN}$",
            description="A custom object's name (Foo__c)",
        ),
    ],
) -> None:
    """Documents the {object_name} path parameter of the custom object routes."""


def named_type(request: Request, rt: RecordType) -> RecordType:
    """`rt`; for the custom object routes, the type of the object named in the path."""
    if rt is CUSTOM_OBJECT_RECORDS:
        return custom_object_type(request.path_params["object_name"], canonical=False)
    return rt


def record_service(
    request: Request, connection: Connection, caller: Caller, rt: RecordType
) -> RecordService:
    return RecordService(
        connection,
        caller,
        named_type(request, rt),
        if_match=request.headers.get("if-match"),
        extension_wire=extension_wire(request, rt),
    )


def extension_wire(request: Request, rt: RecordType) -> str | None:
    """The wire version whose extension of `rt`'s records `request` reads with them (v2.2)."""
    version = version_of(request)
    return version.extension_wire.get(rt.collection) if version else None


def _hides_links(request: Request | None, rt: RecordType) -> bool:
    """v3.0 shows no LINKS on standard records (custom object records keep their related data)."""
    return request is not None and not rt.custom_object and not shows_links(request)


def shown(
    request: Request | None, rt: RecordType, records: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`records` as the request's API version shows them."""
    version = version_of(request) if request is not None else None
    if version is not None and version.show is not None:
        return [version.show(rt.collection, record) for record in records]
    if not _hides_links(request, rt):
        return records
    return [{k: v for k, v in record.items() if k != "LINKS"} for record in records]


def without_links(request: Request, rt: RecordType, body: Any) -> Any:
    """A write body as v3.0 means it: LINKS, which v3.0 never shows, are left unchanged.

    A v3.0 client sends back the record it read, which had no LINKS; a stray LINKS array (an
    SDK's empty default) must not replace links it cannot see. They change at /{id}/Links.
    """
    if not _hides_links(request, rt) or not isinstance(body, dict):
        return body
    return {k: v for k, v in body.items() if not (isinstance(k, str) and k.upper() == "LINKS")}


def single_response(
    rt: RecordType, result: tuple[dict[str, Any], str], request: Request | None = None
) -> Response:
    """A single-record response with its ETag (shown as `request`'s version shows records)."""
    record, etag = result
    return record_response(shown(request, rt, [record])[0], rt.singular, etag)


def created_response(
    rt: RecordType, result: tuple[dict[str, Any], str], request: Request | None = None
) -> Response:
    """201 with the created record, its ETag and its Location (under `request`'s version)."""
    record, etag = result
    record_id = record[rt.id_field]
    if request is None:
        url = f"{API_PREFIX}/{rt.collection}/{record_id}"
    else:
        url = api_location(request, rt.collection, record_id)
    return record_response(shown(request, rt, [record])[0], rt.singular, etag, 201, Location=url)


def build_router(rt: RecordType) -> APIRouter:
    """Every route of `rt`: list, search, get, and what its features allow.

    For CUSTOM_OBJECT_RECORDS, the routes of every custom object, at /v3.1/{object_name}.
    """
    custom = rt is CUSTOM_OBJECT_RECORDS
    router = APIRouter(
        prefix=CUSTOM_OBJECT_PATH if custom else f"{API_PREFIX}/{rt.collection}",
        route_class=CaseInsensitiveRoute,
        tags=["Custom object records" if custom else rt.collection],
        dependencies=[
            Depends(authenticated_caller),
            *([Depends(object_name_param)] if custom else []),
        ],
    )

    @router.get("", summary=f"List {rt.collection}", openapi_extra=docs.list_of(rt))
    async def list_records(request: Request) -> Response:
        page = page_from(request)
        brief = query_bool(request, "brief")

        records, total = await execute(
            request,
            lambda connection, caller: record_service(request, connection, caller, rt).list_page(
                page, None, brief
            ),
        )
        return list_response(shown(request, rt, records), total, rt.singular)

    @router.get(
        "/Search",
        summary=f"Search {rt.collection} by one field",
        openapi_extra=docs.list_of(rt, docs.SEARCH),
    )
    async def search_records(request: Request) -> Response:
        page = page_from(request)
        brief = query_bool(request, "brief")
        field_name = query_value(request, "field_name")
        field_value = query_value(request, "field_value")
        if field_name is None and field_value is not None:
            raise invalid_field("field_name", "is required when field_value is given")

        def work(connection: Connection, caller: Caller) -> tuple[list[dict[str, Any]], int | None]:
            service = record_service(request, connection, caller, rt)
            field_filter = None
            if field_name is not None and field_name.strip():
                field_filter = service.search_filter(field_name, field_value)
            return service.list_page(page, field_filter, brief)

        records, total = await execute(request, work)
        return list_response(shown(request, rt, records), total, rt.singular)

    if rt.has(Feature.TAGS):

        @router.get(
            "/SearchByTag",
            summary=f"{rt.collection} with a tag",
            openapi_extra=docs.list_of(rt, docs.BY_TAG),
        )
        async def search_by_tag(request: Request) -> Response:
            page = page_from(request)
            brief = query_bool(request, "brief")
            tag_name = query_value(request, "tagName") or query_value(request, "tag_name")
            if tag_name is None or not tag_name.strip():
                raise invalid_field("tagName", "is required")

            def work(
                connection: Connection, caller: Caller
            ) -> tuple[list[dict[str, Any]], int | None]:
                service = record_service(request, connection, caller, rt)
                return service.list_page(page, FieldFilter(tag_name=tag_name.strip()), brief)

            records, total = await execute(request, work)
            return list_response(shown(request, rt, records), total, rt.singular)

    @router.get("/{record_id:int}", summary=f"Get one {rt.singular}", openapi_extra=docs.one(rt))
    async def get_record(request: Request, record_id: RecordId) -> Response:
        brief = query_bool(request, "brief")

        return single_response(
            rt,
            await execute(
                request,
                lambda connection, caller: record_service(request, connection, caller, rt).read(
                    record_id, brief
                ),
            ),
            request,
        )

    if rt.has(Feature.CREATE):

        @router.post(
            "",
            status_code=201,
            summary=f"Create a {rt.singular}",
            openapi_extra=docs.create(rt),
        )
        async def create_record(request: Request) -> Response:
            body = await read_body(request)

            def work(
                connection: Connection, caller: Caller
            ) -> tuple[RecordType, tuple[dict[str, Any], str]]:
                service = record_service(request, connection, caller, rt)
                return service.rt, service.create(body)

            # The type as the service knows it: a custom object's exact name, for Location.
            created_type, result = await execute(request, work, write=True)
            return created_response(created_type, result, request)

    if rt.updatable:

        @router.put(
            "",
            summary=f"Update a {rt.singular} (id in the body)",
            openapi_extra=docs.update(rt),
        )
        async def update_record(request: Request) -> Response:
            return await _update(request, None)

        @router.put(
            "/{record_id:int}",
            summary=f"Update a {rt.singular}",
            openapi_extra=docs.update(rt, id_in_body=False),
        )
        async def update_record_at(request: Request, record_id: RecordId) -> Response:
            return await _update(request, record_id)

        async def _update(request: Request, record_id: int | None) -> Response:
            body = without_links(request, rt, await read_body(request))

            return single_response(
                rt,
                await execute(
                    request,
                    lambda connection, caller: record_service(
                        request, connection, caller, rt
                    ).update(body, record_id),
                    write=True,
                ),
                request,
            )

    if rt.deletable:

        @router.delete(
            "/{record_id:int}",
            status_code=202,
            summary=f"Delete a {rt.singular}",
            openapi_extra=docs.deleted(rt.singular),
        )
        async def delete_record(request: Request, record_id: RecordId) -> Response:
            keep_days = request.app.state.settings.tombstone_days

            def work(connection: Connection, caller: Caller) -> list[str]:
                removed = record_service(request, connection, caller, rt).delete(record_id)
                purge_expired(connection, keep_days, caller.instance_id)
                return removed

            removed_files = await execute(request, work, write=True)
            # The record's files leave the disk only once its deletion has committed.
            store = FileStore.for_settings(request.app.state.settings)
            await run_in_threadpool(store.remove, removed_files)
            return Response(status_code=202)

        _add_deleted_route(router, rt)
    elif rt.owner_fields:  # deleted under their owner (a line item under its opportunity)
        _add_deleted_route(router, rt)

    if rt.has(Feature.TAGS):
        _add_tag_routes(router, rt)
    for feature, name, path in (
        (Feature.DATES, "DATES", "/{record_id:int}/Dates"),
        (Feature.EMAIL_DOMAINS, "EMAILDOMAINS", "/{record_id:int}/EmailDomains"),
    ):
        if rt.has(feature):
            _add_replaceable_routes(router, rt, feature, name, path)
    if rt.has(Feature.LINKS):
        _add_link_routes(router, rt)
    if rt.has(Feature.NOTES):
        _add_note_routes(router, rt)
    if rt.has(Feature.ACTIVITIES):
        _add_related_list(router, rt, TASKS)
        _add_related_list(router, rt, EVENTS)
        _add_related_list(router, rt, EMAILS)
    if rt.has(Feature.FOLLOW):
        _add_follow_routes(router, rt)
    if rt.has(Feature.LINK_EMAIL_ADDRESS):
        _add_link_email_route(router, rt)
    if not custom and rt.collection == rt.singular:
        _add_plural_refusal(router, rt)
    return router


def plural_of(name: str) -> str:
    """The English plural of a collection name (Ticket: Tickets, ...Category: ...Categories)."""
    return f"{name[:-1]}ies" if name.endswith("y") else f"{name}s"


def _add_plural_refusal(router: APIRouter, rt: RecordType) -> None:
    """The plural of a singular collection (/Tickets) answers 405, as Insightly's does (facts
    1.1, MCP), with a message naming the collection: a client that guessed the plural learns
    the name instead of reading a 404 as a missing feature. Undocumented, like every 405."""
    plural = f"{API_PREFIX}/{plural_of(rt.collection)}"

    async def refuse(request: Request) -> Response:
        message = (
            f"{request.method} is not allowed on {request.url.path}: the collection is "
            f"singular, {API_PREFIX}/{rt.collection}."
        )
        return WireResponse({"Message": message}, "Error", 405, {"Allow": ""})

    for path in (plural, f"{plural}/{{rest:path}}"):
        router.routes.append(
            CaseInsensitiveRoute(
                path,
                refuse,
                methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
                include_in_schema=False,
            )
        )


def _add_link_email_route(router: APIRouter, rt: RecordType) -> None:
    @router.get(
        "/{record_id:int}/LinkEmailAddress",
        summary="The record's dropbox address: imported mail sent to it is linked to the record",
        openapi_extra=docs.single("LinkEmailAddress", "The address, as EMAIL"),
    )
    async def get_link_email_address(request: Request, record_id: RecordId) -> Response:
        domain = request.app.state.settings.dropbox_domain

        return WireResponse(
            await execute(
                request,
                lambda connection, caller: link_email_address(
                    connection, caller, rt, record_id, domain
                ),
            ),
            "LinkEmailAddress",
        )


def _add_deleted_route(router: APIRouter, rt: RecordType) -> None:
    """GET /{Coll}/Deleted: the deleted-record feed (an extension; Insightly lacks it).

    Sync tools read it to learn which records went: `deleted_after_utc` (strictly after, to the
    second) and the usual paging, in (DATE_DELETED_UTC, ID) order.
    """

    @router.get(
        "/Deleted",
        summary=f"{rt.collection} deleted recently (extension)",
        name=f"deleted_{rt.collection.lower()}",
        openapi_extra=docs.deleted_feed(rt),
    )
    async def list_deleted(request: Request) -> Response:
        page = replace(page_from(request), updated_after=query_date(request, "deleted_after_utc"))
        keep_days = request.app.state.settings.tombstone_days
        named = named_type(request, rt)

        items, total = await execute(
            request,
            lambda connection, caller: deleted_page(connection, caller, named, page, keep_days),
        )
        return list_response(items, total, "DeletedRecord")


def _add_tag_routes(router: APIRouter, rt: RecordType) -> None:
    @router.get(
        "/{record_id:int}/Tags",
        summary="The record's tags",
        openapi_extra=docs.items("Tag", "The tags"),
    )
    async def get_tags(request: Request, record_id: RecordId) -> Response:
        return list_response(
            await execute(
                request,
                lambda connection, caller: record_service(request, connection, caller, rt).tags(
                    record_id
                ),
            ),
            None,
            "Tag",
        )

    @router.post(
        "/{record_id:int}/Tags",
        status_code=201,
        summary="Add a tag",
        openapi_extra=docs.tag_add(),
    )
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

    @router.put(
        "/{record_id:int}/Tags",
        summary="Replace the record's tags",
        openapi_extra=docs.replace_items("Tag", "TagIn"),
    )
    async def replace_tags(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        def work(connection: Connection, caller: Caller) -> list[dict[str, Any]]:
            service = record_service(request, connection, caller, rt)
            return service.replace_sub_collection(record_id, Feature.TAGS, body)

        return list_response(await execute(request, work, write=True), None, "Tag")

    @router.delete(
        "/{record_id:int}/Tags",
        status_code=202,
        summary="Remove a tag",
        openapi_extra=docs.tag_delete(),
    )
    async def remove_tag(request: Request, record_id: RecordId) -> Response:
        body = upper_keys(await read_body(request))
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        name = body.get("TAG_NAME") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise invalid_field("TAG_NAME", 'is required in the body, e.g. {"TAG_NAME": "VIP"}')
        return await _remove_tag(request, record_id, name)

    @router.delete(
        "/{record_id:int}/Tags/{tag_name}",
        status_code=202,
        summary="Remove a tag (v3.0)",
        openapi_extra=docs.deleted("Tag"),
    )
    async def remove_tag_by_path(request: Request, record_id: RecordId, tag_name: str) -> Response:
        return await _remove_tag(request, record_id, tag_name)

    async def _remove_tag(request: Request, record_id: RecordId, name: str) -> Response:
        await execute(
            request,
            lambda connection, caller: record_service(request, connection, caller, rt).remove_tag(
                record_id, name
            ),
            write=True,
        )
        return Response(status_code=202)


def _add_replaceable_routes(
    router: APIRouter, rt: RecordType, feature: Feature, name: str, path: str
) -> None:
    item = ITEM_NAMES[name]

    @router.get(
        path,
        summary=f"The record's {name}",
        name=f"get_{name.lower()}",
        openapi_extra=docs.items(item, f"The {name}"),
    )
    async def get_items(request: Request, record_id: RecordId) -> Response:
        return list_response(
            await execute(
                request,
                lambda connection, caller: record_service(request, connection, caller, rt).get(
                    record_id
                )[name],
            ),
            None,
            item,
        )

    @router.put(
        path,
        summary=f"Replace the record's {name}",
        name=f"put_{name.lower()}",
        openapi_extra=docs.replace_items(item, f"{item}In"),
    )
    async def replace_items(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        def work(connection: Connection, caller: Caller) -> list[dict[str, Any]]:
            service = record_service(request, connection, caller, rt)
            return service.replace_sub_collection(record_id, feature, body)

        return list_response(await execute(request, work, write=True), None, item)

    @router.post(
        path,
        status_code=201,
        summary=f"Add one of the record's {name} (v3.0)",
        name=f"add_{name.lower()}",
        openapi_extra=docs.single(item, f"The new {item}", 201, f"{item}In"),
    )
    async def add_item(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        added = await execute(
            request,
            lambda connection, caller: record_service(request, connection, caller, rt).add_item(
                record_id, feature, body
            ),
            write=True,
        )
        return WireResponse(added, item, 201)

    @router.delete(
        f"{path}/{{item_id:int}}",
        status_code=202,
        summary=f"Remove one of the record's {name} (v3.0)",
        name=f"remove_{name.lower()}",
        openapi_extra=docs.deleted(item),
    )
    async def remove_item(request: Request, record_id: RecordId, item_id: RecordId) -> Response:
        await execute(
            request,
            lambda connection, caller: record_service(request, connection, caller, rt).remove_item(
                record_id, feature, item_id
            ),
            write=True,
        )
        return Response(status_code=202)


def _add_link_routes(router: APIRouter, rt: RecordType) -> None:
    @router.get(
        "/{record_id:int}/Links",
        summary="The record's links",
        openapi_extra=docs.items("Link", "The links, seen from this record"),
    )
    async def get_links(request: Request, record_id: RecordId) -> Response:
        return list_response(
            await execute(
                request,
                lambda connection, caller: record_service(request, connection, caller, rt).links(
                    record_id
                ),
            ),
            None,
            "Link",
        )

    @router.post(
        "/{record_id:int}/Links",
        status_code=201,
        summary="Add a link",
        openapi_extra=docs.single("Link", "The new link", 201, "LinkIn"),
    )
    async def add_link(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        return WireResponse(
            await execute(
                request,
                lambda connection, caller: record_service(request, connection, caller, rt).add_link(
                    record_id, body
                ),
                write=True,
            ),
            "Link",
            201,
        )

    @router.put(
        "/{record_id:int}/Links",
        summary="Update one link (an object) or replace all links (an array)",
        openapi_extra=docs.link_put(),
    )
    async def put_links(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        def work(connection: Connection, caller: Caller) -> list[dict[str, Any]] | dict[str, Any]:
            service = record_service(request, connection, caller, rt)
            if isinstance(body, list):
                return service.replace_sub_collection(record_id, Feature.LINKS, body)
            return service.update_link(record_id, body)

        result = await execute(request, work, write=True)
        return WireResponse(result, list_element("Link") if isinstance(result, list) else "Link")

    @router.delete(
        "/{record_id:int}/Links/{link_id:int}",
        status_code=202,
        summary="Remove a link",
        openapi_extra=docs.deleted("Link"),
    )
    async def delete_link(request: Request, record_id: RecordId, link_id: RecordId) -> Response:
        await execute(
            request,
            lambda connection, caller: record_service(request, connection, caller, rt).delete_link(
                record_id, link_id
            ),
            write=True,
        )
        return Response(status_code=202)


def _add_related_list(router: APIRouter, rt: RecordType, related: RecordType) -> None:
    """GET /{Coll}/{id}/{Related}: the records of `related` linked to the record."""

    @router.get(
        f"/{{record_id:int}}/{related.collection}",
        summary=f"{related.collection} linked to the record",
        name=f"related_{related.collection.lower()}",
        openapi_extra=docs.list_of(related),
    )
    async def get_related(request: Request, record_id: RecordId) -> Response:
        page = page_from(request)
        brief = query_bool(request, "brief")

        def work(connection: Connection, caller: Caller) -> tuple[list[dict[str, Any]], int | None]:
            parent = record_service(request, connection, caller, rt)
            parent.get(record_id, brief=True)
            service = record_service(request, connection, caller, related)
            return service.list_page(page, parent.linked_filter(record_id), brief)

        records, total = await execute(request, work)
        return list_response(shown(request, related, records), total, related.singular)


def _add_note_routes(router: APIRouter, rt: RecordType) -> None:
    _add_related_list(router, rt, NOTES)

    @router.post(
        "/{record_id:int}/Notes",
        status_code=201,
        summary="Add a note to the record",
        openapi_extra=docs.create(NOTES),
    )
    async def add_note(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        def work(connection: Connection, caller: Caller) -> tuple[dict[str, Any], str]:
            parent = record_service(request, connection, caller, rt)
            parent.get(record_id, brief=True)
            link = LinkIn(LINK_OBJECT_NAME=parent.rt.singular, LINK_OBJECT_ID=record_id)
            return record_service(request, connection, caller, NOTES).create(
                body, extra_links=[link]
            )

        return created_response(NOTES, await execute(request, work, write=True), request)

    @router.put(
        "/{record_id:int}/Notes",
        summary="Update a note of the record",
        openapi_extra=docs.update(NOTES),
    )
    async def update_note(request: Request, record_id: RecordId) -> Response:
        body = without_links(request, NOTES, await read_body(request))

        def work(connection: Connection, caller: Caller) -> tuple[dict[str, Any], str]:
            note_id = _note_id(body)
            if not record_service(request, connection, caller, rt).is_linked_to(
                record_id, NOTES, note_id
            ):
                raise invalid_field("NOTE_ID", f"is not a note of {rt.singular} {record_id}")
            return record_service(request, connection, caller, NOTES).update(body)

        return single_response(NOTES, await execute(request, work, write=True), request)


def _note_id(body: Any) -> int:
    upper = upper_keys(body)
    if not isinstance(upper, dict):
        raise BadRequest("The request body must be a JSON object.")
    value = upper.get("NOTE_ID")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid_field("NOTE_ID", "is required to update a note")
    try:
        return int(value)
    except ValueError:
        raise invalid_field("NOTE_ID", f"'{value}' is not a whole number") from None


def _add_follow_routes(router: APIRouter, rt: RecordType) -> None:
    @router.get(
        "/{record_id:int}/Follow",
        summary="Whether you follow the record",
        openapi_extra=docs.single("Follow", "The follow state"),
    )
    async def get_follow(request: Request, record_id: RecordId) -> Response:
        return WireResponse(
            await execute(
                request,
                lambda connection, caller: record_service(
                    request, connection, caller, rt
                ).follow_state(record_id),
            ),
            "Follow",
        )

    @router.post(
        "/{record_id:int}/Follow",
        summary="Follow the record",
        openapi_extra=docs.single("Follow", "Now following"),
    )
    async def follow(request: Request, record_id: RecordId) -> Response:
        return WireResponse(
            await execute(
                request,
                lambda connection, caller: record_service(
                    request, connection, caller, rt
                ).set_follow(record_id, True),
                write=True,
            ),
            "Follow",
        )

    @router.delete(
        "/{record_id:int}/Follow",
        status_code=202,
        summary="Stop following the record",
        openapi_extra=docs.deleted("Follow"),
    )
    async def unfollow(request: Request, record_id: RecordId) -> Response:
        await execute(
            request,
            lambda connection, caller: record_service(request, connection, caller, rt).set_follow(
                record_id, False
            ),
            write=True,
        )
        return Response(status_code=202)
