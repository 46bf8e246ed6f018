"""Users and the instance: read-only over the API."""

from fastapi import APIRouter, Depends, Request, Response

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute
from rolodex.api.records import API_PREFIX
from rolodex.api.responses import WireResponse, record_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.registry import USERS
from rolodex.services.records import RecordService
from rolodex.services.users import instance_info

router = APIRouter(
    prefix=API_PREFIX,
    route_class=CaseInsensitiveRoute,
    dependencies=[Depends(authenticated_caller)],
)


@router.get(
    "/Users/Me",
    tags=["Users"],
    summary="The user whose API key made the call",
    openapi_extra=docs.single("User", "The calling user"),
)
async def get_me(request: Request) -> Response:
    record, etag = await execute(
        request,
        lambda connection, caller: RecordService(connection, caller, USERS).read(caller.user_id),
    )
    return record_response(record, USERS.singular, etag)


@router.get(
    "/Instance",
    tags=["Instance"],
    summary="The caller's instance",
    openapi_extra=docs.single("Instance", "The instance"),
)
async def get_instance(request: Request) -> Response:
    return WireResponse(
        await execute(
            request, lambda connection, caller: instance_info(connection, caller.instance_id)
        ),
        "Instance",
    )
