"""Stored files: the bytes on disk under the files folder, their metadata in file_attachments.

How a file never outlives a failed write, nor a row its file:
- an upload is first written (and fsynced) to `tmp/` under a new random key;
- the transaction that inserts its row moves it to `{instance_id}/{token}` (`place`, which a
  retried transaction may call again: it is idempotent);
- if that transaction fails, the caller `discard`s both places;
- a file whose row is deleted is removed from disk only after that deletion has committed.
A crash between a commit and the disk step can leave an orphan: a file that no row names. It is
never served (files are found through their row) and can be deleted at any time.
"""

import logging
import os
import re
import uuid
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import ColumnElement, Connection, delete, func, insert, select
from sqlalchemy.engine import make_url

from rolodex.config import Settings
from rolodex.errors import PayloadTooLarge
from rolodex.storage import tables
from rolodex.storage.repository import Page, Row

log = logging.getLogger("rolodex")

CHUNK_BYTES = 64 * 1024
_KEY = re.compile(r"[0-9]+/[0-9a-f]{32}")


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The file is larger than the upload limit of {limit} bytes.")


class FileStore:
    """The files folder: `tmp/` for uploads in progress, one folder per instance for the rest."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def for_settings(cls, settings: Settings) -> "FileStore":
        """The store of `settings.files_dir`; when unset, "files" beside a SQLite database."""
        if settings.files_dir:
            return cls(Path(settings.files_dir))
        url = make_url(settings.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return cls(Path(str(url.database)).parent / "files")
        return cls(Path("files"))

    def new_key(self, instance_id: int) -> str:
        """A fresh storage key for a file of the instance."""
        return f"{int(instance_id)}/{uuid.uuid4().hex}"

    def path(self, key: str) -> Path:
        """Where the file of `key` is kept once placed."""
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def _temp_path(self, key: str) -> Path:
        self.path(key)  # checks the key
        return self.root / "tmp" / key.replace("/", "-")

    def write_temp(self, key: str, source: BinaryIO | bytes, limit: int) -> int:
        """Write the upload for `key` to its temporary file; its size. 413 past `limit` bytes."""
        temp = self._temp_path(key)
        temp.parent.mkdir(parents=True, exist_ok=True)
        size = 0
        try:
            with open(temp, "xb") as target:
                if isinstance(source, bytes):
                    size = len(source)
                    if size > limit:
                        raise too_large(limit)
                    target.write(source)
                else:
                    while chunk := source.read(CHUNK_BYTES):
                        size += len(chunk)
                        if size > limit:
                            raise too_large(limit)
                        target.write(chunk)
                target.flush()
                os.fsync(target.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return size

    def place(self, key: str) -> None:
        """Move the temporary file of `key` to its place (a no-op when already there)."""
        temp, final = self._temp_path(key), self.path(key)
        if temp.exists():
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, final)
        elif not final.exists():
            raise FileNotFoundError(f"no upload was written for {key}")

    def discard(self, key: str) -> None:
        """Forget an upload whose row was not written: remove it wherever it is."""
        self._temp_path(key).unlink(missing_ok=True)
        self.path(key).unlink(missing_ok=True)

    def remove(self, keys: Iterable[str]) -> None:
        """Remove files whose rows are gone; a failure only leaves an orphan, so it is logged."""
        for key in keys:
            try:
                self.path(key).unlink(missing_ok=True)
            except OSError:
                log.warning("Could not remove the file %s; it is an orphan now.", key)

    def open(self, key: str) -> BinaryIO | None:
        """The placed file of `key`, open for reading, or None when it is not on disk."""
        try:
            return open(self.path(key), "rb")
        except FileNotFoundError:
            return None


def image_field_owner(record_type: str, field_id: int | None) -> str:
    """The record_type under which the images of one IMAGE custom field of `record_type` are
    kept ("Contact:12"; with no field id, the LIKE pattern of all of them). The field's id, not
    its name, keeps it within the column's 64 characters."""
    return f"{record_type}:{field_id if field_id is not None else '%'}"


