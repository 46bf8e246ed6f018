"""Request bodies, read the same way by the API and the web pages: decoded as they stream
(Content-Encoding gzip or deflate) within a limit, and multipart file uploads written to a
temporary place within Settings.max_upload_bytes."""

import zlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from rolodex.errors import BadRequest, UnsupportedMediaType, invalid_field
from rolodex.services.files import NewFile
from rolodex.storage.files import FileStore, too_large
from rolodex.wire.files import upload_fields

# Room in a multipart body, beyond the file itself, for part headers and the small fields.
_FORM_OVERHEAD = 64 * 1024
_FIELD_BYTES = 16 * 1024
_MAX_FIELDS = 20

# Content-Encoding -> zlib's wbits: 31 is a gzip stream (one or more members), 15 a zlib
# stream (HTTP's "deflate"). Decoded bytes count against the body limit, so a small body that
# inflates past it (a decompression bomb) is refused with 413 after at most limit + 1 bytes.
_ENCODINGS = {"gzip": 31, "x-gzip": 31, "deflate": 15}


async def body_stream(
    request: Request, limit: int, too_large: Callable[[], Exception]
) -> AsyncIterator[bytes]:
    """The request body as decoded chunks (Content-Encoding gzip or deflate undone), at most
    `limit` bytes before and after decoding; `too_large()` is raised past it, a 400 for a
    body that is not what its Content-Encoding says, a 415 for an encoding we do not know."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large()
    codings = [
        c.strip().lower()
        for c in request.headers.get("content-encoding", "").split(",")
        if c.strip().lower() not in ("", "identity")
    ]
    unknown = [c for c in codings if c not in _ENCODINGS]
    if unknown:
        raise UnsupportedMediaType(
            f"Content-Encoding '{unknown[0]}' is not supported; send gzip, deflate or identity."
        )
    if len(codings) > 1:
        raise UnsupportedMediaType("Send the body with at most one Content-Encoding.")
    received = 0
    if not codings:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise too_large()
            yield chunk
        return
    wbits = _ENCODINGS[codings[0]]
    decoder = zlib.decompressobj(wbits)
    produced = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise too_large()
            pending = chunk
            while pending:
                out = decoder.decompress(pending, limit - produced + 1)
                produced += len(out)
                if produced > limit:
                    raise too_large()
                if out:
                    yield out
                if decoder.eof:  # what follows is a further gzip member (or not gzip: 400)
                    pending = decoder.unused_data
                    if pending:
                        decoder = zlib.decompressobj(wbits)
                else:
                    pending = decoder.unconsumed_tail
        if received and not decoder.eof:
            raise BadRequest(f"The {codings[0]} request body is truncated.")
    except zlib.error as error:
        raise BadRequest(
            f"The request body is not valid {codings[0]} (Content-Encoding): {error}."
        ) from None


async def stage_upload(form: FormData, store: FileStore, instance_id: int, limit: int) -> NewFile:
    """The form's `file` part written to a temporary place, with its metadata (400 if absent).

    The web pages upload through this too, so a file is checked the same way everywhere.
    """
    try:
        upload = _form_value(form, "file")
        if not isinstance(upload, UploadFile):
            raise invalid_field("file", "is required: one file, as a part with a filename")
        fields = upload_fields(
            _form_text(form, "file_name"),
            _form_text(form, "content_type"),
            _form_text(form, "file_category_id"),
            upload.filename,
            upload.content_type,
        )
        key = store.new_key(instance_id)
        size = await run_in_threadpool(store.write_temp, key, upload.file, limit)
        return NewFile(key, size, fields)
    finally:
        for _name, value in form.multi_items():
            if isinstance(value, UploadFile):
                value.file.close()


async def read_upload_form(request: Request, limit: int) -> FormData:
    """The multipart form, read within the upload limit (413 past it)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        raise UnsupportedMediaType("Send the file as multipart/form-data, in a part named 'file'.")
    body_limit = limit + _FORM_OVERHEAD
    stream = _limited_stream(request, body_limit, limit)
    parser = MultiPartParser(
        request.headers,
        stream,
        max_files=1,
        max_fields=_MAX_FIELDS,
        max_part_size=_FIELD_BYTES,
    )
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise BadRequest(f"The multipart body could not be read: {exc.message}") from None
    finally:
        await stream.aclose()


async def _limited_stream(
    request: Request, body_limit: int, limit: int
) -> AsyncGenerator[bytes, None]:
    async for chunk in body_stream(request, body_limit, lambda: too_large(limit)):
        yield chunk


def _form_value(form: FormData, name: str) -> str | UploadFile | None:
    """A form field by name, in any letter case."""
    for key, value in form.multi_items():
        if key.lower() == name:
            return value
    return None


def _form_text(form: FormData, name: str) -> str | None:
    value = _form_value(form, name)
    if isinstance(value, UploadFile):
        raise invalid_field(name, "must be a plain form field, not a file")
    return value
