"""CTI routes (Rolodex extensions, contract §9): GET /v3.1/CTI/Lookup?phone_number= and
POST /v3.1/CTI/ScreenPop, what a phone system calls when a call comes in."""

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from redis import RedisError
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, query_value, read_body
from rolodex.api.records import API_PREFIX
from rolodex.api.responses import WireResponse, list_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.registry import record_name, record_url
from rolodex.errors import ServiceUnavailable, invalid_field
from rolodex.services import cti
from rolodex.services.pops import hub_of

router = APIRouter(
    prefix=f"{API_PREFIX}/CTI",
    route_class=CaseInsensitiveRoute,
    tags=["CTI"],
    dependencies=[Depends(authenticated_caller)],
)

_URL = {"type": "string", "description": "The record's page in the web application"}
_MATCH = {
    "type": "object",
    "properties": {
        "OBJECT_NAME": {"type": "string", "description": "Contact, Lead or Organisation"},
        "RECORD_ID": {"type": "integer"},
        "RECORD_NAME": {"type": "string"},
        "FIELD_NAME": {"type": "string", "description": "The phone field that matched"},
        "URL": _URL,
    },
    "required": ["OBJECT_NAME", "RECORD_ID", "RECORD_NAME", "FIELD_NAME", "URL"],
    "additionalProperties": False,
}
_POP_RESULT = {
    "type": "object",
    "properties": {
        "OBJECT_NAME": {"type": "string", "description": "The record type's singular name"},
        "RECORD_ID": {"type": "integer"},
        "USER_ID": {"type": "integer"},
        "URL": _URL,
        "PAGES_REACHED": {
            "type": "integer",
            "minimum": 0,
            "description": "How many of the user's web pages were listening when the pop was "
            "sent (each opens the record in a new tab)",
        },
    },
    "required": ["OBJECT_NAME", "RECORD_ID", "USER_ID", "URL", "PAGES_REACHED"],
    "additionalProperties": False,
}
_PHONE_QUERY = {
    "name": "phone_number",
    "in": "query",
    "required": True,
    "schema": {"type": "string", "minLength": 1},
    "description": "The caller's number, international (+44 20 7946 0958) or as dialled in the "
    "server's ROLODEX_DEFAULT_PHONE_REGION",
}


def _absolute(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


@router.get(
    "/Lookup",
    summary="Records whose phone fields hold a number (Rolodex extension)",
    openapi_extra=docs.operation(
        200,
        {"type": "array", "items": _MATCH},
        "Matching Contacts, Leads and Organisations, one item per matching phone field",
        parameters=[_PHONE_QUERY],
        errors=("400", "401", "429"),
    ),
)
async def lookup(request: Request) -> Response:
    phone_number = query_value(request, "phone_number")
    if not phone_number or not phone_number.strip():
        raise invalid_field("phone_number", "is required")
    region = request.app.state.settings.default_phone_region

    matches = await execute(
        request, lambda connection, caller: cti.lookup(connection, caller, phone_number, region)
    )
    items: list[dict[str, Any]] = []
    for match in matches:
        record_id = match.record[match.rt.id_field]
        items.append(
            {
                "OBJECT_NAME": match.rt.singular,
                "RECORD_ID": record_id,
                "RECORD_NAME": record_name(match.rt, match.record),
                "FIELD_NAME": match.field_name,
                "URL": _absolute(request, record_url(match.rt.singular, record_id)),
            }
        )
    return list_response(items, None, "CtiMatch")


@router.post(
    "/ScreenPop",
    summary="Open a record in a new tab of the user's open web pages (Rolodex extension)",
    openapi_extra=docs.operation(
        200,
        _POP_RESULT,
        "The pop was sent",
        body={
            "type": "object",
            "properties": {
                "OBJECT_NAME": {"type": "string", "minLength": 1, "maxLength": 100},
                "RECORD_ID": {"type": "integer"},
                "USER_ID": {"type": ["integer", "null"]},
            },
            "required": ["OBJECT_NAME", "RECORD_ID"],
        },
        errors=("400", "401", "403", "404", "413", "415", "429"),
    ),
)
async def screen_pop(request: Request) -> Response:
    body = await read_body(request)

    target = await execute(
        request, lambda connection, caller: cti.pop_target(connection, caller, body)
    )
    path = record_url(target.rt.singular, target.record_id)
    instance_id = request.state.caller.instance_id

    def send() -> int:
        hub = hub_of(request.app)
        reached = hub.open_pages(instance_id, target.user_id)
        hub.pop(instance_id, target.user_id, path)
        return reached

    try:
        reached = await run_in_threadpool(send)
    except (OSError, RedisError, SQLAlchemyError) as exc:  # Redis or PostgreSQL is unreachable
        raise ServiceUnavailable(f"The screen pop could not be sent: {exc}") from exc
    result = {
        "OBJECT_NAME": target.rt.singular,
        "RECORD_ID": target.record_id,
        "USER_ID": target.user_id,
        "URL": _absolute(request, path),
        "PAGES_REACHED": reached,
    }
    return WireResponse(result, "ScreenPop")
