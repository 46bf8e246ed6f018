"""Custom fields: definitions per instance and object (admins change them), and the typed values
records carry in CUSTOMFIELDS.

Definitions are keyed by an object name: a standard type's singular name ("Contact"), or later
a custom object's ("Foo__c"). Only types with Feature.CUSTOM_FIELDS have custom fields.

Effects on stored values (nothing is left pointing at what no longer exists):
- deleting a definition deletes its values from every record of the object (same transaction);
- changing FIELD_TYPE (or a LOOKUP's JOIN_OBJECT) is refused (400) while any record has a value;
- removing a DROPDOWN/MULTISELECT option that records use is refused (409, with the count);
  renaming an option (same OPTION_ID, new OPTION_VALUE) renames it in those records;
- deleting a record that LOOKUP values point to clears those values (rolodex.services.records).
Records whose values change this way get a new DATE_UPDATED_UTC.
"""

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from rolodex.domain.custom_fields import (
    KEY_MAX,
    NO_DEFAULT_TYPES,
    OPTION_TYPES,
    Definition,
    FieldType,
    Option,
    coerce,
    index_keys,
    search_key,
)
from rolodex.domain.registry import (
    RECORD_TYPES,
    Feature,
    RecordType,
    custom_object_type,
    resolve_object_name,
)
from rolodex.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    invalid_field,
    invalid_input,
)
from rolodex.services.context import Caller, next_update_stamp, utc_now
from rolodex.storage.custom_fields import CustomFieldMatch, CustomFieldStore
from rolodex.storage.repository import Repository
from rolodex.wire import custom_fields as wire
from rolodex.wire.json import upper_keys
from rolodex.wire.records import CustomFieldIn, validate

Wire = dict[str, Any]

_BATCH = 500  # records rewritten per statement when a definition change touches many


def object_type(name: str) -> RecordType:
    """The record type whose custom fields `name` (e.g. Contacts, contact) means, or 404."""
    rt = resolve_object_name(name)
    if rt is None or not rt.has(Feature.CUSTOM_FIELDS):
        names = ", ".join(t.collection for t in RECORD_TYPES if t.has(Feature.CUSTOM_FIELDS))
        raise NotFound(f"'{name}' is not an object with custom fields; these have them: {names}.")
    return rt


def field_for(rt: RecordType) -> str:
    """FIELD_FOR of the object's fields, as Insightly writes it (CONTACT, ORGANISATION, ...);
    a custom object's name as it is."""
    return rt.singular if rt.custom_object else rt.singular.upper()


def v22_metadata(connection: Connection, caller: Caller, types: Sequence[RecordType]) -> list[Wire]:
    """v2.2's GET /CustomFields: the fields of every type of `types` that has custom fields,
    type by type (in the order given), each type's in FIELD_ORDER."""
    store = CustomFieldStore(connection, caller.instance_id)
    return [
        wire.v22_metadata(defn, field_for(rt))
        for rt in types
        if rt.has(Feature.CUSTOM_FIELDS)
        for defn in store.definitions(rt.singular)
    ]


