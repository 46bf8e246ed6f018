"""How the record pages show and read fields: labels, names, form controls and submitted values.

Everything here is derived from the registry (a type's FieldSpecs and features) and from the
instance's custom field definitions, never from a type's name. No storage: the routes in
rolodex.web.records load what these functions need.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.datastructures import FormData

from rolodex.domain.registry import (
    DETAILS_SECTION,
    Feature,
    FieldSpec,
    Kind,
    RecordType,
    by_singular,
    field_section,
    field_words,
    name_fields,
)
from rolodex.errors import FieldError

Wire = dict[str, Any]
# What a control shows: text, the chosen options of a multiple select, or a checkbox's state.
Shown = str | list[str] | bool

TAGS_INPUT = "TAGS"
CUSTOM_SECTION = "More details"  # the section of a form's custom fields
# A custom field error names its item of the CUSTOMFIELDS array sent: CUSTOMFIELDS[2].FIELD_VALUE.
_CUSTOM_ITEM = re.compile(r"^CUSTOMFIELDS\[(\d+)\]")
# Text longer than a line gets a text area.
_LONG_TEXT = 255
# Custom field types and the control each is edited with (AUTONUMBER is set by the server).
_CUSTOM_CONTROLS = {
    "TEXT": "text",
    "MULTILINETEXT": "textarea",
    "NUMERIC": "decimal",
    "PERCENT": "decimal",
    "CURRENCY": "decimal",
    "DATE": "date",
    "DATETIME": "datetime",
    "BIT": "checkbox",
    "DROPDOWN": "select",
    "MULTISELECT": "multiselect",
    "URL": "url",
    "LOOKUP": "picker",
}
# The hint of a picker: a name to choose from, or (without scripts) the record's ID.
PICKER_HINT = "Type a name and choose from the list, or type the ID."


@dataclass(frozen=True)
class Control:
    """One input of a record form, named by its wire name (FIRST_NAME, or a custom Foo__c)."""

    name: str
    label: str
    control: str  # text, textarea, number, decimal, date, datetime, checkbox, select, ...
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, text) of a select
    hint: str | None = None
    custom: bool = False
    section: str = DETAILS_SECTION  # the form's fieldset it is shown in
    picks: str | None = None  # a picker's: the object name of the records it chooses from

    @property
    def input_id(self) -> str:
        return f"field-{self.name}"


@dataclass
class FormState:
    """What a record form shows: each control's value, and errors by control and overall."""

    values: dict[str, Shown] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    stale: bool = False  # saved over a record that changed since the form was opened


# --- names and labels ------------------------------------------------------------------------


def field_label(name: str, name_label: str | None = None) -> str:
    """A wire field name for people: FIRST_NAME -> "First name", ORGANISATION_ID ->
    "Organisation" (a reference), DATE_UPDATED_UTC -> "Date updated (UTC)"."""
    if name == "RECORD_NAME" and name_label:
        return name_label
    return field_words(name)


def spec_label(spec: FieldSpec, name_label: str | None = None) -> str:
    """The label of a standard field: "... ID" kept for ids that name no known type."""
    label = field_label(spec.name, name_label)
    if spec.name.endswith("_ID") and spec.references is None:
        return f"{label} ID"
    return label


def list_columns(rt: RecordType) -> tuple[FieldSpec, ...]:
    """The key fields a list shows after the name: up to three indexed or choice fields."""
    names = set(name_fields(rt))
    picked = [
        spec
        for spec in rt.fields
        if spec.name not in names and spec.name != rt.id_field and (spec.indexed or spec.choices)
    ]
    return tuple(picked[:3])


def search_fields(rt: RecordType) -> list[tuple[str, str]]:
    """(value, label) of what the list's search can look in: the name fields first, then the
    other indexed text fields, then tags."""
    first = list(name_fields(rt))
    others = [
        s.name
        for s in rt.fields
        if s.kind is Kind.TEXT and s.indexed and s.name not in first and not s.read_only
    ]
    choices = [(name, field_label(name)) for name in first + others]
    if rt.has(Feature.TAGS):
        choices.append((TAGS_INPUT, "Tag"))
    return choices


def is_select_reference(spec: FieldSpec) -> bool:
    """A reference to a settings list (lead sources, categories: rows with a default or an
    active flag), chosen from a select. Any other reference (an organisation, a user, a team)
    is chosen with a picker that searches as one types."""
    if spec.references is None:
        return False
    target = by_singular(spec.references)
    return target.default_flag is not None or target.active_flag is not None


def picks(spec: FieldSpec) -> str | None:
    """The object name a reference's picker chooses from (None: not a picker)."""
    if spec.references is None or is_select_reference(spec):
        return None
    return by_singular(spec.references).singular


# --- controls --------------------------------------------------------------------------------


