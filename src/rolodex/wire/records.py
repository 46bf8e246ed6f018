"""Input models of records and sub-collections, built from the registry.

Input keys have already been upper-cased (wire.json.upper_keys); unknown keys are ignored and
read-only fields are left out of the models, so both are ignored rather than rejected.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    WithJsonSchema,
    create_model,
)

from rolodex.domain.dates import parse_datetime
from rolodex.domain.registry import Feature, FieldSpec, Kind, RecordType
from rolodex.errors import BadRequest, FieldError, invalid_input

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# ASCII digits and blanks only: Python's \d and \s also match other scripts' digits and control
# characters, which the published pattern (read by JSON Schema tools) does not.
_INT_TEXT = re.compile(r"^[ \t]*-?[0-9]{1,19}[ \t]*$")
_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False}


def _whole_number(value: Any) -> Any:
    """Whole numbers as JSON numbers, or as digits in text (XML bodies carry only text)."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true or false")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_TEXT.match(value):
        return int(value)
    return value  # int passes; anything else fails int validation with a clear message


def _boolean(value: Any) -> Any:
    """true/false, also as text in any case ("True") or as 1/0 (contract §3)."""
    if isinstance(value, str) and value.strip(" \t").lower() in _BOOL_TEXT:
        return _BOOL_TEXT[value.strip(" \t").lower()]
    if type(value) is int and value in (0, 1):
        return bool(value)
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


def whole_number(low: int = INT64_MIN, high: int = INT64_MAX) -> Any:
    """A whole number in [low, high], given as a JSON number or as digits in text."""
    return Annotated[
        int,
        BeforeValidator(_whole_number),
        Field(ge=low, le=high),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "integer", "minimum": low, "maximum": high},
                    {"type": "string", "pattern": _INT_TEXT.pattern},
                ]
            }
        ),
    ]


if TYPE_CHECKING:  # to a type checker it is an int; pydantic sees the full annotation
    WireInt = int
else:
    WireInt = whole_number()
WireBool = Annotated[
    bool,
    BeforeValidator(_boolean),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "boolean"},
                {"type": "integer", "enum": [0, 1]},
                {
                    "type": "string",
                    "pattern": "^[ \\t]*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)[ \\t]*$",
                },
            ]
        }
    ),
]
WireDatetime = Annotated[
    datetime,
    BeforeValidator(parse_datetime),
    WithJsonSchema(
        {
            "type": "string",
            "description": "UTC: 'yyyy-MM-dd HH:mm:ss'; also ISO 8601 (converted to UTC) "
            "or 'yyyy-MM-dd'",
        }
    ),
]
# A custom field value: a JSON scalar, or a list of options (MULTISELECT); its definition
# decides the rest (rolodex.domain.custom_fields.coerce).
CustomValue = StrictStr | StrictBool | StrictInt | StrictFloat | list[StrictStr] | None

CUSTOM_TEXT_MAX = 4000


class WireModel(BaseModel):
    """Base of input models: unknown keys ignored, JSON types strict but for the rules above."""

    model_config = ConfigDict(extra="ignore")


class CustomFieldIn(WireModel):
    FIELD_NAME: str = Field(min_length=1, max_length=255)
    FIELD_VALUE: CustomValue = None


class TagIn(WireModel):
    TAG_NAME: str = Field(min_length=1, max_length=255)


class DateIn(WireModel):
    DATE_ID: WireInt | None = None
    OCCASION_NAME: str | None = Field(default=None, max_length=255)
    OCCASION_DATE: WireDatetime
    REPEAT_YEARLY: WireBool = False
    CREATE_TASK_YEARLY: WireBool = False


class EmailDomainIn(WireModel):
    EMAIL_DOMAIN_ID: WireInt | None = None
    EMAIL_DOMAIN: str = Field(
        min_length=1, max_length=255, pattern=r"^\s*@?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\s*$"
    )


