"""Routes for files: a record's FileAttachments, Image and ImageFields, and /FileAttachments/{id}.

Upload bodies are read within Settings.max_upload_bytes by rolodex.web.bodies (these routes never
read a body through read_body, so max_body_bytes does not apply), written to a temporary file,
and recorded by rolodex.services.files. A failed write discards its upload; files that a write made
unreferenced are removed from disk only after it has committed (see rolodex.storage.files).
"""

import os
from collections.abc import Callable, Iterator
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, page_from, query_value
from rolodex.api.records import (
    API_PREFIX,
    CUSTOM_OBJECT_SEGMENT,
    RecordId,
    extension_wire,
    named_type,
    object_name_param,
    single_response,
)
from rolodex.api.responses import WireResponse, list_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.custom_fields import FIELD_NAME_MAX
from rolodex.domain.registry import CUSTOM_OBJECT_RECORDS, RECORD_TYPES, Feature, RecordType
from rolodex.errors import (
    BadRequest,
    ExpectationFailed,
    NotFound,
    invalid_field,
)
from rolodex.services.context import Caller
from rolodex.services.files import (
    CommentFileService,
    FileService,
    NewFile,
    delete_file,
    find_file,
)
from rolodex.storage.files import CHUNK_BYTES, FileStore, too_large
from rolodex.storage.repository import Row
from rolodex.web.bodies import body_stream, read_upload_form, stage_upload
from rolodex.wire.files import (
    CONTENT_TYPE_MAX,
    FILE_NAME_MAX,
    FileFields,
    content_disposition,
    file_attachment,
    image_content_type,
    image_file_name,
)
from rolodex.wire.records import INT64_MAX

FileId = Annotated[int, Path(ge=0, le=INT64_MAX, description="The file attachment's id")]
CommentId = Annotated[int, Path(ge=0, le=INT64_MAX, description="The comment's id")]
FieldName = Annotated[
    str, Path(description="The IMAGE custom field's FIELD_NAME", max_length=FIELD_NAME_MAX)
]
ImageName = Annotated[str, Path(description="The image's file name", max_length=FILE_NAME_MAX)]

_IMAGE_FORMATS = "PNG, JPEG, GIF, WebP, BMP, TIFF, ICO, AVIF or HEIC"


def build_router() -> APIRouter:
    """/FileAttachments/{id}, and the file and image routes of every type that has them."""
    router = APIRouter(
        prefix=API_PREFIX,
        route_class=CaseInsensitiveRoute,
        dependencies=[Depends(authenticated_caller)],
    )
    _add_file_routes(router)
    _add_comment_file_routes(router)
    for rt in (*RECORD_TYPES, CUSTOM_OBJECT_RECORDS):
        if rt.has(Feature.FILE_ATTACHMENTS):
            _add_attachment_routes(router, rt)
        if rt.has(Feature.IMAGE):
            _add_image_routes(router, rt)
        if rt.has(Feature.IMAGE_FIELDS):
            _add_image_field_routes(router, rt)
    return router


def _store(request: Request) -> FileStore:
    return FileStore.for_settings(request.app.state.settings)


def _upload_limit(request: Request) -> int:
    return int(request.app.state.settings.max_upload_bytes)


def _service(
    request: Request, connection: Connection, caller: Caller, rt: RecordType, store: FileStore
) -> FileService:
    return FileService(
        connection,
        caller,
        named_type(request, rt),
        store,
        if_match=request.headers.get("if-match"),
        extension_wire=extension_wire(request, rt),
    )


# --- /FileAttachments/{id} ---------------------------------------------------------------------


def _add_file_routes(router: APIRouter) -> None:
    @router.get(
        "/FileAttachments/{file_id:int}",
        tags=["FileAttachments"],
        summary="A file's content (or its metadata with format=json)",
        openapi_extra=_download_doc(),
    )
    async def get_file(request: Request, file_id: FileId) -> Response:
        as_json = _wants_json(request)

        row = await execute(
            request, lambda connection, caller: find_file(connection, caller, file_id)
        )
        if as_json:
            return WireResponse(file_attachment(row), "FileAttachment")
        return await _file_response(request, row, "attachment")

    @router.delete(
        "/FileAttachments/{file_id:int}",
        status_code=202,
        tags=["FileAttachments"],
        summary="Delete a file attachment",
        openapi_extra=docs.deleted("FileAttachment"),
    )
    async def remove_file(request: Request, file_id: FileId) -> Response:
        store = _store(request)

        key = await execute(
            request,
            lambda connection, caller: delete_file(connection, caller, store, file_id),
            write=True,
        )
        await run_in_threadpool(store.remove, [key])
        return Response(status_code=202)


