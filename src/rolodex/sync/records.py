"""Turning records read from one system into bodies to write to another."""

from collections.abc import Callable
from typing import Any

from rolodex.client.core import Record
from rolodex.domain.registry import (
    RECORD_TYPES,
    Feature,
    FieldSpec,
    Kind,
    RecordType,
    custom_object_type,
    resolve_object_name,
)

# References that mean something only inside their own system (users, settings rows): they are
# left out when writing elsewhere, so the target's defaults apply.
SYSTEM_REFERENCES = frozenset(
    {
        "OWNER_USER_ID",
        "RESPONSIBLE_USER_ID",
        "RESPONSIBLE_USER",
        "CREATED_USER_ID",
        "LEAD_SOURCE_ID",
        "LEAD_STATUS_ID",
        "CATEGORY_ID",
        "PIPELINE_ID",
        "STAGE_ID",
        "MILESTONE_ID",
    }
)

IdMap = dict[str, dict[str, int]]  # singular object name -> {source id (text): target id}
# The record types whose records are synced: a reference to one is mapped, never left out (a
# knowledge folder's CATEGORY_ID names a KnowledgeArticleCategory record, not a settings row).
_SYNCED = frozenset(rt.singular for rt in RECORD_TYPES if rt.singular != "User")


def _system_reference(spec: FieldSpec) -> bool:
    return spec.name in SYSTEM_REFERENCES and spec.references not in _SYNCED


def record_type(name: str) -> RecordType:
    """A record type by collection or singular name, or a custom object (Foo__c)."""
    found = resolve_object_name(name)
    if found is None:
        raise ValueError(f"unknown object '{name}'")
    if found.custom_object:
        return custom_object_type(name.strip())
    return found


def writable_body(
    rt: RecordType, record: Record, ids: IdMap, map_references: bool = True
) -> tuple[Record, list[str]]:
    """`record` as a create/update body for another system, and the problems found.

    Read-only and system fields are dropped; references to other records (unless
    `map_references` is false: they are the target's ids already) and LINKS are mapped through
    `ids` (a reference with no mapping is a problem); child ids are dropped.
    """
    upper = {key.upper(): value for key, value in record.items()}
    body: Record = {}
    problems: list[str] = []
    for spec in rt.writable_fields:
        if spec.name not in upper or _system_reference(spec):
            continue
        value = upper[spec.name]
        if spec.references is not None and value is not None and map_references:
            mapped = ids.get(spec.references, {}).get(str(value))
            if mapped is None:
                problems.append(f"{spec.name}: no {spec.references} {value} imported yet")
                continue
            value = mapped
        body[spec.name] = value
    if rt.has(Feature.CUSTOM_FIELDS) and "CUSTOMFIELDS" in upper:
        body["CUSTOMFIELDS"] = _items(
            upper["CUSTOMFIELDS"],
            lambda c: {"FIELD_NAME": c["FIELD_NAME"], "FIELD_VALUE": c.get("FIELD_VALUE")},
        )
    if rt.has(Feature.TAGS) and "TAGS" in upper:
        body["TAGS"] = _items(upper["TAGS"], lambda t: {"TAG_NAME": t["TAG_NAME"]})
    if rt.has(Feature.DATES) and "DATES" in upper:
        body["DATES"] = [
            {k: v for k, v in d.items() if k != "DATE_ID"} for d in upper["DATES"] or []
        ]
    if rt.has(Feature.EMAIL_DOMAINS) and "EMAILDOMAINS" in upper:
        body["EMAILDOMAINS"] = [{"EMAIL_DOMAIN": d["EMAIL_DOMAIN"]} for d in upper["EMAILDOMAINS"]]
    if rt.has(Feature.LINKS) and "LINKS" in upper:
        links, link_problems = map_links(upper["LINKS"] or [], ids)
        body["LINKS"] = links
        problems.extend(link_problems)
    return body, problems


def _items(items: Any, keep: Callable[[Record], Record]) -> Any:
    """The array's items with only what `keep` takes from each; an array of another shape is
    passed on as it is, for the target to refuse with its own reason."""
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return items if items is not None else []
    try:
        return [keep(item) for item in items]
    except KeyError:
        return items


