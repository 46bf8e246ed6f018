"""Routes of pipeline moves (types with Feature.PIPELINE), opportunity state changes (types with a
history field) and lead conversion. Rules live in rolodex.services.pipelines and .leads."""

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Connection

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, read_body
from rolodex.api.records import API_PREFIX, RecordId, single_response
from rolodex.api.responses import WireResponse, list_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.registry import LEADS, RECORD_TYPES, Feature, RecordType
from rolodex.services.context import Caller
from rolodex.services.leads import LeadConversion
from rolodex.services.pipelines import PipelineService


def _service(
    request: Request, connection: Connection, caller: Caller, rt: RecordType
) -> PipelineService:
    return PipelineService(connection, caller, rt, if_match=request.headers.get("if-match"))


def _updated(rt: RecordType, body: str) -> dict[str, object]:
    return docs.operation(
        200,
        docs.component(rt.singular),
        "The record",
        docs.component(body),
        None,
        docs.WRITE_ERRORS,
    )


def build_router(rt: RecordType) -> APIRouter:
    """PUT/DELETE .../Pipeline and PUT .../PipelineStage, plus state changes when `rt` has them."""
    router = APIRouter(
        prefix=f"{API_PREFIX}/{rt.collection}",
        route_class=CaseInsensitiveRoute,
        tags=[rt.collection],
        dependencies=[Depends(authenticated_caller)],
    )

    @router.put(
        "/{record_id:int}/Pipeline",
        summary="Put the record in a pipeline (at a stage, or the first one)",
        openapi_extra=_updated(rt, "PipelineChangeIn"),
    )
    async def set_pipeline(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        return single_response(
            rt,
            await execute(
                request,
                lambda connection, caller: _service(request, connection, caller, rt).set_pipeline(
                    record_id, body
                ),
                write=True,
            ),
            request,
        )

    @router.delete(
        "/{record_id:int}/Pipeline",
        status_code=202,
        summary="Take the record out of its pipeline",
        openapi_extra=docs.deleted("Pipeline"),
    )
    async def clear_pipeline(request: Request, record_id: RecordId) -> Response:
        await execute(
            request,
            lambda connection, caller: _service(request, connection, caller, rt).clear_pipeline(
                record_id
            ),
            write=True,
        )
        return Response(status_code=202)

    @router.put(
        "/{record_id:int}/PipelineStage",
        summary="Move the record to another stage of its pipeline",
        openapi_extra=_updated(rt, "StageMoveIn"),
    )
    async def set_stage(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        return single_response(
            rt,
            await execute(
                request,
                lambda connection, caller: _service(request, connection, caller, rt).set_stage(
                    record_id, body
                ),
                write=True,
            ),
            request,
        )

    if rt.history_field is not None:
        _add_state_routes(router, rt)
    return router


def _add_state_routes(router: APIRouter, rt: RecordType) -> None:
    @router.put(
        "/{record_id:int}/StateChange",
        summary="Change the state, with an optional reason",
        openapi_extra=docs.operation(
            200,
            docs.component("OpportunityStateChange"),
            "The new state history entry",
            docs.component("StateChangeIn"),
            None,
            docs.WRITE_ERRORS,
        ),
    )
    async def change_state(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        return WireResponse(
            await execute(
                request,
                lambda connection, caller: _service(request, connection, caller, rt).change_state(
                    record_id, body
                ),
                write=True,
            ),
            "OpportunityStateChange",
        )

    @router.get(
        "/{record_id:int}/StateHistory",
        summary="Every state the record has had, oldest first",
        openapi_extra=docs.items("OpportunityStateChange", "The state history"),
    )
    async def state_history(request: Request, record_id: RecordId) -> Response:
        return list_response(
            await execute(
                request,
                lambda connection, caller: _service(request, connection, caller, rt).state_history(
                    record_id
                ),
            ),
            None,
            "OpportunityStateChange",
        )


conversion = APIRouter(
    prefix=f"{API_PREFIX}/{LEADS.collection}",
    route_class=CaseInsensitiveRoute,
    tags=[LEADS.collection],
    dependencies=[Depends(authenticated_caller)],
)


@conversion.post(
    "/{record_id:int}/Convert",
    summary="Convert the lead to a contact, an organisation and optionally an opportunity "
    "(Rolodex extension)",
    openapi_extra=docs.optional_body(
        docs.also(
            docs.operation(
                200,
                docs.component(LEADS.singular),
                "The converted lead, with the new records' ids in CONVERTED_*",
                docs.component("ConvertIn"),
                None,
                docs.WRITE_ERRORS,
            ),
            "409",
        )
    ),
)
async def convert_lead(request: Request, record_id: RecordId) -> Response:
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    body = await read_body(request) if has_body else {}

    def work(connection: Connection, caller: Caller) -> tuple[dict[str, Any], str]:
        conversion = LeadConversion(connection, caller, request.headers.get("if-match"))
        return conversion.convert(record_id, body)

    return single_response(LEADS, await execute(request, work, write=True))


def routers() -> list[APIRouter]:
    return [conversion, *(build_router(rt) for rt in RECORD_TYPES if rt.has(Feature.PIPELINE))]
