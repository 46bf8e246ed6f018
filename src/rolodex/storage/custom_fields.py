"""SQL for custom field definitions, their options, AUTONUMBER counters and the search keys of
custom values, always scoped to one instance."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from rolodex.domain.custom_fields import Definition, FieldType, Option
from rolodex.storage import tables
from rolodex.storage.bulk import insert_rows
from rolodex.storage.cache import CUSTOM_FIELD_DEFINITIONS

Row = dict[str, Any]


@dataclass(frozen=True)
class CustomFieldMatch:
    """Search on a custom field: records of a type whose value has `key` (or a key in
    [key, until)); with `key` None, records without a value. `whole_text`: the stored text
    must also equal this (keys are cut to a maximum length)."""

    field_key: str
    field_name: str
    key: str | None
    until: str | None = None
    whole_text: str | None = None


class CustomFieldStore:
    """Custom field data of one instance."""

    def __init__(self, connection: Connection, instance_id: int) -> None:
        self.connection = connection
        self.instance_id = instance_id

    def _scoped(self, table: Table) -> ColumnElement[bool]:
        return table.c.instance_id == self.instance_id

    # --- definitions ---------------------------------------------------------------------

    def definitions(self, object_name: str, for_update: bool = False) -> list[Definition]:
        """The object's definitions in FIELD_ORDER (then id) order, with their options.

        Read from the instance's cached definitions (rolodex.storage.cache), except `for_update`,
        which reads and locks the rows for a change."""
        if for_update:
            defs = tables.custom_field_definitions
            query = (
                select(defs)
                .where(self._scoped(defs), defs.c.object_name == object_name)
                .order_by(defs.c.field_order, defs.c.id)
                .with_for_update()
            )
            rows = [dict(row) for row in self.connection.execute(query).mappings()]
            return self._with_options(rows)
        return [d for d in self._all_definitions() if d.object_name == object_name]

    def lookups_to(self, join_object: str) -> list[Definition]:
        """Every LOOKUP definition (of any object) whose JOIN_OBJECT is `join_object`."""
        return [
            d
            for d in self._all_definitions()
            if d.type is FieldType.LOOKUP and d.join_object == join_object
        ]

    def _all_definitions(self) -> tuple[Definition, ...]:
        def load() -> tuple[Definition, ...]:
            defs = tables.custom_field_definitions
            query = select(defs).where(self._scoped(defs)).order_by(defs.c.field_order, defs.c.id)
            rows = [dict(row) for row in self.connection.execute(query).mappings()]
            return tuple(self._with_options(rows))

        found = CUSTOM_FIELD_DEFINITIONS.get_or_load(self.connection, self.instance_id, load)
        return found  # type: ignore[return-value]

    def _changed(self) -> None:
        CUSTOM_FIELD_DEFINITIONS.drop_on_commit(self.connection)

    def _with_options(self, rows: list[Row]) -> list[Definition]:
        options: dict[int, list[Option]] = defaultdict(list)
        if rows:
            opts = tables.custom_field_options
            query = (
                select(opts)
                .where(self._scoped(opts), opts.c.definition_id.in_([r["id"] for r in rows]))
                .order_by(opts.c.option_order, opts.c.id)
            )
            for row in self.connection.execute(query).mappings():
                options[row["definition_id"]].append(Option(row["id"], row["option_value"]))
        return [_definition(row, options[row["id"]]) for row in rows]

    def insert_definition(self, values: Row) -> int:
        self._changed()
        defs = tables.custom_field_definitions
        result = self.connection.execute(
            insert(defs)
            .values(instance_id=self.instance_id, next_number=0, **values)
            .returning(defs.c.id)
        )
        return int(result.scalar_one())

    def update_definition(self, definition_id: int, values: Row) -> None:
        self._changed()
        defs = tables.custom_field_definitions
        self.connection.execute(
            update(defs).where(self._scoped(defs), defs.c.id == definition_id).values(**values)
        )

    def delete_definition(self, definition_id: int) -> None:
        self._changed()
        defs, opts = tables.custom_field_definitions, tables.custom_field_options
        self.connection.execute(
            delete(opts).where(self._scoped(opts), opts.c.definition_id == definition_id)
        )
        self.connection.execute(delete(defs).where(self._scoped(defs), defs.c.id == definition_id))

    def max_order(self, object_name: str) -> int:
        defs = tables.custom_field_definitions
        query = select(func.max(defs.c.field_order)).where(
            self._scoped(defs), defs.c.object_name == object_name
        )
        found = self.connection.execute(query).scalar()
        return int(found) if found is not None else 0

    def next_number(self, definition_id: int) -> int:
        """The next AUTONUMBER of a definition. The counter row stays locked until the unit of
        work ends, so concurrent creates take consecutive numbers, and a rollback returns it."""
        defs = tables.custom_field_definitions
        result = self.connection.execute(
            update(defs)
            .where(self._scoped(defs), defs.c.id == definition_id)
            .values(next_number=defs.c.next_number + 1)
            .returning(defs.c.next_number)
        )
        return int(result.scalar_one())

    # --- options -------------------------------------------------------------------------

    def insert_option(self, definition_id: int, value: str, order: int) -> int:
        self._changed()
        opts = tables.custom_field_options
        result = self.connection.execute(
            insert(opts)
            .values(
                instance_id=self.instance_id,
                definition_id=definition_id,
                option_value=value,
                option_order=order,
            )
            .returning(opts.c.id)
        )
        return int(result.scalar_one())

    def update_option(self, option_id: int, value: str, order: int) -> None:
        self._changed()
        opts = tables.custom_field_options
        self.connection.execute(
            update(opts)
            .where(self._scoped(opts), opts.c.id == option_id)
            .values(option_value=value, option_order=order)
        )

    def delete_options(self, option_ids: Iterable[int]) -> None:
        self._changed()
        wanted = set(option_ids)
        if wanted:
            opts = tables.custom_field_options
            self.connection.execute(delete(opts).where(self._scoped(opts), opts.c.id.in_(wanted)))

    # --- search keys of values -----------------------------------------------------------

    def replace_keys(
        self, record_type: str, record_id: int, keys: Sequence[tuple[str, str]]
    ) -> None:
        """Make the record's search keys exactly `keys` ((field_key, value_key) pairs)."""
        self.delete_keys(record_type, [record_id])
        self.insert_keys(record_type, [(record_id, field, key) for field, key in keys])

    def insert_keys(self, record_type: str, rows: Sequence[tuple[int, str, str]]) -> None:
        """Add (record_id, field_key, value_key) rows."""
        insert_rows(
            self.connection,
            tables.custom_field_values,
            [
                {
                    "instance_id": self.instance_id,
                    "record_type": record_type,
                    "record_id": record_id,
                    "field_key": field_key,
                    "value_key": value_key,
                }
                for record_id, field_key, value_key in rows
            ],
        )

    def delete_keys(
        self, record_type: str, record_ids: Sequence[int] | None, field_key: str | None = None
    ) -> None:
        """Delete search keys of records (all of the type when None), of one field if given."""
        values = tables.custom_field_values
        query = delete(values).where(self._scoped(values), values.c.record_type == record_type)
        if record_ids is not None:
            if not record_ids:
                return
            query = query.where(values.c.record_id.in_(list(record_ids)))
        if field_key is not None:
            query = query.where(values.c.field_key == field_key)
        self.connection.execute(query)

    def record_ids(
        self, record_type: str, field_key: str, value_key: str | None = None
    ) -> list[int]:
        """Records of the type with a value in the field (that has `value_key` when given)."""
        values = tables.custom_field_values
        query = select(values.c.record_id).where(
            self._scoped(values),
            values.c.record_type == record_type,
            values.c.field_key == field_key,
        )
        if value_key is not None:
            query = query.where(values.c.value_key == value_key)
        return sorted(set(self.connection.execute(query).scalars()))

    def holders_of(
        self, record_type: str, field_key: str, value_keys: Sequence[str]
    ) -> list[tuple[int, str]]:
        """(record id, value key) of the records of the type whose field has one of the keys."""
        if not value_keys:
            return []
        values = tables.custom_field_values
        query = (
            select(values.c.record_id, values.c.value_key)
            .where(
                self._scoped(values),
                values.c.record_type == record_type,
                values.c.field_key == field_key,
                values.c.value_key.in_(list(value_keys)),
            )
            .order_by(values.c.record_id)
        )
        return [(int(row[0]), str(row[1])) for row in self.connection.execute(query)]

    def match_condition(
        self, record_type: str, table: Table, match: CustomFieldMatch
    ) -> ColumnElement[bool]:
        """The WHERE condition on a record table for a search on a custom field."""
        values = tables.custom_field_values
        with_field = [
            values.c.instance_id == self.instance_id,
            values.c.record_type == record_type,
            values.c.field_key == match.field_key,
        ]
        if match.key is None:
            return table.c.id.not_in(select(values.c.record_id).where(*with_field))
        keyed: ColumnElement[bool]
        if match.until is not None:
            keyed = and_(values.c.value_key >= match.key, values.c.value_key < match.until)
        else:
            keyed = values.c.value_key == match.key
        condition: ColumnElement[bool] = table.c.id.in_(
            select(values.c.record_id).where(*with_field, keyed)
        )
        if match.whole_text is not None:
            stored = table.c.custom_fields[match.field_name].as_string()
            condition = and_(condition, func.lower(stored) == match.whole_text)
        return condition

    # --- record values -------------------------------------------------------------------

    def custom_values_of(self, table: Table, record_ids: Sequence[int]) -> list[Row]:
        """id, custom_fields and date_updated_utc of the records, in id order."""
        if not record_ids:
            return []
        query = (
            select(table.c.id, table.c.custom_fields, table.c.date_updated_utc)
            .where(self._scoped(table), table.c.id.in_(list(record_ids)))
            .order_by(table.c.id)
        )
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def write_custom_values(self, table: Table, rows: Sequence[tuple[int, Any, datetime]]) -> None:
        """Set custom_fields and date_updated_utc of records: (id, custom_fields, stamp) rows."""
        if not rows:
            return
        statement = (
            update(table)
            .where(table.c.instance_id == self.instance_id, table.c.id == bindparam("record_id"))
            .values(custom_fields=bindparam("values"), date_updated_utc=bindparam("stamp"))
        )
        self.connection.execute(
            statement,
            [{"record_id": rid, "values": values, "stamp": stamp} for rid, values, stamp in rows],
        )


def _definition(row: Row, options: list[Option]) -> Definition:
    return Definition(
        id=row["id"],
        object_name=row["object_name"],
        name=row["field_name"],
        label=row["field_label"],
        type=FieldType(row["field_type"]),
        order=row["field_order"],
        default=row["default_value"],
        editable=row["editable"],
        visible=row["visible"],
        help_text=row["field_help_text"],
        join_object=row["join_object"],
        options=tuple(options),
    )
