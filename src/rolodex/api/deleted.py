"""GET /v3.1/{Coll}/Deleted: the deleted-record feed (an extension; Insightly lacks it).

Sync tools read it to learn which records went: `deleted_after_utc` (strictly after, to the
second) and the usual paging, in (DATE_DELETED_UTC, ID) order.
"""

from dataclasses import replace

from fastapi import APIRouter, Request, Response

from rolodex.api import openapi as docs
from rolodex.api.common import execute, page_from, query_date
from rolodex.api.responses import list_response
from rolodex.domain.registry import RecordType
from rolodex.services.tombstones import deleted_page

ITEM = "DeletedRecord"


def add_deleted_route(router: APIRouter, rt: RecordType) -> None:
    """Add GET /Deleted to the router of `rt` (a type whose records can be deleted)."""

    @router.get(
        "/Deleted",
        summary=f"{rt.collection} deleted recently (extension)",
        name=f"deleted_{rt.collection.lower()}",
        openapi_extra=docs.deleted_feed(rt),
    )
    async def list_deleted(request: Request) -> Response:
        page = replace(page_from(request), updated_after=query_date(request, "deleted_after_utc"))
        keep_days = request.app.state.settings.tombstone_days
        named = _named_type(request, rt)

        def work(connection, caller):  # type: ignore[no-untyped-def]
            return deleted_page(connection, caller, named, page, keep_days)

        items, total = await execute(request, work)
        return list_response(items, total, ITEM)


def _named_type(request: Request, rt: RecordType) -> RecordType:
    from rolodex.api.records import named_type  # records imports this module

    return named_type(request, rt)
