"""File attachments and record images: the use cases, one unit of work each.

Each write puts its file in place inside the transaction (FileStore.place) and returns the storage
keys of the files it made unreferenced; the caller removes those only after the commit, and
discards the new upload if the transaction fails (see rolodex.storage.files).
"""

from dataclasses import dataclass

from sqlalchemy import Connection

from rolodex.domain.custom_fields import Definition, FieldType
from rolodex.domain.registry import FILE_CATEGORIES, RecordType, by_singular
from rolodex.errors import NotFound, invalid_field
from rolodex.services.comments import CommentService
from rolodex.services.context import Caller, next_update_stamp, utc_now, viewer_of
from rolodex.services.custom_fields import CustomValues
from rolodex.services.records import RecordService, Wire
from rolodex.storage.comments import COMMENT_FILES
from rolodex.storage.files import FileRepository, FileStore, image_field_owner
from rolodex.storage.repository import Page, Repository, Row
from rolodex.storage.visibility import hidden_among
from rolodex.wire.files import FileFields, file_attachment, image_url


@dataclass(frozen=True)
class NewFile:
    """An upload written to its temporary place (FileStore.write_temp), ready to be recorded."""

    key: str
    size: int
    fields: FileFields


class FileService(RecordService):
    """The files of the records of one type, for one caller."""

    def __init__(
        self,
        connection: Connection,
        caller: Caller,
        rt: RecordType,
        store: FileStore,
        if_match: str | None = None,
        extension_wire: str | None = None,
    ) -> None:
        super().__init__(connection, caller, rt, if_match, extension_wire)
        self.files = FileRepository(connection, caller.instance_id)
        self.store = store

    # --- file attachments ------------------------------------------------------------------

    def list_files(self, record_id: int, page: Page) -> tuple[list[Wire], int | None]:
        """A page of the record's file attachments (metadata)."""
        self._require(record_id)
        rows, total = self.files.list_for_record(self.rt.singular, record_id, page)
        return [file_attachment(row) for row in rows], total

    def add_file(self, record_id: int, new: NewFile) -> Wire:
        """Attach an uploaded file to the record; touches the record."""
        row = self._require(record_id, for_update=True)
        self._check_category(new.fields.file_category_id)
        file_id = self._insert(record_id, new, is_image=False)
        self._touch_self(row)
        stored = self.files.get(file_id)
        assert stored is not None
        return file_attachment(stored)

    def remove_file(self, file_id: int) -> str:
        """Delete one of this type's file attachments; the storage key to remove after commit."""
        attachment = self.files.get(file_id)
        if attachment is None:
            raise NotFound(f"No file attachment with ID {file_id}.")
        parent = self.repo.get_record(self.rt, attachment["record_id"], for_update=True)
        key = self.files.delete(file_id)
        if key is None:  # deleted meanwhile
            raise NotFound(f"No file attachment with ID {file_id}.")
        if parent is not None:
            self._touch_self(parent)
        return key

    # --- the record image ------------------------------------------------------------------

    def image(self, record_id: int) -> Row:
        """The record's image (its stored row), or 404."""
        self._require(record_id)
        image = self.files.image_of(self.rt.singular, record_id)
        if image is None:
            raise NotFound(f"{self.rt.singular} {record_id} has no image.")
        return image

    def set_image(self, record_id: int, new: NewFile) -> tuple[tuple[Wire, str], list[str]]:
        """Make `new` the record's image: the record, and the keys of the image(s) it replaced."""
        row = self._require(record_id, for_update=True)
        replaced = self.files.delete_for_record(self.rt.singular, record_id, is_image=True)
        self._insert(record_id, new, is_image=True)
        self._set_image_url(row, image_url(self.rt, record_id))
        return self.read(record_id), replaced

    def delete_image(self, record_id: int) -> list[str]:
        """Remove the record's image and clear IMAGE_URL; the keys to remove after commit."""
        row = self._require(record_id, for_update=True)
        removed = self.files.delete_for_record(self.rt.singular, record_id, is_image=True)
        if not removed:
            raise NotFound(f"{self.rt.singular} {record_id} has no image.")
        self._set_image_url(row, None)
        return removed

    # --- the images of IMAGE custom fields ---------------------------------------------------

    def image_field(self, record_id: int, field_name: str) -> Row:
        """The image of the record's IMAGE custom field `field_name` (its stored row), or 404."""
        self._require(record_id)
        owner = image_field_owner(self.rt.singular, self._image_field(field_name).id)
        image = self.files.image_of(owner, record_id)
        if image is None:
            raise NotFound(f"{self.rt.singular} {record_id} has no image in {field_name}.")
        return image

    def set_image_field(
        self, record_id: int, field_name: str, new: NewFile
    ) -> tuple[tuple[Wire, str], list[str]]:
        """Make `new` the image of the IMAGE custom field: the record (its CUSTOMFIELDS value
        is the file name), and the keys of the image it replaced."""
        defn = self._image_field(field_name)
        row = self._require(record_id, for_update=True)
        owner = image_field_owner(self.rt.singular, defn.id)
        replaced = self.files.delete_for_record(owner, record_id, is_image=True)
        insert_file(self.files, self.store, self.caller, owner, record_id, new, True)
        self._set_custom_value(row, defn, new.fields.file_name)
        return self.read(record_id), replaced

    def delete_image_field(self, record_id: int, field_name: str) -> list[str]:
        """Remove the image of the IMAGE custom field and clear its value; the keys to remove
        after commit."""
        defn = self._image_field(field_name)
        row = self._require(record_id, for_update=True)
        owner = image_field_owner(self.rt.singular, defn.id)
        removed = self.files.delete_for_record(owner, record_id, is_image=True)
        if not removed:
            raise NotFound(f"{self.rt.singular} {record_id} has no image in {field_name}.")
        self._set_custom_value(row, defn, None)
        return removed

    def _image_field(self, field_name: str) -> Definition:
        """The type's IMAGE custom field of that name: 404 when there is none, 400 when the
        field is of another type."""
        values = CustomValues(self.repo.connection, self.caller.instance_id, self.rt)
        defn = values.definitions.get(field_name.strip().lower())
        if defn is None:
            raise NotFound(f"{self.rt.singular} has no custom field {field_name}.")
        if defn.type is not FieldType.IMAGE:
            raise invalid_field(
                "fieldName", f"{defn.name} is a {defn.type} field, not an IMAGE field"
            )
        return defn

    def _set_custom_value(self, row: Row, defn: Definition, value: str | None) -> None:
        values = CustomValues(self.repo.connection, self.caller.instance_id, self.rt)
        custom = dict(row["custom_fields"] or {})
        if value is None:
            custom.pop(defn.name, None)
        else:
            custom[defn.name] = value
        stamp = next_update_stamp(row["date_updated_utc"])
        self.repo.update_record(
            self.rt, row["id"], {"custom_fields": custom, "date_updated_utc": stamp}
        )
        values.reindex(row["id"], custom)

    # --- internals -------------------------------------------------------------------------

    def _insert(self, record_id: int, new: NewFile, is_image: bool) -> int:
        return insert_file(
            self.files, self.store, self.caller, self.rt.singular, record_id, new, is_image
        )

    def _check_category(self, category_id: int | None) -> None:
        check_category(self.repo, category_id)

    def _set_image_url(self, row: Row, url: str | None) -> None:
        spec = self.rt.field_named("IMAGE_URL")
        assert spec is not None, f"{self.rt.collection} has Feature.IMAGE but no IMAGE_URL"
        stamp = next_update_stamp(row["date_updated_utc"])
        self.repo.update_record(self.rt, row["id"], {spec.column: url, "date_updated_utc": stamp})