def map_links(links: list[Record], ids: IdMap) -> tuple[list[Record], list[str]]:
    """Links seen from a record, their far ends mapped through `ids`."""
    mapped: list[Record] = []
    problems: list[str] = []
    for index, link in enumerate(links):
        target = resolve_object_name(str(link["LINK_OBJECT_NAME"]))
        name = target.singular if target is not None else str(link["LINK_OBJECT_NAME"])
        if target is not None and target.custom_object:
            name = str(link["LINK_OBJECT_NAME"])
        other = ids.get(name, {}).get(str(link["LINK_OBJECT_ID"]))
        if other is None:
            problems.append(f"LINKS[{index}]: no {name} {link['LINK_OBJECT_ID']} imported yet")
            continue
        mapped.append(
            {
                "LINK_OBJECT_NAME": name,
                "LINK_OBJECT_ID": other,
                "ROLE": link.get("ROLE"),
                "DETAILS": link.get("DETAILS"),
                "IS_FORWARD": link.get("IS_FORWARD"),
            }
        )
    return mapped, problems


def differs(rt: RecordType, current: Record, body: Record) -> bool:
    """Whether writing `body` over `current` would change anything."""
    for key, value in body.items():
        if key == "CUSTOMFIELDS":
            have = {c["FIELD_NAME"].lower(): c.get("FIELD_VALUE") for c in current.get(key) or []}
            if any(not _same(have.get(c["FIELD_NAME"].lower()), c["FIELD_VALUE"]) for c in value):
                return True
        elif key == "TAGS":
            have_tags = {t["TAG_NAME"].lower() for t in current.get(key) or []}
            if have_tags != {t["TAG_NAME"].lower() for t in value}:
                return True
        elif key == "LINKS":
            if _link_set(current.get(key) or []) != _link_set(value):
                return True
        elif key in ("DATES", "EMAILDOMAINS"):
            strip = {"DATE_ID", "EMAIL_DOMAIN_ID"}
            have_items = [{k: v for k, v in i.items() if k not in strip} for i in current[key]]
            if have_items != value:
                return True
        else:
            spec = rt.field_named(key)
            if not _same(current.get(key), value, spec.kind if spec else Kind.TEXT):
                return True
    return False


def _link_set(links: list[Record]) -> set[tuple[str, int, Any, Any]]:
    return {
        (
            str(k["LINK_OBJECT_NAME"]).lower(),
            int(k["LINK_OBJECT_ID"]),
            k.get("ROLE"),
            k.get("DETAILS"),
        )
        for k in links
    }


def _same(have: Any, want: Any, kind: Kind = Kind.TEXT) -> bool:
    if have == want:
        return True
    if have is None or want is None:
        return have in (None, "") and want in (None, "")
    if kind is Kind.BOOL or isinstance(have, bool):
        return str(have).lower() == str(want).strip().lower() or (
            str(want).strip() in ("1", "0") and have == (str(want).strip() == "1")
        )
    if kind in (Kind.INT, Kind.DECIMAL) or isinstance(have, int | float):
        try:
            return float(have) == float(want)
        except (TypeError, ValueError):
            return False
    if kind is Kind.DATETIME:
        return str(want).replace("T", " ").rstrip("Z").startswith(str(have)[:10]) and (
            len(str(want)) <= 10 or str(want).replace("T", " ")[:19] == str(have)[:19]
        )
    return str(have) == str(want)


def field_value(record: Record, name: str) -> Any:
    """The value of a field of a record or body: a custom field's (Name__c) from CUSTOMFIELDS."""
    if name.upper().endswith("__C"):
        for item in record.get("CUSTOMFIELDS") or []:
            if str(item["FIELD_NAME"]).lower() == name.lower():
                return item.get("FIELD_VALUE")
        return None
    return record.get(name.upper())


def match_key(value: Any) -> str:
    """A value as --match-on compares it: text in any case, around spaces (as Search does)."""
    return "" if value is None else str(value).strip().lower()