class CustomFieldService:
    """Use cases on the custom field definitions of one object, for one caller."""

    def __init__(self, connection: Connection, caller: Caller, object_name: str) -> None:
        self.caller = caller
        self.store = CustomFieldStore(connection, caller.instance_id)
        self.repo = Repository(connection, caller.instance_id)
        self.rt = object_type(object_name)
        if self.rt.custom_object:  # one of this instance's custom objects, spelt as defined
            exact = self.repo.custom_object_name(object_name)
            if exact is None:
                raise NotFound(f"This instance has no custom object named {object_name}.")
            self.rt = custom_object_type(exact)
        self.object_name = self.rt.singular

    # --- reading -------------------------------------------------------------------------

    def list_all(self) -> list[Wire]:
        return [self._wire(defn) for defn in self.store.definitions(self.object_name)]

    def search(self, field_name: str | None) -> list[Wire]:
        """GET /CustomFields/{objectName}/Search?fieldName=: the field so named (any case)."""
        if field_name is None or not field_name.strip():
            raise invalid_field("fieldName", "is required: the FIELD_NAME to find")
        defn = self._find(field_name.strip())
        return [self._wire(defn)] if defn is not None else []

    # --- writing -------------------------------------------------------------------------

    def create(self, data: Any) -> Wire:
        self._require_admin()
        model = validate(wire.CustomFieldCreate, upper_keys(data))
        if self._find(model.FIELD_NAME, for_update=True) is not None:
            raise Conflict(
                f"{self.rt.collection} already has a custom field named {model.FIELD_NAME} "
                "(names are unique in any letter case); change it with PUT."
            )
        draft = Definition(
            id=0,
            object_name=self.object_name,
            name=model.FIELD_NAME,
            label=model.FIELD_LABEL,
            type=model.FIELD_TYPE,
            order=self.store.max_order(self.object_name) + 1,
            default=None,
            editable=True,
            visible=True,
            help_text=None,
            join_object=None,
        )
        planned, options = self._plan(model, draft, creating=True)
        now = utc_now()
        values = {
            **_columns(planned),
            "object_name": self.object_name,
            "field_key": planned.key,
            "field_name": planned.name,
            "date_created_utc": now,
            "date_updated_utc": now,
        }
        try:
            definition_id = self.store.insert_definition(values)
        except IntegrityError:  # created by a concurrent request since the check above
            raise Conflict(
                f"{self.rt.collection} already has a custom field named {model.FIELD_NAME}."
            ) from None
        for order, (_option_id, value) in enumerate(options, start=1):
            self.store.insert_option(definition_id, value, order)
        return self._wire(self._require(planned.name))

    def update(self, data: Any) -> Wire:
        self._require_admin()
        model = validate(wire.CustomFieldUpdate, upper_keys(data))
        current = self._require(model.FIELD_NAME, for_update=True)
        planned, options = self._plan(model, current, creating=False)
        self._check_type_change(current, planned)
        renamed = self._apply_options(current, options)
        self.store.update_definition(
            current.id, {**_columns(planned), "date_updated_utc": utc_now()}
        )
        if renamed:
            self._rename_values(self._require(current.name), renamed)
        return self._wire(self._require(current.name))

    def delete(self, field_name: str) -> None:
        """Delete a definition and, in the same transaction, its value in every record."""
        self._require_admin()
        defn = self._require(field_name, for_update=True)
        self._rewrite(defn, self.store.record_ids(self.object_name, defn.key), lambda _: None)
        self.store.delete_keys(self.object_name, None, defn.key)
        self.store.delete_definition(defn.id)

    # --- internals -----------------------------------------------------------------------

    def _require_admin(self) -> None:
        if not self.caller.is_admin:
            raise Forbidden("Only an administrator can change custom field definitions.")

    def _wire(self, defn: Definition) -> Wire:
        return wire.definition(defn, field_for(self.rt))

    def _find(self, field_name: str, for_update: bool = False) -> Definition | None:
        wanted = field_name.lower()
        for defn in self.store.definitions(self.object_name, for_update):
            if defn.key == wanted:
                return defn
        return None

    def _require(self, field_name: str, for_update: bool = False) -> Definition:
        defn = self._find(field_name, for_update)
        if defn is None:
            raise NotFound(f"{self.rt.collection} has no custom field named {field_name}.")
        return defn

    def _plan(
        self, model: Any, current: Definition, creating: bool
    ) -> tuple[Definition, list[tuple[int | None, str]]]:
        """The definition as the body asks it to become, and its options as (id, value)."""
        sent = model.model_fields_set
        changes: dict[str, Any] = {}
        for key, attribute in (
            ("FIELD_LABEL", "label"),
            ("FIELD_TYPE", "type"),
            ("FIELD_ORDER", "order"),
            ("EDITABLE", "editable"),
            ("VISIBLE", "visible"),
        ):
            if key in sent:
                value = getattr(model, key)
                if value is None:
                    raise invalid_field(key, "cannot be null")
                changes[attribute] = value
        if "FIELD_HELP_TEXT" in sent:
            changes["help_text"] = model.FIELD_HELP_TEXT
        planned = replace(current, **changes)
        planned = replace(planned, join_object=self._join_object(model, planned, creating))
        options = self._options(model, current, planned)
        planned = replace(planned, options=tuple(Option(i or 0, v) for i, v in options))
        return replace(planned, default=self._default(model, current, planned)), options

    def _join_object(self, model: Any, planned: Definition, creating: bool) -> str | None:
        sent = "JOIN_OBJECT" in model.model_fields_set
        raw = (model.JOIN_OBJECT or "").strip() if sent else None
        if planned.type is not FieldType.LOOKUP:
            if raw:
                raise invalid_field("JOIN_OBJECT", "is only for LOOKUP fields")
            return None
        if raw is None and not creating and planned.join_object is not None:
            return planned.join_object
        target = resolve_object_name(raw or "")
        if target is not None and target.custom_object:
            exact = self.repo.custom_object_name(target.singular)
            if exact is None:
                raise invalid_field("JOIN_OBJECT", f"this instance has no custom object {raw}")
            return exact
        if target is None or target not in RECORD_TYPES:
            names = ", ".join(t.singular for t in RECORD_TYPES)
            raise invalid_field(
                "JOIN_OBJECT",
                f"is required for a LOOKUP field: one of {names} or a custom object (got '{raw}')",
            )
        return target.singular

    def _options(
        self, model: Any, current: Definition, planned: Definition
    ) -> list[tuple[int | None, str]]:
        """The options asked for: (existing id or None, value); the current ones if not sent."""
        sent = model.CUSTOM_FIELD_OPTIONS
        if planned.type not in OPTION_TYPES:
            if sent:
                raise invalid_field(
                    "CUSTOM_FIELD_OPTIONS", "only DROPDOWN and MULTISELECT fields have options"
                )
            return []
        if sent is None:
            return [(option.id, option.value) for option in current.options]
        by_id = {option.id: option for option in current.options}
        by_value = {option.value.lower(): option for option in current.options}
        problems: list[FieldError] = []
        seen_values: set[str] = set()
        seen_ids: set[int] = set()
        options: list[tuple[int | None, str]] = []
        for index, item in enumerate(sent):
            where = f"CUSTOM_FIELD_OPTIONS[{index}]"
            value = item.OPTION_VALUE.strip()
            if value.lower() in seen_values:
                problems.append(FieldError(f"{where}.OPTION_VALUE", f"'{value}' is repeated"))
            if planned.type is FieldType.MULTISELECT and ";" in value:
                problems.append(
                    FieldError(f"{where}.OPTION_VALUE", "must not contain ';' (it separates them)")
                )
            seen_values.add(value.lower())
            option_id = item.OPTION_ID
            if option_id is not None and option_id not in by_id:
                problems.append(
                    FieldError(f"{where}.OPTION_ID", f"is not an option of {current.name}")
                )
            if option_id is None and value.lower() in by_value:
                option_id = by_value[value.lower()].id
            if option_id is not None and option_id in seen_ids:
                problems.append(FieldError(f"{where}.OPTION_ID", "is repeated"))
                option_id = None
            if option_id is not None:
                seen_ids.add(option_id)
            options.append((option_id, value))
        if problems:
            raise invalid_input(problems)
        return options

    def _default(self, model: Any, current: Definition, planned: Definition) -> Any:
        """DEFAULT_VALUE in stored form: as sent; else the options marked OPTION_DEFAULT when
        options are sent; else the current one if it still fits."""
        sent = model.model_fields_set
        flagged = [
            item.OPTION_VALUE.strip()
            for item in model.CUSTOM_FIELD_OPTIONS or []
            if item.OPTION_DEFAULT
        ]
        if "DEFAULT_VALUE" in sent:
            raw, where = model.DEFAULT_VALUE, "DEFAULT_VALUE"
        elif model.CUSTOM_FIELD_OPTIONS is not None and planned.type in OPTION_TYPES:
            if planned.type is FieldType.DROPDOWN and len(flagged) > 1:
                raise invalid_field(
                    "CUSTOM_FIELD_OPTIONS", "a DROPDOWN field has at most one OPTION_DEFAULT"
                )
            raw, where = flagged or None, "CUSTOM_FIELD_OPTIONS"
            if planned.type is FieldType.DROPDOWN and flagged:
                raw = flagged[0]
        elif planned.type in NO_DEFAULT_TYPES:
            return None
        else:
            try:
                return coerce(planned, current.default)
            except ValueError:
                return None
        if raw is not None and planned.type in NO_DEFAULT_TYPES:
            raise invalid_field(where, f"a {planned.type.value} field has no default value")
        try:
            return coerce(planned, raw)
        except ValueError as exc:
            raise invalid_field(where, str(exc)) from None

    def _check_type_change(self, current: Definition, planned: Definition) -> None:
        if current.type is planned.type and current.join_object == planned.join_object:
            return
        used = len(self.store.record_ids(self.object_name, current.key))
        if used:
            raise invalid_field(
                "FIELD_TYPE",
                f"{current.name} is a {current.type.value} field with a value in {used} "
                f"{self.rt.collection}; its type (and JOIN_OBJECT) can change only while no "
                "record has a value",
            )

    def _apply_options(
        self, current: Definition, options: list[tuple[int | None, str]]
    ) -> dict[str, str]:
        """Write the options; refuses (409) to remove one in use. Returns renames, old -> new."""
        kept = {option_id for option_id, _ in options if option_id is not None}
        for option in current.options:
            if option.id in kept:
                continue
            key = option.value.lower()[:KEY_MAX]
            used = len(self.store.record_ids(self.object_name, current.key, key))
            if used:
                raise Conflict(
                    f"Option '{option.value}' of {current.name} is the value of {used} "
                    f"{self.rt.collection}; change them first (or keep the option). "
                    "Nothing was changed."
                )
        self.store.delete_options(option.id for option in current.options if option.id not in kept)
        old_values = {option.id: option.value for option in current.options}
        renamed: dict[str, str] = {}
        for order, (option_id, value) in enumerate(options, start=1):
            if option_id is None:
                self.store.insert_option(current.id, value, order)
                continue
            self.store.update_option(option_id, value, order)
            if old_values[option_id] != value:
                renamed[old_values[option_id]] = value
        return renamed

    def _rename_values(self, defn: Definition, renamed: dict[str, str]) -> None:
        """Records holding a renamed option get the new name."""
        record_ids: set[int] = set()
        for old in renamed:
            key = old.lower()[:KEY_MAX]
            record_ids.update(self.store.record_ids(self.object_name, defn.key, key))

        def rename(value: Any) -> Any:
            if isinstance(value, list):
                return coerce(defn, [renamed.get(item, item) for item in value])
            return renamed.get(value, value)

        self._rewrite(defn, sorted(record_ids), rename)

    def _rewrite(
        self, defn: Definition, record_ids: Sequence[int], change: Callable[[Any], Any]
    ) -> None:
        rewrite_values(self.store, self.rt, defn, record_ids, change)