class CommentFileService:
    """The files of comments (GET/POST /Comments/{id}/FileAttachments), for one caller.

    They are file attachments like a record's (one table, one store, one download route), kept
    under the record type COMMENT_FILES and the comment's id. Adding or removing one touches the
    comment and its parent record; deleting the comment or its parent deletes them.
    """

    def __init__(self, connection: Connection, caller: Caller, store: FileStore) -> None:
        self.caller = caller
        self.comments = CommentService(connection, caller)
        self.repo = Repository(connection, caller.instance_id)
        self.files = FileRepository(connection, caller.instance_id)
        self.store = store

    def list_files(self, comment_id: int, page: Page) -> tuple[list[Wire], int | None]:
        """A page of the comment's files (metadata); 404 if there is no such comment."""
        self.comments.require(comment_id)
        rows, total = self.files.list_for_record(COMMENT_FILES, comment_id, page)
        return [file_attachment(row) for row in rows], total

    def add_file(self, comment_id: int, new: NewFile) -> Wire:
        """Attach an uploaded file to the comment."""
        self.comments.touch(comment_id)
        check_category(self.repo, new.fields.file_category_id)
        file_id = insert_file(
            self.files, self.store, self.caller, COMMENT_FILES, comment_id, new, False
        )
        stored = self.files.get(file_id)
        assert stored is not None
        return file_attachment(stored)

    def remove_file(self, file_id: int) -> str:
        """Delete one comment file; the storage key to remove after commit."""
        attachment = self.files.get(file_id)
        if attachment is None:
            raise NotFound(f"No file attachment with ID {file_id}.")
        self.comments.touch(attachment["record_id"])
        key = self.files.delete(file_id)
        if key is None:  # deleted meanwhile
            raise NotFound(f"No file attachment with ID {file_id}.")
        return key


