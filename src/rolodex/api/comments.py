"""Routes for comments: under each record type with Feature.COMMENTS, and at /Comments.

GET/POST /{Coll}/{id}/Comments list and add a record's comments; PUT /Comments (COMMENT_ID in the
body) and DELETE /Comments/{id} change and remove one (and its files); v2.2 also reads one at
GET /Comments/{id}. The rules live in rolodex.services.comments; a comment's FileAttachments
are routed in rolodex.api.files.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, page_from, read_body
from rolodex.api.records import API_PREFIX, RecordId
from rolodex.api.responses import WireResponse, list_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.api.versions import V2_2
from rolodex.domain.registry import RecordType
from rolodex.services.comments import CommentService
from rolodex.storage.files import FileStore
from rolodex.wire.comments import commentable_types
from rolodex.wire.records import INT64_MAX

CommentId = Annotated[int, Path(ge=0, le=INT64_MAX, description="The comment's id")]


def build_router() -> APIRouter:
    """The comment routes of every commentable record type, and /Comments itself."""
    router = APIRouter(
        prefix=API_PREFIX,
        route_class=CaseInsensitiveRoute,
        dependencies=[Depends(authenticated_caller)],
    )
    for rt in commentable_types():
        _add_record_comment_routes(router, rt)

    @router.put(
        "/Comments",
        tags=["Comments"],
        summary="Update a comment (COMMENT_ID in the body)",
        openapi_extra=docs.operation(
            200,
            docs.component("Comment"),
            "Updated",
            docs.component("CommentUpdate"),
            None,
            docs.WRITE_ERRORS,
        ),
    )
    async def update_comment(request: Request) -> Response:
        body = await read_body(request)

        return WireResponse(
            await execute(
                request,
                lambda connection, caller: CommentService(connection, caller).update(body),
                write=True,
            ),
            "Comment",
        )

    @router.delete(
        "/Comments/{comment_id:int}",
        tags=["Comments"],
        status_code=202,
        summary="Delete a comment",
        openapi_extra=docs.deleted("Comment"),
    )
    async def delete_comment(request: Request, comment_id: CommentId) -> Response:
        removed_files = await execute(
            request,
            lambda connection, caller: CommentService(connection, caller).delete(comment_id),
            write=True,
        )
        # Its files leave the disk only once their rows' deletion has committed.
        store = FileStore.for_settings(request.app.state.settings)
        await run_in_threadpool(store.remove, removed_files)
        return Response(status_code=202)

    return router


def build_v22_router() -> APIRouter:
    """v2.2's GET /Comments/{id}, which v3.1 does not have."""
    router = APIRouter(
        prefix=V2_2.prefix,
        route_class=CaseInsensitiveRoute,
        dependencies=[Depends(authenticated_caller)],
    )

    @router.get(
        "/Comments/{comment_id:int}",
        tags=["Comments"],
        summary="Get one comment",
        openapi_extra=docs.single("Comment", "The comment"),
    )
    async def get_comment(request: Request, comment_id: CommentId) -> Response:
        return WireResponse(
            await execute(
                request,
                lambda connection, caller: CommentService(connection, caller).read(comment_id),
            ),
            "Comment",
        )

    return router


def _add_record_comment_routes(router: APIRouter, rt: RecordType) -> None:
    path = f"/{rt.collection}/{{record_id:int}}/Comments"

    @router.get(
        path,
        tags=[rt.collection],
        summary=f"The comments on a {rt.singular}",
        name=f"comments_of_{rt.collection.lower()}",
        openapi_extra=docs.operation(
            200, docs.array_of("Comment"), "A page of the comments", None, docs.PAGING
        ),
    )
    async def get_comments(request: Request, record_id: RecordId) -> Response:
        page = page_from(request)

        comments, total = await execute(
            request,
            lambda connection, caller: CommentService(connection, caller).list_page(
                rt, record_id, page
            ),
        )
        return list_response(comments, total, "Comment")

    @router.post(
        path,
        tags=[rt.collection],
        status_code=201,
        summary=f"Comment on a {rt.singular}",
        name=f"comment_on_{rt.collection.lower()}",
        openapi_extra=docs.operation(
            201,
            docs.component("Comment"),
            "The new comment",
            docs.component("CommentCreate"),
            None,
            docs.WRITE_ERRORS,
        ),
    )
    async def add_comment(request: Request, record_id: RecordId) -> Response:
        body = await read_body(request)

        return WireResponse(
            await execute(
                request,
                lambda connection, caller: CommentService(connection, caller).create(
                    rt, record_id, body
                ),
                write=True,
            ),
            "Comment",
            201,
        )
