"""File attachments and record images on the wire: metadata out, upload fields and images in."""

import mimetypes
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from rolodex.domain.dates import format_datetime
from rolodex.domain.registry import RecordType
from rolodex.errors import FieldError, invalid_input

FILE_NAME_MAX = 500
CONTENT_TYPE_MAX = 255
_INT64_MAX = 2**63 - 1
# A media type as a header can carry it: printable ASCII, "type/subtype" and parameters.
_MEDIA_TYPE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+(;[ -~]*)?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Leading bytes of the raster image formats a record image may be (SVG is not one: it can carry
# scripts). Each entry: offset, bytes, media type.
_IMAGE_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (8, b"WEBP", "image/webp"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"\x00\x00\x01\x00", "image/x-icon"),
    (4, b"ftypavif", "image/avif"),
    (4, b"ftypheic", "image/heic"),
    (0, b"BM", "image/bmp"),
)


def file_url(file_id: int) -> str:
    """Where a file attachment's bytes are read."""
    return f"/v3.1/FileAttachments/{file_id}"


def image_url(rt: RecordType, record_id: int) -> str:
    """A record's IMAGE_URL: where its image is read."""
    return f"/v3.1/{rt.collection}/{record_id}/Image"


def file_attachment(row: dict[str, Any]) -> dict[str, Any]:
    """A stored file's metadata as Insightly's FileAttachment."""
    return {
        "FILE_ID": row["id"],
        "FILE_NAME": row["file_name"],
        "CONTENT_TYPE": row["content_type"],
        "FILE_SIZE": row["file_size"],
        "FILE_CATEGORY_ID": row["file_category_id"],
        "OWNER_USER_ID": row["owner_user_id"],
        "DATE_CREATED_UTC": format_datetime(row["date_created_utc"]),
        "DATE_UPDATED_UTC": format_datetime(row["date_updated_utc"]),
        "URL": file_url(row["id"]),
    }


@dataclass(frozen=True)
class FileFields:
    """The metadata of an upload, checked."""

    file_name: str
    content_type: str
    file_category_id: int | None


def upload_fields(
    file_name: str | None,
    content_type: str | None,
    file_category_id: str | None,
    part_file_name: str | None = None,
    part_content_type: str | None = None,
) -> FileFields:
    """The upload's form fields, falling back on the file part's own name and type; or a 400."""
    problems: list[FieldError] = []
    # Some clients send the file's full path as its name: keep the last part.
    part_name = (part_file_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = (file_name or "").strip() or part_name
    if not name:
        problems.append(FieldError("file_name", "is required (or a file name on the file part)"))
    problems += _name_problems("file_name", name)
    media = (content_type or "").strip()
    part_media = (part_content_type or "").strip()
    if not media and len(part_media) <= CONTENT_TYPE_MAX and _MEDIA_TYPE.fullmatch(part_media):
        media = part_media  # the part's own type, unless it is unusable
    if not media:
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if len(media) > CONTENT_TYPE_MAX:
        problems.append(FieldError("content_type", f"is longer than {CONTENT_TYPE_MAX} characters"))
    elif not _MEDIA_TYPE.fullmatch(media):
        problems.append(
            FieldError("content_type", f"'{media}' is not a media type like text/plain")
        )
    category = None
    raw = (file_category_id or "").strip()
    if raw:
        if not raw.isascii() or not raw.isdigit() or int(raw) > _INT64_MAX:
            problems.append(FieldError("file_category_id", f"'{raw}' is not a category id"))
        else:
            category = int(raw)
    if problems:
        raise invalid_input(problems)
    return FileFields(name, media, category)


def content_disposition(kind: str, file_name: str) -> str:
    """A Content-Disposition header value ("attachment" or "inline") naming the file."""
    fallback = re.sub(r"[^A-Za-z0-9!#$&+.^_`|~ -]", "_", file_name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def image_file_name(file_name: str) -> str:
    """The file name of a record image, from the path; or a 400."""
    name = file_name.strip()
    problems = _name_problems("filename", name)
    if not name:
        problems.append(FieldError("filename", "is required"))
    if problems:
        raise invalid_input(problems)
    return name


def _name_problems(field: str, name: str) -> list[FieldError]:
    if len(name) > FILE_NAME_MAX:
        return [FieldError(field, f"is longer than {FILE_NAME_MAX} characters")]
    if _CONTROL.search(name):
        return [FieldError(field, "must not contain control characters")]
    return []


def image_content_type(data: bytes) -> str | None:
    """The media type of a raster image from its first bytes, or None if it is not one."""
    for offset, signature, media in _IMAGE_SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            if media == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return media
    return None
