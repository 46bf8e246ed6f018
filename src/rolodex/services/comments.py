"""Comments on records: every type with Feature.COMMENTS (Notes, Emails, Tasks).

Comments are not a registry record type: Insightly has no list or search of their own, only
GET/POST /{Coll}/{id}/Comments, PUT /Comments, DELETE /Comments/{id} and (v2.2 only) GET
/Comments/{id}. A comment belongs to its parent's graph: adding, changing or deleting one sets
the parent's DATE_UPDATED_UTC, and deleting the parent deletes its comments
(RecordService.delete). A comment's files (file_attachments rows of record type COMMENT_FILES,
rolodex.services.files.CommentFileService) go with it.
"""

from typing import Any

from sqlalchemy import Connection

from rolodex.domain.registry import USERS, RecordType, by_singular
from rolodex.errors import FieldError, NotFound, invalid_field, invalid_input
from rolodex.services.context import Caller, next_update_stamp, utc_now, viewer_of
from rolodex.storage.comments import COMMENT_FILES, CommentStore
from rolodex.storage.files import FileRepository
from rolodex.storage.repository import Page, Repository, Row
from rolodex.wire import comments as wire
from rolodex.wire.json import upper_keys
from rolodex.wire.records import validate

Wire = dict[str, Any]


class CommentService:
    """Comment use cases for one caller."""

    def __init__(self, connection: Connection, caller: Caller) -> None:
        self.caller = caller
        # Comments are seen with their record: one on a record hidden from the caller is missing.
        self.repo = Repository(connection, caller.instance_id, viewer_of(caller))
        self.store = CommentStore(connection, caller.instance_id)

    def list_page(
        self, parent: RecordType, record_id: int, page: Page
    ) -> tuple[list[Wire], int | None]:
        """A page of the record's comments (404 if the record does not exist)."""
        self._parent_row(parent, record_id)
        rows, total = self.store.of_record(parent.singular, record_id, page)
        return [wire.comment(row, parent) for row in rows], total

    def create(self, parent: RecordType, record_id: int, data: Any) -> Wire:
        """Add a comment to the record; BODY is required."""
        comment = validate(wire.CommentIn, upper_keys(data))
        parent_row = self._parent_row(parent, record_id, for_update=True)
        problems = []
        if _blank(comment.BODY):
            problems.append(FieldError("BODY", "is required"))
        owner = comment.OWNER_USER_ID
        problems.extend(self._owner_problems(owner))
        if problems:
            raise invalid_input(problems)
        now = utc_now()
        comment_id = self.store.insert(
            {
                "record_type": parent.singular,
                "record_id": record_id,
                "body": comment.BODY,
                "owner_user_id": owner if owner is not None else self.caller.user_id,
                "date_created_utc": now,
                "date_updated_utc": now,
            }
        )
        self._touch(parent, parent_row)
        return self._get(comment_id)

    def update(self, data: Any, path_id: int | None = None) -> Wire:
        """PUT /Comments: a partial update of the comment named by COMMENT_ID."""
        comment = validate(wire.CommentIn, upper_keys(data))
        comment_id = comment.COMMENT_ID if comment.COMMENT_ID is not None else path_id
        if comment_id is None:
            raise invalid_field("COMMENT_ID", "is required to update a comment")
        if path_id is not None and comment_id != path_id:
            raise invalid_field("COMMENT_ID", f"is {comment_id} but the path names {path_id}")
        parent, parent_row, row = self._lock(comment_id)
        sent = comment.model_fields_set
        changes: Row = {}
        problems = []
        if "BODY" in sent:
            if _blank(comment.BODY):
                problems.append(FieldError("BODY", "is required and cannot be cleared"))
            elif row["body"] != comment.BODY:
                changes["body"] = comment.BODY
        if "OWNER_USER_ID" in sent:
            if comment.OWNER_USER_ID is None:
                problems.append(FieldError("OWNER_USER_ID", "is required and cannot be cleared"))
            elif row["owner_user_id"] != comment.OWNER_USER_ID:
                problems.extend(self._owner_problems(comment.OWNER_USER_ID))
                changes["owner_user_id"] = comment.OWNER_USER_ID
        if problems:
            raise invalid_input(problems)
        if changes:
            changes["date_updated_utc"] = next_update_stamp(row["date_updated_utc"])
            self.store.update(comment_id, changes)
            self._touch(parent, parent_row)
        return self._get(comment_id)

    def delete(self, comment_id: int) -> list[str]:
        """DELETE /Comments/{id}; its files' storage keys, to remove once this has committed."""
        parent, parent_row, _row = self._lock(comment_id)
        files = FileRepository(self.repo.connection, self.caller.instance_id)
        removed = files.delete_for_record(COMMENT_FILES, comment_id)
        self.store.delete(comment_id)
        self._touch(parent, parent_row)
        return removed

    def read(self, comment_id: int) -> Wire:
        """GET /v2.2/Comments/{id}: one comment, or 404 (also for another instance's)."""
        return self._get(comment_id)

    def require(self, comment_id: int) -> Row:
        """The comment's row, or 404 (also for a comment of another instance)."""
        return self._require(comment_id)

    def touch(self, comment_id: int) -> Row:
        """Lock the comment (its parent first) and set both DATE_UPDATED_UTC: its graph changed."""
        parent, parent_row, row = self._lock(comment_id)
        stamp = next_update_stamp(row["date_updated_utc"])
        self.store.update(comment_id, {"date_updated_utc": stamp})
        self._touch(parent, parent_row)
        return row

    # --- internals -----------------------------------------------------------------------

    def _get(self, comment_id: int) -> Wire:
        row = self._require(comment_id)
        return wire.comment(row, by_singular(row["record_type"]))

    def _require(self, comment_id: int, for_update: bool = False) -> Row:
        row = self.store.get(comment_id, for_update)
        if row is None or (self.repo.viewer is not None and not self._parent_seen(row)):
            raise NotFound(f"No Comment with ID {comment_id}.")
        return row

    def _parent_seen(self, row: Row) -> bool:
        """Whether the caller sees the record the comment is on (contract §11)."""
        parent = by_singular(row["record_type"])
        return not parent.restricted or self.repo.get_record(parent, row["record_id"]) is not None

    def _lock(self, comment_id: int) -> tuple[RecordType, Row, Row]:
        """The comment's parent type, its locked parent row, then the locked comment row.

        The parent is locked first, in the same order as every write to the parent's graph.
        """
        row = self._require(comment_id)
        parent = by_singular(row["record_type"])
        parent_row = self._parent_row(parent, row["record_id"], for_update=True)
        return parent, parent_row, self._require(comment_id, for_update=True)

    def _parent_row(self, parent: RecordType, record_id: int, for_update: bool = False) -> Row:
        row = self.repo.get_record(parent, record_id, for_update=for_update)
        if row is None:
            raise NotFound(f"No {parent.singular} with ID {record_id}.")
        return row

    def _touch(self, parent: RecordType, parent_row: Row) -> None:
        stamp = next_update_stamp(parent_row["date_updated_utc"])
        self.repo.update_record(parent, parent_row["id"], {"date_updated_utc": stamp})

    def _owner_problems(self, owner: int | None) -> list[FieldError]:
        if owner is None or self.repo.existing_ids(USERS, [owner]):
            return []
        return [FieldError("OWNER_USER_ID", f"no User with ID {owner}")]


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()