def _wants_json(request: Request) -> bool:
    """`format`: binary (the default) or json, in any case."""
    value = (query_value(request, "format") or "").strip().lower()
    if value not in ("", "binary", "json"):
        raise invalid_field("format", f"'{value}' is not binary or json")
    return value == "json"


async def _file_response(request: Request, row: Row, disposition: str) -> Response:
    """The stored bytes of `row`, streamed, with its content type and file name."""
    handle = await run_in_threadpool(_store(request).open, row["storage_key"])
    if handle is None:
        raise NotFound(f"The content of file {row['file_name']!r} is missing from the server.")
    headers = {
        # Set as a header, not a media_type: Starlette would add a charset to text/ types.
        "Content-Type": row["content_type"],
        "Content-Length": str(os.fstat(handle.fileno()).st_size),
        "Content-Disposition": content_disposition(disposition, row["file_name"]),
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(_chunks(handle), headers=headers)


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


# --- /{Coll}/{id}/FileAttachments ----------------------------------------------------------------


def _add_attachment_routes(router: APIRouter, rt: RecordType) -> None:
    custom = rt is CUSTOM_OBJECT_RECORDS
    segment = CUSTOM_OBJECT_SEGMENT if custom else f"/{rt.collection}"
    path = f"{segment}/{{record_id:int}}/FileAttachments"
    tag = "Custom object records" if custom else rt.collection
    extra = [Depends(object_name_param)] if custom else []

    @router.get(
        path,
        tags=[tag],
        dependencies=extra,
        summary="The record's file attachments",
        openapi_extra=docs.operation(
            200,
            docs.array_of("FileAttachment"),
            "A page of the record's files (metadata)",
            parameters=[p for p in docs.PAGING if p["name"] != "brief"],
        ),
    )
    async def list_files(request: Request, record_id: RecordId) -> Response:
        page = page_from(request)
        store = _store(request)

        files, total = await execute(
            request,
            lambda connection, caller: _service(request, connection, caller, rt, store).list_files(
                record_id, page
            ),
        )
        return list_response(files, total, "FileAttachment")

    @router.post(
        path,
        status_code=201,
        tags=[tag],
        dependencies=extra,
        summary="Attach a file (multipart/form-data)",
        openapi_extra=_upload_doc(),
    )
    async def add_file(request: Request, record_id: RecordId) -> Response:
        store = _store(request)
        new = await _receive_upload(request, store)

        try:
            created = await execute(
                request,
                lambda connection, caller: _service(
                    request, connection, caller, rt, store
                ).add_file(record_id, new),
                write=True,
            )
        except BaseException:
            store.discard(new.key)  # synchronous: it must run even when the task is cancelled
            raise
        return WireResponse(created, "FileAttachment", 201, {"Location": created["URL"]})


# --- /Comments/{id}/FileAttachments --------------------------------------------------------------


def _add_comment_file_routes(router: APIRouter) -> None:
    """A comment's files: uploaded, listed, read and deleted as a record's are."""
    path = "/Comments/{comment_id:int}/FileAttachments"

    @router.get(
        path,
        tags=["Comments"],
        summary="The comment's file attachments",
        openapi_extra=docs.operation(
            200,
            docs.array_of("FileAttachment"),
            "A page of the comment's files (metadata)",
            parameters=[p for p in docs.PAGING if p["name"] != "brief"],
        ),
    )
    async def list_comment_files(request: Request, comment_id: CommentId) -> Response:
        page = page_from(request)
        store = _store(request)

        files, total = await execute(
            request,
            lambda connection, caller: CommentFileService(connection, caller, store).list_files(
                comment_id, page
            ),
        )
        return list_response(files, total, "FileAttachment")

    @router.post(
        path,
        status_code=201,
        tags=["Comments"],
        summary="Attach a file to a comment (multipart/form-data)",
        openapi_extra=_upload_doc(),
    )
    async def add_comment_file(request: Request, comment_id: CommentId) -> Response:
        store = _store(request)
        new = await _receive_upload(request, store)

        try:
            created = await execute(
                request,
                lambda connection, caller: CommentFileService(connection, caller, store).add_file(
                    comment_id, new
                ),
                write=True,
            )
        except BaseException:
            store.discard(new.key)  # synchronous: it must run even when the task is cancelled
            raise
        return WireResponse(created, "FileAttachment", 201, {"Location": created["URL"]})


async def _receive_upload(request: Request, store: FileStore) -> NewFile:
    """Read the multipart upload and write its file to a temporary place (400/413/415)."""
    limit = _upload_limit(request)
    form = await read_upload_form(request, limit)
    caller: Caller = request.state.caller
    return await stage_upload(form, store, caller.instance_id, limit)


# --- /{Coll}/{id}/Image ------------------------------------------------------------------------


def _add_image_routes(router: APIRouter, rt: RecordType) -> None:
    path = f"/{rt.collection}/{{record_id:int}}/Image"

    @router.get(
        path,
        tags=[rt.collection],
        summary="The record's image",
        openapi_extra=_image_doc(),
    )
    async def get_image(request: Request, record_id: RecordId) -> Response:
        store = _store(request)

        return await _file_response(
            request,
            await execute(
                request,
                lambda connection, caller: _service(request, connection, caller, rt, store).image(
                    record_id
                ),
            ),
            "inline",
        )

    @router.put(
        path + "/{filename}",
        tags=[rt.collection],
        summary="Set the record's image (the raw image as the body)",
        openapi_extra=_image_put_doc(rt),
    )
    async def put_image(request: Request, record_id: RecordId, filename: ImageName) -> Response:
        return await _write_image(
            request, rt, filename, lambda service, new: service.set_image(record_id, new)
        )

    @router.delete(
        path,
        status_code=202,
        tags=[rt.collection],
        summary="Remove the record's image",
        openapi_extra=docs.deleted("Image"),
    )
    async def delete_image(request: Request, record_id: RecordId) -> Response:
        return await _remove_image(request, rt, lambda service: service.delete_image(record_id))


# A record's image or image field, set from a received file: (the record, its ETag) and the
# storage keys of the files it replaced.
SetImage = Callable[[FileService, NewFile], tuple[tuple[dict[str, Any], str], list[str]]]


async def _write_image(
    request: Request, rt: RecordType, filename: str, set_image: SetImage
) -> Response:
    """Receive the image, set it in one write, then remove the files it replaced; the new file
    is discarded if the write fails."""
    store = _store(request)
    new = await _receive_image(request, store, filename)
    try:
        (record, etag), replaced = await execute(
            request,
            lambda connection, caller: set_image(
                _service(request, connection, caller, rt, store), new
            ),
            write=True,
        )
    except BaseException:
        store.discard(new.key)  # synchronous: it must run even when the task is cancelled
        raise
    await run_in_threadpool(store.remove, replaced)
    return single_response(rt, (record, etag), request)


async def _remove_image(
    request: Request, rt: RecordType, remove: Callable[[FileService], list[str]]
) -> Response:
    """Remove an image in one write, then its files from disk (202)."""
    store = _store(request)
    removed = await execute(
        request,
        lambda connection, caller: remove(_service(request, connection, caller, rt, store)),
        write=True,
    )
    await run_in_threadpool(store.remove, removed)
    return Response(status_code=202)


async def _receive_image(request: Request, store: FileStore, filename: str) -> NewFile:
    """Read a raw image body to its temporary place (400 not an image, 413 too large, 417
    empty)."""
    name = image_file_name(filename)
    limit = _upload_limit(request)
    data = await _read_raw(request, limit)
    if not data:
        raise ExpectationFailed("The image is empty: send the image's bytes as the body.")
    media_type = image_content_type(data)
    if media_type is None:
        raise BadRequest(f"The body is not an image; send a {_IMAGE_FORMATS} file.")
    caller: Caller = request.state.caller
    key = store.new_key(caller.instance_id)
    size = await run_in_threadpool(store.write_temp, key, data, limit)
    return NewFile(key, size, FileFields(name, media_type, None))


# --- /{Coll}/{id}/ImageField/{fieldName} -------------------------------------------------------


def _add_image_field_routes(router: APIRouter, rt: RecordType) -> None:
    path = f"/{rt.collection}/{{record_id:int}}/ImageField/{{image_field}}"

    @router.get(
        path,
        tags=[rt.collection],
        summary="The image of one of the record's IMAGE custom fields",
        openapi_extra=_image_doc(),
    )
    async def get_image_field(
        request: Request, record_id: RecordId, image_field: FieldName
    ) -> Response:
        store = _store(request)

        return await _file_response(
            request,
            await execute(
                request,
                lambda connection, caller: _service(
                    request, connection, caller, rt, store
                ).image_field(record_id, image_field),
            ),
            "inline",
        )

    @router.put(
        path + "/{filename}",
        tags=[rt.collection],
        summary="Set the image of an IMAGE custom field (the raw image as the body)",
        openapi_extra=_image_put_doc(rt, "The record, with the field's value the file name"),
    )
    async def put_image_field(
        request: Request, record_id: RecordId, image_field: FieldName, filename: ImageName
    ) -> Response:
        return await _write_image(
            request,
            rt,
            filename,
            lambda service, new: service.set_image_field(record_id, image_field, new),
        )

    @router.delete(
        path,
        status_code=202,
        tags=[rt.collection],
        summary="Remove the image of an IMAGE custom field",
        openapi_extra=docs.deleted("Image"),
    )
    async def delete_image_field(
        request: Request, record_id: RecordId, image_field: FieldName
    ) -> Response:
        return await _remove_image(
            request, rt, lambda service: service.delete_image_field(record_id, image_field)
        )


async def _read_raw(request: Request, limit: int) -> bytes:
    """The raw request body (its Content-Encoding undone), within the upload limit (413 past
    it)."""
    body = bytearray()
    async for chunk in body_stream(request, limit, lambda: too_large(limit)):
        body.extend(chunk)
    return bytes(body)


# --- OpenAPI -----------------------------------------------------------------------------------

_BINARY = {"type": "string", "format": "binary"}


def _error(description: str) -> dict[str, Any]:
    error = {"schema": docs.component("Error")}
    return {
        "description": description,
        "content": {"application/json": error, "application/xml": error},
    }


def _download_doc() -> dict[str, Any]:
    extra = docs.operation(
        200,
        None,
        "The file's bytes, with its content type; its metadata with format=json",
        parameters=[
            {
                "name": "format",
                "in": "query",
                "required": False,
                "schema": {
                    "type": "string",
                    "pattern": "^ *([Bb][Ii][Nn][Aa][Rr][Yy]|[Jj][Ss][Oo][Nn])? *$",
                },
                "description": "binary (the default): the file itself; json: its metadata",
            }
        ],
    )
    extra["responses"]["200"]["content"] = {
        "application/json": {"schema": docs.component("FileAttachment")},
        "application/xml": {"schema": docs.component("FileAttachment")},
        "*/*": {"schema": _BINARY},
    }
    return extra


def _upload_doc() -> dict[str, Any]:
    form = {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {**_BINARY, "description": "The file: one per request"},
            "file_name": {
                "type": "string",
                "maxLength": FILE_NAME_MAX,
                "description": "The file's name (default: the part's filename)",
            },
            "content_type": {
                "type": "string",
                "maxLength": CONTENT_TYPE_MAX,
                "description": "Its media type (default: the part's, or guessed from the name)",
            },
            "file_category_id": {"type": "integer", "minimum": 0, "maximum": INT64_MAX},
        },
    }
    extra = docs.operation(
        201,
        docs.component("FileAttachment"),
        "The new file's metadata",
        None,
        None,
        docs.WRITE_ERRORS,
    )
    extra["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": form}}}
    extra["responses"]["413"] = _error("The file is larger than the server's upload limit")
    extra["responses"]["415"] = _error("The body is not multipart/form-data")
    return extra


def _image_doc() -> dict[str, Any]:
    extra = docs.operation(200, None, "The image's bytes (404 when the record has none)")
    extra["responses"]["200"]["content"] = {"image/*": {"schema": _BINARY}}
    return extra


def _image_put_doc(
    rt: RecordType, described: str = "The record, with IMAGE_URL set"
) -> dict[str, Any]:
    extra = docs.operation(
        200,
        docs.component(rt.singular),
        described,
        None,
        None,
        ("400", "401", "404", "412", "429"),
    )
    extra["requestBody"] = {
        "required": True,
        "content": {"application/octet-stream": {"schema": _BINARY}},
    }
    extra["responses"]["413"] = _error("The image is larger than the server's upload limit")
    extra["responses"]["417"] = _error("The body is empty")
    return extra
