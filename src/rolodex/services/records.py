"""The generic record engine: read, create, update and delete any registered record type.

Behaviour that every record type shares lives here, driven by the type's declared fields and
features. Sub-collections follow the v3.1 "whole object graph" rule: an array sent in a PUT
becomes exactly what was sent; an array left out is left alone.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from rolodex.config import get_settings
from rolodex.domain.dates import parse_datetime
from rolodex.domain.registry import (
    RECORD_TYPES,
    USERS,
    Feature,
    Kind,
    RecordType,
    by_singular,
    custom_object_type,
    name_fields,
    owned_types,
    owner_field_of,
    record_name,
    resolve_object_name,
)
from rolodex.domain.rules import RuleViolation
from rolodex.errors import (
    BadRequest,
    FieldError,
    NotFound,
    PreconditionFailed,
    RolodexError,
    invalid_field,
    invalid_input,
)
from rolodex.services.context import Caller, next_update_stamp, utc_now, viewer_of
from rolodex.services.custom_fields import CustomValues, record_deleted
from rolodex.services.lookups import add_lookup_data
from rolodex.storage import tables
from rolodex.storage.comments import COMMENT_FILES, CommentStore
from rolodex.storage.custom_fields import CustomFieldStore
from rolodex.storage.engine import savepoint
from rolodex.storage.extensions import ExtensionStore
from rolodex.storage.files import FileRepository
from rolodex.storage.phones import PhoneStore, phone_entries
from rolodex.storage.repository import FieldFilter, Page, Repository, Row
from rolodex.storage.sales import count_lines, lines_priced_by, refresh_totals
from rolodex.storage.tombstones import TombstoneStore
from rolodex.storage.visibility import ViewerIndex, audience_of, hidden_among, user_ids
from rolodex.wire import output
from rolodex.wire.json import upper_keys
from rolodex.wire.records import (
    INT64_MAX,
    INT64_MIN,
    DateIn,
    EmailDomainIn,
    LinkIn,
    TagIn,
    WireModel,
    sub_collections,
    validate,
    write_model,
)

Wire = dict[str, Any]

_CHILD_TABLES = {
    Feature.TAGS: tables.tags,
    Feature.DATES: tables.dates,
    Feature.EMAIL_DOMAINS: tables.email_domains,
}


@dataclass
class _NewRecord:
    """A checked POST body: the record's row, the model (its sub-collections), the custom field
    definitions it was checked against and its tag names (lower-cased -> as written)."""

    values: Row
    model: WireModel
    custom: CustomValues | None
    tags: dict[str, str] | None


@dataclass(frozen=True)
class Extension:
    """What a wire version keeps beside a record it writes (rolodex.storage.extensions).

    `build` makes the version's body from the record's scalar fields as they are stored by the
    write (so the body can tell later whether another version changed a field it annotates);
    an empty body removes the row."""

    wire: str
    build: Callable[[Wire], Any]


# The sub-collections whose items are added and removed one by one (v3.0), with their id field.
_ITEMS: dict[Feature, tuple[type[WireModel], str]] = {
    Feature.DATES: (DateIn, "DATE_ID"),
    Feature.EMAIL_DOMAINS: (EmailDomainIn, "EMAIL_DOMAIN_ID"),
}


class RecordService:
    """Use cases on the records of one type, for one caller."""

    def __init__(
        self,
        connection: Connection,
        caller: Caller,
        rt: RecordType,
        if_match: str | None = None,
        extension_wire: str | None = None,
    ) -> None:
        self.caller = caller
        self.repo = Repository(connection, caller.instance_id, viewer_of(caller))
        if rt.custom_object:
            rt = self._custom_object_type(rt.singular)
        self.rt = rt
        # The If-Match header of the request: every write to a record checks it (contract §6).
        self.if_match = if_match
        self._defaults: dict[str, int | None] = {}  # default row of each referenced setting
        # A wire version whose extension of each record is read with it (under EXTENSION_KEY).
        self.extension_wire = extension_wire

    # --- reading -------------------------------------------------------------------------

    def get(self, record_id: int, brief: bool = False) -> Wire:
        """One record, or 404."""
        return self.read(record_id, brief)[0]

    def read(self, record_id: int, brief: bool = False) -> tuple[Wire, str]:
        """One record and its ETag, or 404: the record and its sub-collections in one
        statement."""
        if brief:
            row = self._require(record_id)
            return self.to_wire([row], brief)[0], etag_of(row)
        features = self._child_features()
        found, by_table, links = self.repo.record_with_sub_collections(
            self.rt,
            record_id,
            [_CHILD_TABLES[feature] for feature in features],
            links=self.rt.has(Feature.LINKS),
        )
        if found is None:
            raise self._not_found(record_id)
        return self.to_wire([found], brief, (by_table, links))[0], etag_of(found)

    def _child_features(self) -> list[Feature]:
        return [feature for feature in _CHILD_TABLES if self.rt.has(feature)]

    def get_for_update(self, record_id: int) -> Wire:
        """One record, locked for the rest of the unit of work (If-Match checked), or 404."""
        return self.to_wire([self._require(record_id, for_update=True)], False)[0]

    def extensions(self, wire: str, record_ids: Sequence[int]) -> dict[int, Any]:
        """{record id: the `wire` version's extension body} of those records that have one."""
        return self._extensions().read(self.rt.singular, wire, record_ids)

    def _extensions(self) -> ExtensionStore:
        return ExtensionStore(self.repo.connection, self.caller.instance_id)

    def _write_extension(self, record_id: int, extension: Extension, stored: Row) -> bool:
        """Write the extension for the record as `stored`; whether its body changed."""
        body = extension.build(output.record_scalars(self.rt, stored)) or None
        if self.extensions(extension.wire, [record_id]).get(record_id) == body:
            return False
        self._extensions().write(self.rt.singular, extension.wire, record_id, body)
        return True

    def list_page(
        self,
        page: Page,
        field_filter: FieldFilter | None = None,
        brief: bool = False,
        sort: tuple[str, bool] | None = None,
    ) -> tuple[list[Wire], int | None]:
        """One page of records (and the total count when the page asks for it); sorted by
        `sort`, (a field of sortable_fields, descending), else a 400, when given."""
        if sort is not None:
            field_name, descending = sort
            if field_name not in sortable_fields(self.rt):
                raise invalid_field(field_name, "is not a field a list can be sorted by")
            page = replace(page, sort=(field_name.lower(), descending))
        rows, total = self.repo.list_records(self.rt, page, field_filter)
        return self.to_wire(rows, brief), total

    def totals_by(
        self, group_field: str, sum_field: str | None, field_filter: FieldFilter
    ) -> dict[Any, tuple[int, Decimal]]:
        """{value of the field `group_field`: (how many records the caller sees match
        `field_filter`, the sum of their `sum_field`, 0 without one)}, counted in SQL."""
        totals = self.repo.totals_by(
            self.rt, self._column(group_field), sum_field and self._column(sum_field), field_filter
        )
        return {key: (count, Decimal(total or 0)) for key, (count, total) in totals.items()}

    def first_of_each(
        self, group_field: str, per_group: int, field_filter: FieldFilter
    ) -> list[Wire]:
        """The first `per_group` records (by id) of each value of `group_field` among those the
        caller sees that match `field_filter`, in brief, in one statement."""
        rows = self.repo.first_of_each(self.rt, self._column(group_field), per_group, field_filter)
        return self.to_wire(rows, brief=True)

    def records_among(self, record_ids: Sequence[int], brief: bool = False) -> list[Wire]:
        """Those of `record_ids` that are records the caller sees, in that order: a fixed
        handful of statements whatever their number."""
        rows = self.repo.records_by_id(self.rt, record_ids)
        return self.to_wire([rows[i] for i in dict.fromkeys(record_ids) if i in rows], brief)

    def _column(self, field_name: str) -> str:
        spec = self.rt.field_named(field_name)
        assert spec is not None, field_name
        return spec.column

    def to_wire(
        self,
        rows: Sequence[Row],
        brief: bool,
        loaded: tuple[dict[str, dict[int, list[Row]]], list[Row]] | None = None,
    ) -> list[Wire]:
        """Rows to wire records, loading each sub-collection for all rows in one query (unless
        `loaded` has them already)."""
        records = [output.record_scalars(self.rt, row) for row in rows]
        if brief or not rows:
            return records
        singular = self.rt.singular
        features = self._child_features()
        by_table, links = loaded or self.repo.sub_collections(
            [_CHILD_TABLES[feature] for feature in features],
            singular,
            [row["id"] for row in rows],
            links=self.rt.has(Feature.LINKS),
        )
        children = {feature: by_table[_CHILD_TABLES[feature].name] for feature in features}
        links_by_record: dict[int, list[Row]] = defaultdict(list)
        hidden = self._hidden_links(links, {row["id"] for row in rows})
        for link in links:
            if link["id"] in hidden:
                continue
            if link["object_name"] == singular:
                links_by_record[link["object_id"]].append(link)
            if link["link_object_name"] == singular:
                links_by_record[link["link_object_id"]].append(link)
        has = self.rt.has
        custom, tags, dates, domains = (
            has(Feature.CUSTOM_FIELDS),
            children.get(Feature.TAGS),
            children.get(Feature.DATES),
            children.get(Feature.EMAIL_DOMAINS),
        )
        with_links = has(Feature.LINKS)
        for record, row in zip(records, rows, strict=True):
            record_id = row["id"]
            if custom:
                record["CUSTOMFIELDS"] = output.custom_fields(row["custom_fields"])
            if tags is not None:
                record["TAGS"] = [output.tag(r) for r in tags[record_id]]
            if dates is not None:
                record["DATES"] = [output.date(r) for r in dates[record_id]]
            if domains is not None:
                record["EMAILDOMAINS"] = [output.email_domain(r) for r in domains[record_id]]
            if with_links:
                record["LINKS"] = [
                    output.link(link, singular, record_id) for link in links_by_record[record_id]
                ]
        add_lookup_data(self.repo, self.rt, records, rows)
        if self.extension_wire is not None:
            bodies = self.extensions(self.extension_wire, [row["id"] for row in rows])
            for record, row in zip(records, rows, strict=True):
                record[output.EXTENSION_KEY] = bodies.get(row["id"])
        return records

    def search_filter(self, field_name: str, field_value: str | None) -> FieldFilter:
        """The filter for `/Search?field_name=&field_value=`, or a 400 naming what is wrong."""
        if field_value is None:
            raise invalid_field("field_value", "is required when field_name is given")
        name = field_name.strip()
        if name.lower().endswith("__c") and self.rt.has(Feature.CUSTOM_FIELDS):
            custom = CustomValues(self.repo.connection, self.caller.instance_id, self.rt)
            return FieldFilter(custom_field=custom.match(name, field_value))
        spec = self.rt.field_named(name)
        if spec is None:
            raise invalid_field(
                "field_name", f"'{field_name}' is not a field of {self.rt.collection}"
            )
        column = "id" if spec.name == self.rt.id_field else spec.column
        if field_value.strip() == "":
            return FieldFilter(column=column, kind=spec.kind, value=None)
        value: Any = field_value
        until = None
        try:
            if spec.kind is Kind.INT:
                value = int(field_value)
                if not INT64_MIN <= value <= INT64_MAX:
                    raise ValueError("out of range")
            elif spec.kind is Kind.DECIMAL:
                value = Decimal(field_value)
            elif spec.kind is Kind.BOOL:
                value = parse_bool(field_value)
            elif spec.kind is Kind.DATETIME:
                value = parse_datetime(field_value)
                if len(field_value.strip()) == 10:  # a bare date matches the whole day
                    until = value + timedelta(days=1) if value else None
        except (ValueError, ArithmeticError):
            raise invalid_field(
                "field_value", f"'{field_value}' is not a valid {spec.kind.value} for {spec.name}"
            ) from None
        return FieldFilter(column=column, kind=spec.kind, value=value, until=until)

    # --- writing -------------------------------------------------------------------------

    def create(
        self,
        data: Any,
        extra_links: Sequence[LinkIn] = (),
        extension: Extension | None = None,
    ) -> tuple[Wire, str]:
        """Create a record from a POST body (and a wire version's extension of it); nothing is
        written if any part is invalid."""
        record_id = self.create_id(data, extra_links)
        if extension is not None:
            self._write_extension(record_id, extension, self._require(record_id))
        return self.read(record_id)

    def create_id(self, data: Any, extra_links: Sequence[LinkIn] = ()) -> int:
        """Create a record from a POST body and return its id only (no read-back)."""
        new = self._plan_create(data, self._custom_values(), None)
        new.values.update(self._inherited_audience(new.model, new.values, extra_links))
        record_id = self.repo.insert_record(self.rt, new.values)
        # A new record has no rows to replace: its index and sub-rows are inserted, as a batch's.
        self._write_new([(record_id, new)])
        links = _sent(new.model, "LINKS") if self.rt.has(Feature.LINKS) else None
        if links is not None or extra_links:
            stamp = new.values["date_created_utc"]  # a new record has no links to read first
            self._replace_links(record_id, [*(links or ()), *extra_links], stamp, now=[])
        self._refresh_totals(record_id)
        return record_id

    def create_many(self, bodies: Sequence[Any]) -> list[int | RolodexError]:
        """Create many records (bulk loads): each body is checked exactly as by `create`, and
        the valid ones are written with a few multi-row statements. Returns, in order, each new
        id (no read-back) or the error that refused the body; nothing of a refused body is
        written. A value only the database refuses sends the batch through `create_id` one
        body at a time (each in its own savepoint), to find out which."""
        connection = self.repo.connection
        results: list[int | RolodexError] = []
        try:
            with savepoint(connection):
                custom = self._custom_values()
                memo: dict[tuple[str, int], FieldError | None] = {}
                bulk: list[tuple[int, _NewRecord]] = []
                for index, body in enumerate(bodies):
                    try:
                        new = self._plan_create(body, custom, memo)
                    except RolodexError as error:
                        results.append(error)
                        continue
                    results.append(0)
                    if _sent(new.model, "LINKS") is not None:  # links are checked per record
                        try:
                            with savepoint(connection):
                                results[index] = self.create_id(body)
                        except RolodexError as error:
                            results[index] = error
                    else:
                        bulk.append((index, new))
                for (index, _new), record_id in zip(bulk, self._insert_many(bulk), strict=True):
                    results[index] = record_id
                    self._refresh_totals(record_id)  # a quotation's currency and totals
        except (RolodexError, DBAPIError):
            results = []
            for body in bodies:
                try:
                    with savepoint(connection):
                        results.append(self.create_id(body))
                except RolodexError as error:
                    results.append(error)
        return results

    def _custom_values(self) -> CustomValues | None:
        if not self.rt.has(Feature.CUSTOM_FIELDS):
            return None
        return CustomValues(
            self.repo.connection, self.caller.instance_id, self.rt, self.repo.viewer
        )

    def _plan_create(
        self,
        data: Any,
        custom_values: CustomValues | None,
        memo: dict[tuple[str, int], FieldError | None] | None,
        number: bool = True,
    ) -> _NewRecord:
        """The row a POST body becomes, checked (a 400 naming every problem), not yet written."""
        model = validate(write_model(self.rt), upper_keys(data))
        fields_set = model.model_fields_set
        shape = _create_shape(self.rt)
        values: Row = {}
        problems: list[FieldError] = []
        for name, column, default, required in shape.writable:
            if name in fields_set:
                values[column] = getattr(model, name)
            elif default is not None:
                values[column] = default
            if required and _blank(values.get(column)):
                problems.append(FieldError(name, "is required"))
        values.update(shape.read_only_defaults)
        if shape.owned and values.get("owner_user_id") is None:
            values["owner_user_id"] = self.caller.user_id
        if shape.references:
            problems.extend(self._reference_problems(values, memo))
        values.update(self._reference_defaults(fields_set))
        if custom_values is not None:
            sent_custom = _sent(model, "CUSTOMFIELDS") or []
            custom, custom_problems = custom_values.apply({}, sent_custom, creating=True)
            problems.extend(custom_problems)
            values["custom_fields"] = custom
        if problems:
            raise invalid_input(problems)
        if custom_values is not None and number:  # AUTONUMBER values: a counter is written
            custom_values.number(values["custom_fields"])
        values.update(self._derived(values))
        tags = _sent(model, "TAGS")
        tag_names = desired_tags([t.TAG_NAME for t in tags]) if tags is not None else None
        now = utc_now()
        values.update(
            date_created_utc=now, date_updated_utc=now, created_user_id=self.caller.user_id
        )
        return _NewRecord(values, model, custom_values, tag_names)

    def _insert_many(self, batch: Sequence[tuple[int, _NewRecord]]) -> list[int]:
        """Write checked new records (no links) and their sub-rows; their ids, in order."""
        if not batch:
            return []
        ids = self.repo.insert_many_records(self.rt, [new.values for _, new in batch])
        self._write_new([(record_id, new) for record_id, (_, new) in zip(ids, batch, strict=True)])
        return ids

    def _write_new(self, written: Sequence[tuple[int, _NewRecord]]) -> None:
        """The search keys, phone numbers, viewers, tags, dates, e-mail domains and history of
        records just inserted (not their links), each table in one statement for them all."""
        singular = self.rt.singular
        keys: list[tuple[int, str, str]] = []
        phones: list[tuple[int, str, str]] = []
        viewers: list[tuple[int, int]] = []
        children: dict[Feature, list[tuple[int, Row]]] = defaultdict(list)
        region = get_settings().default_phone_region if _has_phones(self.rt) else None
        for record_id, new in written:
            if new.custom is not None:
                keys += new.custom.index_rows(record_id, new.values["custom_fields"])
            if region is not None:
                phones += [
                    (record_id, name, number)
                    for name, number in phone_entries(self.rt, new.values, region)
                ]
            viewers += [(record_id, user) for user in user_ids(new.values.get("visible_user_ids"))]
            if new.tags is not None:
                children[Feature.TAGS] += [(record_id, {"tag_name": n}) for n in new.tags.values()]
            dates = _sent(new.model, "DATES")
            if dates is not None:
                children[Feature.DATES] += [(record_id, row) for row in _date_rows(dates)]
            domains = _sent(new.model, "EMAILDOMAINS")
            if domains is not None:
                children[Feature.EMAIL_DOMAINS] += [
                    (record_id, row) for row in _domain_rows(domains)
                ]
            self.keep_history(record_id, new.values, new.values["date_created_utc"])
        if keys:
            CustomFieldStore(self.repo.connection, self.caller.instance_id).insert_keys(
                singular, keys
            )
        if phones:
            PhoneStore(self.repo.connection, self.caller.instance_id).add(singular, phones)
        if viewers:
            ViewerIndex(self.repo.connection, self.caller.instance_id).add(singular, viewers)
        for feature, rows in children.items():
            self.repo.insert_children_of_many(_CHILD_TABLES[feature], singular, rows)

    def update(
        self, data: Any, path_id: int | None = None, extension: Extension | None = None
    ) -> tuple[Wire, str]:
        """Apply a v3.1 partial PUT: present fields set, absent left, arrays replaced exactly
        (and a wire version's extension of the record written)."""
        model = validate(write_model(self.rt), upper_keys(data))
        record_id = self._id_for_update(model, path_id)
        row = self._require(record_id, for_update=True)
        changes, custom_values = self._plan_update(model, row)
        for column, value in self._derived({**row, **changes}).items():
            if _same(row[column], value):
                changes.pop(column, None)  # derived back to what is stored: no change
            else:
                changes[column] = value
        stamp = next_update_stamp(row["date_updated_utc"])
        graph_changed = self._write_sub_collections(record_id, model, stamp)
        if extension is not None:
            graph_changed |= self._write_extension(record_id, extension, {**row, **changes})
        if changes or graph_changed:
            changes["date_updated_utc"] = stamp
            self.repo.update_record(self.rt, record_id, changes)
        if custom_values is not None and "custom_fields" in changes:
            custom_values.reindex(record_id, changes["custom_fields"])
        if any(spec.phone and spec.column in changes for spec in self.rt.fields):
            self._index_phones(record_id, {**row, **changes})
        if "visible_user_ids" in changes:
            self._index_viewers(record_id, changes)
        self.keep_history(record_id, changes, stamp)
        if changes or graph_changed:
            self._refresh_totals(record_id)
        return self.read(record_id)

    def _plan_update(self, model: WireModel, row: Row) -> tuple[Row, CustomValues | None]:
        """The changes a PUT body makes to the stored `row`, checked (a 400 naming every
        problem), not yet written; and the custom field definitions it was checked against."""
        fields_set = model.model_fields_set
        changes: Row = {}
        problems: list[FieldError] = []
        for spec in self.rt.writable_fields:
            if spec.name not in fields_set:
                continue
            value = getattr(model, spec.name)
            if spec.required and _blank(value):
                problems.append(FieldError(spec.name, "is required and cannot be cleared"))
            elif not _same(row[spec.column], value):
                changes[spec.column] = value
        problems.extend(self._reference_problems(changes))
        if "currency_code" in changes:
            problems.extend(self._currency_problems(row["id"]))
        problems.extend(self._book_problems(row["id"], changes))
        sent_custom = _sent(model, "CUSTOMFIELDS")
        custom_values = None
        if self.rt.has(Feature.CUSTOM_FIELDS) and sent_custom is not None:
            custom_values = self._custom_values()
            assert custom_values is not None
            merged, custom_problems = custom_values.apply(
                row["custom_fields"], sent_custom, creating=False
            )
            problems.extend(custom_problems)
            if merged != row["custom_fields"]:
                changes["custom_fields"] = merged
        if problems:
            raise invalid_input(problems)
        return changes, custom_values

    def check(self, data: Any, record_id: int | None = None) -> None:
        """The 400 that `create` (or `update` of `record_id`) would answer for `data`, if any,
        found by the same checks of the fields and custom fields; nothing is written."""
        if record_id is None:
            self._plan_create(data, self._custom_values(), None, number=False)
        else:
            model = validate(write_model(self.rt), upper_keys(data))
            self._plan_update(model, self._require(record_id))

    def set_system_fields(self, record_id: int, values: Row) -> tuple[Wire, str]:
        """Write fields no request body can set (pipeline, stage, conversion) on one record."""
        row = self._require(record_id, for_update=True)
        changes = {column: v for column, v in values.items() if not _same(row[column], v)}
        if changes:
            stamp = next_update_stamp(row["date_updated_utc"])
            self.repo.update_record(self.rt, record_id, {**changes, "date_updated_utc": stamp})
            self._refresh_totals(record_id)
        return self.read(record_id)

    def delete(self, record_id: int) -> list[str]:
        """Delete a record with its tags, dates, domains, links, follows, comments and files (its
        comments' too; linked notes stay); returns the files' storage keys, to remove from disk
        once this has committed."""
        row = self._require(record_id, for_update=True)
        if self.rt.currency_of is not None:  # a price book entry
            self._check_unpriced(self.rt, [record_id])
        singular = self.rt.singular
        # Its search keys go, and LOOKUP values pointing to it are cleared.
        record_deleted(self.repo.connection, self.caller.instance_id, self.rt, record_id)
        if _has_phones(self.rt):
            PhoneStore(self.repo.connection, self.caller.instance_id).delete(singular, record_id)
        now = utc_now()
        links = self.repo.links_of(singular, [record_id])
        self._touch_other_ends(links, singular, record_id, now)
        self.repo.delete_links(link["id"] for link in links)
        for table in _CHILD_TABLES.values():
            self.repo.delete_children(table, singular, record_id)
        self._extensions().delete(singular, record_id)
        if self.rt.has(Feature.VISIBILITY):
            ViewerIndex(self.repo.connection, self.caller.instance_id).delete(singular, record_id)
        self.repo.unfollow(None, singular, record_id)
        files = FileRepository(self.repo.connection, self.caller.instance_id)
        removed_files: list[str] = []
        if self.rt.has(Feature.COMMENTS):
            comment_ids = CommentStore(
                self.repo.connection, self.caller.instance_id
            ).delete_of_record(singular, record_id)
            removed_files += files.delete_for_records(COMMENT_FILES, comment_ids)
        for owned in owned_types(self.rt):  # a project's milestones go with it
            owned_service = RecordService(self.repo.connection, self.caller, owned)
            owned_ids = owned_service.ids_owned_by(record_id, self.rt)
            if owned.currency_of is not None:  # a product's price book entries
                self._check_unpriced(owned, owned_ids)
            if _bulk_deletable(self.repo.connection, self.caller.instance_id, owned):
                # However many lines: a few statements. Seen through this record, their
                # tombstones are seen by whoever saw it.
                seen_by = self._tombstone_audience(row) if owned.audience_from else None
                self.repo.delete_many(owned, owned_ids, now, seen_by)
                if owned.has(Feature.IMAGE_FIELDS):
                    removed_files += files.delete_image_fields(owned.singular, owned_ids)
            else:
                for owned_id in owned_ids:
                    owned_service.delete(owned_id)
        if self.rt.history_field is not None:
            self.repo.delete_history(singular, record_id)
        if self.rt.has(Feature.FILE_ATTACHMENTS) or self.rt.has(Feature.IMAGE):
            removed_files += files.delete_for_record(singular, record_id)
        if self.rt.has(Feature.IMAGE_FIELDS):
            removed_files += files.delete_image_fields(singular, [record_id])
        self.repo.delete_record(self.rt, record_id)
        # For the Deleted feed (rolodex.services.tombstones), in this same transaction.
        TombstoneStore(self.repo.connection, self.caller.instance_id).add(
            singular, record_id, now, self._tombstone_audience(row)
        )
        return removed_files

    def _tombstone_audience(self, row: Row) -> Row | None:
        """Who saw the record `row`: a record seen through another (RecordType.audience_from: a
        line item, through its opportunity) was seen by whoever saw that one."""
        rt = self.rt
        while rt.audience_from is not None:
            spec = rt.field_named(rt.audience_from)
            assert spec is not None and spec.references is not None
            rt = by_singular(spec.references)
            parent = self.repo.unfiltered().get_record(rt, row[spec.column])
            if parent is None:
                return None
            row = parent
        return audience_of(rt, row)

    # --- sub-resources -------------------------------------------------------------------

    def tags(self, record_id: int) -> list[Wire]:
        self._require(record_id)
        return [{"TAG_NAME": name} for name in self._tag_names(record_id)]

    def add_tag(self, record_id: int, data: Any) -> tuple[Wire, bool]:
        """Add one tag; returns it and whether it was new."""
        tag = validate(TagIn, upper_keys(data))
        row = self._require(record_id, for_update=True)
        current = self._tag_names(record_id)
        name = tag.TAG_NAME.strip()
        if _blank(name):
            raise invalid_field("TAG_NAME", "is required")
        if name.lower() in {n.lower() for n in current}:
            return {"TAG_NAME": name}, False
        self._replace_tags(record_id, [*current, name])
        self._touch_self(row)
        return {"TAG_NAME": name}, True

    def remove_tag(self, record_id: int, tag_name: str) -> None:
        row = self._require(record_id, for_update=True)
        current = self._tag_names(record_id)
        wanted = tag_name.strip().lower()
        remaining = [n for n in current if n.lower() != wanted]
        if len(remaining) == len(current):
            raise NotFound(f"{self.rt.singular} {record_id} has no tag '{tag_name}'.")
        self._replace_tags(record_id, remaining)
        self._touch_self(row)

    def replace_sub_collection(self, record_id: int, feature: Feature, data: Any) -> list[Wire]:
        """PUT /{Coll}/{id}/Tags|Dates|EmailDomains|Links: the array becomes the collection."""
        name = dict(sub_collections(self.rt))[feature]
        model = validate(write_model(self.rt), {name: data} if isinstance(data, list) else {})
        if getattr(model, name) is None:
            raise BadRequest(f"The request body must be a JSON array of {name} items.")
        row = self._require(record_id, for_update=True)
        stamp = next_update_stamp(row["date_updated_utc"])
        if self._write_sub_collections(record_id, model, stamp):
            self.repo.update_record(self.rt, record_id, {"date_updated_utc": stamp})
        return self.get(record_id)[name]  # type: ignore[no-any-return]

    def add_item(self, record_id: int, feature: Feature, data: Any) -> Wire:
        """POST /{Coll}/{id}/Dates|EmailDomains (v3.0): one more item; returns it with its id."""
        model, id_field = _ITEMS[feature]
        item = upper_keys(data)
        validate(model, item)  # errors name the item's own fields (OCCASION_DATE, ...)
        new = {key: value for key, value in item.items() if key != id_field}
        name = dict(sub_collections(self.rt))[feature]
        before = self.get(record_id)[name]
        known = {current[id_field] for current in before}
        after = self.replace_sub_collection(record_id, feature, [*before, new])
        added = [current for current in after if current[id_field] not in known]
        return added[0] if added else after[-1]  # type: ignore[no-any-return]

    def remove_item(self, record_id: int, feature: Feature, item_id: int) -> None:
        """DELETE /{Coll}/{id}/Dates|EmailDomains/{itemId} (v3.0): 404 if there is no such item."""
        _, id_field = _ITEMS[feature]
        name = dict(sub_collections(self.rt))[feature]
        before = self.get(record_id)[name]
        remaining = [current for current in before if current[id_field] != item_id]
        if len(remaining) == len(before):
            raise NotFound(f"{self.rt.singular} {record_id} has no {id_field} {item_id}.")
        self.replace_sub_collection(record_id, feature, remaining)

    def links(self, record_id: int) -> list[Wire]:
        """The record's links the caller sees (not those to records it may not see)."""
        self._require(record_id)
        links = self.repo.links_of(self.rt.singular, [record_id])
        hidden = self._hidden_links(links, {record_id})
        return [
            output.link(link, self.rt.singular, record_id)
            for link in links
            if link["id"] not in hidden
        ]

    def _hidden_links(self, links: Sequence[Row], seen: Iterable[int] = ()) -> set[int]:
        """The ids of `links` with an end the caller may not see (one statement, none for an
        administrator): left out of what the caller reads, kept by what it writes. `seen`: ids
        of records of this type the caller is known to see (those just read), not asked again."""
        if self.repo.viewer is None or not links:
            return set()
        ends = {(link["object_name"], link["object_id"]) for link in links}
        ends |= {(link["link_object_name"], link["link_object_id"]) for link in links}
        ends -= {(self.rt.singular, record_id) for record_id in seen}
        hidden = hidden_among(self.repo.connection, self.caller.instance_id, self.repo.viewer, ends)
        return {
            link["id"]
            for link in links
            if (link["object_name"], link["object_id"]) in hidden
            or (link["link_object_name"], link["link_object_id"]) in hidden
        }

    def add_link(self, record_id: int, data: Any) -> Wire:
        """Add one link (POST /{Coll}/{id}/Links); returns it as seen from this record."""
        link = validate(LinkIn, upper_keys(data))
        link = link.model_copy(update={"LINK_ID": None})
        current = self.links(record_id)
        return self._write_links_and_return(record_id, [*current_links(current), link], None)

    def update_link(self, record_id: int, data: Any) -> Wire:
        """Change one existing link (PUT /{Coll}/{id}/Links with a single object)."""
        link = validate(LinkIn, upper_keys(data))
        current = self.links(record_id)
        if link.LINK_ID is None or link.LINK_ID not in {c["LINK_ID"] for c in current}:
            raise invalid_field("LINK_ID", f"is not a link of {self.rt.singular} {record_id}")
        others = [c for c in current_links(current) if c.LINK_ID != link.LINK_ID]
        return self._write_links_and_return(record_id, [*others, link], link.LINK_ID)

    def delete_link(self, record_id: int, link_id: int) -> None:
        current = self.links(record_id)
        if link_id not in {c["LINK_ID"] for c in current}:
            raise NotFound(f"{self.rt.singular} {record_id} has no link {link_id}.")
        remaining = [c for c in current_links(current) if link_id != c.LINK_ID]
        self.replace_sub_collection(record_id, Feature.LINKS, [c.model_dump() for c in remaining])

    def follow_state(self, record_id: int) -> Wire:
        self._require(record_id)
        following = self.repo.is_following(self.caller.user_id, self.rt.singular, record_id)
        return {"FOLLOWING": following}

    def set_follow(self, record_id: int, following: bool) -> Wire:
        self._require(record_id)
        if following:
            self.repo.follow(self.caller.user_id, self.rt.singular, record_id, utc_now())
        else:
            self.repo.unfollow(self.caller.user_id, self.rt.singular, record_id)
        return {"FOLLOWING": following}

    def is_linked_to(self, record_id: int, other: RecordType, other_id: int) -> bool:
        """Whether the record (which must exist) has a link to `other` record `other_id`."""
        return any(
            link["LINK_OBJECT_NAME"] == other.singular and link["LINK_OBJECT_ID"] == other_id
            for link in self.links(record_id)
        )

    def ids_owned_by(self, owner_id: int, owner: RecordType) -> list[int]:
        """The ids of this type's records that the `owner` record `owner_id` owns."""
        field_name = owner_field_of(self.rt, owner)
        assert field_name is not None
        owner_filter = FieldFilter(column=field_name.lower(), kind=Kind.INT, value=owner_id)
        ids: list[int] = []
        while True:
            rows, _ = self.repo.list_records(self.rt, Page(skip=len(ids), top=500), owner_filter)
            ids += [row["id"] for row in rows]
            if len(rows) < 500:
                return ids

    def linked_filter(self, record_id: int) -> FieldFilter:
        """A filter for the records of this service's type linked to another record."""
        return FieldFilter(linked_to=(self.rt.singular, record_id))

    # --- internals -----------------------------------------------------------------------

    def _is_mine(self, rt: RecordType | None) -> bool:
        """Whether `rt` (as a client named it: custom object names in any case) is this type."""
        return rt is not None and rt.singular.lower() == self.rt.singular.lower()

    def _custom_object_type(self, name: str) -> RecordType:
        """The type of the instance's custom object `name` (any case), or 404."""
        exact = self.repo.custom_object_name(name)
        if exact is None:
            raise NotFound(f"This instance has no custom object named {name}.")
        return custom_object_type(exact)

    def _not_found(self, record_id: int) -> NotFound:
        return NotFound(f"No {self.rt.singular} with ID {record_id}.")

    def _require(self, record_id: int, for_update: bool = False) -> Row:
        """The record's row, or 404. `for_update` locks it for a write and checks If-Match."""
        row = self.repo.get_record(self.rt, record_id, for_update=for_update)
        if row is None:
            raise self._not_found(record_id)
        if for_update and self.if_match is not None and not etag_matches(self.if_match, row):
            raise PreconditionFailed(
                f"{self.rt.singular} {record_id} has changed since you read it (If-Match does "
                "not match its ETag); read it again and retry. Nothing was changed."
            )
        return row

    def _id_for_update(self, model: WireModel, path_id: int | None) -> int:
        body_id = getattr(model, self.rt.id_field)
        if body_id is not None and path_id is not None and body_id != path_id:
            raise invalid_field(self.rt.id_field, f"is {body_id} but the path names {path_id}")
        record_id = body_id if body_id is not None else path_id
        if record_id is None:
            raise invalid_field(self.rt.id_field, "is required to update a record")
        return int(record_id)

    def _children(self, feature: Feature, record_id: int) -> list[Row]:
        return self.repo.children(_CHILD_TABLES[feature], self.rt.singular, [record_id])[record_id]

    def _tag_names(self, record_id: int) -> list[str]:
        return [row["tag_name"] for row in self._children(Feature.TAGS, record_id)]

    def _index_phones(self, record_id: int, row: Row) -> None:
        """Keep the CTI lookup's index of phone numbers (rolodex.storage.phones) in step."""
        if _has_phones(self.rt):
            region = get_settings().default_phone_region
            PhoneStore(self.repo.connection, self.caller.instance_id).replace(
                self.rt.singular, record_id, phone_entries(self.rt, row, region)
            )

    def touch(self, record_id: int) -> None:
        """Move the record's DATE_UPDATED_UTC (a change kept outside its row)."""
        self._touch_self(self._require(record_id, for_update=True))

    def _touch_self(self, row: Row) -> None:
        stamp = next_update_stamp(row["date_updated_utc"])
        self.repo.update_record(self.rt, row["id"], {"date_updated_utc": stamp})

    def _refresh_totals(self, record_id: int) -> None:
        """A record whose fields sum its line items (RecordType.totals): those sums, again."""
        if self.rt.totals is not None:
            refresh_totals(self.repo.connection, self.caller.instance_id, self.rt, record_id)

    def _currency_problems(self, record_id: int) -> list[FieldError]:
        """A price book's currency is its entries' (RecordType.currency_of): it does not change
        while it has any (decision: their prices are in it)."""
        problems = []
        for other in RECORD_TYPES:
            spec = other.field_named(other.currency_of or "")
            if spec is None or spec.references != self.rt.singular:
                continue
            if RecordService(self.repo.connection, self.caller, other).ids_owned_by(
                record_id, self.rt
            ):
                problems.append(
                    FieldError(
                        "CURRENCY_CODE",
                        f"cannot change while the {self.rt.singular} has {other.collection} "
                        "records: they are in its currency",
                    )
                )
        return problems

    def _book_problems(self, record_id: int, changes: Row) -> list[FieldError]:
        """A record whose lines are priced from its price book (a quotation's, Totals.currency)
        keeps that book while it has lines (decision: their prices are that book's)."""
        totals = self.rt.totals
        if totals is None or totals.currency is None or totals.currency[1].lower() not in changes:
            return []
        lines = count_lines(self.repo.connection, self.caller.instance_id, self.rt, record_id)
        if not lines:
            return []
        message = f"cannot change while the {self.rt.singular} has {lines} line item(s)"
        return [FieldError(totals.currency[1], message)]

    def _check_unpriced(self, entries: RecordType, entry_ids: Sequence[int]) -> None:
        """Price book entries go (alone or with their product) only if no line item is priced
        by one (decision: the line would lose its product)."""
        line_types = tuple(rt for rt in RECORD_TYPES if rt.priced_by is not None)
        for entry_id in entry_ids:
            used = lines_priced_by(
                self.repo.connection, self.caller.instance_id, line_types, entry_id
            )
            if used:
                raise invalid_field(
                    entries.id_field, f"{entry_id} prices {used} line item(s): remove them first"
                )

    def _derived(self, record: Row) -> Row:
        """The type's derived values for the record as it will be stored (or a 400)."""
        derived = self._audience(record) if self.rt.has(Feature.VISIBILITY) else {}
        if self.rt.rules is None:
            return derived
        try:
            return {**derived, **self.rt.rules({**record, **derived})}
        except RuleViolation as violation:
            raise invalid_field(violation.field, violation.message) from None

    def _audience(self, record: Row) -> Row:
        """The visibility fields as VISIBLE_TO needs them (contract §11): TEAM needs a
        VISIBLE_TEAM_ID, INDIVIDUALS a VISIBLE_USER_IDS of users of the instance (written back
        as "3,5"); a 400 naming the field that is missing or wrong. The team and the users stay
        as written when VISIBLE_TO does not use them (a PUT sets only what it sends)."""
        audience = record.get("visible_to")
        if audience == "TEAM" and record.get("visible_team_id") is None:
            raise invalid_field("VISIBLE_TEAM_ID", "is required when VISIBLE_TO is TEAM")
        users = user_ids(record.get("visible_user_ids"))
        if audience == "INDIVIDUALS":
            if not users:
                raise invalid_field(
                    "VISIBLE_USER_IDS", "is required when VISIBLE_TO is INDIVIDUALS (e.g. 3,5)"
                )
            missing = sorted(set(users) - self.repo.existing_ids(USERS, users))
            if missing:
                listed = ", ".join(map(str, missing))
                raise invalid_field("VISIBLE_USER_IDS", f"no User with ID {listed}")
        return {"visible_user_ids": ",".join(map(str, users)) or None}

    def _inherited_audience(
        self, model: WireModel, values: Row, extra_links: Sequence[LinkIn]
    ) -> Row:
        """A record created under another (a note under a contact) is seen by those who see
        that record, unless its body says its own VISIBLE_TO: a note on a private record is not
        shown to anyone who may not see the record. The record's owner is among them (as one of
        INDIVIDUALS; a TEAM audience stays the team)."""
        if (
            not self.rt.has(Feature.VISIBILITY)
            or len(extra_links) != 1
            or "VISIBLE_TO" in model.model_fields_set
        ):
            return {}
        parent_rt = resolve_object_name(extra_links[0].LINK_OBJECT_NAME)
        if parent_rt is None or not parent_rt.has(Feature.VISIBILITY):
            return {}
        parent = self.repo.unfiltered().get_record(parent_rt, extra_links[0].LINK_OBJECT_ID)
        if parent is None or parent["visible_to"] in (None, "EVERYONE"):
            return {}
        if parent["visible_to"] == "TEAM":
            return {"visible_to": "TEAM", "visible_team_id": parent["visible_team_id"]}
        users = (
            user_ids(parent["visible_user_ids"]) if parent["visible_to"] == "INDIVIDUALS" else []
        )
        users = [u for u in (*users, parent["owner_user_id"]) if u is not None]
        users = [u for u in dict.fromkeys(users) if u != values.get("owner_user_id")]
        if not users:
            return {"visible_to": "OWNER"}
        return {"visible_to": "INDIVIDUALS", "visible_user_ids": ",".join(map(str, users))}

    def _index_viewers(self, record_id: int, values: Row) -> None:
        """Keep the index of an INDIVIDUALS record's users (rolodex.storage.visibility) in step."""
        if self.rt.has(Feature.VISIBILITY):
            ViewerIndex(self.repo.connection, self.caller.instance_id).replace(
                self.rt.singular, record_id, user_ids(values.get("visible_user_ids"))
            )

    def _reference_problems(
        self, values: Row, memo: dict[tuple[str, int], FieldError | None] | None = None
    ) -> list[FieldError]:
        """Each referenced record must exist (and, for a setting with an active flag, be active).
        `memo` keeps the answers for a batch of creates (one lookup per referenced record)."""
        problems = []
        for spec in self.rt.writable_fields:
            if spec.references is None or values.get(spec.column) is None:
                continue
            key = (spec.name, values[spec.column])
            if memo is not None and key in memo:
                problem = memo[key]
            else:
                problem = self._reference_problem(spec.name, spec.references, key[1])
                if memo is not None:
                    memo[key] = problem
            if problem is not None:
                problems.append(problem)
        return problems

    def _reference_problem(self, field_name: str, references: str, value: int) -> FieldError | None:
        if references == "User" and value == self.caller.user_id > 0:
            # The caller, an active user: its key was checked for this request. (A command
            # acting as the instance, with user 0, is no user: its 0 is looked up and refused.)
            return None
        target = by_singular(references)
        row = self.repo.get_record(target, value)
        if row is None:
            return missing_record(field_name, target.singular, value)
        if target.active_flag is not None and not row[target.active_flag.lower()]:
            return FieldError(field_name, f"{target.singular} {value} is inactive")
        return None

    def _reference_defaults(self, fields_set: set[str]) -> Row:
        """For references left out of a new record: the instance's default row, if it has one
        (looked up once per service: one request, or one batch of creates)."""
        defaults: Row = {}
        for name, column, target in _create_shape(self.rt).defaulted:
            if name in fields_set:
                continue
            if target.singular not in self._defaults:
                flag = (target.default_flag or "").lower()
                found = self.repo.ids_where(target, flag, True)
                self._defaults[target.singular] = found[0] if found else None
            default_id = self._defaults[target.singular]
            if default_id is not None:
                defaults[column] = default_id
        return defaults

    # Set by a caller that records why the history field changes (e.g. a state reason).
    history_reason: tuple[int | None, str | None] = (None, None)

    def keep_history(self, record_id: int, values: Row, when: datetime) -> None:
        """Add a history entry when the type's history field is among the written values."""
        field_name = self.rt.history_field
        if field_name is None or field_name.lower() not in values:
            return
        reason_id, reason = self.history_reason
        self.repo.insert_history(
            {
                "record_type": self.rt.singular,
                "record_id": record_id,
                "state": values[field_name.lower()],
                "state_reason_id": reason_id,
                "state_reason": reason,
                "date_changed_utc": when,
                "changed_user_id": self.caller.user_id,
            }
        )

    def _write_sub_collections(
        self,
        record_id: int,
        model: WireModel,
        stamp: datetime,
    ) -> bool:
        """Replace each sub-collection present in `model`; whether anything changed. What the
        record has of them now is read in one statement (the record is locked already)."""
        changed = False
        tags, dates, domains = (_sent(model, name) for name in ("TAGS", "DATES", "EMAILDOMAINS"))
        links = _sent(model, "LINKS") if self.rt.has(Feature.LINKS) else None
        sent = [
            _CHILD_TABLES[feature]
            for feature, items in (
                (Feature.TAGS, tags),
                (Feature.DATES, dates),
                (Feature.EMAIL_DOMAINS, domains),
            )
            if items is not None
        ]
        by_table, linked = self.repo.sub_collections(
            sent, self.rt.singular, [record_id], links=links is not None
        )

        def now(feature: Feature) -> list[Row]:
            return by_table[_CHILD_TABLES[feature].name][record_id]

        if tags is not None:
            changed |= self._replace_tags(record_id, [t.TAG_NAME for t in tags], now(Feature.TAGS))
        if dates is not None:
            changed |= self._replace_dates(record_id, dates, now(Feature.DATES))
        if domains is not None:
            changed |= self._replace_email_domains(record_id, domains, now(Feature.EMAIL_DOMAINS))
        if links is not None:
            changed |= self._replace_links(record_id, links, stamp, linked)
        return changed

    def _replace_tags(
        self, record_id: int, names: Sequence[str], now: list[Row] | None = None
    ) -> bool:
        """Make the record's tags `names`; `now`: its tag rows, when read already."""
        desired = desired_tags(names)
        if now is None:
            now = self._children(Feature.TAGS, record_id)
        current = {row["tag_name"].lower(): row for row in now}
        changed = False
        stale = [row["id"] for key, row in current.items() if key not in desired]
        if stale:
            self.repo.delete_children(tables.tags, self.rt.singular, record_id, stale)
            changed = True
        new_rows = []
        for key, name in desired.items():
            existing = current.get(key)
            if existing is None:
                new_rows.append({"tag_name": name})
            elif existing["tag_name"] != name:
                self.repo.update_child(tables.tags, existing["id"], {"tag_name": name})
                changed = True
        self.repo.insert_children(tables.tags, self.rt.singular, record_id, new_rows)
        return changed or bool(new_rows)

    def _replace_dates(self, record_id: int, items: Sequence[DateIn], now: list[Row]) -> bool:
        ids = [item.DATE_ID for item in items]
        return self._replace_children(Feature.DATES, record_id, ids, _date_rows(items), now)

    def _replace_email_domains(
        self, record_id: int, items: Sequence[EmailDomainIn], now: list[Row]
    ) -> bool:
        ids = [item.EMAIL_DOMAIN_ID for item in items]
        return self._replace_children(
            Feature.EMAIL_DOMAINS, record_id, ids, _domain_rows(items), now
        )

    def _replace_children(
        self,
        feature: Feature,
        record_id: int,
        ids: Sequence[int | None],
        rows: list[Row],
        now: list[Row],
    ) -> bool:
        """Make a child collection exactly `rows`: matching ids updated, others added/removed.
        `now`: the record's rows of it before."""
        table = _CHILD_TABLES[feature]
        current = {row["id"]: row for row in now}
        kept: set[int] = set()
        new_rows = []
        changed = False
        for child_id, row in zip(ids, rows, strict=True):
            existing = current.get(child_id) if child_id is not None else None
            if existing is None or child_id in kept:
                new_rows.append(row)
                continue
            kept.add(existing["id"])
            if any(not _same(existing[key], value) for key, value in row.items()):
                self.repo.update_child(table, existing["id"], row)
                changed = True
        stale = [child_id for child_id in current if child_id not in kept]
        if stale:
            self.repo.delete_children(table, self.rt.singular, record_id, stale)
        self.repo.insert_children(table, self.rt.singular, record_id, new_rows)
        return changed or bool(stale) or bool(new_rows)

    def _replace_links(
        self,
        record_id: int,
        items: Sequence[LinkIn],
        stamp: datetime,
        now: list[Row] | None = None,
    ) -> bool:
        """Make the record's links exactly `items`, touching the other end of every change.
        `now`: the record's links (at either end), when read already."""
        singular = self.rt.singular
        resolved = self._resolve_links(record_id, items)
        if now is None:
            now = self.repo.links_of(singular, [record_id])
        current = {row["id"]: row for row in now}
        # Links to records the caller may not see are not the caller's to change (contract §11).
        hidden = self._hidden_links(list(current.values()))
        kept: set[int] = set(hidden)
        touched: list[Row] = []
        for link_id, values in resolved:
            existing = current.get(link_id) if link_id not in (None, *hidden) else None
            if existing is None or link_id in kept:
                self.repo.insert_link({**values, "date_created_utc": stamp})
                touched.append(values)
                continue
            kept.add(existing["id"])
            seen = output.link(existing, singular, record_id)
            if any(seen[key.upper()] != values[key] for key in values):
                self.repo.update_link(existing["id"], values)
                touched.extend([existing, values])
        stale = [row for link_id, row in current.items() if link_id not in kept]
        self.repo.delete_links(row["id"] for row in stale)
        touched.extend(stale)
        self._touch_other_ends(touched, singular, record_id, stamp)
        return bool(touched)

    def _resolve_links(
        self, record_id: int, items: Sequence[LinkIn]
    ) -> list[tuple[int | None, Row]]:
        """Validate link items and turn them into rows seen from this record."""
        singular = self.rt.singular
        problems: list[FieldError] = []
        resolved: list[tuple[int | None, Row]] = []
        wanted: dict[RecordType, set[int]] = defaultdict(set)
        for index, item in enumerate(items):
            where = f"LINKS[{index}]"
            other_name, other_id = item.LINK_OBJECT_NAME, item.LINK_OBJECT_ID
            is_forward = item.IS_FORWARD
            if item.OBJECT_NAME is not None or item.OBJECT_ID is not None:
                start = resolve_object_name(item.OBJECT_NAME or singular)
                start_id = item.OBJECT_ID if item.OBJECT_ID is not None else record_id
                if not self._is_mine(start) or start_id != record_id:
                    end = resolve_object_name(other_name)
                    if self._is_mine(end) and other_id == record_id and start is not None:
                        # Written from the other end: turn it round.
                        other_name, other_id = start.singular, start_id
                        is_forward = None if is_forward is None else not is_forward
                    else:
                        problems.append(
                            FieldError(
                                f"{where}.OBJECT_ID",
                                f"must name this record ({singular} {record_id})",
                            )
                        )
                        continue
            target = resolve_object_name(other_name)
            if target is not None and target.custom_object:
                exact = self.repo.custom_object_name(target.singular)
                target = custom_object_type(exact) if exact else None
            if target is None or not target.has(Feature.LINKS):
                problems.append(
                    FieldError(
                        f"{where}.LINK_OBJECT_NAME",
                        f"'{other_name}' is not a record type that can be linked",
                    )
                )
                continue
            if target is self.rt and other_id == record_id:
                problems.append(
                    FieldError(f"{where}.LINK_OBJECT_ID", "a record cannot link to itself")
                )
                continue
            wanted[target].add(other_id)
            resolved.append(
                (
                    item.LINK_ID,
                    {
                        "object_name": singular,
                        "object_id": record_id,
                        "link_object_name": target.singular,
                        "link_object_id": other_id,
                        "role": item.ROLE,
                        "details": item.DETAILS,
                        "relationship_id": item.RELATIONSHIP_ID,
                        "is_forward": is_forward,
                    },
                )
            )
        for target, ids in wanted.items():
            missing = ids - self.repo.existing_ids(target, ids)
            for index, (_link_id, values) in enumerate(resolved):
                if (
                    values["link_object_name"] == target.singular
                    and values["link_object_id"] in missing
                ):
                    problems.append(
                        FieldError(
                            f"LINKS[{index}].LINK_OBJECT_ID",
                            f"no {target.singular} with ID {values['link_object_id']}",
                        )
                    )
        if problems:
            raise invalid_input(problems)
        return resolved

    def _touch_other_ends(
        self, links: Sequence[Row], singular: str, record_id: int, stamp: datetime
    ) -> None:
        by_type: dict[str, set[int]] = defaultdict(set)
        for link in links:
            for name_key, id_key in (
                ("object_name", "object_id"),
                ("link_object_name", "link_object_id"),
            ):
                if link[name_key] == singular and link[id_key] == record_id:
                    continue
                by_type[link[name_key]].add(link[id_key])
        for name, ids in by_type.items():
            self.repo.touch_records(by_singular(name), ids, stamp)

    def _write_links_and_return(
        self, record_id: int, items: list[LinkIn], link_id: int | None
    ) -> Wire:
        before = {c["LINK_ID"] for c in self.links(record_id)}
        self.replace_sub_collection(record_id, Feature.LINKS, [i.model_dump() for i in items])
        after = self.links(record_id)
        if link_id is not None:
            return next(link for link in after if link["LINK_ID"] == link_id)
        added = [link for link in after if link["LINK_ID"] not in before]
        return added[-1] if added else after[-1]


@dataclass(frozen=True)
class _CreateShape:
    """What creating a record of one type walks, worked out once per type."""

    writable: tuple[tuple[str, str, object, bool], ...]  # name, column, default, required
    read_only_defaults: dict[str, object]
    owned: bool  # has OWNER_USER_ID (the caller's when left out)
    references: bool  # has a field referencing another record
    # References whose target has a default row (used when the field is left out):
    # name, column, target type.
    defaulted: tuple[tuple[str, str, RecordType], ...]


@lru_cache(maxsize=256)
def _create_shape(rt: RecordType) -> _CreateShape:
    return _CreateShape(
        writable=tuple(
            (spec.name, spec.column, spec.default, spec.required) for spec in rt.writable_fields
        ),
        read_only_defaults={
            spec.column: spec.default
            for spec in rt.fields
            if spec.read_only and spec.default is not None
        },
        owned=rt.field_named("OWNER_USER_ID") is not None,
        references=any(spec.references is not None for spec in rt.writable_fields),
        defaulted=tuple(
            (spec.name, spec.column, target)
            for spec in rt.writable_fields
            if spec.references is not None
            and (target := by_singular(spec.references)).default_flag is not None
        ),
    )


def desired_tags(names: Sequence[str]) -> dict[str, str]:
    """Tag names by lower-cased name (the first spelling wins), or a 400 for a blank one."""
    desired: dict[str, str] = {}
    problems = []
    for index, raw in enumerate(names):
        name = raw.strip()
        if not name:
            problems.append(FieldError(f"TAGS[{index}].TAG_NAME", "is required"))
        desired.setdefault(name.lower(), name)
    if problems:
        raise invalid_input(problems)
    return desired


def _date_rows(items: Sequence[DateIn]) -> list[Row]:
    return [
        {
            "occasion_name": item.OCCASION_NAME,
            "occasion_date": item.OCCASION_DATE,
            "repeat_yearly": item.REPEAT_YEARLY,
            "create_task_yearly": item.CREATE_TASK_YEARLY,
        }
        for item in items
    ]


def _domain_rows(items: Sequence[EmailDomainIn]) -> list[Row]:
    return [{"email_domain": item.EMAIL_DOMAIN.strip().lstrip("@").lower()} for item in items]


def missing_record(field_name: str, singular: str, value: Any) -> FieldError:
    """The problem of a reference to a record that does not exist."""
    return FieldError(field_name, f"no {singular} with ID {value}")


def etag_of(row: Row) -> str:
    """A record's ETag: it changes exactly when DATE_UPDATED_UTC does (every graph change)."""
    stamp = row["date_updated_utc"]
    return f'"{row["id"]}-{stamp:%Y%m%d%H%M%S%f}"'


def etag_matches(header: str, row: Row) -> bool:
    """Whether an If-Match header value accepts the record's current ETag."""
    current = etag_of(row)
    for candidate in header.split(","):
        value = candidate.strip().removeprefix("W/")
        if value == "*" or value == current or f'"{value}"' == current:
            return True
    return False


def _sent(model: WireModel, name: str) -> Any:
    """A sub-collection array from an input model: None when absent (or not on this type)."""
    return getattr(model, name, None)


def current_links(links: Sequence[Wire]) -> list[LinkIn]:
    """Wire links turned back into input items (to send a whole collection with one change)."""
    return [LinkIn.model_validate(link) for link in links]


def parse_bool(value: str) -> bool:
    """A boolean from a query string: true or false in any case, or 1 or 0."""
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(f"'{value}' is not true or false")


def _has_phones(rt: RecordType) -> bool:
    return any(spec.phone for spec in rt.fields)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _same(stored: Any, new: Any) -> bool:
    """Whether writing `new` over `stored` would change nothing."""
    if isinstance(stored, Decimal) and isinstance(new, Decimal):
        return stored == new
    return type(stored) is type(new) and bool(stored == new)


def record_names(
    connection: Connection,
    caller: Caller,
    wanted: dict[str, set[int]],
    type_labels: dict[str, str] | None = None,
) -> dict[tuple[str, int], str]:
    """The names of records, by (singular type name, id), in the caller's instance only, of the
    records the caller sees (rolodex.storage.visibility): one query per type."""
    repo = Repository(connection, caller.instance_id, viewer_of(caller))
    names: dict[tuple[str, int], str] = {}
    for type_name, ids in wanted.items():
        target = by_singular(type_name)
        label = (type_labels or {}).get(type_name, type_name)
        for found_id, row in repo.records_by_id(target, ids).items():
            scalars = output.record_scalars(target, row)
            names[(type_name, found_id)] = record_name(target, scalars, label)
    return names


def sortable_fields(rt: RecordType) -> tuple[str, ...]:
    """The fields a list of `rt` may be sorted by: the naming ones, the indexed ones and those
    of a few choices (an index or a short sort), and the dates of creation and change."""
    dates = ("DATE_CREATED_UTC", "DATE_UPDATED_UTC")
    names = set(name_fields(rt))
    return tuple(
        spec.name
        for spec in rt.fields
        if spec.name in names or spec.indexed or spec.choices or spec.name in dates
    )


def _bulk_deletable(connection: Connection, instance_id: int, rt: RecordType) -> bool:
    """Whether records of `rt` go in one Repository.delete_many: nothing of theirs but custom
    fields and their images (no tags, links, attachments, comments, phones, audience or records
    of their own; the caller deletes the images, in one statement too), and no LOOKUP field
    points to them (its values would need clearing one by one)."""
    if (
        rt.features - {Feature.CUSTOM_FIELDS, Feature.IMAGE_FIELDS}
        or owned_types(rt)
        or _has_phones(rt)
    ):
        return False
    return not CustomFieldStore(connection, instance_id).lookups_to(rt.singular)
