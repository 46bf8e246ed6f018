"""Routes of ActivitySets (read-only, as in Insightly; admins use `rolodex activity-sets ...`)
and POST /{Coll}/{id}/ActivitySetAssignment on types with Feature.ACTIVITY_SETS.
The rules live in rolodex.services.activity_sets."""

from fastapi import APIRouter, Depends, Request, Response

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, page_from, query_bool, read_body
from rolodex.api.records import API_PREFIX, RecordId
from rolodex.api.responses import WireResponse, list_response, record_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.registry import RECORD_TYPES, Feature, RecordType
from rolodex.services.activity_sets import ActivitySetService

# What an assignment answers: the tasks and events it created, each linked to the record.
ASSIGNMENT_RESULT = {
    "type": "object",
    "properties": {"TASKS": docs.array_of("Task"), "EVENTS": docs.array_of("Event")},
    "required": ["TASKS", "EVENTS"],
    "additionalProperties": False,
}


def build_router() -> APIRouter:
    router = APIRouter(
        prefix=API_PREFIX,
        route_class=CaseInsensitiveRoute,
        dependencies=[Depends(authenticated_caller)],
    )

    @router.get(
        "/ActivitySets",
        tags=["ActivitySets"],
        summary="List ActivitySets",
        openapi_extra=docs.operation(
            200, docs.array_of("ActivitySet"), "A page of ActivitySets", None, docs.PAGING
        ),
    )
    async def list_activity_sets(request: Request) -> Response:
        page = page_from(request)
        brief = query_bool(request, "brief")

        sets, total = await execute(
            request,
            lambda connection, caller: ActivitySetService(connection, caller).list_page(
                page, brief
            ),
        )
        return list_response(sets, total, "ActivitySet")

    @router.get(
        "/ActivitySets/{record_id:int}",
        tags=["ActivitySets"],
        summary="Get one ActivitySet with its ACTIVITIES",
        openapi_extra=docs.operation(
            200, docs.component("ActivitySet"), "The ActivitySet", None, docs.BRIEF
        ),
    )
    async def get_activity_set(request: Request, record_id: RecordId) -> Response:
        brief = query_bool(request, "brief")

        activity_set, etag = await execute(
            request,
            lambda connection, caller: ActivitySetService(connection, caller).read(
                record_id, brief
            ),
        )
        return record_response(activity_set, "ActivitySet", etag)

    for rt in RECORD_TYPES:
        if rt.has(Feature.ACTIVITY_SETS):
            _add_assignment_route(router, rt)
    return router


def _add_assignment_route(router: APIRouter, rt: RecordType) -> None:
    @router.post(
        f"/{rt.collection}/{{record_id:int}}/ActivitySetAssignment",
        tags=[rt.collection],
        summary="Apply an activity set: create its tasks and events, linked to the record",
        name=f"activity_set_assignment_{rt.collection.lower()}",
        openapi_extra=docs.operation(
            200,
            ASSIGNMENT_RESULT,
            "The tasks and events created",
            docs.component("ActivitySetAssignmentIn"),
            None,
            docs.WRITE_ERRORS,
        ),
    )
    async def assign_activity_set(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        return WireResponse(
            await execute(
                request,
                lambda connection, caller: ActivitySetService(connection, caller).assign(
                    rt, record_id, body
                ),
                write=True,
            ),
            "ActivitySetAssignment",
        )
