"""Custom objects: an administrator defines one (a name ending in __c, and its labels); its
records then live at /v3.1/{name} and go through the generic record engine, as the type that
rolodex.domain.registry.custom_object_type gives (the same scalar fields for every custom object;
everything of its own is in CUSTOMFIELDS).

Deleting a custom object that still has records is refused (409) unless forced; forced, every
record goes the way a record delete goes (tags, links, follows, notes' links, files), and so do
the object's custom field definitions and the LOOKUP fields of other objects that point to it.
"""

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from rolodex.domain.dates import format_datetime
from rolodex.domain.registry import custom_object_type
from rolodex.errors import Conflict, Forbidden, NotFound, invalid_field
from rolodex.services.context import Caller, utc_now
from rolodex.services.custom_fields import CustomFieldService, delete_object_fields
from rolodex.services.records import RecordService, Wire
from rolodex.storage import tables
from rolodex.storage.cache import CUSTOM_OBJECT_NAMES
from rolodex.storage.custom_fields import CustomFieldStore
from rolodex.storage.repository import Page, Repository, Row
from rolodex.wire.custom_objects import CustomObjectIn
from rolodex.wire.json import upper_keys
from rolodex.wire.records import validate

_LABELS = ("SINGULAR_LABEL", "PLURAL_LABEL", "DESCRIPTION", "RECORD_NAME_LABEL")