def rewrite_values(
    store: CustomFieldStore,
    rt: RecordType,
    defn: Definition,
    record_ids: Sequence[int],
    change: Callable[[Any], Any],
) -> None:
    """Set `defn`'s value in each record to change(value) (None removes it), stamping
    DATE_UPDATED_UTC and keeping the search keys of that field in step."""
    table = Repository(store.connection, store.instance_id).record_table(rt)
    for start in range(0, len(record_ids), _BATCH):
        batch = record_ids[start : start + _BATCH]
        written = []
        new_keys: list[tuple[int, str, str]] = []
        for row in store.custom_values_of(table, batch):
            values = dict(row["custom_fields"])
            new_value = change(values.get(defn.name))
            if new_value is None:
                values.pop(defn.name, None)
            else:
                values[defn.name] = new_value
                new_keys += [(row["id"], defn.key, key) for key in index_keys(defn, new_value)]
            written.append((row["id"], values, next_update_stamp(row["date_updated_utc"])))
        store.write_custom_values(table, written)
        store.delete_keys(rt.singular, batch, defn.key)
        store.insert_keys(rt.singular, new_keys)


def _columns(defn: Definition) -> dict[str, Any]:
    """A definition's changeable columns."""
    return {
        "field_label": defn.label,
        "field_type": defn.type.value,
        "field_order": defn.order,
        "default_value": defn.default,
        "editable": defn.editable,
        "visible": defn.visible,
        "field_help_text": defn.help_text,
        "join_object": defn.join_object,
    }


