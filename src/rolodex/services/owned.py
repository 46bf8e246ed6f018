"""Records that belong to another record (a project's milestones), written under their owner.

The owned type declares its `owner_fields` (Milestones: PROJECT_ID; a price book entry:
PRODUCT_ID and PRICEBOOK_ID). Its records are listed, created, changed and deleted at
/{Owner}/{id}/{Owned}; every such write sets the owner's DATE_UPDATED_UTC (and its totals, for a
line item: rolodex.services.sales), and deleting the owner deletes them (RecordService.delete).
"""

from typing import Any

from sqlalchemy import Connection

from rolodex.domain.registry import Kind, RecordType, owner_field_of
from rolodex.errors import BadRequest, NotFound, invalid_field
from rolodex.services import sales
from rolodex.services.context import Caller, next_update_stamp, viewer_of
from rolodex.services.records import RecordService, etag_of
from rolodex.storage.repository import FieldFilter, Page, Repository, Row
from rolodex.storage.sales import refresh_totals
from rolodex.wire.json import upper_keys
from rolodex.wire.records import validate, write_model

Wire = dict[str, Any]


class OwnedService:
    """Use cases on the `rt` records of one `owner` record, for one caller."""

    def __init__(
        self,
        connection: Connection,
        caller: Caller,
        owner: RecordType,
        rt: RecordType,
        if_match: str | None = None,
    ) -> None:
        owner_field = owner_field_of(rt, owner)
        assert owner_field is not None
        self.owner = owner
        self.rt = rt
        self.owner_field = owner_field
        # The owner (a project) only if the caller sees it (rolodex.storage.visibility).
        self.repo = Repository(connection, caller.instance_id, viewer_of(caller))
        self.records = RecordService(connection, caller, rt, if_match=if_match)

    def list_page(
        self, owner_id: int, page: Page, brief: bool = False
    ) -> tuple[list[Wire], int | None]:
        self._owner_row(owner_id)
        return self.records.list_page(page, self._filter(owner_id), brief)

    def create(self, owner_id: int, data: Any) -> tuple[Wire, str]:
        owner_row = self._owner_row(owner_id, for_update=True)
        body = self._body(data, owner_id)
        priced = self._check(owner_row, body, None)
        result = self.records.create(body)
        if priced:
            result = self.records.set_system_fields(result[0][self.rt.id_field], priced)
        self._touch(owner_row)
        return result

    def update(self, owner_id: int, data: Any) -> tuple[Wire, str]:
        """A partial update of one of the owner's records, named by its id field in the body."""
        owner_row = self._owner_row(owner_id, for_update=True)
        body = self._body(data, owner_id)
        record_id = getattr(validate(write_model(self.rt), body), self.rt.id_field)
        if record_id is None:
            raise invalid_field(self.rt.id_field, f"is required to update a {self.rt.singular}")
        etag_before, row = self._own_record(owner_id, record_id)
        priced = self._check(owner_row, body, row)
        result = self.records.update(body)
        if priced:
            result = self.records.set_system_fields(record_id, priced)
        if result[1] != etag_before:  # the ETag changes exactly when the record does
            self._touch(owner_row)
        return result

    def delete(self, owner_id: int, record_id: int) -> list[str]:
        """Delete one of the owner's records; the storage keys of its files (its image fields'
        images), to remove once this has committed."""
        owner_row = self._owner_row(owner_id, for_update=True)
        try:
            self._own_record(owner_id, record_id)
        except BadRequest:
            raise NotFound(
                f"{self.owner.singular} {owner_id} has no {self.rt.singular} {record_id}."
            ) from None
        removed = self.records.delete(record_id)
        self._touch(owner_row)
        return removed

    def delete_by_id(self, record_id: int) -> list[str]:
        """DELETE /Milestone/{id} (v3.0): the record, from whichever owner it has."""
        row = self.records.get(record_id, brief=True)
        owner_id = row[self.owner_field]
        if not isinstance(owner_id, int):
            raise NotFound(f"No {self.rt.singular} with ID {record_id}.")
        return self.delete(owner_id, record_id)

    # --- internals -----------------------------------------------------------------------

    def _filter(self, owner_id: int) -> FieldFilter:
        return FieldFilter(column=self.owner_field.lower(), kind=Kind.INT, value=owner_id)

    def _owner_row(self, owner_id: int, for_update: bool = False) -> Row:
        row = self.repo.get_record(self.owner, owner_id, for_update=for_update)
        if row is None:
            raise NotFound(f"No {self.owner.singular} with ID {owner_id}.")
        return row

    def _own_record(self, owner_id: int, record_id: int) -> tuple[str, Row]:
        """The ETag and row of the record, which must belong to the owner (else a 400 naming
        its id)."""
        row = self.repo.get_record(self.rt, record_id)
        if row is None or row[self.owner_field.lower()] != owner_id:
            raise invalid_field(
                self.rt.id_field,
                f"is not a {self.rt.singular} of {self.owner.singular} {owner_id}",
            )
        return etag_of(row), row

    def _check(self, owner_row: Row, body: dict[str, Any], row: Row | None) -> Row:
        """The sales rules of the record being written (rolodex.services.sales): the values
        its price book entry gives a line item, to store with it."""
        if self.rt.currency_of is not None:
            sales.check_entry(self.repo, self.rt, body, row)
        if self.rt.priced_by is not None:
            return sales.price_line(self.repo, self.rt, self.owner, owner_row, body, row)
        return {}

    def _body(self, data: Any, owner_id: int) -> dict[str, Any]:
        """The body with the owner's id in `owner_field` (a different one sent is a 400)."""
        body = upper_keys(data)
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        sent = body.get(self.owner_field)
        if sent is not None and str(sent).strip() != str(owner_id):
            raise invalid_field(self.owner_field, f"is {sent} but the path names {owner_id}")
        return {**body, self.owner_field: owner_id}

    def _touch(self, owner_row: Row) -> None:
        stamp = next_update_stamp(owner_row["date_updated_utc"])
        self.repo.update_record(self.owner, owner_row["id"], {"date_updated_utc": stamp})
        totals = self.owner.totals
        if totals is not None and totals.lines == self.rt.singular:
            refresh_totals(self.repo.connection, self.repo.instance_id, self.owner, owner_row["id"])
