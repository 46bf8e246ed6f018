"""Input models of records and sub-collections, built from the registry.

Input keys have already been upper-cased (wire.json.upper_keys); unknown keys are ignored and
read-only fields are left out of the models, so both are ignored rather than rejected.
"""

from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    create_model,
)

from rolodex.domain.registry import Feature, FieldSpec, Kind, RecordType
from rolodex.errors import BadRequest, FieldError, invalid_input
from rolodex.wire.dates import parse_datetime

WireDatetime = Annotated[datetime, BeforeValidator(parse_datetime)]
# A custom field value is a JSON scalar until definitions give it a type (a later issue).
CustomValue = StrictStr | StrictBool | StrictInt | StrictFloat | None

CUSTOM_TEXT_MAX = 4000


class WireModel(BaseModel):
    """Base of input models: extra keys ignored, numbers accepted where text is expected."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, str_max_length=None)


class CustomFieldIn(WireModel):
    FIELD_NAME: str = Field(min_length=1, max_length=255)
    FIELD_VALUE: CustomValue = None


class TagIn(WireModel):
    TAG_NAME: str = Field(min_length=1, max_length=255)


class DateIn(WireModel):
    DATE_ID: int | None = None
    OCCASION_NAME: str | None = Field(default=None, max_length=255)
    OCCASION_DATE: WireDatetime
    REPEAT_YEARLY: bool = False
    CREATE_TASK_YEARLY: bool = False


class EmailDomainIn(WireModel):
    EMAIL_DOMAIN_ID: int | None = None
    EMAIL_DOMAIN: str = Field(
        min_length=1, max_length=255, pattern=r"^\s*@?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\s*$"
    )


class LinkIn(WireModel):
    LINK_ID: int | None = None
    OBJECT_NAME: str | None = None
    OBJECT_ID: int | None = None
    LINK_OBJECT_NAME: str = Field(min_length=1, max_length=64)
    LINK_OBJECT_ID: int
    ROLE: str | None = Field(default=None, max_length=255)
    DETAILS: str | None = Field(default=None, max_length=255)
    RELATIONSHIP_ID: int | None = None
    IS_FORWARD: bool | None = None


class FollowOut(WireModel):
    FOLLOWING: bool


_SUB_COLLECTIONS: dict[Feature, tuple[str, type[WireModel]]] = {
    Feature.CUSTOM_FIELDS: ("CUSTOMFIELDS", CustomFieldIn),
    Feature.TAGS: ("TAGS", TagIn),
    Feature.DATES: ("DATES", DateIn),
    Feature.EMAIL_DOMAINS: ("EMAILDOMAINS", EmailDomainIn),
    Feature.LINKS: ("LINKS", LinkIn),
}


def sub_collections(rt: RecordType) -> list[tuple[Feature, str]]:
    """The (feature, wire name) of each sub-collection array a record of `rt` carries."""
    return [(feature, name) for feature, (name, _) in _SUB_COLLECTIONS.items() if rt.has(feature)]


def _python_type(spec: FieldSpec) -> Any:
    if spec.kind is Kind.TEXT:
        return Annotated[str, Field(max_length=spec.max_length)]
    if spec.kind is Kind.INT:
        return Annotated[int, Field(ge=-(2**63), lt=2**63)]
    if spec.kind is Kind.BOOL:
        return bool
    if spec.kind is Kind.DATETIME:
        return WireDatetime
    return Annotated[Decimal, Field(max_digits=18, decimal_places=4)]


@cache
def write_model(rt: RecordType) -> type[WireModel]:
    """The input model for POST and PUT bodies of `rt` (every field optional; rules come after)."""
    fields: dict[str, Any] = {rt.id_field: (int | None, None)}
    for spec in rt.writable_fields:
        fields[spec.name] = (_python_type(spec) | None, None)
    for _feature, (name, item_model) in _SUB_COLLECTIONS.items():
        if rt.has(_feature):
            fields[name] = (list[item_model] | None, None)  # type: ignore[valid-type]
    return create_model(f"{rt.singular}Write", __base__=WireModel, **fields)


def validate(model: type[WireModel], data: Any, what: str = "The request body") -> Any:
    """Validate `data` against `model`, or a 400 naming every field that is wrong."""
    if not isinstance(data, dict):
        raise BadRequest(f"{what} must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None


def validate_list(model: type[WireModel], data: Any, prefix: str) -> list[Any]:
    """Validate a JSON array of `model` items (the body of a sub-collection PUT)."""
    if not isinstance(data, list):
        raise BadRequest(f"The request body must be a JSON array of {prefix} items.")
    items = []
    errors: list[FieldError] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            errors.append(FieldError(f"{prefix}[{index}]", "must be a JSON object"))
            continue
        try:
            items.append(model.model_validate(item))
        except ValidationError as exc:
            errors.extend(_field_errors(exc, f"{prefix}[{index}]."))
    if errors:
        raise invalid_input(errors)
    return items


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