def insert_file(
    files: FileRepository,
    store: FileStore,
    caller: Caller,
    record_type: str,
    record_id: int,
    new: NewFile,
    is_image: bool,
) -> int:
    """Record an upload as a file of (record_type, record_id) and put its bytes in place."""
    now = utc_now()
    file_id = files.insert(
        {
            "record_type": record_type,
            "record_id": record_id,
            "is_image": is_image,
            "file_name": new.fields.file_name,
            "content_type": new.fields.content_type,
            "file_size": new.size,
            "file_category_id": new.fields.file_category_id,
            "owner_user_id": caller.user_id,
            "storage_key": new.key,
            "date_created_utc": now,
            "date_updated_utc": now,
        }
    )
    # The row is written: the bytes go in place (again, harmlessly, if this is a retry).
    store.place(new.key)
    return file_id


def check_category(repo: Repository, category_id: int | None) -> None:
    """A file's category must be an active file category of the instance (or none)."""
    if category_id is None:
        return
    category = repo.get_record(FILE_CATEGORIES, category_id)
    if category is None:
        raise invalid_field("file_category_id", f"no file category with ID {category_id}")
    active = FILE_CATEGORIES.active_flag
    if active is not None and not category[active.lower()]:
        raise invalid_field("file_category_id", f"file category {category_id} is inactive")


def find_file(connection: Connection, caller: Caller, file_id: int) -> Row:
    """A file attachment of the caller's instance (its stored row), or 404."""
    row = FileRepository(connection, caller.instance_id).get(file_id)
    viewer = viewer_of(caller)
    if row is not None and viewer is not None:
        # The file of a record the caller may not see is missing too (contract §11).
        parent = (row["record_type"], row["record_id"])
        if hidden_among(connection, caller.instance_id, viewer, [parent]):
            row = None
    if row is None:
        raise NotFound(f"No file attachment with ID {file_id}.")
    return row


def delete_file(connection: Connection, caller: Caller, store: FileStore, file_id: int) -> str:
    """Delete a file attachment, touching its record; the storage key to remove after commit."""
    row = find_file(connection, caller, file_id)
    if row["record_type"] == COMMENT_FILES:
        return CommentFileService(connection, caller, store).remove_file(file_id)
    rt = by_singular(row["record_type"])
    return FileService(connection, caller, rt, store).remove_file(file_id)