class LinkIn(WireModel):
    LINK_ID: WireInt | None = None
    OBJECT_NAME: str | None = None
    OBJECT_ID: WireInt | None = None
    LINK_OBJECT_NAME: str = Field(min_length=1, max_length=64)
    LINK_OBJECT_ID: WireInt
    ROLE: str | None = Field(default=None, max_length=255)
    DETAILS: str | None = Field(default=None, max_length=255)
    RELATIONSHIP_ID: WireInt | None = None
    IS_FORWARD: WireBool | None = None


@dataclass(frozen=True)
class SubCollection:
    """An array a record may carry (TAGS, LINKS, ...), declared once: its item's input model
    checks what clients send, and the item as the server sends it (in the OpenAPI document and
    the SDK's TypedDicts) is derived from that model: every field present, the `assigned`
    fields (set by the server) never null, the others null where the input allows it."""

    feature: Feature
    array: str  # the record's key: TAGS
    title: str  # the item's name in the document: Tag
    model: type[WireModel]
    assigned: tuple[str, ...] = ()
    # False where the sent item is not what the model reads: a custom field's FIELD_VALUE goes
    # out as text, number or boolean whatever came in (a MULTISELECT list as "A;B"), so that
    # one shape is declared where it is sent (api/openapi.py, client/record.py).
    derived: bool = True

    def sent_fields(self) -> list[tuple[str, type, bool]]:
        """(name, value type, may be null) of each field of an item as the server sends it."""
        found: list[tuple[str, type, bool]] = []
        for name, info in self.model.model_fields.items():
            options = get_args(info.annotation) if _is_union(info.annotation) else ()
            base = next((t for t in options if t is not NoneType), info.annotation)
            if get_origin(base) is Annotated:
                base = get_args(base)[0]
            assert isinstance(base, type), f"{self.title}.{name}: one value type, please"
            found.append((name, base, NoneType in options and name not in self.assigned))
        return found


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, UnionType)


SUB_COLLECTIONS: tuple[SubCollection, ...] = (
    SubCollection(
        Feature.CUSTOM_FIELDS, "CUSTOMFIELDS", "CustomField", CustomFieldIn, derived=False
    ),
    SubCollection(Feature.TAGS, "TAGS", "Tag", TagIn),
    SubCollection(Feature.DATES, "DATES", "Date", DateIn, ("DATE_ID",)),
    SubCollection(
        Feature.EMAIL_DOMAINS, "EMAILDOMAINS", "EmailDomain", EmailDomainIn, ("EMAIL_DOMAIN_ID",)
    ),
    SubCollection(Feature.LINKS, "LINKS", "Link", LinkIn, ("LINK_ID", "OBJECT_NAME", "OBJECT_ID")),
)


def sub_collections(rt: RecordType) -> list[tuple[Feature, str]]:
    """The (feature, wire name) of each sub-collection array a record of `rt` carries."""
    return [(sub.feature, sub.array) for sub in SUB_COLLECTIONS if rt.has(sub.feature)]


