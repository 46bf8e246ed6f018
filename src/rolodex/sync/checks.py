"""What a server would refuse in a record body, found without writing (a dry run over the API).

The checks are the server's own where they need no database: the wire models (types, lengths,
dates, choices), required fields, tag names, the domain's custom field values against the
definitions the target lists (GET /CustomFields/{Coll}); and, with one cached look-up per
record, references to records that do not exist. Each problem is worded by the code the
server words it with, so the reject file of a dry run says what the real run's says. Not
checked: a LOOKUP custom field's target record, and what only the database can decide.
"""

from typing import Any

from rolodex.client import ApiError, Client, NotFoundError
from rolodex.client.core import Record
from rolodex.domain.custom_fields import Definition, coerce
from rolodex.domain.registry import Feature, RecordType, by_singular
from rolodex.errors import FieldError, RolodexError, invalid_input
from rolodex.services.custom_fields import refused_custom_value, unknown_custom_field
from rolodex.services.records import desired_tags, missing_record
from rolodex.sync.sinks import WriteRefused, reason
from rolodex.wire.custom_fields import definition_from_wire
from rolodex.wire.json import upper_keys
from rolodex.wire.records import validate, write_model


class RowChecker:
    """Checks bodies of one record type as the target would."""

    def __init__(self, client: Client, rt: RecordType) -> None:
        self.client = client
        self.rt = rt
        self._definitions: dict[str, Definition] | None = None
        self._exists: dict[tuple[str, int], bool] = {}

    def check(self, body: Record, creating: bool) -> None:
        """Raise WriteRefused with the reason the server would give, if it would refuse."""
        try:
            validate(write_model(self.rt), upper_keys(body))
        except RolodexError as error:
            raise WriteRefused(reason(error)) from None
        problems: list[FieldError] = []
        for spec in self.rt.writable_fields:
            value = body.get(spec.name)
            if creating and spec.name not in body and spec.default is not None:
                continue  # the server takes the default
            if spec.required and (creating or spec.name in body) and _blank(value):
                cleared = "" if creating else " and cannot be cleared"
                problems.append(FieldError(spec.name, f"is required{cleared}"))
        for spec in self.rt.writable_fields:
            value = body.get(spec.name)
            if spec.references is not None and value not in (None, ""):
                target = by_singular(spec.references)
                if not self._record_exists(target, int(value)):
                    problems.append(missing_record(spec.name, target.singular, value))
        if self.rt.has(Feature.CUSTOM_FIELDS):
            problems += self._custom_problems(body.get("CUSTOMFIELDS") or [])
        try:
            if problems:
                raise invalid_input(problems)
            if self.rt.has(Feature.TAGS) and body.get("TAGS"):
                desired_tags([str(tag["TAG_NAME"]) for tag in body["TAGS"]])
        except RolodexError as error:
            raise WriteRefused(reason(error)) from None

    def _custom_problems(self, items: list[dict[str, Any]]) -> list[FieldError]:
        definitions = self._custom_definitions()
        problems = []
        for index, item in enumerate(items):
            name = str(item.get("FIELD_NAME", ""))
            defn = definitions.get(name.strip().lower())
            if defn is None:
                problems.append(unknown_custom_field(index, name, self.rt))
                continue
            if defn.read_only:
                continue
            try:
                coerce(defn, item.get("FIELD_VALUE"))
            except ValueError as exc:
                problems.append(refused_custom_value(index, defn, exc))
        return problems

    def _custom_definitions(self) -> dict[str, Definition]:
        if self._definitions is None:
            path = f"/CustomFields/{self.rt.collection}"
            listed = self.client.request("GET", path).json() or []
            found = [definition_from_wire(item, self.rt.singular) for item in listed]
            self._definitions = {defn.key: defn for defn in found}
        return self._definitions

    def _record_exists(self, target: RecordType, record_id: int) -> bool:
        key = (target.collection, record_id)
        if key not in self._exists:
            try:
                self._exists[key] = self.client.resource(target.collection).exists(record_id)
            except (ApiError, ValueError, NotFoundError):
                self._exists[key] = False
        return self._exists[key]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
