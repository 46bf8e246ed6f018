"""Records as CSV rows, as `rolodex export` writes them and `rolodex import` reads them back:
one column per scalar field, then one per custom field, then TAGS."""

import json
from collections.abc import Iterable
from typing import Any

TAGS_COLUMN = "TAGS"


def tags_cell(tags: list[dict[str, Any]]) -> str:
    """Tag names joined by ';' (as a JSON array if a name has a ';' itself)."""
    names = [str(t["TAG_NAME"]) for t in tags]
    if any(";" in name for name in names):
        return json.dumps(names)
    return ";".join(names)


def cell(value: Any) -> str:
    """A value as a CSV cell ('' for null; lists as JSON)."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def note_columns(record: dict[str, Any], scalars: dict[str, None], custom: dict[str, None]) -> None:
    """Add the record's scalar fields and custom fields to the columns of the file, in order."""
    for key, value in record.items():
        if not isinstance(value, list):
            scalars[key] = None
    for item in record.get("CUSTOMFIELDS") or []:
        custom[item["FIELD_NAME"]] = None


def header(scalars: Iterable[str], custom: Iterable[str]) -> list[str]:
    return [*scalars, *custom, TAGS_COLUMN]


def csv_row(record: dict[str, Any], scalars: Iterable[str], custom: Iterable[str]) -> list[str]:
    """The record's cells under the columns of `header(scalars, custom)`."""
    values = {c["FIELD_NAME"]: c.get("FIELD_VALUE") for c in record.get("CUSTOMFIELDS") or []}
    row = [cell(record.get(name)) for name in scalars]
    row += [cell(values.get(name)) for name in custom]
    row.append(tags_cell(record.get("TAGS") or []))
    return row
