"""Routes for records written under their owner: GET/POST/PUT /Projects/{id}/Milestones and
DELETE /Projects/{id}/Milestones/{milestoneId}, for every type that declares owner_fields (and
for each of its owners: a price book entry under /Product and /Pricebook).

The owned type's own collection (/Milestones) is read, and written only by DELETE
/Milestones/{id} (v3.0's DELETE /Milestone/{id}); rolodex.services.owned has the rules.
"""

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, page_from, query_bool, read_body
from rolodex.api.records import API_PREFIX, RecordId
from rolodex.api.responses import list_response, record_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.api.versions import api_location
from rolodex.domain.registry import RECORD_TYPES, RecordType, owned_types
from rolodex.services.context import Caller
from rolodex.services.owned import OwnedService
from rolodex.storage.files import FileStore


def build_router() -> APIRouter:
    """The owned-record routes of every owner type."""
    router = APIRouter(
        prefix=API_PREFIX,
        route_class=CaseInsensitiveRoute,
        dependencies=[Depends(authenticated_caller)],
    )
    for owner in RECORD_TYPES:
        for rt in owned_types(owner):
            _add_owned_routes(router, owner, rt)
    return router


def _add_owned_routes(router: APIRouter, owner: RecordType, rt: RecordType) -> None:
    path = f"/{owner.collection}/{{record_id:int}}/{rt.collection}"

    def service(request: Request, connection: Connection, caller: Caller) -> OwnedService:
        return OwnedService(connection, caller, owner, rt, request.headers.get("if-match"))

    @router.get(
        path,
        tags=[owner.collection],
        summary=f"The {owner.singular}'s {rt.collection}",
        name=f"{rt.collection.lower()}_of_{owner.collection.lower()}",
        openapi_extra=docs.list_of(rt),
    )
    async def list_owned(request: Request, record_id: RecordId) -> Response:
        page = page_from(request)
        brief = query_bool(request, "brief")

        records, total = await execute(
            request,
            lambda connection, caller: service(request, connection, caller).list_page(
                record_id, page, brief
            ),
        )
        return list_response(records, total, rt.singular)

    @router.post(
        path,
        tags=[owner.collection],
        status_code=201,
        summary=f"Add a {rt.singular} to the {owner.singular}",
        name=f"add_{rt.singular.lower()}_to_{owner.singular.lower()}",
        openapi_extra=docs.create(rt),
    )
    async def create_owned(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        record, etag = await execute(
            request,
            lambda connection, caller: service(request, connection, caller).create(record_id, body),
            write=True,
        )
        location = api_location(request, rt.collection, record[rt.id_field])
        return record_response(record, rt.singular, etag, 201, Location=location)

    @router.put(
        path,
        tags=[owner.collection],
        summary=f"Update a {rt.singular} of the {owner.singular} ({rt.id_field} in the body)",
        name=f"update_{rt.singular.lower()}_of_{owner.singular.lower()}",
        openapi_extra=docs.update(rt),
    )
    async def update_owned(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        record, etag = await execute(
            request,
            lambda connection, caller: service(request, connection, caller).update(record_id, body),
            write=True,
        )
        return record_response(record, rt.singular, etag)

    @router.delete(
        f"{path}/{{owned_id:int}}",
        tags=[owner.collection],
        status_code=202,
        summary=f"Delete a {rt.singular} of the {owner.singular}",
        name=f"delete_{rt.singular.lower()}_of_{owner.singular.lower()}",
        openapi_extra=docs.deleted(rt.singular),
    )
    async def delete_owned(request: Request, record_id: RecordId, owned_id: RecordId) -> Response:
        removed = await execute(
            request,
            lambda connection, caller: service(request, connection, caller).delete(
                record_id, owned_id
            ),
            write=True,
        )
        await _remove_files(request, removed)
        return Response(status_code=202)

    if rt.collection == rt.singular or len(rt.owner_fields) > 1:
        return  # v3.1's line items and entries: read at their own collection, never deleted

    @router.delete(
        f"/{rt.collection}/{{owned_id:int}}",
        tags=[rt.collection],
        status_code=202,
        summary=f"Delete a {rt.singular} (v3.0; its {owner.singular} from the record)",
        name=f"delete_{rt.singular.lower()}",
        openapi_extra=docs.deleted(rt.singular),
    )
    async def delete_by_id(request: Request, owned_id: RecordId) -> Response:
        removed = await execute(
            request,
            lambda connection, caller: service(request, connection, caller).delete_by_id(owned_id),
            write=True,
        )
        await _remove_files(request, removed)
        return Response(status_code=202)


async def _remove_files(request: Request, keys: list[str]) -> None:
    """Remove from disk the files a committed delete left unreferenced (its image fields')."""
    if keys:
        await run_in_threadpool(FileStore.for_settings(request.app.state.settings).remove, keys)
