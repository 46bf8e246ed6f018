"""Custom field definitions on the wire: the bodies of POST/PUT /v3.1/CustomFields/{objectName}
and the metadata Insightly's GET /CustomFields/{objectName} answers with (insightly-facts §2.12)."""

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, WithJsonSchema

from rolodex.domain.custom_fields import (
    FIELD_NAME_MAX,
    FIELD_NAME_PATTERN,
    OPTION_VALUE_MAX,
    Definition,
    FieldType,
    Option,
    output_value,
)
from rolodex.wire.records import CustomValue, WireBool, WireModel, whole_number

if TYPE_CHECKING:
    OrderInt = int
    OptionId = int
else:
    OrderInt = whole_number(0, 2**31 - 1)
    OptionId = whole_number(0, 2**63 - 1)


def _field_type(value: Any) -> Any:
    if isinstance(value, str) and value.strip().upper() in FieldType.__members__:
        return FieldType(value.strip().upper())
    return value


WireFieldType = Annotated[
    FieldType,
    BeforeValidator(_field_type),
    WithJsonSchema(
        {"type": "string", "enum": [t.value for t in FieldType], "description": "Any letter case"}
    ),
]
FieldName = Annotated[
    str, Field(min_length=4, max_length=FIELD_NAME_MAX, pattern=FIELD_NAME_PATTERN)
]
Label = Annotated[str, Field(min_length=1, max_length=255, pattern=r"\S")]


class CustomFieldOptionIn(WireModel):
    OPTION_ID: OptionId | None = None
    OPTION_VALUE: str = Field(min_length=1, max_length=OPTION_VALUE_MAX, pattern=r"\S")
    OPTION_DEFAULT: WireBool = False


class CustomFieldUpdate(WireModel):
    """PUT: FIELD_NAME names the field; every other key left out is left unchanged."""

    FIELD_NAME: FieldName
    FIELD_LABEL: Label | None = None
    FIELD_TYPE: WireFieldType | None = None
    FIELD_ORDER: OrderInt | None = None
    DEFAULT_VALUE: CustomValue = None
    EDITABLE: WireBool | None = None
    VISIBLE: WireBool | None = None
    FIELD_HELP_TEXT: str | None = Field(default=None, max_length=1000)
    CUSTOM_FIELD_OPTIONS: list[CustomFieldOptionIn] | None = None
    JOIN_OBJECT: str | None = Field(default=None, max_length=64)


class CustomFieldCreate(CustomFieldUpdate):
    """POST: a new field of the object."""

    FIELD_LABEL: Label
    FIELD_TYPE: WireFieldType


# --- output ------------------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomFieldOption(_Out):
    OPTION_ID: int
    OPTION_VALUE: str
    OPTION_DEFAULT: StrictBool


class CustomFieldDefinition(_Out):
    """A custom field's metadata, as GET /CustomFields/{objectName} sends it."""

    FIELD_NAME: str
    FIELD_LABEL: str
    FIELD_TYPE: str
    FIELD_ORDER: int
    FIELD_FOR: str
    DEFAULT_VALUE: str | bool | int | float | None
    EDITABLE: bool
    VISIBLE: bool
    CUSTOM_FIELD_OPTIONS: list[CustomFieldOption]
    JOIN_OBJECT: str | None
    FIELD_HELP_TEXT: str | None


def definition(defn: Definition, field_for: str) -> dict[str, Any]:
    """A definition as the API sends it; OPTION_DEFAULT says whether DEFAULT_VALUE holds it."""
    default = defn.default
    chosen = default if isinstance(default, list) else [default]
    defaults = {value.lower() for value in chosen if isinstance(value, str)}
    return {
        "FIELD_NAME": defn.name,
        "FIELD_LABEL": defn.label,
        "FIELD_TYPE": defn.type.value,
        "FIELD_ORDER": defn.order,
        "FIELD_FOR": field_for,
        "DEFAULT_VALUE": output_value(default),
        "EDITABLE": defn.editable,
        "VISIBLE": defn.visible,
        "CUSTOM_FIELD_OPTIONS": [
            {
                "OPTION_ID": option.id,
                "OPTION_VALUE": option.value,
                "OPTION_DEFAULT": option.value.lower() in defaults,
            }
            for option in defn.options
        ],
        "JOIN_OBJECT": defn.join_object,
        "FIELD_HELP_TEXT": defn.help_text,
    }


