"""Custom fields: the field types, and how a value of each is checked, stored, shown and indexed.

Pure rules, no storage. A record keeps its custom values in one JSON object keyed by FIELD_NAME,
each in its stored form:

| FIELD_TYPE                      | stored (and sent) as                                     |
|---------------------------------|----------------------------------------------------------|
| TEXT, MULTILINETEXT, URL        | string                                                   |
| DROPDOWN                        | string: the option's OPTION_VALUE                        |
| MULTISELECT                     | list of OPTION_VALUEs in option order; sent as "A;B"     |
| NUMERIC, CURRENCY, PERCENT      | number (whole numbers as integers)                       |
| BIT                             | boolean                                                  |
| DATE, DATETIME                  | "yyyy-MM-dd HH:mm:ss" UTC (DATE: always 00:00:00)        |
| AUTONUMBER, LOOKUP              | integer (LOOKUP: the id of a record of JOIN_OBJECT)      |

Each value also has index keys (`index_keys`), the text that Search compares: lower-cased text,
canonical numbers, "true"/"false", the body date form, ids.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from rolodex.domain.dates import format_datetime, parse_datetime


class FieldType(StrEnum):
    TEXT = "TEXT"
    MULTILINETEXT = "MULTILINETEXT"
    NUMERIC = "NUMERIC"
    PERCENT = "PERCENT"
    CURRENCY = "CURRENCY"
    DATE = "DATE"
    DATETIME = "DATETIME"
    BIT = "BIT"
    DROPDOWN = "DROPDOWN"
    MULTISELECT = "MULTISELECT"
    URL = "URL"
    AUTONUMBER = "AUTONUMBER"
    LOOKUP = "LOOKUP"
    # An image kept as a file (PUT /{Coll}/{id}/ImageField/{fieldName}/{fileName}); the value in
    # CUSTOMFIELDS is the image's file name, set and cleared only by those routes.
    IMAGE = "IMAGE"


NUMBER_TYPES = frozenset({FieldType.NUMERIC, FieldType.PERCENT, FieldType.CURRENCY})
OPTION_TYPES = frozenset({FieldType.DROPDOWN, FieldType.MULTISELECT})
# Types whose DEFAULT_VALUE is refused: the server sets an AUTONUMBER; a LOOKUP names a record;
# an IMAGE names an uploaded file.
NO_DEFAULT_TYPES = frozenset({FieldType.AUTONUMBER, FieldType.LOOKUP, FieldType.IMAGE})

TEXT_MAX = {
    FieldType.TEXT: 255,
    FieldType.MULTILINETEXT: 4000,
    FieldType.URL: 2000,
    FieldType.IMAGE: 500,  # a file name (rolodex.wire.files.FILE_NAME_MAX)
}
NUMBER_LIMIT = Decimal(10) ** 15  # |value| must be below this (exact in a double)
ID_MAX = 2**63 - 1
# Index keys are cut to this many characters (a longer search also compares the whole value).
KEY_MAX = 200
FIELD_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*__c$"
FIELD_NAME_MAX = 100
OPTION_VALUE_MAX = 100

_NUMBER_TEXT = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d{1,3})?\s*$")
_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False}
_URL_SCHEMES = ("http", "https", "ftp")


@dataclass(frozen=True)
class Option:
    """One choice of a DROPDOWN or MULTISELECT field."""

    id: int
    value: str


@dataclass(frozen=True)
class Definition:
    """A custom field of one object (a standard type's singular name, or a custom object)."""

    id: int
    object_name: str
    name: str
    label: str
    type: FieldType
    order: int
    default: Any  # in the stored form; None when there is none
    editable: bool
    visible: bool
    help_text: str | None
    join_object: str | None
    options: tuple[Option, ...] = ()

    @property
    def key(self) -> str:
        """The name as it is matched: FIELD_NAME is unique per object in any letter case."""
        return self.name.lower()

    @property
    def read_only(self) -> bool:
        """Values of this field are never taken from a request body."""
        return not self.editable or self.type in (FieldType.AUTONUMBER, FieldType.IMAGE)


def coerce(defn: Definition, value: Any) -> Any:
    """The stored form of a value sent for `defn`: None clears; ValueError says what is wrong.

    A LOOKUP value is only checked for shape here; whether the record exists needs storage.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, list) and defn.type is not FieldType.MULTISELECT:
        raise ValueError("must be a single value, not a list")
    kind = defn.type
    if kind in TEXT_MAX and kind is not FieldType.URL:
        return _text(value, TEXT_MAX[kind])
    if kind is FieldType.URL:
        return _url(value)
    if kind in NUMBER_TYPES:
        number = parse_number(value)
        if kind is FieldType.PERCENT and not 0 <= number <= 100:
            raise ValueError(f"must be a percentage from 0 to 100 (got {value})")
        return number
    if kind is FieldType.BIT:
        return _bit(value)
    if kind is FieldType.DATE:
        day = _date(value).replace(hour=0, minute=0, second=0)
        return format_datetime(day)
    if kind is FieldType.DATETIME:
        return format_datetime(_date(value))
    if kind is FieldType.DROPDOWN:
        return _option(defn, value)
    if kind is FieldType.MULTISELECT:
        return _options(defn, value)
    if kind in (FieldType.LOOKUP, FieldType.AUTONUMBER):
        return parse_id(value)
    raise ValueError(f"has the unknown type {kind}")  # pragma: no cover


def index_keys(defn: Definition, stored: Any) -> list[str]:
    """The keys Search compares for a stored value (one per option of a MULTISELECT)."""
    if stored is None:
        return []
    if defn.type is FieldType.MULTISELECT:
        return [option.lower()[:KEY_MAX] for option in stored]
    if defn.type in NUMBER_TYPES:
        return [number_key(stored)]
    if defn.type is FieldType.BIT:
        return ["true" if stored else "false"]
    if defn.type in (FieldType.DATE, FieldType.DATETIME):
        return [stored]
    if isinstance(stored, str):
        return [stored.lower()[:KEY_MAX]]
    return [str(stored)]


@dataclass(frozen=True)
class SearchKey:
    """What Search looks for: one key, or keys in [key, until) (a whole day of a DATETIME).

    `key` None means "records without a value". `whole_text` is set when the key was cut to
    KEY_MAX characters: the stored text must then equal it too.
    """

    key: str | None
    until: str | None = None
    whole_text: str | None = None


def search_key(defn: Definition, text: str) -> SearchKey:
    """The key of a `field_value` query for `defn`; ValueError when it cannot be such a value."""
    raw = text.strip()
    if not raw:
        return SearchKey(None)
    kind = defn.type
    if kind in NUMBER_TYPES:
        return SearchKey(number_key(parse_number(raw)))
    if kind is FieldType.BIT:
        return SearchKey("true" if _bit(raw) else "false")
    if kind in (FieldType.LOOKUP, FieldType.AUTONUMBER):
        return SearchKey(str(parse_id(raw)))
    if kind in (FieldType.DATE, FieldType.DATETIME):
        moment = _date(raw)
        if kind is FieldType.DATE:
            return SearchKey(format_datetime(moment.replace(hour=0, minute=0, second=0)))
        if len(raw) == 10:  # a bare date matches the whole day
            until = format_datetime(moment + timedelta(days=1)) if moment.year < 9999 else None
            return SearchKey(format_datetime(moment), until or "9999-12-31 23:59:60")
        return SearchKey(format_datetime(moment))
    # Text compares in any letter case; options and URLs are stored trimmed, text as sent.
    wanted = (text if kind in (FieldType.TEXT, FieldType.MULTILINETEXT) else raw).lower()
    whole = wanted if len(wanted) > KEY_MAX else None
    return SearchKey(wanted[:KEY_MAX], whole_text=whole)


def output_value(stored: Any) -> Any:
    """A stored value as the API sends it: a MULTISELECT list as Insightly's "A;B" text."""
    if isinstance(stored, list):
        return ";".join(str(item) for item in stored)
    return stored


def parse_number(value: Any) -> int | float:
    """A number from JSON or text, below 10^15 in size; whole numbers as int."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number")
    if isinstance(value, str) and not _NUMBER_TEXT.match(value):
        raise ValueError(f"'{value}' is not a number")
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a number") from None
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise ValueError(f"must be a number smaller than {NUMBER_LIMIT:,.0f} in size")
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def number_key(number: int | float) -> str:
    """The canonical text of a number: 42, 42.5, -0.25 (equal numbers, equal keys)."""
    exact = Decimal(repr(number) if isinstance(number, float) else number)
    if exact == 0:
        return "0"
    return format(exact.normalize(), "f")


def parse_id(value: Any) -> int:
    """A record id or a number: a whole number from 1, as JSON or digits."""
    if isinstance(value, bool):
        raise ValueError("must be a record id (a whole number)")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value <= ID_MAX:
        raise ValueError(f"'{value}' is not a record id (a whole number from 1)")
    return value


def _text(value: Any, limit: int) -> str:
    if type(value) is str:  # the usual case, first
        text = value
    elif isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("must be text")
    else:
        text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        raise ValueError(f"is longer than {limit} characters")
    return text


def _url(value: Any) -> str:
    text = _text(value, TEXT_MAX[FieldType.URL]).strip()
    try:
        parts = urlsplit(text)
        valid = parts.scheme.lower() in _URL_SCHEMES and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid or any(character.isspace() for character in text):
        raise ValueError(f"'{text}' is not a URL; use an absolute one such as https://example.com")
    return text


def _bit(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOL_TEXT:
        return _BOOL_TEXT[value.strip().lower()]
    if type(value) is int and value in (0, 1):
        return bool(value)
    raise ValueError(f"'{value}' is not true or false")


def _date(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be a date such as '2024-05-01 13:30:00'")
    parsed = parse_datetime(value)  # ValueError names what is wrong
    if parsed is None:
        raise ValueError(f"'{value}' is not a date")
    return parsed


def _option(defn: Definition, value: Any) -> str:
    text = _text(value, 4000).strip()
    for option in defn.options:
        if option.value.lower() == text.lower():
            return option.value
    raise ValueError(f"'{text}' is not an option of {defn.name} ({_option_list(defn)})")


def _options(defn: Definition, value: Any) -> list[str] | None:
    """MULTISELECT: a list of options, or Insightly's "A;B" text; stored in option order."""
    if isinstance(value, str):
        parts = value.split(";")
    elif isinstance(value, list):
        parts = value
    else:
        raise ValueError("must be a list of options, or options separated by ';'")
    chosen = set()
    for part in parts:
        if isinstance(part, str) and not part.strip():
            continue
        chosen.add(_option(defn, part).lower())
    ordered = [option.value for option in defn.options if option.value.lower() in chosen]
    return ordered or None


def _option_list(defn: Definition) -> str:
    if not defn.options:
        return "it has no options"
    return "options: " + ", ".join(f"'{option.value}'" for option in defn.options)