def unknown_custom_field(index: int, name: str, rt: RecordType) -> FieldError:
    """The problem of a CUSTOMFIELDS item naming no custom field of `rt`."""
    return FieldError(
        f"CUSTOMFIELDS[{index}].FIELD_NAME",
        f"'{name}' is not a custom field of {rt.collection} "
        f"(GET /v3.1/CustomFields/{rt.collection} lists them)",
    )


def refused_custom_value(index: int, defn: Definition, error: ValueError) -> FieldError:
    """The problem of a CUSTOMFIELDS item whose value its definition refuses."""
    return FieldError(f"CUSTOMFIELDS[{index}].FIELD_VALUE", f"{defn.name} {error}")


class CustomValues:
    """The custom field definitions of one record type, applied to its records' values."""

    def __init__(
        self, connection: Connection, instance_id: int, rt: RecordType, viewer: int | None = None
    ) -> None:
        self.rt = rt
        self.store = CustomFieldStore(connection, instance_id)
        # LOOKUP values must name records the writer sees (rolodex.storage.visibility).
        self.repo = Repository(connection, instance_id, viewer)
        self._definitions: dict[str, Definition] | None = None

    @property
    def definitions(self) -> dict[str, Definition]:
        """The type's definitions by lower-cased FIELD_NAME (read once)."""
        if self._definitions is None:
            found = self.store.definitions(self.rt.singular)
            self._definitions = {defn.key: defn for defn in found}
        return self._definitions

    def apply(
        self, current: dict[str, Any], items: Sequence[CustomFieldIn], creating: bool
    ) -> tuple[dict[str, Any], list[FieldError]]:
        """Values after merging `items` by FIELD_NAME (null clears; read-only fields are
        ignored); on create, defaults first. Every problem is named by its item."""
        merged = dict(current)
        if creating:
            for field in self.definitions.values():
                if field.default is not None:
                    merged[field.name] = field.default
        problems: list[FieldError] = []
        lookups: list[tuple[int, Definition, int]] = []
        for index, item in enumerate(items):
            name = item.FIELD_NAME.strip()
            defn = self.definitions.get(name.lower())
            if defn is None:
                problems.append(unknown_custom_field(index, item.FIELD_NAME, self.rt))
                continue
            if defn.read_only:
                continue
            try:
                value = coerce(defn, item.FIELD_VALUE)
            except ValueError as exc:
                problems.append(refused_custom_value(index, defn, exc))
                continue
            if value is None:
                merged.pop(defn.name, None)
                continue
            if defn.type is FieldType.LOOKUP and current.get(defn.name) != value:
                # A value sent back unchanged is not checked again: it may name a record the
                # writer may not see, which it keeps (contract §11).
                lookups.append((index, defn, value))
            merged[defn.name] = value
        problems += self._missing_lookups(lookups)
        return merged, problems

    def _missing_lookups(self, lookups: list[tuple[int, Definition, int]]) -> list[FieldError]:
        problems = []
        for index, defn, record_id in lookups:
            target = resolve_object_name(defn.join_object or "")
            if target is None or not self.repo.existing_ids(target, [record_id]):
                problems.append(
                    FieldError(
                        f"CUSTOMFIELDS[{index}].FIELD_VALUE",
                        f"{defn.name}: no {defn.join_object} with ID {record_id}",
                    )
                )
        return problems

    def number(self, values: dict[str, Any]) -> None:
        """Give a new record the next number of each AUTONUMBER field (in definition id order,
        so concurrent creates lock the counters in one order)."""
        for defn in sorted(self.definitions.values(), key=lambda d: d.id):
            if defn.type is FieldType.AUTONUMBER:
                values[defn.name] = self.store.next_number(defn.id)

    def reindex(self, record_id: int, values: dict[str, Any]) -> None:
        """Make the record's search keys those of `values` (fields without a definition have
        none)."""
        keys = [(field, key) for _, field, key in self.index_rows(record_id, values)]
        self.store.replace_keys(self.rt.singular, record_id, keys)

    def index_rows(self, record_id: int, values: dict[str, Any]) -> list[tuple[int, str, str]]:
        """The (record_id, field_key, value_key) search keys of a record's `values`."""
        return [
            (record_id, defn.key, key)
            for name, value in values.items()
            if (defn := self.definitions.get(name.lower())) is not None
            for key in index_keys(defn, value)
        ]

    def match(self, field_name: str, field_value: str) -> CustomFieldMatch:
        """Search on a custom field, or a 400 naming the field or the value."""
        defn = self.definitions.get(field_name.lower())
        if defn is None:
            raise invalid_field(
                "field_name", f"'{field_name}' is not a custom field of {self.rt.collection}"
            )
        try:
            wanted = search_key(defn, field_value)
        except ValueError as exc:
            raise invalid_field("field_value", f"{defn.name} ({defn.type.value}): {exc}") from None
        return CustomFieldMatch(defn.key, defn.name, wanted.key, wanted.until, wanted.whole_text)