def standard_controls(
    rt: RecordType,
    choices: Mapping[str, Sequence[tuple[str, str]]],
    name_label: str | None = None,
) -> list[Control]:
    """The controls of a type's writable fields; `choices` are the options of each select
    reference (by field name)."""
    controls = []
    for spec in rt.writable_fields:
        label = spec_label(spec, name_label)
        hint = None
        if spec.lists is not None and spec.name in choices:
            kind, options = "multipick", tuple(choices[spec.name])
        elif spec.choices:
            kind, options = "select", tuple((c, c) for c in spec.choices)
        elif spec.name in choices:
            kind, options = "select", tuple(choices[spec.name])
        elif spec.kind is Kind.TEXT:
            long = spec.max_length is None or spec.max_length > _LONG_TEXT
            kind, options = ("textarea" if long else "text"), ()
        elif picks(spec) is not None:
            kind, options, hint = "picker", (), PICKER_HINT
        elif spec.kind is Kind.INT:
            kind, options = "number", ()
        elif spec.kind is Kind.DECIMAL:
            kind, options = "decimal", ()
        elif spec.kind is Kind.BOOL:
            kind, options = "checkbox", ()
        else:  # dates: those in UTC carry a time, the others are calendar days
            kind, options = ("datetime" if spec.name.endswith("_UTC") else "date"), ()
        section = field_section(spec.name)
        controls.append(
            Control(
                spec.name, label, kind, spec.required, options, hint, False, section, picks(spec)
            )
        )
    return controls


def custom_controls(definitions: Sequence[Wire]) -> list[Control]:
    """The controls of the editable, visible custom fields, in their FIELD_ORDER."""
    controls = []
    for defn in sorted(definitions, key=lambda d: (d["FIELD_ORDER"], d["FIELD_NAME"])):
        kind = _CUSTOM_CONTROLS.get(defn["FIELD_TYPE"])
        if kind is None or not defn["EDITABLE"] or not defn["VISIBLE"]:
            continue
        options = tuple(
            (o["OPTION_VALUE"], o["OPTION_VALUE"]) for o in defn["CUSTOM_FIELD_OPTIONS"]
        )
        hint = defn["FIELD_HELP_TEXT"]
        target = None
        if kind == "picker":
            target = defn["JOIN_OBJECT"]
            hint = hint or PICKER_HINT
            if not target:  # a lookup to nothing yet: its ID is typed
                kind = "number"
        controls.append(
            Control(
                defn["FIELD_NAME"],
                defn["FIELD_LABEL"],
                kind,
                False,
                options,
                hint,
                True,
                CUSTOM_SECTION,
                target,
            )
        )
    return controls


def picked_ids(controls: Sequence[Control], values: Mapping[str, Shown]) -> dict[str, set[int]]:
    """The ids each picker of a form shows now, by the object name it chooses from."""
    wanted: dict[str, set[int]] = {}
    for control in controls:
        value = values.get(control.name)
        if control.picks and isinstance(value, str) and value.isdigit() and len(value) <= 18:
            wanted.setdefault(control.picks, set()).add(int(value))
    return wanted


def with_current_option(control: Control, value: Shown) -> Control:
    """A select that also offers the value a record has now (an inactive category, say), so that
    saving the form does not change it."""
    if control.control == "multipick" and isinstance(value, list):
        offered = {option_value for option_value, _ in control.options}
        missing = tuple((v, f"User {v}") for v in value if v not in offered)
        return replace(control, options=(*control.options, *missing)) if missing else control
    if control.control != "select" or not isinstance(value, str) or not value:
        return control
    if any(option_value == value for option_value, _ in control.options):
        return control
    return replace(control, options=(*control.options, (value, value)))


# --- values shown ----------------------------------------------------------------------------


def shown_value(control: Control, value: Any) -> Shown:
    """A wire value as its control shows it."""
    if control.control == "checkbox":
        return bool(value)
    if control.control == "multiselect":
        return [part for part in str(value or "").split(";") if part]
    if control.control == "multipick":
        return [part.strip() for part in str(value or "").split(",") if part.strip()]
    if value is None:
        return ""
    if control.control in ("date", "datetime") and isinstance(value, str):
        day, _, time = value.partition(" ")
        if control.control == "date" and time in ("", "00:00:00"):
            return day
        return f"{day}T{time or '00:00:00'}"
    return str(value)


def control_for_value(control: Control, value: Shown) -> Control:
    """A date control whose value has a time of day becomes a date-and-time control, so that
    saving the form does not drop the time."""
    if control.control == "date" and isinstance(value, str) and "T" in value:
        return replace(control, control="datetime", options=())
    return control


def record_state(controls: Sequence[Control], record: Wire) -> dict[str, Shown]:
    """The values of a record as its edit form shows them."""
    custom = {item["FIELD_NAME"]: item["FIELD_VALUE"] for item in record.get("CUSTOMFIELDS", [])}
    values: dict[str, Shown] = {}
    for control in controls:
        raw = custom.get(control.name) if control.custom else record.get(control.name)
        values[control.name] = shown_value(control, raw)
    if "TAGS" in record:
        values[TAGS_INPUT] = ", ".join(tag["TAG_NAME"] for tag in record["TAGS"])
    return values


