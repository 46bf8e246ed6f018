"""Actions on a list page's selection of records: tag them, delete them, export them as CSV.

Each goes through RecordService, as the API's calls on each record do: a read-only caller may
export and nothing else, and a record the caller does not see is not touched. Either every
chosen record is changed or none is: a selection with a record the caller cannot see (or that
is gone) is refused whole, so the caller's unit of work rolls back."""

import csv
import io
from collections.abc import Sequence

from sqlalchemy import Connection

from rolodex.domain.registry import Feature, RecordType, record_name
from rolodex.errors import BadRequest, NotFound
from rolodex.services.context import Caller
from rolodex.services.records import RecordService, Wire
from rolodex.wire.csv_files import csv_row, header, note_columns
from rolodex.wire.records import INT64_MAX

MAX_SELECTION = 100  # records one action takes: a list page's most


def parse_selection(raw: Sequence[str]) -> list[int]:
    """The record ids a form sent (each once, in order), or a 400 saying what is wrong."""
    ids: list[int] = []
    for text in raw:
        text = text.strip()
        if not text.isdigit() or int(text) > INT64_MAX:
            raise BadRequest(f"{text!r} is not a record ID.")
        if int(text) not in ids:
            ids.append(int(text))
    if not ids:
        raise BadRequest("Choose at least one record first.")
    if len(ids) > MAX_SELECTION:
        raise BadRequest(f"Choose at most {MAX_SELECTION} records at a time.")
    return ids


class BulkService:
    """Actions on chosen records of one type, for one caller."""

    def __init__(self, connection: Connection, caller: Caller, rt: RecordType) -> None:
        self.caller = caller
        self.records = RecordService(connection, caller, rt)
        self.rt = self.records.rt

    def chosen(self, record_ids: Sequence[int], brief: bool = True) -> list[Wire]:
        """The chosen records, all of which the caller sees; else a 404 and nothing done."""
        found = self.records.records_among(record_ids, brief)
        missing = len(set(record_ids)) - len(found)
        if missing:
            raise NotFound(
                f"{missing} of the chosen {self.rt.collection.lower()} no longer exist or are "
                "not yours to see: nothing was changed. Reload the list and choose again."
            )
        return found

    def names(self, record_ids: Sequence[int], label: str) -> list[tuple[int, str]]:
        """(id, name) of each chosen record, for a confirmation."""
        return [
            (record[self.rt.id_field], record_name(self.rt, record, label))
            for record in self.chosen(record_ids)
        ]

    def tag(self, record_ids: Sequence[int], tag_name: str) -> int:
        """Add the tag to each chosen record (as POST /{Coll}/{id}/Tags); how many had it not."""
        self.caller.check_may_write()
        if not self.rt.has(Feature.TAGS):
            raise BadRequest(f"{self.rt.collection} have no tags.")
        if not tag_name.strip():
            raise BadRequest("Give the tag to add.")
        self.chosen(record_ids)
        return sum(
            self.records.add_tag(record_id, {"TAG_NAME": tag_name})[1] for record_id in record_ids
        )

    def delete(self, record_ids: Sequence[int]) -> list[str]:
        """Delete each chosen record (as DELETE /{Coll}/{id}); the storage keys of their files,
        to remove from disk once this has committed."""
        self.caller.check_may_write()
        if not self.rt.deletable:
            raise BadRequest(f"{self.rt.collection} cannot be deleted.")
        self.chosen(record_ids)
        removed: list[str] = []
        for record_id in record_ids:
            removed += self.records.delete(record_id)
        return removed

    def export_csv(self, record_ids: Sequence[int]) -> str:
        """The chosen records as `rolodex export` writes a CSV file (which `rolodex import`
        reads back): every field, custom field and the tags."""
        records = self.chosen(record_ids, brief=False)
        scalars: dict[str, None] = {}
        custom: dict[str, None] = {}
        for record in records:
            note_columns(record, scalars, custom)
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header(scalars, custom))
        writer.writerows(csv_row(record, scalars, custom) for record in records)
        return text.getvalue()