def record_deleted(
    connection: Connection, instance_id: int, rt: RecordType, record_id: int
) -> None:
    """Before a record is deleted: drop its search keys, and clear every LOOKUP value that
    points to it (those records get a new DATE_UPDATED_UTC)."""
    store = CustomFieldStore(connection, instance_id)
    if rt.has(Feature.CUSTOM_FIELDS):
        store.delete_keys(rt.singular, [record_id])
    for defn in store.lookups_to(rt.singular):
        holder = resolve_object_name(defn.object_name)
        if holder is None:
            continue
        pointing = store.record_ids(holder.singular, defn.key, str(record_id))
        rewrite_values(store, holder, defn, pointing, lambda _: None)


def admin_service(connection: Connection, instance_id: int, object_name: str) -> CustomFieldService:
    """The service as an administrator of the instance (the `rolodex custom-fields` command)."""
    return CustomFieldService(connection, Caller(instance_id, 0, is_admin=True), object_name)


def delete_object_fields(connection: Connection, instance_id: int, object_name: str) -> None:
    """Delete every definition of an object and the search keys of its records (for a custom
    object that is deleted with its records)."""
    store = CustomFieldStore(connection, instance_id)
    store.delete_keys(object_name, None)
    for defn in store.definitions(object_name):
        store.delete_definition(defn.id)