class FileRepository:
    """SQL for file_attachments, scoped to one instance."""

    def __init__(self, connection: Connection, instance_id: int) -> None:
        self.connection = connection
        self.instance_id = instance_id

    def _of_record(self, record_type: str, record_id: int) -> list[ColumnElement[bool]]:
        files = tables.file_attachments
        return [
            files.c.instance_id == self.instance_id,
            files.c.record_type == record_type,
            files.c.record_id == record_id,
        ]

    def get(self, file_id: int, is_image: bool = False) -> Row | None:
        files = tables.file_attachments
        query = select(files).where(
            files.c.instance_id == self.instance_id,
            files.c.id == file_id,
            files.c.is_image == is_image,
        )
        row = self.connection.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def list_for_record(
        self, record_type: str, record_id: int, page: Page
    ) -> tuple[list[Row], int | None]:
        """A page of the record's attachments: id order, or (updated, id) after a date."""
        files = tables.file_attachments
        conditions = [*self._of_record(record_type, record_id), files.c.is_image.is_(False)]
        order: list[Any] = [files.c.id]
        if page.updated_after is not None:
            # Strictly after, to the second, as record lists do.
            threshold = page.updated_after.replace(microsecond=0) + timedelta(seconds=1)
            conditions.append(files.c.date_updated_utc >= threshold)
            order = [files.c.date_updated_utc, files.c.id]
        rows: list[Row] = []
        if page.top > 0:
            query = select(files).where(*conditions).order_by(*order)
            result = self.connection.execute(query.offset(page.skip).limit(page.top))
            rows = [dict(row) for row in result.mappings()]
        total = None
        if page.count_total:
            counting = select(func.count()).select_from(files).where(*conditions)
            total = int(self.connection.execute(counting).scalar_one())
        return rows, total

    def image_of(self, record_type: str, record_id: int) -> Row | None:
        files = tables.file_attachments
        query = (
            select(files)
            .where(*self._of_record(record_type, record_id), files.c.is_image.is_(True))
            .order_by(files.c.id.desc())
        )
        row = self.connection.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def insert(self, values: Row) -> int:
        files = tables.file_attachments
        result = self.connection.execute(
            insert(files).values(instance_id=self.instance_id, **values).returning(files.c.id)
        )
        return int(result.scalar_one())

    def delete(self, file_id: int) -> str | None:
        """Delete one file's row; its storage key, or None when there was no such row."""
        files = tables.file_attachments
        result = self.connection.execute(
            delete(files)
            .where(files.c.instance_id == self.instance_id, files.c.id == file_id)
            .returning(files.c.storage_key)
        )
        return result.scalar_one_or_none()

    def delete_for_record(
        self, record_type: str, record_id: int, is_image: bool | None = None
    ) -> list[str]:
        """Delete the record's file rows (only images, or only attachments, when given)."""
        files = tables.file_attachments
        conditions = self._of_record(record_type, record_id)
        if is_image is not None:
            conditions.append(files.c.is_image == is_image)
        result = self.connection.execute(
            delete(files).where(*conditions).returning(files.c.storage_key)
        )
        return list(result.scalars())

    def delete_image_fields(self, record_type: str, record_ids: Iterable[int]) -> list[str]:
        """Delete the images of all the IMAGE custom fields of records of one type (kept under
        image_field_owner), in one statement however many; their storage keys."""
        wanted = set(record_ids)
        if not wanted:
            return []
        files = tables.file_attachments
        result = self.connection.execute(
            delete(files)
            .where(
                files.c.instance_id == self.instance_id,
                files.c.record_type.like(image_field_owner(record_type, None)),
                files.c.record_id.in_(wanted),
            )
            .returning(files.c.storage_key)
        )
        return list(result.scalars())

    def delete_for_records(self, record_type: str, record_ids: Iterable[int]) -> list[str]:
        """Delete the file rows of several records of one type; their storage keys."""
        wanted = set(record_ids)
        if not wanted:
            return []
        files = tables.file_attachments
        result = self.connection.execute(
            delete(files)
            .where(
                files.c.instance_id == self.instance_id,
                files.c.record_type == record_type,
                files.c.record_id.in_(wanted),
            )
            .returning(files.c.storage_key)
        )
        return list(result.scalars())