def _one_of(choices: tuple[str, ...]) -> Any:
    canonical = {choice.lower(): choice for choice in choices}

    def check(value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in canonical:
            return canonical[value.strip().lower()]
        if isinstance(value, str):
            raise ValueError(f"must be one of: {', '.join(choices)}")
        return value  # not text: str validation reports the type

    return check


def _matching(pattern: str, example: str | None) -> Any:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must look like {example}" if example else f"must match {pattern}")
        return value

    return check


def python_type(spec: FieldSpec) -> Any:
    """The input type of a scalar field (nulls aside)."""
    if spec.kind is Kind.TEXT and spec.choices:
        return Annotated[
            str,
            BeforeValidator(_one_of(spec.choices)),
            WithJsonSchema(
                {"type": "string", "enum": list(spec.choices), "description": "Any letter case"}
            ),
        ]
    if spec.kind is Kind.TEXT and spec.pattern:
        return Annotated[
            str,
            Field(max_length=spec.max_length),
            AfterValidator(_matching(spec.pattern, spec.example)),
            WithJsonSchema(
                {"type": "string", "pattern": spec.pattern, "maxLength": spec.max_length}
            ),
        ]
    if spec.kind is Kind.TEXT:
        return Annotated[str, Field(max_length=spec.max_length)]
    if spec.kind is Kind.INT and (spec.minimum is not None or spec.maximum is not None):
        return whole_number(
            spec.minimum if spec.minimum is not None else INT64_MIN,
            spec.maximum if spec.maximum is not None else INT64_MAX,
        )
    if spec.kind is Kind.INT:
        return WireInt
    if spec.kind is Kind.BOOL:
        return WireBool
    if spec.kind is Kind.DATETIME:
        return WireDatetime
    # Bounds of a decimal (a price is never negative, a discount is a percentage).
    return Annotated[
        Decimal, Field(max_digits=18, decimal_places=4, ge=spec.minimum, le=spec.maximum)
    ]


@cache
def write_model(rt: RecordType) -> type[WireModel]:
    """The input model for POST and PUT bodies of `rt` (every field optional; rules come after)."""
    fields: dict[str, Any] = {rt.id_field: (WireInt | None, None)}
    for spec in rt.writable_fields:
        fields[spec.name] = (python_type(spec) | None, None)
    return create_model(
        f"{rt.singular}Write", __base__=WireModel, **fields, **_sub_collection_fields(rt)
    )


def _sub_collection_fields(rt: RecordType) -> dict[str, Any]:
    """The optional array field of each sub-collection `rt` has."""
    return {
        sub.array: (list[sub.model] | None, None)  # type: ignore[name-defined]
        for sub in SUB_COLLECTIONS
        if rt.has(sub.feature)
    }


@cache
def create_model_for(rt: RecordType) -> type[WireModel]:
    """The POST body of `rt` as documented: its required fields required and not null."""
    fields: dict[str, Any] = {}
    for spec in rt.writable_fields:
        if spec.required and spec.kind is Kind.TEXT:
            fields[spec.name] = (Annotated[python_type(spec), Field(pattern=r"\S")], ...)
        elif spec.required:  # a default (a milestone's COMPLETED) is taken when left out
            fields[spec.name] = (python_type(spec), ... if spec.default is None else spec.default)
        else:
            fields[spec.name] = (python_type(spec) | None, None)
    return create_model(
        f"{rt.singular}Create", __base__=WireModel, **fields, **_sub_collection_fields(rt)
    )


@cache
def update_model_for(rt: RecordType) -> type[WireModel]:
    """The PUT /{Coll} body of `rt` as documented: the write model with its id required."""
    fields: dict[str, Any] = {rt.id_field: (WireInt, ...)}
    return create_model(f"{rt.singular}Update", __base__=write_model(rt), **fields)


def validate(model: type[WireModel], data: Any, what: str = "The request body") -> Any:
    """Validate `data` against `model`, or a 400 naming every field that is wrong."""
    if not isinstance(data, dict):
        raise BadRequest(f"{what} must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None


def validation_error(exc: ValidationError) -> BadRequest:
    """The 400 for a pydantic validation error."""
    return invalid_input(_field_errors(exc, ""))


def _field_errors(exc: ValidationError, prefix: str) -> list[FieldError]:
    errors = []
    for error in exc.errors(include_url=False):
        path = ""
        for part in error["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            elif not _is_union_branch(str(part)):
                path += f".{part}" if path else str(part)
        message = str(error["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        errors.append(FieldError(prefix + path, message))
    return _dedupe(errors)


def _is_union_branch(part: str) -> bool:
    # pydantic names the member type of a union in the location (e.g. "str", "int").
    return part in {"str", "bool", "int", "float", "none", "decimal"} or part.startswith(
        ("function-", "constrained-", "json-")
    )


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    seen: dict[str, FieldError] = {}
    for error in errors:
        seen.setdefault(error.field, error)
    return list(seen.values())
