"""Routes of Teams and TeamMembers. Reads are open to every user; writes need an administrator.
v2.2 also has GET /Teams/Search and PUT /TeamMembers, /Teams/{id}/TeamMembers (v22_router).
The rules live in rolodex.services.teams."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import Connection

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, page_from, query_bool, query_value, read_body
from rolodex.api.records import API_PREFIX, RecordId
from rolodex.api.responses import WireResponse, list_response, record_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.api.versions import V2_2, api_location
from rolodex.domain.registry import TEAMS
from rolodex.services.context import Caller
from rolodex.services.teams import TeamService
from rolodex.wire.records import INT64_MAX

PermissionId = Annotated[int, Path(ge=0, le=INT64_MAX, description="The membership's id")]
_ADMIN_WRITE = (*docs.WRITE_ERRORS, "403")


def _member_added(body: str) -> dict[str, object]:
    extra = docs.operation(
        201,
        docs.component("TeamMember"),
        "The new membership",
        docs.component(body),
        None,
        _ADMIN_WRITE,
    )
    extra["responses"]["200"] = {
        "description": "The user was a member already; nothing changed",
        "content": extra["responses"]["201"]["content"],
    }
    return extra


router = APIRouter(
    prefix=API_PREFIX,
    route_class=CaseInsensitiveRoute,
    dependencies=[Depends(authenticated_caller)],
)


def _service(request: Request, connection: Connection, caller: Caller) -> TeamService:
    return TeamService(connection, caller, if_match=request.headers.get("if-match"))


@router.get(
    "/Teams",
    tags=["Teams"],
    summary="List Teams",
    openapi_extra=docs.operation(200, docs.array_of("Team"), "A page of Teams", None, docs.PAGING),
)
async def list_teams(request: Request) -> Response:
    page = page_from(request)
    brief = query_bool(request, "brief")

    teams, total = await execute(
        request,
        lambda connection, caller: _service(request, connection, caller).list_page(page, brief),
    )
    return list_response(teams, total, "Team")


@router.get(
    "/Teams/{record_id:int}",
    tags=["Teams"],
    summary="Get one Team",
    openapi_extra=docs.operation(200, docs.component("Team"), "The Team", None, docs.BRIEF),
)
async def get_team(request: Request, record_id: RecordId) -> Response:
    brief = query_bool(request, "brief")

    team, etag = await execute(
        request,
        lambda connection, caller: _service(request, connection, caller).read(record_id, brief),
    )
    return record_response(team, "Team", etag)


@router.post(
    "/Teams",
    tags=["Teams"],
    status_code=201,
    summary="Create a Team with its TEAMMEMBERS (administrators)",
    openapi_extra=docs.operation(
        201, docs.component("Team"), "Created", docs.component("TeamCreate"), None, _ADMIN_WRITE
    ),
)
async def create_team(request: Request) -> Response:
    body = await read_body(request)

    team, etag = await execute(
        request,
        lambda connection, caller: _service(request, connection, caller).create(body),
        write=True,
    )
    location = api_location(request, TEAMS.collection, team[TEAMS.id_field])
    return record_response(team, "Team", etag, 201, Location=location)


@router.put(
    "/Teams",
    tags=["Teams"],
    summary="Update a Team (administrators; id in the body); TEAMMEMBERS, when sent, replaces "
    "the members",
    openapi_extra=docs.operation(
        200,
        docs.component("Team"),
        "Updated",
        docs.component("TeamUpdate"),
        docs.BRIEF,
        _ADMIN_WRITE,
    ),
)
async def update_team(request: Request) -> Response:
    body = await read_body(request)
    brief = query_bool(request, "brief")

    team, etag = await execute(
        request,
        lambda connection, caller: _service(request, connection, caller).update(body, None, brief),
        write=True,
    )
    return record_response(team, "Team", etag)


@router.delete(
    "/Teams/{record_id:int}",
    tags=["Teams"],
    status_code=202,
    summary="Delete a Team and its memberships (administrators; 409 while tasks or activity "
    "set activities are assigned to it)",
    openapi_extra=docs.also(docs.deleted("Team"), "403", "409"),
)
async def delete_team(request: Request, record_id: RecordId) -> Response:
    await execute(
        request,
        lambda connection, caller: _service(request, connection, caller).delete(record_id),
        write=True,
    )
    return Response(status_code=202)


@router.post(
    "/Teams/{record_id:int}/TeamMembers",
    tags=["Teams"],
    status_code=201,
    summary="Add a member to the Team (administrators)",
    openapi_extra=_member_added("TeamMemberIn"),
)
async def add_team_member(request: Request, record_id: RecordId) -> Response:
    body = await read_body(request)

    member, is_new = await execute(
        request,
        lambda connection, caller: _service(request, connection, caller).add_member(
            record_id, body
        ),
        write=True,
    )
    return WireResponse(member, "TeamMember", 201 if is_new else 200)


@router.delete(
    "/Teams/{record_id:int}/TeamMembers/{permission_id:int}",
    tags=["Teams"],
    status_code=202,
    summary="Remove a member from the Team (administrators)",
    openapi_extra=docs.also(docs.deleted("TeamMember"), "403"),
)
async def remove_team_member(
    request: Request, record_id: RecordId, permission_id: PermissionId
) -> Response:
    await execute(
        request,
        lambda connection, caller: _service(request, connection, caller).remove_member(
            permission_id, record_id
        ),
        write=True,
    )
    return Response(status_code=202)


@router.get(
    "/TeamMembers",
    tags=["TeamMembers"],
    summary="List every team membership",
    openapi_extra=docs.operation(
        200,
        docs.array_of("TeamMember"),
        "A page of memberships",
        None,
        docs.PAGE_ONLY,
    ),
)
async def list_team_members(request: Request) -> Response:
    page = page_from(request)

    members, total = await execute(
        request, lambda connection, caller: _service(request, connection, caller).member_page(page)
    )
    return list_response(members, total, "TeamMember")


@router.get(
    "/TeamMembers/{permission_id:int}",
    tags=["TeamMembers"],
    summary="Get one team membership",
    openapi_extra=docs.single("TeamMember", "The membership"),
)
async def get_team_member(request: Request, permission_id: PermissionId) -> Response:
    return WireResponse(
        await execute(
            request,
            lambda connection, caller: _service(request, connection, caller).member(permission_id),
        ),
        "TeamMember",
    )


@router.post(
    "/TeamMembers",
    tags=["TeamMembers"],
    status_code=201,
    summary="Add a user to a team (administrators)",
    openapi_extra=_member_added("TeamMemberCreate"),
)
async def create_team_member(request: Request) -> Response:
    body = await read_body(request)

    member, is_new = await execute(
        request,
        lambda connection, caller: _service(request, connection, caller).create_member(body),
        write=True,
    )
    return WireResponse(member, "TeamMember", 201 if is_new else 200)


@router.delete(
    "/TeamMembers/{permission_id:int}",
    tags=["TeamMembers"],
    status_code=202,
    summary="Remove a team membership (administrators)",
    openapi_extra=docs.also(docs.deleted("TeamMember"), "403"),
)
async def delete_team_member(request: Request, permission_id: PermissionId) -> Response:
    await execute(
        request,
        lambda connection, caller: _service(request, connection, caller).remove_member(
            permission_id
        ),
        write=True,
    )
    return Response(status_code=202)


# --- v2.2's own operations ----------------------------------------------------------------------

v22_router = APIRouter(
    prefix=V2_2.prefix,
    route_class=CaseInsensitiveRoute,
    dependencies=[Depends(authenticated_caller)],
)
_TEAM_NAME = {
    "name": "team_name",
    "in": "query",
    "schema": {"type": "string"},
    "description": "Only the teams of exactly this TEAM_NAME (any letter case)",
}


@v22_router.get(
    "/Teams/Search",
    tags=["Teams"],
    summary="Search Teams by TEAM_NAME and/or last update",
    description="**Decision**: v2.2 allowed one filter at a time; here team_name and "
    "updated_after_utc can be combined (both must hold), as on every other v2.2 search. Without "
    "either, every team, as GET /Teams.",
    openapi_extra=docs.operation(
        200, docs.array_of("Team"), "A page of the teams that match", None,
        [_TEAM_NAME, *docs.PAGING],
    ),
)  # fmt: skip
async def search_teams(request: Request) -> Response:
    page = page_from(request)
    brief = query_bool(request, "brief")
    team_name = (query_value(request, "team_name") or "").strip() or None  # blank: not given

    teams, total = await execute(
        request,
        lambda connection, caller: _service(request, connection, caller).list_page(
            page, brief, team_name
        ),
    )
    return list_response(teams, total, "Team")


def _member_updated() -> dict[str, object]:
    return docs.also(
        docs.single("TeamMember", "The membership as it is now", body="TeamMemberUpdate"),
        "403",
        "409",
    )


@v22_router.put(
    "/TeamMembers",
    tags=["TeamMembers"],
    summary="Change a team membership (administrators): PERMISSION_ID names it; MEMBER_USER_ID "
    "and TEAM_ID, when sent, are its new user and team (409 if that user is in that team "
    "already)",
    openapi_extra=_member_updated(),
)
async def update_team_member(request: Request) -> Response:
    body = await read_body(request)

    return WireResponse(
        await execute(
            request,
            lambda connection, caller: _service(request, connection, caller).update_member(body),
            write=True,
        ),
        "TeamMember",
    )


@v22_router.put(
    "/Teams/{record_id:int}/TeamMembers",
    tags=["Teams"],
    summary="Change a membership of the Team (administrators): PERMISSION_ID names it, "
    "MEMBER_USER_ID is its new user; it stays in this team",
    openapi_extra=_member_updated(),
)
async def update_member_of_team(request: Request, record_id: RecordId) -> Response:
    body = await read_body(request)

    return WireResponse(
        await execute(
            request,
            lambda connection, caller: _service(request, connection, caller).update_member(
                body, record_id
            ),
            write=True,
        ),
        "TeamMember",
    )
