"""Writes rolodex/client/models.py, the SDK's typed records, from the registry.

The SDK must not import the server's packages, so its models are generated source, kept in the
repository; tests/test_client_models.py fails when the file is not what this module renders.
Run `python -m rolodex.wire.client_models` after changing a record type's fields.
"""

import sys
from pathlib import Path

from rolodex.domain.registry import (
    CUSTOM_OBJECT_RECORDS,
    RECORD_TYPES,
    Feature,
    Kind,
    RecordType,
)

MODELS_PATH = Path(__file__).resolve().parent.parent / "client" / "models.py"

_PYTHON_TYPES = {
    Kind.TEXT: "str",
    Kind.INT: "int",
    Kind.BOOL: "bool",
    Kind.DATETIME: "str",  # wire dates stay text: 'yyyy-MM-dd HH:mm:ss', UTC
    Kind.DECIMAL: "float",
}
_ARRAYS = (
    (Feature.CUSTOM_FIELDS, "CUSTOMFIELDS", "CustomField"),
    (Feature.TAGS, "TAGS", "Tag"),
    (Feature.DATES, "DATES", "DateItem"),
    (Feature.EMAIL_DOMAINS, "EMAILDOMAINS", "EmailDomain"),
    (Feature.LINKS, "LINKS", "Link"),
)
_HEADER = '''"""Typed records per record type, GENERATED from rolodex.domain.registry: do not edit.

Regenerate with `python -m rolodex.wire.client_models`. Each class is a dict (every key the
server sends is kept) whose declared fields also read as typed attributes (see record.py).
"""

from rolodex.client.record import CustomField, DateItem, EmailDomain, Link, Tag, WireRecord
'''


def _class_source(rt: RecordType, class_name: str, doc: str) -> str:
    lines = ["", "", f"class {class_name}(WireRecord):", f'    """{doc}"""', ""]
    lines.append("    __slots__ = ()")
    for spec in rt.fields:
        # Every field but the id may be null on the wire (contract §3).
        optional = "" if spec.name == rt.id_field else " | None"
        lines.append(f"    {spec.name}: {_PYTHON_TYPES[spec.kind]}{optional}")
    for feature, name, item in _ARRAYS:
        if rt.has(feature):
            lines.append(f"    {name}: list[{item}]")
    return "\n".join(lines) + "\n"


def render() -> str:
    """The source of rolodex/client/models.py."""
    parts = [_HEADER]
    for rt in RECORD_TYPES:
        parts.append(_class_source(rt, rt.singular, f"A record of {rt.collection}."))
    parts.append(
        _class_source(
            CUSTOM_OBJECT_RECORDS,
            "CustomObjectRecord",
            "A record of a custom object (its own fields are in CUSTOMFIELDS).",
        )
    )
    entries = "\n".join(f'    "{rt.collection}": {rt.singular},' for rt in RECORD_TYPES)
    parts.append(
        "\n\n# The record class of each collection; custom objects use CustomObjectRecord.\n"
        f"MODELS: dict[str, type[WireRecord]] = {{\n{entries}\n}}\n"
    )
    return "".join(parts)


def main() -> None:
    """Write the models file (or, with --check, exit 1 when it is out of date)."""
    source = render()
    if "--check" in sys.argv[1:]:
        sys.exit(0 if MODELS_PATH.read_text(encoding="utf-8") == source else 1)
    MODELS_PATH.write_text(source, encoding="utf-8")


if __name__ == "__main__":
    main()
