"""Translations of records: GET/POST/PUT /{Coll}/{id}/Translations/{language}, for every type
with Feature.TRANSLATIONS (knowledge articles, custom object records).

Insightly's v3.1 swagger takes a record as the body of addTranslation and updateTranslation (its
FieldValues, "the record to add") and answers an array of records (object[]), for custom object
records as for knowledge articles (sterner-stuff/insightly-php docs/Api/CustomObjectsRecordsApi.md
and docs/Api/KnowledgeArticlesApi.md); its model classes (src/Model) have no class for
FieldValues or a translation, so what a translation holds is Rolodex's decision:
- a type whose records carry their own LANGUAGE (knowledge articles) translates a record into
  another record in that language (rolodex.services.knowledge.Translations);
- any other type (custom object records) keeps, beside the record, its text in the language:
  its free-text fields (a custom object's RECORD_NAME) and the values of its TEXT and
  MULTILINETEXT custom fields. Numbers, dates, choices, lookups, images and the rest have no
  language and stay the record's own; a body's other fields are checked as a record's are, then
  left alone. A translation reads as the record with its text in that language (a value left
  out, or cleared with null, reads as the record's own).
For both: one translation per language, its tag matched in any case (a second POST is a 409;
PUT changes it, 404 when there is none; GET of none is []). A record the caller may not see has
no translations for that caller (404, as the record itself). Writing one changes the record's
graph, so it sets the record's DATE_UPDATED_UTC (contract §5).
"""

from typing import Any

from sqlalchemy import Connection

from rolodex.domain.custom_fields import Definition, FieldType
from rolodex.domain.languages import checked_language
from rolodex.domain.registry import FieldSpec, Kind, RecordType
from rolodex.errors import Conflict, NotFound, invalid_input
from rolodex.services import knowledge
from rolodex.services.context import Caller
from rolodex.services.custom_fields import CustomValues
from rolodex.services.records import RecordService, Wire
from rolodex.storage.repository import Row
from rolodex.wire import output
from rolodex.wire.json import upper_keys
from rolodex.wire.records import WireModel, create_model_for, validate, write_model

# The custom field types whose values are written in a language.
_TEXT_TYPES = frozenset({FieldType.TEXT, FieldType.MULTILINETEXT})
# The record extension (rolodex.storage.extensions) that holds a record's translations:
# {language, lower case: {"LANGUAGE": as written, field: text, "CUSTOMFIELDS": {name: text}}}.
EXTENSION = "translations"


def translations_for(
    connection: Connection, caller: Caller, rt: RecordType
) -> "knowledge.Translations | RecordTranslations":
    """The translations of `rt`'s records, as the type keeps them (see the module's doc)."""
    if rt.field_named("LANGUAGE") is not None:
        return knowledge.Translations(connection, caller)
    return RecordTranslations(connection, caller, rt)


def translated_fields(rt: RecordType) -> list[FieldSpec]:
    """The fields of `rt` that a translation holds: free text (no choices, pattern or id)."""
    return [
        spec
        for spec in rt.writable_fields
        if spec.kind is Kind.TEXT and not spec.choices and not spec.pattern
    ]


class RecordTranslations(RecordService):
    """The translations kept beside the records of one type, for one caller."""

    def translation(self, record_id: int, language: str) -> list[Wire]:
        """The record in `language` (an empty list when it has no translation in it)."""
        key = checked_language(language).lower()
        self._require(record_id)
        found = self._stored(record_id).get(key)
        return [self._translated(record_id, found)] if found is not None else []

    def add_translation(self, record_id: int, language: str, data: Any) -> list[Wire]:
        """A new translation of the record, from a record body (RECORD_NAME required)."""
        language = checked_language(language)
        model = validate(create_model_for(self.rt), upper_keys(data))
        row = self._require(record_id, for_update=True)
        stored = self._stored(record_id)
        if language.lower() in stored:
            raise Conflict(
                f"{self.rt.singular} {record_id} has a translation in {language} already: "
                "change it with PUT."
            )
        stored[language.lower()] = self._merged({"LANGUAGE": language}, model)
        self._save(row, stored)
        return [self._translated(record_id, stored[language.lower()])]

    def update_translation(self, record_id: int, language: str, data: Any) -> list[Wire]:
        """The record's translation in `language`, changed as a PUT changes a record."""
        language = checked_language(language)
        model = validate(write_model(self.rt), upper_keys(data))
        row = self._require(record_id, for_update=True)
        stored = self._stored(record_id)
        current = stored.get(language.lower())
        if current is None:
            raise NotFound(f"{self.rt.singular} {record_id} has no translation in {language}.")
        changed = self._merged(current, model)
        if changed != current:
            stored[language.lower()] = changed
            self._save(row, stored)
        return [self._translated(record_id, changed)]

    # --- internals -------------------------------------------------------------------------

    def _stored(self, record_id: int) -> dict[str, Any]:
        found = self._extensions().read(self.rt.singular, EXTENSION, [record_id])
        return dict(found.get(record_id) or {})

    def _save(self, row: Row, stored: dict[str, Any]) -> None:
        self._extensions().write(self.rt.singular, EXTENSION, row["id"], stored)
        self._touch_self(row)

    def _text_definitions(self) -> dict[str, Definition]:
        """The type's TEXT and MULTILINETEXT custom fields, by lower-cased FIELD_NAME."""
        values = CustomValues(self.repo.connection, self.caller.instance_id, self.rt)
        return {key: d for key, d in values.definitions.items() if d.type in _TEXT_TYPES}

    def _merged(self, current: dict[str, Any], model: WireModel) -> dict[str, Any]:
        """`current` with the text `model` sets (null clears), or a 400 naming every problem."""
        merged = {**current, "CUSTOMFIELDS": dict(current.get("CUSTOMFIELDS") or {})}
        for spec in translated_fields(self.rt):
            if spec.name in model.model_fields_set:
                value = getattr(model, spec.name)
                if value is None or not str(value).strip():
                    merged.pop(spec.name, None)
                else:
                    merged[spec.name] = value
        # Every custom field sent is checked as a record write checks it (one merge, the
        # record's own); only the text ones are kept: the others have no language.
        values = CustomValues(self.repo.connection, self.caller.instance_id, self.rt)
        items = getattr(model, "CUSTOMFIELDS", None) or []
        checked, problems = values.apply(merged["CUSTOMFIELDS"], items, creating=False)
        if problems:
            raise invalid_input(problems)
        texts = {d.name for d in values.definitions.values() if d.type in _TEXT_TYPES}
        merged["CUSTOMFIELDS"] = {name: v for name, v in checked.items() if name in texts}
        return merged

    def _translated(self, record_id: int, translation: dict[str, Any]) -> Wire:
        """The record as it reads in the translation's language."""
        record = self.get(record_id)
        for spec in translated_fields(self.rt):
            if spec.name in translation:
                record[spec.name] = translation[spec.name]
        if "CUSTOMFIELDS" in record:
            texts = {d.name for d in self._text_definitions().values()}
            values = {item["FIELD_NAME"]: item["FIELD_VALUE"] for item in record["CUSTOMFIELDS"]}
            for name, value in (translation.get("CUSTOMFIELDS") or {}).items():
                if name in texts:  # not a field deleted, or no longer text, since
                    values[name] = value
            record["CUSTOMFIELDS"] = output.custom_fields(values)
        return record
