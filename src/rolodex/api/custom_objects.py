"""Routes of custom object definitions: GET /v3.1/CustomObjects[/{name}] as Insightly, and the
admin-only extensions POST, PUT and DELETE (contract §9). Their records' routes are the generic
ones (rolodex.api.records.build_router(CUSTOM_OBJECT_RECORDS))."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, page_from, query_bool, read_body
from rolodex.api.records import API_PREFIX
from rolodex.api.responses import WireResponse, list_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.registry import CUSTOM_OBJECT_NAME_PATTERN
from rolodex.services.custom_objects import CustomObjectService
from rolodex.storage.files import FileStore

ObjectName = Annotated[
    str,
    Path(pattern=f"^{CUSTOM_OBJECT_NAME_PATTERN}$", description="The custom object's name"),
]
_ITEM = "CustomObject"
_FORCE = {
    "name": "force",
    "in": "query",
    "required": False,
    "schema": docs.PAGING[3]["schema"],
    "description": "true: delete the object's records too (else 409 while it has any)",
}

router = APIRouter(
    prefix=f"{API_PREFIX}/CustomObjects",
    route_class=CaseInsensitiveRoute,
    tags=["CustomObjects"],
    dependencies=[Depends(authenticated_caller)],
)


@router.get(
    "",
    summary="The instance's custom objects",
    openapi_extra=docs.operation(
        200,
        docs.array_of(_ITEM),
        "Custom object definitions",
        parameters=[*docs.PAGING[:2], docs.PAGING[3]],
    ),
)
async def list_objects(request: Request) -> Response:
    page = page_from(request)

    rows, total = await execute(
        request, lambda connection, caller: CustomObjectService(connection, caller).list_page(page)
    )
    return list_response(rows, total, _ITEM)


@router.get(
    "/{name}",
    summary="One custom object",
    openapi_extra=docs.single(_ITEM, "The definition"),
)
async def get_object(request: Request, name: ObjectName) -> Response:
    return WireResponse(
        await execute(
            request, lambda connection, caller: CustomObjectService(connection, caller).get(name)
        ),
        _ITEM,
    )


@router.post(
    "",
    status_code=201,
    summary="Define a custom object (administrators; Rolodex extension)",
    openapi_extra=docs.also(docs.single(_ITEM, "Created", 201, "CustomObjectIn"), "403", "409"),
)
async def create_object(request: Request) -> Response:
    body = await read_body(request)

    created = await execute(
        request,
        lambda connection, caller: CustomObjectService(connection, caller).create(body),
        write=True,
    )
    location = f"{API_PREFIX}/CustomObjects/{created['OBJECT_NAME']}"
    return WireResponse(created, _ITEM, 201, {"Location": location})


@router.put(
    "",
    summary="Change a custom object's labels (administrators; OBJECT_NAME names it)",
    openapi_extra=docs.also(docs.single(_ITEM, "Updated", 200, "CustomObjectIn"), "403"),
)
async def update_object(request: Request) -> Response:
    body = await read_body(request)

    return WireResponse(
        await execute(
            request,
            lambda connection, caller: CustomObjectService(connection, caller).update(body),
            write=True,
        ),
        _ITEM,
    )


@router.delete(
    "/{name}",
    status_code=202,
    summary="Delete a custom object (administrators; 409 while it has records unless force)",
    openapi_extra=docs.also(
        docs.operation(202, None, "Deleted", parameters=[_FORCE], errors=("401", "404", "429")),
        "403",
        "409",
    ),
)
async def delete_object(request: Request, name: ObjectName) -> Response:
    force = query_bool(request, "force")

    removed_files = await execute(
        request,
        lambda connection, caller: CustomObjectService(connection, caller).delete(name, force),
        write=True,
    )
    store = FileStore.for_settings(request.app.state.settings)
    await run_in_threadpool(store.remove, removed_files)
    return Response(status_code=202)