class CustomObjectService:
    """Definitions of one instance's custom objects, for one caller."""

    def __init__(self, connection: Connection, caller: Caller) -> None:
        self.connection = connection
        self.caller = caller
        self.objects = tables.custom_objects

    def list_page(self, page: Page) -> tuple[list[Wire], int | None]:
        query = select(self.objects).where(self._mine()).order_by(self.objects.c.id)
        rows = self.connection.execute(query.offset(page.skip).limit(page.top)).mappings()
        total = None
        if page.count_total:
            counting = select(func.count()).select_from(self.objects).where(self._mine())
            total = int(self.connection.execute(counting).scalar_one())
        return [_wire(dict(row)) for row in rows], total

    def get(self, name: str) -> Wire:
        return _wire(self._require(name))

    def names_and_plurals(self) -> list[tuple[str, str]]:
        """(OBJECT_NAME, PLURAL_LABEL) of every custom object, in name order."""
        query = (
            select(self.objects.c.object_name, self.objects.c.plural_label)
            .where(self._mine())
            .order_by(self.objects.c.name_key)
        )
        return [(row.object_name, row.plural_label) for row in self.connection.execute(query)]

    def record_count(self, name: str) -> int:
        """How many records the custom object has (all of them, whoever may see them)."""
        rt = custom_object_type(self._require(name)["object_name"])
        instance_id = self.caller.instance_id
        return Repository(self.connection, instance_id).count_where(rt, "instance_id", instance_id)

    def create(self, data: Any) -> Wire:
        self._require_admin()
        body = validate(CustomObjectIn, upper_keys(data))
        problems = [
            label for label in ("SINGULAR_LABEL", "PLURAL_LABEL") if not _given(body, label)
        ]
        if problems:
            raise invalid_field(problems[0], "is required")
        if self._find(body.OBJECT_NAME) is not None:
            raise Conflict(f"A custom object named {body.OBJECT_NAME} exists already.")
        now = utc_now()
        CUSTOM_OBJECT_NAMES.drop_on_commit(self.connection)
        self.connection.execute(
            insert(self.objects).values(
                instance_id=self.caller.instance_id,
                object_name=body.OBJECT_NAME,
                name_key=body.OBJECT_NAME.lower(),
                singular_label=body.SINGULAR_LABEL.strip(),
                plural_label=body.PLURAL_LABEL.strip(),
                description=body.DESCRIPTION,
                record_name_label=body.RECORD_NAME_LABEL,
                created_user_id=self.caller.user_id or None,  # 0: the command line
                date_created_utc=now,
                date_updated_utc=now,
            )
        )
        return self.get(body.OBJECT_NAME)

    def update(self, data: Any, path_name: str | None = None) -> Wire:
        """Change the labels (the name cannot change); absent fields are kept."""
        self._require_admin()
        upper = upper_keys(data)
        if path_name is not None and isinstance(upper, dict):
            upper.setdefault("OBJECT_NAME", path_name)
        body = validate(CustomObjectIn, upper)
        if path_name is not None and body.OBJECT_NAME.lower() != path_name.lower():
            raise invalid_field(
                "OBJECT_NAME", f"is {body.OBJECT_NAME} but the path names {path_name}"
            )
        row = self._require(body.OBJECT_NAME)
        changes: Row = {}
        for label in _LABELS:
            if label in body.model_fields_set:
                value = getattr(body, label)
                if label in ("SINGULAR_LABEL", "PLURAL_LABEL") and not _given(body, label):
                    raise invalid_field(label, "is required and cannot be cleared")
                changes[label.lower()] = value.strip() if isinstance(value, str) else value
        changes = {key: value for key, value in changes.items() if row[key] != value}
        if changes:
            CUSTOM_OBJECT_NAMES.drop_on_commit(self.connection)
            self.connection.execute(
                update(self.objects)
                .where(self.objects.c.id == row["id"])
                .values(**changes, date_updated_utc=utc_now())
            )
        return self.get(row["object_name"])

    def delete(self, name: str, force: bool) -> list[str]:
        """Delete the definition (and, forced, its records); the files to remove after commit."""
        self._require_admin()
        row = self._require(name)
        rt = custom_object_type(row["object_name"])
        records = RecordService(self.connection, self.caller, rt)
        ids = records.repo.ids_where(records.rt, "instance_id", self.caller.instance_id)
        if ids and not force:
            raise Conflict(
                f"{row['object_name']} still has {len(ids)} records; delete them first, or "
                "delete the object with ?force=true to delete them too. Nothing was deleted."
            )
        files: list[str] = []
        for record_id in ids:
            files += records.delete(record_id)
        # Its custom fields go with it, and so do LOOKUP fields of other objects pointing to it
        # (their values went with the records just deleted).
        delete_object_fields(self.connection, self.caller.instance_id, rt.singular)
        store = CustomFieldStore(self.connection, self.caller.instance_id)
        for lookup in store.lookups_to(rt.singular):
            CustomFieldService(self.connection, self.caller, lookup.object_name).delete(lookup.name)
        CUSTOM_OBJECT_NAMES.drop_on_commit(self.connection)
        self.connection.execute(delete(self.objects).where(self.objects.c.id == row["id"]))
        return files

    def _mine(self) -> Any:
        return self.objects.c.instance_id == self.caller.instance_id

    def _find(self, name: str) -> Row | None:
        query = select(self.objects).where(
            self._mine(), self.objects.c.name_key == name.strip().lower()
        )
        row = self.connection.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def _require(self, name: str) -> Row:
        row = self._find(name)
        if row is None:
            raise NotFound(f"This instance has no custom object named {name}.")
        return row

    def _require_admin(self) -> None:
        if not self.caller.is_admin:
            raise Forbidden("Only an administrator can define custom objects.")


def _given(body: CustomObjectIn, label: str) -> bool:
    value = getattr(body, label)
    return isinstance(value, str) and bool(value.strip())


def _wire(row: Row) -> Wire:
    return {
        "OBJECT_NAME": row["object_name"],
        "SINGULAR_LABEL": row["singular_label"],
        "PLURAL_LABEL": row["plural_label"],
        "DESCRIPTION": row["description"],
        "RECORD_NAME_LABEL": row["record_name_label"] or "Name",
        "RECORD_NAME_TYPE": "Text",
        "RECORD_NAME_DISPLAY_FORMAT": None,
        "ENABLE_NAVBAR": True,
        "ENABLE_WORKFLOWS": False,
        "CREATED_USER_ID": row["created_user_id"],
        "DATE_CREATED_UTC": format_datetime(row["date_created_utc"]),
        "DATE_UPDATED_UTC": format_datetime(row["date_updated_utc"]),
    }
