"""The search of every record type at once (the pages' search box): by name, e-mail, phone or
tag, each through the type's own indexed search, only among the records the caller sees."""

from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import Connection

from rolodex.domain.phones import to_e164
from rolodex.domain.registry import (
    RECORD_TYPES,
    Feature,
    Kind,
    RecordType,
    custom_object_type,
    name_fields,
)
from rolodex.errors import BadRequest, NotFound
from rolodex.services import cti
from rolodex.services.context import Caller
from rolodex.services.custom_objects import CustomObjectService
from rolodex.services.records import RecordService, Wire
from rolodex.storage.repository import FieldFilter, Page

# Users are found on the admin pages; every type with links (notes and e-mails too) is searched.
_SEARCHED = tuple(rt for rt in RECORD_TYPES if rt.singular != "User" and rt.has(Feature.LINKS))


@dataclass(frozen=True)
class Found:
    """The records of one type that match, at most `per_type` of them, in id order."""

    rt: RecordType
    label: str  # the type's plural label: "Contacts", or a custom object's
    records: list[Wire]


def searched_fields(rt: RecordType) -> tuple[str, ...]:
    """The indexed fields of `rt` a search looks in: its name fields and e-mail addresses."""
    names = name_fields(rt)
    return tuple(
        spec.name
        for spec in rt.fields
        if spec.kind is Kind.TEXT and spec.indexed and (spec.name in names or "EMAIL" in spec.name)
    )


def search_everything(
    connection: Connection, caller: Caller, text: str, region: str, per_type: int = 5
) -> list[Found]:
    """The records of every type whose name field, e-mail address or tag is `text` (in any
    letter case), or with a phone number that is `text` as dialled in `region`."""
    text = text.strip()
    if not text:
        return []
    types = [(rt, rt.collection) for rt in _SEARCHED]
    objects = CustomObjectService(connection, caller).names_and_plurals()
    types += [(custom_object_type(name), plural) for name, plural in objects]
    by_phone: dict[str, list[Wire]] = {}
    if to_e164(text, region) is not None:
        for match in cti.lookup(connection, caller, text, region):
            by_phone.setdefault(match.rt.singular, []).append(match.record)
    found = []
    for rt, label in types:
        service = RecordService(connection, caller, rt)
        filters = []
        for field_name in searched_fields(rt):
            try:
                filters.append(service.search_filter(field_name, text))
            except BadRequest:  # not a value this field can hold
                continue
        filters += _split_name(rt, text, prefix=False)
        if rt.has(Feature.TAGS):
            filters.append(FieldFilter(tag_name=text))
        records: dict[int, Wire] = {}
        for record in by_phone.get(rt.singular, []):
            records.setdefault(record[rt.id_field], record)
        for field_filter in filters:
            if len(records) >= per_type:
                break
            page, _ = service.list_page(Page(top=per_type), field_filter, brief=True)
            for record in page:
                records.setdefault(record[rt.id_field], record)
        if records:
            found.append(
                Found(rt, label, sorted(records.values(), key=lambda r: r[rt.id_field])[:per_type])
            )
    return found


def picker_fields(rt: RecordType) -> tuple[str, ...]:
    """The fields a picker of `rt` records looks in: the searched ones, else its name fields."""
    return searched_fields(rt) or name_fields(rt)


def find_by_name(
    connection: Connection, caller: Caller, rt: RecordType, text: str, limit: int = 10
) -> list[Wire]:
    """Records of `rt` the caller sees whose name field or e-mail address starts with `text`
    (in any letter case), whose first and last names start with its words ("Ada L"), or whose
    id is `text`: what a form's picker offers, in name order."""
    text = text.strip()
    if not text:
        return []
    service = RecordService(connection, caller, rt)
    found: dict[int, Wire] = {}
    if text.isdigit() and len(text) <= 18:
        with suppress(NotFound):  # no such record, or not one the caller sees
            found[int(text)] = service.get(int(text), brief=True)
    searches = [(_starting(rt, field_name, text), field_name) for field_name in picker_fields(rt)]
    names = name_fields(rt)
    searches += [(split, names[-1]) for split in _split_name(rt, text, prefix=True)]
    for prefix, field_name in searches:
        if len(found) >= limit:
            break
        page, _ = service.list_page(Page(top=limit), prefix, brief=True, sort=(field_name, False))
        for record in page:
            found.setdefault(record[rt.id_field], record)
    return list(found.values())[:limit]


def _starting(rt: RecordType, field_name: str, text: str, prefix: bool = True) -> FieldFilter:
    """The records whose text field `field_name` starts with (or is) `text`, in any case."""
    spec = rt.field_named(field_name)
    assert spec is not None
    return FieldFilter(column=spec.column, kind=Kind.TEXT, value=text, prefix=prefix)


def _split_name(rt: RecordType, text: str, prefix: bool) -> list[FieldFilter]:
    """For a type named by two fields (FIRST_NAME and LAST_NAME) and a text of two or more
    words: the records whose first name field is (or starts with) the first word and whose
    second is the rest ("Ada Love" finds Ada Lovelace, "Mary Ann Evans" too: the first name
    is "Mary Ann", or the last "Ann Evans")."""
    names = name_fields(rt)
    words = text.split()
    if len(names) != 2 or len(words) < 2:
        return []
    return [
        FieldFilter(
            all_of=(
                _starting(rt, names[0], " ".join(words[:cut]), prefix),
                _starting(rt, names[1], " ".join(words[cut:]), prefix),
            )
        )
        for cut in range(1, min(len(words), 4))  # at most three ways to cut a long text
    ]
