"""Comments on the wire: the input model and the output shape (facts §2.11, decision below).

A comment carries the id field of every type that has comments (NOTE_ID, EMAIL_ID, TASK_ID, as in
Insightly's Comment): the parent's is set, the others are null. Every field is always present.
"""

from typing import Any

from pydantic import Field

from rolodex.domain.dates import format_datetime
from rolodex.domain.registry import RECORD_TYPES, Feature, RecordType
from rolodex.wire.records import WireInt, WireModel

BODY_MAX = 1_000_000

Row = dict[str, Any]


class CommentIn(WireModel):
    """POST /{Coll}/{id}/Comments and PUT /Comments bodies (PUT needs COMMENT_ID)."""

    COMMENT_ID: WireInt | None = None
    BODY: str | None = Field(default=None, max_length=BODY_MAX)
    OWNER_USER_ID: WireInt | None = None


def commentable_types() -> tuple[RecordType, ...]:
    """The record types whose records take comments."""
    return tuple(rt for rt in RECORD_TYPES if rt.has(Feature.COMMENTS))


def parent_id_fields() -> tuple[str, ...]:
    """The parent id fields every comment carries."""
    return tuple(rt.id_field for rt in commentable_types())


def comment(row: Row, parent: RecordType) -> dict[str, Any]:
    """A stored comment as the API sends it."""
    wire: dict[str, Any] = {
        "COMMENT_ID": row["id"],
        "BODY": row["body"],
        "OWNER_USER_ID": row["owner_user_id"],
        "DATE_CREATED_UTC": format_datetime(row["date_created_utc"]),
        "DATE_UPDATED_UTC": format_datetime(row["date_updated_utc"]),
    }
    for id_field in parent_id_fields():
        wire[id_field] = row["record_id"] if id_field == parent.id_field else None
    return wire
