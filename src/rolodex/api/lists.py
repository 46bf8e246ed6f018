"""Instance-wide lists over the records: GET /Tags and GET /Follows."""

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Connection

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, page_from, query_value
from rolodex.api.records import API_PREFIX
from rolodex.api.responses import list_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.registry import Feature, RecordType, resolve_object_name
from rolodex.errors import invalid_field
from rolodex.services.context import Caller, viewer_of
from rolodex.storage.repository import Repository

router = APIRouter(
    prefix=API_PREFIX,
    route_class=CaseInsensitiveRoute,
    dependencies=[Depends(authenticated_caller)],
)


def _record_type(request: Request, feature: Feature, required: bool) -> RecordType | None:
    """The `record_type` query parameter: a type name, singular or plural, in any case."""
    value = query_value(request, "record_type")
    if not value:
        if required:
            raise invalid_field("record_type", "is required, e.g. record_type=Contacts")
        return None
    rt = resolve_object_name(value)
    if rt is None or not rt.has(feature):
        raise invalid_field("record_type", f"'{value}' is not a record type that has these")
    return rt


@router.get(
    "/Tags",
    tags=["Tags"],
    summary="The tags used on one record type",
    openapi_extra=docs.operation(
        200,
        docs.array_of("Tag"),
        "Distinct tag names, alphabetically",
        parameters=[docs.RECORD_TYPE_QUERY, *docs.PAGING[:2], docs.PAGING[3]],
    ),
)
async def get_tags(request: Request) -> Response:
    rt = _record_type(request, Feature.TAGS, required=True)
    assert rt is not None
    page = page_from(request)

    names, total = await execute(
        request,
        lambda connection, caller: Repository(
            connection, caller.instance_id, viewer_of(caller)
        ).tag_names(rt.singular, page),
    )
    return list_response([{"TAG_NAME": name} for name in names], total, "Tag")


@router.get(
    "/Follows",
    tags=["Follows"],
    summary="The records you follow",
    openapi_extra=docs.operation(
        200,
        docs.array_of("FollowedRecord"),
        "Followed records, oldest follow first",
        parameters=[
            {
                **docs.RECORD_TYPE_QUERY,
                "required": False,
                "schema": {"type": "string"},
                "description": "Only this record type (absent or empty: every type)",
            },
            *docs.PAGING[:2],
            docs.PAGING[3],
        ],
    ),
)
async def get_follows(request: Request) -> Response:
    rt = _record_type(request, Feature.FOLLOW, required=False)
    page = page_from(request)

    def work(connection: Connection, caller: Caller) -> tuple[list[dict[str, Any]], int | None]:
        repository = Repository(connection, caller.instance_id, viewer_of(caller))
        return repository.follows_of(caller.user_id, rt.singular if rt else None, page)

    rows, total = await execute(request, work)
    followed = [{"RECORD_TYPE": row["record_type"], "RECORD_ID": row["record_id"]} for row in rows]
    return list_response(followed, total, "FollowedRecord")
