"""Routes of the settings collections (LeadSources, LeadStatuses, the four category lists,
Pipelines, PipelineStages, OpportunityStateReasons, Relationships), generated from the registry,
and the fixed lists: Countries, Currencies, Permissions.

Reads are open to every user; writes need an administrator (rolodex.services.settings).
"""

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Connection

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, page_from, query_bool, query_value, read_body
from rolodex.api.records import API_PREFIX, RecordId, created_response, single_response
from rolodex.api.responses import WireResponse, list_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.countries import countries, currencies
from rolodex.domain.registry import LEAD_STATUSES, SETTINGS_TYPES, Feature, RecordType
from rolodex.errors import invalid_field
from rolodex.services.context import Caller
from rolodex.services.permissions import permissions
from rolodex.services.settings import SettingsService
from rolodex.wire.records import INT64_MAX

_INCLUDE_CONVERTED = {
    "name": "include_converted",
    "in": "query",
    "required": False,
    "schema": docs.PAGING[3]["schema"],
    "description": "true: include the converted lead statuses (STATUS_TYPE 3)",
}


def _service(
    request: Request, connection: Connection, caller: Caller, rt: RecordType
) -> SettingsService:
    return SettingsService(connection, caller, rt, if_match=request.headers.get("if-match"))


def build_router(rt: RecordType) -> APIRouter:
    """The routes of one settings collection."""
    router = APIRouter(
        prefix=f"{API_PREFIX}/{rt.collection}",
        route_class=CaseInsensitiveRoute,
        tags=[rt.collection],
        dependencies=[Depends(authenticated_caller)],
    )
    paging = [*docs.PAGING[:2], docs.PAGING[3], docs.PAGING[4]]
    if rt is LEAD_STATUSES:
        paging.append(_INCLUDE_CONVERTED)

    @router.get("", summary=f"List {rt.collection}", openapi_extra=docs.list_of(rt, paging))
    async def list_settings(request: Request) -> Response:
        page = page_from(request)
        include_converted = query_bool(request, "include_converted") or query_bool(
            request, "includeConverted"
        )

        rows, total = await execute(
            request,
            lambda connection, caller: _service(request, connection, caller, rt).list_page(
                page, include_converted
            ),
        )
        return list_response(rows, total, rt.singular)

    @router.get(
        "/{record_id:int}",
        summary=f"Get one {rt.singular}",
        openapi_extra=docs.single(rt.singular, f"The {rt.singular}"),
    )
    async def get_setting(request: Request, record_id: RecordId) -> Response:
        return single_response(
            rt,
            await execute(
                request,
                lambda connection, caller: _service(request, connection, caller, rt).read(
                    record_id
                ),
            ),
        )

    if rt.has(Feature.CREATE):

        @router.post(
            "",
            status_code=201,
            summary=f"Create a {rt.singular} (administrators)",
            openapi_extra=docs.also(docs.create(rt), "403"),
        )
        async def create_setting(request: Request) -> Response:
            body = await read_body(request)

            return created_response(
                rt,
                await execute(
                    request,
                    lambda connection, caller: _service(request, connection, caller, rt).create(
                        body
                    ),
                    write=True,
                ),
                request,
            )

    if rt.has(Feature.WRITE):
        _add_write_routes(router, rt)
    return router


def _add_write_routes(router: APIRouter, rt: RecordType) -> None:
    @router.put(
        "",
        summary=f"Update a {rt.singular} (administrators; id in the body)",
        openapi_extra=docs.also(docs.update(rt), "403"),
    )
    async def update_setting(request: Request) -> Response:
        body = await read_body(request)

        return single_response(
            rt,
            await execute(
                request,
                lambda connection, caller: _service(request, connection, caller, rt).update(body),
                write=True,
            ),
        )

    deletes = "deactivates it (ACTIVE false)" if rt.active_flag else "deletes it"

    async def _delete(request: Request, record_id: int) -> Response:
        await execute(
            request,
            lambda connection, caller: _service(request, connection, caller, rt).delete(record_id),
            write=True,
        )
        return Response(status_code=202)

    @router.delete(
        "/{record_id:int}",
        status_code=202,
        summary=f"Delete a {rt.singular} (administrators): {deletes}",
        openapi_extra=docs.also(docs.deleted(rt.singular), "403", "409"),
    )
    async def delete_setting(request: Request, record_id: RecordId) -> Response:
        return await _delete(request, record_id)

    @router.delete(
        "",
        status_code=202,
        summary=f"Delete a {rt.singular} named by ?id= (administrators): {deletes}",
        openapi_extra=docs.also(
            docs.operation(
                202,
                None,
                f"{rt.singular} deleted",
                parameters=[
                    {
                        "name": "id",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0, "maximum": INT64_MAX},
                        "description": f"The {rt.singular}'s id",
                    }
                ],
                errors=("401", "404", "412", "429"),
            ),
            "403",
            "409",
        ),
    )
    async def delete_setting_by_query(request: Request) -> Response:
        raw = query_value(request, "id")
        if raw is None or not raw.strip().isdigit() or int(raw) > INT64_MAX:
            raise invalid_field("id", "is required: the id of the row to delete (?id=123)")
        return await _delete(request, int(raw))


fixed_lists = APIRouter(
    prefix=API_PREFIX,
    route_class=CaseInsensitiveRoute,
    dependencies=[Depends(authenticated_caller)],
)


@fixed_lists.get(
    "/Countries",
    tags=["Countries"],
    summary="Every ISO 3166 country",
    openapi_extra=docs.operation(200, docs.array_of("Country"), "Country names, alphabetically"),
)
async def get_countries() -> Response:
    return list_response([{"COUNTRY_NAME": name} for name in countries()], None, "Country")


@fixed_lists.get(
    "/Currencies",
    tags=["Currencies"],
    summary="Every ISO 4217 currency",
    openapi_extra=docs.operation(200, docs.array_of("Currency"), "Currencies by code"),
)
async def get_currencies() -> Response:
    rows = [{"CURRENCY_CODE": code, "CURRENCY_SYMBOL": symbol} for code, symbol in currencies()]
    return list_response(rows, None, "Currency")


@fixed_lists.get(
    "/Permissions",
    tags=["Permissions"],
    summary="What you may do with each object type",
    openapi_extra=docs.operation(200, docs.component("Permissions"), "Your permissions"),
)
async def get_permissions(request: Request) -> Response:
    return WireResponse(permissions(request.state.caller), "Permissions")


def routers() -> list[APIRouter]:
    return [fixed_lists, *(build_router(rt) for rt in SETTINGS_TYPES)]