class CustomFieldMetadataV22(_Out):
    """A custom field's metadata as v2.2's GET /CustomFields sends it (facts §2.12, S22
    APICustomFieldMetadata). **Decisions**: CUSTOM_FIELD_ID is the v3.1 FIELD_NAME (Rank__c),
    the key v2.2 records carry in CUSTOMFIELDS; FIELD_NAME is what v2.2 meant by it, the name
    people see (v3.1's FIELD_LABEL); ORDER_ID is FIELD_ORDER; GROUP_ID is null, Rolodex having
    no custom field groups; FIELD_FOR and FIELD_TYPE are spelt as in v3.1 (CONTACT, DROPDOWN)."""

    CUSTOM_FIELD_ID: str
    ORDER_ID: int
    FIELD_FOR: str
    FIELD_NAME: str
    FIELD_TYPE: str
    FIELD_HELP_TEXT: str | None
    DEFAULT_VALUE: str | bool | int | float | None
    GROUP_ID: int | None
    EDITABLE: bool
    VISIBLE: bool
    CUSTOM_FIELD_OPTIONS: list[CustomFieldOption]


class CustomFieldGroupV22(_Out):
    """v2.2's custom field group (S22 APICustomFieldGroup); Rolodex has none to send."""

    GROUP_ID: int
    GROUP_NAME: str
    GROUP_FOR: str
    GROUP_ORDER: int


def v22_metadata(defn: Definition, field_for: str) -> dict[str, Any]:
    """A definition as v2.2's GET /CustomFields sends it (CustomFieldMetadataV22)."""
    current = definition(defn, field_for)
    return {
        "CUSTOM_FIELD_ID": defn.name,
        "ORDER_ID": defn.order,
        "FIELD_FOR": field_for,
        "FIELD_NAME": defn.label,
        "FIELD_TYPE": current["FIELD_TYPE"],
        "FIELD_HELP_TEXT": defn.help_text,
        "DEFAULT_VALUE": current["DEFAULT_VALUE"],
        "GROUP_ID": None,
        "EDITABLE": defn.editable,
        "VISIBLE": defn.visible,
        "CUSTOM_FIELD_OPTIONS": current["CUSTOM_FIELD_OPTIONS"],
    }


def definition_from_wire(item: dict[str, Any], object_name: str) -> Definition:
    """A definition as `definition` sends it, read back (by a client checking values as the
    server would); None for what the API does not show (the stored default's form)."""
    return Definition(
        id=0,
        object_name=object_name,
        name=str(item["FIELD_NAME"]),
        label=str(item.get("FIELD_LABEL") or ""),
        type=FieldType(str(item["FIELD_TYPE"]).upper()),
        order=int(item.get("FIELD_ORDER") or 0),
        default=None,
        editable=bool(item.get("EDITABLE", True)),
        visible=bool(item.get("VISIBLE", True)),
        help_text=item.get("FIELD_HELP_TEXT"),
        join_object=item.get("JOIN_OBJECT"),
        options=tuple(
            Option(int(o.get("OPTION_ID") or 0), str(o["OPTION_VALUE"]))
            for o in item.get("CUSTOM_FIELD_OPTIONS") or []
        ),
    )


def doc_models() -> list[type[BaseModel]]:
    """The models the OpenAPI document names."""
    return [
        CustomFieldDefinition,
        CustomFieldOption,
        CustomFieldCreate,
        CustomFieldUpdate,
        CustomFieldMetadataV22,
        CustomFieldGroupV22,
    ]
