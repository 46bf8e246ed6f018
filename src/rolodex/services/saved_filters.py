"""Saved filters: a user's named searches and orders of a list page, to bring back in a click.

A filter is the user's own (no other user sees it, an administrator neither) and is kept by
name: saving under a name the user already gave a filter of that list (in any letter case)
replaces it. A read-only user may keep filters too: they change no record."""

from dataclasses import dataclass

from sqlalchemy import Connection

from rolodex.domain.registry import RecordType
from rolodex.errors import BadRequest, NotFound, invalid_field
from rolodex.services.context import Caller, utc_now
from rolodex.services.records import sortable_fields
from rolodex.storage.saved_filters import Row, SavedFilterStore

MAX_NAME = 100
MAX_TEXT = 500
MAX_PER_LIST = 50


@dataclass(frozen=True)
class SavedFilter:
    """A list's search (the field searched and the text) and order, under a name."""

    id: int
    name: str
    search_field: str = ""
    search_text: str = ""
    sort_field: str = ""
    descending: bool = False


@dataclass(frozen=True)
class FilterIn:
    """A filter to save, as the list page had it."""

    name: str
    search_field: str = ""
    search_text: str = ""
    sort_field: str = ""
    descending: bool = False


class SavedFilterService:
    """The caller's saved filters of the lists of one record type."""

    def __init__(self, connection: Connection, caller: Caller, rt: RecordType) -> None:
        self.rt = rt
        self.store = SavedFilterStore(connection, caller.instance_id, caller.user_id)

    def list(self) -> list[SavedFilter]:
        return [_filter(row) for row in self.store.list(self.rt.singular)]

    def get(self, filter_id: int) -> SavedFilter:
        row = self.store.get(filter_id)
        if row is None or row["object_name"] != self.rt.singular:
            raise NotFound(f"You have no saved filter of {self.rt.collection} with ID {filter_id}.")
        return _filter(row)

    def save(self, wanted: FilterIn) -> SavedFilter:
        """Save the filter under its name (replacing the caller's filter of that name)."""
        name = " ".join(wanted.name.split())
        if not name:
            raise invalid_field("name", "give the filter a name")
        if len(name) > MAX_NAME:
            raise invalid_field("name", f"is longer than {MAX_NAME} characters")
        if len(wanted.search_text) > MAX_TEXT:
            raise invalid_field("search_text", f"is longer than {MAX_TEXT} characters")
        sort = wanted.sort_field.upper()
        if sort and sort not in sortable_fields(self.rt):
            raise invalid_field("sort_field", "is not a field the list can be sorted by")
        values = {
            "object_name": self.rt.singular,
            "name": name,
            "name_key": name.lower(),
            "search_field": wanted.search_field[:64] or None,
            "search_text": wanted.search_text or None,
            "sort_field": sort or None,
            "descending": bool(sort) and wanted.descending,
        }
        existing = self.store.id_named(self.rt.singular, name.lower())
        if existing is not None:
            self.store.update(existing, values)
            return self.get(existing)
        if self.store.count(self.rt.singular) >= MAX_PER_LIST:
            raise BadRequest(
                f"You have {MAX_PER_LIST} saved filters of {self.rt.collection}, the most a list "
                "keeps: delete one first, or save under the name of one to replace it."
            )
        return self.get(self.store.insert(values, utc_now()))

    def delete(self, filter_id: int) -> None:
        self.get(filter_id)
        self.store.delete(filter_id)


def _filter(row: Row) -> SavedFilter:
    return SavedFilter(
        row["id"],
        row["name"],
        row["search_field"] or "",
        row["search_text"] or "",
        row["sort_field"] or "",
        bool(row["descending"]),
    )