def default_state(
    rt: RecordType, controls: Sequence[Control], definitions: Sequence[Wire]
) -> dict[str, Shown]:
    """The values a new-record form starts with: the declared and custom field defaults."""
    defaults: dict[str, Any] = {spec.name: spec.default for spec in rt.writable_fields}
    defaults.update({d["FIELD_NAME"]: d["DEFAULT_VALUE"] for d in definitions})
    return {control.name: shown_value(control, defaults.get(control.name)) for control in controls}


def submitted_state(controls: Sequence[Control], form: FormData, tags: bool) -> dict[str, Shown]:
    """The values as the user sent them (to show the form again after an error)."""
    values: dict[str, Shown] = {}
    for control in controls:
        if control.control == "checkbox":
            values[control.name] = control.name in form
        elif control.control in ("multiselect", "multipick"):
            values[control.name] = [v for v in form.getlist(control.name) if isinstance(v, str)]
        else:
            values[control.name] = _text_of(form, control.name, control.control)
    if tags:
        values[TAGS_INPUT] = _text_of(form, TAGS_INPUT, "text")
    return values


# --- submitted values ------------------------------------------------------------------------


def body_from_form(
    controls: Sequence[Control], values: Mapping[str, Shown], tags: bool, creating: bool
) -> tuple[Wire, list[str]]:
    """The API body a form means, and the custom field name of each CUSTOMFIELDS item (to put
    an error about item N next to its control). An empty input clears its field on an edit and
    is left out of a new record (so that the field's default applies)."""
    body: Wire = {}
    custom_items: list[Wire] = []
    for control in controls:
        value = _body_value(control, values.get(control.name, ""))
        if value is None and creating:
            continue
        if control.custom:
            custom_items.append({"FIELD_NAME": control.name, "FIELD_VALUE": value})
        else:
            body[control.name] = value
    if custom_items:
        body["CUSTOMFIELDS"] = custom_items
    if tags:
        text = values.get(TAGS_INPUT, "")
        names = [name.strip() for name in str(text).split(",") if name.strip()]
        if names or not creating:
            body["TAGS"] = [{"TAG_NAME": name} for name in names]
    return body, [item["FIELD_NAME"] for item in custom_items]


def whole_graph(current: Wire, changes: Wire) -> Wire:
    """The record as read, with the form's changes applied: every sub-collection the form does
    not show is sent back as it is, so an edit never wipes it (the SDK's safe-update rule)."""
    body = {key: value for key, value in current.items() if key not in ("LOOKUPS", "LOOKED_UP_BY")}
    body.update({key: value for key, value in changes.items() if key != "CUSTOMFIELDS"})
    if "CUSTOMFIELDS" in current or "CUSTOMFIELDS" in changes:
        sent = changes.get("CUSTOMFIELDS", [])
        named = {item["FIELD_NAME"].lower() for item in sent}
        kept = [i for i in current.get("CUSTOMFIELDS", []) if i["FIELD_NAME"].lower() not in named]
        body["CUSTOMFIELDS"] = [*sent, *kept]  # the form's first: errors name items by index
    return body


def place_errors(
    errors: Sequence[FieldError], controls: Sequence[Control], custom_order: Sequence[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """Each error next to its control (by FIELD: EMAIL_ADDRESS, CUSTOMFIELDS[0].FIELD_VALUE,
    TAGS[1].TAG_NAME); the errors no control shows, as sentences for the top of the form."""
    names = {control.name.lower(): control.name for control in controls}
    by_control: dict[str, list[str]] = {}
    general: list[str] = []
    for error in errors:
        target = None
        custom = _CUSTOM_ITEM.match(error.field)
        if custom and int(custom.group(1)) < len(custom_order):
            target = custom_order[int(custom.group(1))]
        elif error.field.startswith(f"{TAGS_INPUT}["):
            target = TAGS_INPUT
        else:
            target = names.get(error.field.lower())
        if target is None:
            general.append(f"{error.field}: {error.message}")
        else:
            by_control.setdefault(target, []).append(error.message)
    return by_control, general


def _body_value(control: Control, value: Shown) -> Any:
    if control.control == "checkbox":
        return bool(value)
    if control.control in ("multiselect", "multipick"):
        chosen = value if isinstance(value, list) else []
        if control.control == "multipick":  # ids as one text: "3,5"
            return ",".join(chosen) or None
        return chosen or None
    text = value if isinstance(value, str) else ""
    return text if text.strip() else None


def _text_of(form: FormData, name: str, control: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if control == "textarea":  # browsers send CRLF line ends; stored text uses LF
        return value.replace("\r\n", "\n")
    return value.strip()


def sections(controls: Sequence[Control]) -> list[tuple[str, list[Control]]]:
    """The controls by form section, the sections in the order of their first control."""
    grouped: dict[str, list[Control]] = {}
    for control in controls:
        grouped.setdefault(control.section, []).append(control)
    return list(grouped.items())
