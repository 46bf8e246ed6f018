"""POST /Ticket/{id}/Merge: the ticket merges into another (rolodex.services.tickets)."""

from fastapi import APIRouter, Depends, Request, Response

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, read_body
from rolodex.api.records import API_PREFIX, RecordId, shown
from rolodex.api.responses import list_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.registry import TICKETS
from rolodex.services import tickets
from rolodex.wire.records import INT64_MAX

MERGE_BODY = {
    "type": "object",
    "title": "TicketMerge",
    "properties": {
        tickets.TARGET: {
            "type": "integer",
            "minimum": 1,
            "maximum": INT64_MAX,
            "description": "The TICKET_NUMBER of the ticket to merge into",
        }
    },
    "required": [tickets.TARGET],
}

router = APIRouter(
    prefix=f"{API_PREFIX}/{TICKETS.collection}",
    route_class=CaseInsensitiveRoute,
    tags=[TICKETS.collection],
    dependencies=[Depends(authenticated_caller)],
)


@router.post(
    "/{record_id:int}/Merge",
    summary="Merge the ticket into another: its comments, tags and follows move there, and "
    "it is deleted",
    openapi_extra=docs.operation(
        200,
        docs.array_of(TICKETS.singular),
        "The ticket merged into, as merged",
        MERGE_BODY,
        None,
        docs.WRITE_ERRORS,
    ),
)
async def merge_ticket(request: Request, record_id: RecordId) -> Response:
    body = await read_body(request)

    merged = await execute(
        request,
        lambda connection, caller: tickets.merge(connection, caller, record_id, body),
        write=True,
    )
    return list_response(shown(request, TICKETS, merged), None, TICKETS.singular)
