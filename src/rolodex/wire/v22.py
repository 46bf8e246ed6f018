"""The v2.2 object graph, translated to and from the v3.1 record the services store.

v2.2 (reference facts 1.5, 2.14) kept addresses and contact points as sub-elements with ids of
their own; v3.1 stores them as flat fields. This module is pure: it maps one shape onto the other
and refuses, with a 400 naming the item, any v2.2 sub-element the v3.1 record has no place for,
so that nothing a v2.2 client writes is dropped without a word.

Mapping (v2.2 sub-element -> v3.1 field; the id column is the item's fixed id, see below):

| v2.2 item                                 | id | Contacts         | Organisations     |
|-------------------------------------------|----|------------------|-------------------|
| ADDRESS, ADDRESS_TYPE MAIL / BILLING      | 1  | ADDRESS_MAIL_*   | ADDRESS_BILLING_* |
| ADDRESS, ADDRESS_TYPE OTHER / SHIPPING    | 2  | ADDRESS_OTHER_*  | ADDRESS_SHIP_*    |
| CONTACTINFO TYPE EMAIL                    | 1  | EMAIL_ADDRESS    | (400: no field)   |
| CONTACTINFO TYPE PHONE, LABEL Work / none | 2  | PHONE            | PHONE             |
| CONTACTINFO TYPE PHONE, LABEL Home        | 3  | PHONE_HOME       | (400)             |
| CONTACTINFO TYPE PHONE, LABEL Mobile      | 4  | PHONE_MOBILE     | (400)             |
| CONTACTINFO TYPE PHONE, LABEL Other       | 5  | PHONE_OTHER      | (400)             |
| CONTACTINFO TYPE PHONE, LABEL Assistant   | 6  | PHONE_ASSISTANT  | (400)             |
| CONTACTINFO TYPE PHONE, LABEL Fax         | 7  | PHONE_FAX        | PHONE_FAX         |
| CONTACTINFO TYPE WEBSITE                  | 8  | (400: no field)  | WEBSITE           |
| CONTACTINFO TYPE SOCIAL, SUBTYPE LinkedIn | 9  | SOCIAL_LINKEDIN  | SOCIAL_LINKEDIN   |
| CONTACTINFO TYPE SOCIAL, SUBTYPE Facebook | 10 | SOCIAL_FACEBOOK  | SOCIAL_FACEBOOK   |
| CONTACTINFO TYPE SOCIAL, SUBTYPE Twitter  | 11 | SOCIAL_TWITTER   | SOCIAL_TWITTER    |
| DEFAULT_LINKED_ORGANISATION               |    | ORGANISATION_ID  | -                 |

- CUSTOMFIELDS {CUSTOM_FIELD_ID, FIELD_VALUE} <-> CUSTOMFIELDS {FIELD_NAME, FIELD_VALUE}: the
  v2.2 CUSTOM_FIELD_ID is the field's name (Rank__c); FIELD_NAME is also accepted on input.
- LINKS {LINK_ID, CONTACT_ID, ORGANISATION_ID, OPPORTUNITY_ID, PROJECT_ID, ROLE, DETAILS} <->
  LINKS to Contacts, Organisations, Opportunities and Projects (the record's own id field holds
  its id; exactly one other id field names the other end).
- CONTACTLINKS {CONTACT_LINK_ID, FIRST_CONTACT_ID, SECOND_CONTACT_ID, RELATIONSHIP_ID, DETAILS}
  <-> LINKS Contact -> Contact (IS_FORWARD false when this contact is SECOND); ORGANISATIONLINKS
  {ORG_LINK_ID, FIRST_/SECOND_ORGANISATION_ID, ...} the same for Organisation -> Organisation.
- TAGS, DATES, EMAILDOMAINS: the same items in both versions.
- Leads, Opportunities, Projects, Tasks, Events, Notes: no addresses or contact infos. Leads use
  v2.2's names ORGANIZATION_NAME, PHONE_NUMBER, MOBILE_PHONE_NUMBER, FAX_NUMBER, EMAIL_ADDRESS,
  WEBSITE_URL, CONVERTED_ORGANIZATION_ID and show no links (v2.2 had none on leads; a v2.2 PUT
  keeps them). Opportunities and Projects show LINKS as above (SECOND_OPPORTUNITY_ID /
  SECOND_PROJECT_ID for a link to one of their own kind); Tasks, Events, Notes and Emails show
  TASKLINKS / EVENTLINKS / NOTELINKS / EMAILLINKS {TASK_LINK_ID, ..., CONTACT_ID, ORGANISATION_ID,
  OPPORTUNITY_ID, PROJECT_ID, LEAD_ID}.
- The v3.1 names of the mapped fields (EMAIL_ADDRESS, ADDRESS_MAIL_CITY, ORGANISATION_ID on a
  Contact, ...) are no v2.2 fields: ignored in a v2.2 body, like any unknown key.

Ids: ADDRESS_ID and CONTACT_INFO_ID are the slot numbers above, the same for every record (an id
is unique within its record, which is what the v2.2 paths /Contacts/{id}/Addresses/{addressId}
need). A PUT that sends an item back therefore keeps its id; an item whose TYPE or LABEL moves
it to another slot takes that slot's id. Ids sent on input are not needed and not trusted.
Link ids are the v3.1 LINK_IDs.

What is refused (400, the item named, nothing written): a sub-element without ADDRESS_TYPE, TYPE
or DETAIL; an ADDRESS_TYPE, TYPE, LABEL or SUBTYPE with no slot (the label would be lost); an
address with no part set; two items for one slot (a third address, a second e-mail, two Home
phones). The only change on read-back: a PHONE sent without LABEL reads back as LABEL Work, and
the slot's spelling of ADDRESS_TYPE/LABEL/SUBTYPE is used whatever case was sent.
Links the v2.2 graph cannot show (to Leads, Tasks, custom objects, ...) are kept by a v2.2 PUT.
"""

from dataclasses import dataclass, field
from typing import Any

from rolodex.errors import BadRequest, FieldError, invalid_input

Record = dict[str, Any]

ADDRESS_PARTS = ("STREET", "CITY", "STATE", "POSTCODE", "COUNTRY")


@dataclass(frozen=True)
class AddressSlot:
    """One flat address of the v3.1 record: its fixed v2.2 id and ADDRESS_TYPE."""

    address_id: int
    address_type: str
    prefix: str  # ADDRESS_MAIL_ -> ADDRESS_MAIL_STREET, ...


@dataclass(frozen=True)
class InfoSlot:
    """One flat contact point of the v3.1 record, as a v2.2 contact info."""

    info_id: int
    info_type: str  # PHONE, EMAIL, WEBSITE, SOCIAL
    label: str | None  # PHONE: Work, Home, ...; None where the type has no label
    subtype: str | None  # SOCIAL: LinkedIn, Facebook, Twitter
    field: str


ADDRESS_SLOTS: dict[str, tuple[AddressSlot, ...]] = {
    "Contacts": (
        AddressSlot(1, "MAIL", "ADDRESS_MAIL_"),
        AddressSlot(2, "OTHER", "ADDRESS_OTHER_"),
    ),
    "Organisations": (
        AddressSlot(1, "BILLING", "ADDRESS_BILLING_"),
        AddressSlot(2, "SHIPPING", "ADDRESS_SHIP_"),
    ),
}

_EMAIL = InfoSlot(1, "EMAIL", None, None, "EMAIL_ADDRESS")
_PHONE = InfoSlot(2, "PHONE", "Work", None, "PHONE")
_PHONE_HOME = InfoSlot(3, "PHONE", "Home", None, "PHONE_HOME")
_PHONE_MOBILE = InfoSlot(4, "PHONE", "Mobile", None, "PHONE_MOBILE")
_PHONE_OTHER = InfoSlot(5, "PHONE", "Other", None, "PHONE_OTHER")
_PHONE_ASSISTANT = InfoSlot(6, "PHONE", "Assistant", None, "PHONE_ASSISTANT")
_PHONE_FAX = InfoSlot(7, "PHONE", "Fax", None, "PHONE_FAX")
_WEBSITE = InfoSlot(8, "WEBSITE", None, None, "WEBSITE")
_SOCIAL = (
    InfoSlot(9, "SOCIAL", None, "LinkedIn", "SOCIAL_LINKEDIN"),
    InfoSlot(10, "SOCIAL", None, "Facebook", "SOCIAL_FACEBOOK"),
    InfoSlot(11, "SOCIAL", None, "Twitter", "SOCIAL_TWITTER"),
)

INFO_SLOTS: dict[str, tuple[InfoSlot, ...]] = {
    "Contacts": (
        _EMAIL,
        _PHONE,
        _PHONE_HOME,
        _PHONE_MOBILE,
        _PHONE_OTHER,
        _PHONE_ASSISTANT,
        _PHONE_FAX,
        *_SOCIAL,
    ),
    "Organisations": (_PHONE, _PHONE_FAX, _WEBSITE, *_SOCIAL),
}


@dataclass(frozen=True)
class SameLinks:
    """The v2.2 array of a record's links to records of its own type (CONTACTLINKS)."""

    array: str
    item_id: str  # CONTACT_LINK_ID
    prefix: str  # CONTACT -> FIRST_CONTACT_ID, SECOND_CONTACT_ID


@dataclass(frozen=True)
class GraphType:
    """How one record type's v2.2 graph differs from its v3.1 record."""

    collection: str
    singular: str
    id_field: str
    # v2.2 names that differ from v3.1: {v2.2 name: v3.1 name}.
    renamed: dict[str, str] = field(default_factory=dict)
    # The v2.2 array of links to other records (None: v2.2 shows none), its item id, and the
    # id fields that name the other end: {v2.2 field: v3.1 object name}.
    link_array: str | None = "LINKS"
    link_id: str = "LINK_ID"
    link_fields: dict[str, str] = field(default_factory=dict)
    link_extras: tuple[str, ...] = ("ROLE", "DETAILS")
    same_links: SameLinks | None = None
    # The v3.1 arrays the record has (TAGS, DATES, EMAILDOMAINS, CUSTOMFIELDS, LINKS).
    arrays: tuple[str, ...] = ()


_ACTIVITY_LINK_FIELDS = {
    "CONTACT_ID": "Contact",
    "ORGANISATION_ID": "Organisation",
    "OPPORTUNITY_ID": "Opportunity",
    "PROJECT_ID": "Project",
    "LEAD_ID": "Lead",
}
_MAJOR = ("CUSTOMFIELDS", "TAGS", "LINKS")


def _activity(collection: str, singular: str, id_field: str, arrays: tuple[str, ...]) -> GraphType:
    prefix = id_field.removesuffix("_ID")
    return GraphType(
        collection,
        singular,
        id_field,
        link_array=f"{prefix}LINKS",
        link_id=f"{prefix}_LINK_ID",
        link_fields=_ACTIVITY_LINK_FIELDS,
        link_extras=(),
        arrays=arrays,
    )


GRAPH_TYPES = {
    graph.collection: graph
    for graph in (
        GraphType(
            "Contacts",
            "Contact",
            "CONTACT_ID",
            renamed={"DEFAULT_LINKED_ORGANISATION": "ORGANISATION_ID"},
            link_fields={
                "ORGANISATION_ID": "Organisation",
                "OPPORTUNITY_ID": "Opportunity",
                "PROJECT_ID": "Project",
            },
            same_links=SameLinks("CONTACTLINKS", "CONTACT_LINK_ID", "CONTACT"),
            arrays=(*_MAJOR, "DATES"),
        ),
        GraphType(
            "Organisations",
            "Organisation",
            "ORGANISATION_ID",
            link_fields={
                "CONTACT_ID": "Contact",
                "OPPORTUNITY_ID": "Opportunity",
                "PROJECT_ID": "Project",
            },
            same_links=SameLinks("ORGANISATIONLINKS", "ORG_LINK_ID", "ORGANISATION"),
            arrays=(*_MAJOR, "DATES", "EMAILDOMAINS"),
        ),
        GraphType(
            "Leads",
            "Lead",
            "LEAD_ID",
            renamed={
                "ORGANIZATION_NAME": "ORGANISATION_NAME",
                "PHONE_NUMBER": "PHONE",
                "MOBILE_PHONE_NUMBER": "MOBILE",
                "FAX_NUMBER": "FAX",
                "EMAIL_ADDRESS": "EMAIL",
                "WEBSITE_URL": "WEBSITE",
                "CONVERTED_ORGANIZATION_ID": "CONVERTED_ORGANISATION_ID",
            },
            link_array=None,
            arrays=_MAJOR,
        ),
        GraphType(
            "Opportunities",
            "Opportunity",
            "OPPORTUNITY_ID",
            link_fields={
                "CONTACT_ID": "Contact",
                "ORGANISATION_ID": "Organisation",
                "PROJECT_ID": "Project",
                "SECOND_OPPORTUNITY_ID": "Opportunity",
            },
            arrays=_MAJOR,
        ),
        GraphType(
            "Projects",
            "Project",
            "PROJECT_ID",
            link_fields={
                "CONTACT_ID": "Contact",
                "ORGANISATION_ID": "Organisation",
                "OPPORTUNITY_ID": "Opportunity",
                "SECOND_PROJECT_ID": "Project",
            },
            arrays=_MAJOR,
        ),
        _activity("Tasks", "Task", "TASK_ID", ("CUSTOMFIELDS", "LINKS")),
        _activity("Events", "Event", "EVENT_ID", ("CUSTOMFIELDS", "LINKS")),
        _activity("Notes", "Note", "NOTE_ID", ("LINKS",)),
        _activity("Emails", "Email", "EMAIL_ID", ("TAGS", "LINKS")),
    )
}

PASSED_THROUGH = ("TAGS", "DATES", "EMAILDOMAINS")
V31_ARRAYS = ("CUSTOMFIELDS", "TAGS", "DATES", "EMAILDOMAINS", "LINKS")


def graph_types() -> tuple[str, ...]:
    """The collections whose records this module translates."""
    return tuple(GRAPH_TYPES)


def flat_fields(collection: str) -> set[str]:
    """The v3.1 fields that v2.2 shows as sub-elements (not as top-level fields)."""
    addresses = ADDRESS_SLOTS.get(collection, ())
    fields = {slot.prefix + part for slot in addresses for part in ADDRESS_PARTS}
    return fields | {slot.field for slot in INFO_SLOTS.get(collection, ())}


def link_collections(collection: str) -> tuple[str, ...]:
    """The v2.2 link arrays of a record: LINKS, CONTACTLINKS, TASKLINKS, ..."""
    graph = GRAPH_TYPES[collection]
    names = [graph.link_array] if graph.link_array else []
    if graph.same_links:
        names.append(graph.same_links.array)
    return tuple(names)


def sub_collections(collection: str) -> tuple[str, ...]:
    """Every array of a v2.2 record of `collection` (what a full PUT replaces)."""
    graph = GRAPH_TYPES[collection]
    names = []
    if collection in ADDRESS_SLOTS:
        names += ["ADDRESSES", "CONTACTINFOS"]
    names += [name for name in graph.arrays if name != "LINKS"]
    return (*names, *link_collections(collection))


# ---------------------------------------------------------------------------------------------
# v3.1 -> v2.2


def addresses_of(collection: str, record: Record) -> list[Record]:
    """The v2.2 ADDRESSES of a v3.1 record: one per slot with any part set."""
    result = []
    for slot in ADDRESS_SLOTS[collection]:
        parts = {part: record.get(slot.prefix + part) for part in ADDRESS_PARTS}
        if any(value not in (None, "") for value in parts.values()):
            result.append(
                {"ADDRESS_ID": slot.address_id, "ADDRESS_TYPE": slot.address_type, **parts}
            )
    return result


def contact_infos_of(collection: str, record: Record) -> list[Record]:
    """The v2.2 CONTACTINFOS of a v3.1 record: one per slot whose field is set."""
    return [
        {
            "CONTACT_INFO_ID": slot.info_id,
            "TYPE": slot.info_type,
            "SUBTYPE": slot.subtype,
            "LABEL": slot.label,
            "DETAIL": record[slot.field],
        }
        for slot in INFO_SLOTS[collection]
        if record.get(slot.field) not in (None, "")
    ]


def _v22_link(collection: str, link: Record) -> tuple[str, Record] | None:
    """(v2.2 array, item) for one v3.1 link of a record of `collection`; None if v2.2 has none."""
    graph = GRAPH_TYPES[collection]
    other = link.get("LINK_OBJECT_NAME")
    other_id = link.get("LINK_OBJECT_ID")
    same = graph.same_links
    if same is not None and other == graph.singular:
        forward = link.get("IS_FORWARD") is not False
        this_id = link.get("OBJECT_ID")
        first, second = (this_id, other_id) if forward else (other_id, this_id)
        return same.array, {
            same.item_id: link.get("LINK_ID"),
            f"FIRST_{same.prefix}_ID": first,
            f"SECOND_{same.prefix}_ID": second,
            "RELATIONSHIP_ID": link.get("RELATIONSHIP_ID"),
            "DETAILS": link.get("DETAILS"),
        }
    names = {name: key for key, name in graph.link_fields.items()}
    if graph.link_array is None or other not in names:
        return None
    item: Record = {graph.link_id: link.get("LINK_ID"), graph.id_field: link.get("OBJECT_ID")}
    item.update({key: None for key in graph.link_fields})
    item[names[str(other)]] = other_id
    item.update({extra: link.get(extra) for extra in graph.link_extras})
    return graph.link_array, item


def to_v22(collection: str, record: Record) -> Record:
    """The v2.2 record for a v3.1 `record` of `collection` (brief when it has no arrays)."""
    graph = GRAPH_TYPES[collection]
    flat = flat_fields(collection)
    renamed = {v31: v22 for v22, v31 in graph.renamed.items()}
    result: Record = {
        renamed.get(key, key): value
        for key, value in record.items()
        if key not in flat and key not in V31_ARRAYS
    }
    if not any(name in record for name in V31_ARRAYS):  # brief: top-level fields only
        return result
    if collection in ADDRESS_SLOTS:
        result["ADDRESSES"] = addresses_of(collection, record)
        result["CONTACTINFOS"] = contact_infos_of(collection, record)
    if "CUSTOMFIELDS" in graph.arrays:
        result["CUSTOMFIELDS"] = [
            {"CUSTOM_FIELD_ID": item.get("FIELD_NAME"), "FIELD_VALUE": item.get("FIELD_VALUE")}
            for item in record.get("CUSTOMFIELDS") or []
        ]
    for name in PASSED_THROUGH:
        if name in graph.arrays:
            result[name] = record.get(name) or []
    links: dict[str, list[Record]] = {name: [] for name in link_collections(collection)}
    for link in record.get("LINKS") or []:
        found = _v22_link(collection, link)
        if found is not None:
            links[found[0]].append(found[1])
    result.update(links)
    return result


def v22_names(collection: str) -> dict[str, str]:
    """{v3.1 field: how a v2.2 client knows it}, for the fields whose names differ.

    ADDRESS_MAIL_STREET -> ADDRESSES[MAIL].STREET, PHONE_HOME -> CONTACTINFOS[PHONE Home].DETAIL,
    Lead EMAIL -> EMAIL_ADDRESS, ...: so that a 400 from the v3.1 rules names the v2.2 item.
    """
    names = {v31: v22 for v22, v31 in GRAPH_TYPES[collection].renamed.items()}
    for slot in ADDRESS_SLOTS.get(collection, ()):
        for part in ADDRESS_PARTS:
            names[slot.prefix + part] = f"ADDRESSES[{slot.address_type}].{part}"
    for info in INFO_SLOTS.get(collection, ()):
        what = " ".join(str(x) for x in (info.info_type, info.label or info.subtype) if x)
        names[info.field] = f"CONTACTINFOS[{what}].DETAIL"
    names["CUSTOMFIELDS"] = "CUSTOMFIELDS"
    return names


def renamed_error(collection: str, error: BadRequest) -> BadRequest:
    """`error` (a 400 of the v3.1 rules) with its fields named as the v2.2 graph names them."""
    names = v22_names(collection)
    errors = [FieldError(names.get(e.field, e.field), e.message) for e in error.errors]
    message = error.message
    for e in error.errors:
        if e.field in names and e.field != names[e.field]:
            message = message.replace(f"{e.field}:", f"{names[e.field]}:")
    return BadRequest(message, errors, error.headers)


def shown_in_v22(collection: str, record: Record) -> Record:
    """A v3.1 record as /v2.2 shows it: in the v2 graph for the types that have one."""
    return to_v22(collection, record) if collection in GRAPH_TYPES else record


# ---------------------------------------------------------------------------------------------
# v2.2 -> v3.1


class _Problems:
    """The items a v2.2 body is refused for, gathered so that one 400 names them all."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, where: str, message: str) -> None:
        self.errors.append(FieldError(where, message))

    def raise_any(self) -> None:
        if self.errors:
            raise invalid_input(self.errors)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return None


def _items(body: Record, name: str, problems: _Problems) -> list[Record] | None:
    """The array `name` of the body (None when absent); a non-array is a problem."""
    if name not in body:
        return None
    value = body[name]
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(name, "must be an array")
        return []
    good = []
    for index, item in enumerate(value):
        if isinstance(item, dict):
            good.append(item)
        else:
            problems.add(f"{name}[{index}]", "must be an object")
    return good


def address_fields(collection: str, items: list[Record], problems: _Problems) -> Record:
    """The v3.1 address fields for v2.2 ADDRESSES (every slot's fields, None where unsent)."""
    slots = {slot.address_type: slot for slot in ADDRESS_SLOTS[collection]}
    allowed = " or ".join(slots)
    fields: Record = {
        slot.prefix + part: None for slot in ADDRESS_SLOTS[collection] for part in ADDRESS_PARTS
    }
    taken: dict[str, int] = {}
    for index, item in enumerate(items):
        where = f"ADDRESSES[{index}]"
        kind = _text(item.get("ADDRESS_TYPE"))
        if kind is None:
            problems.add(f"{where}.ADDRESS_TYPE", f"is required ({allowed})")
            continue
        slot = slots.get(kind.upper())
        if slot is None:
            problems.add(
                f"{where}.ADDRESS_TYPE",
                f"'{kind}' cannot be stored: a {collection[:-1]} keeps one {allowed} address each",
            )
            continue
        if slot.address_type in taken:
            problems.add(
                where,
                f"is a second {slot.address_type} address (ADDRESSES[{taken[slot.address_type]}] "
                "is the first); a record keeps one of each type",
            )
            continue
        taken[slot.address_type] = index
        parts = {part: _text(item.get(part)) for part in ADDRESS_PARTS}
        if all(value is None for value in parts.values()):
            problems.add(where, "has none of STREET, CITY, STATE, POSTCODE, COUNTRY set")
            continue
        fields.update({slot.prefix + part: value for part, value in parts.items()})
    return fields


def _info_slot(collection: str, item: Record, where: str, problems: _Problems) -> InfoSlot | None:
    kind = _text(item.get("TYPE"))
    slots = INFO_SLOTS[collection]
    kinds = sorted({slot.info_type for slot in slots})
    if kind is None:
        problems.add(f"{where}.TYPE", f"is required ({', '.join(kinds)})")
        return None
    kind = kind.upper()
    candidates = [slot for slot in slots if slot.info_type == kind]
    if not candidates:
        problems.add(
            f"{where}.TYPE",
            f"{kind} cannot be stored on a {collection[:-1]} (it keeps {', '.join(kinds)})",
        )
        return None
    label = _text(item.get("LABEL"))
    subtype = _text(item.get("SUBTYPE"))
    if kind == "PHONE":
        wanted = (label or "Work").lower()
        for slot in candidates:
            if (slot.label or "").lower() == wanted:
                return slot
        labels = ", ".join(str(slot.label) for slot in candidates)
        problems.add(f"{where}.LABEL", f"'{label}' cannot be stored; a PHONE's LABEL is {labels}")
        return None
    if kind == "SOCIAL":
        wanted = (subtype or label or "").lower()
        for slot in candidates:
            if (slot.subtype or "").lower() == wanted:
                return slot
        names = ", ".join(str(slot.subtype) for slot in candidates)
        problems.add(f"{where}.SUBTYPE", f"'{subtype or ''}' cannot be stored; one of {names}")
        return None
    for name, value in (("LABEL", label), ("SUBTYPE", subtype)):
        if value is not None:
            problems.add(f"{where}.{name}", f"cannot be stored on a {kind} contact info")
            return None
    return candidates[0]


def contact_info_fields(collection: str, items: list[Record], problems: _Problems) -> Record:
    """The v3.1 contact fields for v2.2 CONTACTINFOS (every slot's field, None where unsent)."""
    fields: Record = {slot.field: None for slot in INFO_SLOTS[collection]}
    taken: dict[int, int] = {}
    for index, item in enumerate(items):
        where = f"CONTACTINFOS[{index}]"
        slot = _info_slot(collection, item, where, problems)
        if slot is None:
            continue
        if slot.info_id in taken:
            what = " ".join(str(x) for x in (slot.label, slot.subtype, slot.info_type) if x)
            problems.add(
                where,
                f"is a second {what} (CONTACTINFOS[{taken[slot.info_id]}] is the first); "
                f"a record keeps one, in {slot.field}",
            )
            continue
        detail = _text(item.get("DETAIL"))
        if detail is None:
            problems.add(f"{where}.DETAIL", "is required")
            continue
        taken[slot.info_id] = index
        fields[slot.field] = detail
    return fields


def custom_fields_in(items: list[Record], problems: _Problems) -> list[Record]:
    """v3.1 CUSTOMFIELDS items for v2.2 ones ({CUSTOM_FIELD_ID, FIELD_VALUE})."""
    result = []
    for index, item in enumerate(items):
        name = item.get("CUSTOM_FIELD_ID", item.get("FIELD_NAME"))
        if not isinstance(name, str) or not name.strip():
            problems.add(f"CUSTOMFIELDS[{index}].CUSTOM_FIELD_ID", "is required")
            continue
        result.append({"FIELD_NAME": name.strip(), "FIELD_VALUE": item.get("FIELD_VALUE")})
    return result


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def links_in(
    collection: str, body: Record, record_id: int | None, problems: _Problems
) -> list[Record] | None:
    """v3.1 LINKS for the v2.2 link arrays of `body` (None when it has none of them)."""
    graph = GRAPH_TYPES[collection]
    plain = _items(body, graph.link_array, problems) if graph.link_array else None
    same = graph.same_links
    same_items = _items(body, same.array, problems) if same else None
    if plain is None and same_items is None:
        return None
    result: list[Record] = []
    for index, item in enumerate(plain or []):
        where = f"{graph.link_array}[{index}]"
        others = [
            (key, _int(item.get(key))) for key in graph.link_fields if item.get(key) is not None
        ]
        if len(others) != 1 or others[0][1] is None:
            problems.add(
                where,
                f"must name exactly one other record by one of {', '.join(graph.link_fields)}",
            )
            continue
        key, other_id = others[0]
        link: Record = {
            "LINK_ID": _int(item.get(graph.link_id)),
            "LINK_OBJECT_NAME": graph.link_fields[key],
            "LINK_OBJECT_ID": other_id,
        }
        link.update({extra: item.get(extra) for extra in graph.link_extras})
        result.append(link)
    for index, item in enumerate(same_items or []):
        assert same is not None
        where = f"{same.array}[{index}]"
        first = _int(item.get(f"FIRST_{same.prefix}_ID"))
        second = _int(item.get(f"SECOND_{same.prefix}_ID"))
        # The other end is whichever is not this record; a missing end is this record, and a
        # record not yet created is FIRST.
        if record_id is not None:
            first = record_id if first is None else first
            second = record_id if second is None else second
        forward = record_id is None or first == record_id
        other = second if forward else first
        if other is None or (record_id is not None and record_id not in (first, second)):
            problems.add(
                where, f"must have this {graph.singular} as FIRST_ or SECOND_{same.prefix}_ID"
            )
            continue
        result.append(
            {
                "LINK_ID": _int(item.get(same.item_id)),
                "LINK_OBJECT_NAME": graph.singular,
                "LINK_OBJECT_ID": other,
                "RELATIONSHIP_ID": _int(item.get("RELATIONSHIP_ID")),
                "IS_FORWARD": forward,
                "DETAILS": item.get("DETAILS"),
            }
        )
    return result


def _set(fields: Record) -> Record:
    """The fields that have a value (a POST leaves the others unset)."""
    return {key: value for key, value in fields.items() if value is not None}


def _representable(collection: str, link: Record) -> bool:
    return _v22_link(collection, link) is not None


def from_v22(
    collection: str,
    body: Record,
    *,
    record_id: int | None = None,
    current: Record | None = None,
    brief: bool = False,
) -> Record:
    """The v3.1 write body for a v2.2 body (its keys upper-cased) of `collection`.

    `current` is the stored v3.1 record when this is a full PUT: the v2.2 graph then replaces
    it whole, sub-collections left out included (custom fields not sent are cleared; links the
    v2.2 graph cannot show are kept). Without `current` (a POST), what is absent stays unset.
    `brief`: a PUT ?brief=true, which changes top-level fields only.
    Raises a 400 naming every sub-element that cannot be stored.
    """
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    replacing = current is not None and not brief
    graph = GRAPH_TYPES[collection]
    flat = flat_fields(collection)
    renamed = graph.renamed
    arrays = set(sub_collections(collection))
    result: Record = {}
    for key, value in body.items():
        if key in arrays or key in flat or key in renamed.values():
            continue  # the graph, and v3.1's own names, which are no v2.2 fields
        result[renamed.get(key, key)] = value
    if brief:
        return result
    problems = _Problems()
    if collection in ADDRESS_SLOTS:
        addresses = _items(body, "ADDRESSES", problems)
        if addresses is not None or replacing:
            fields = address_fields(collection, addresses or [], problems)
            result.update(fields if replacing else _set(fields))
        infos = _items(body, "CONTACTINFOS", problems)
        if infos is not None or replacing:
            fields = contact_info_fields(collection, infos or [], problems)
            result.update(fields if replacing else _set(fields))
    custom = _items(body, "CUSTOMFIELDS", problems) if "CUSTOMFIELDS" in graph.arrays else None
    if custom is not None or (replacing and "CUSTOMFIELDS" in graph.arrays):
        sent = custom_fields_in(custom or [], problems)
        names = {item["FIELD_NAME"].upper() for item in sent}
        cleared = [
            {"FIELD_NAME": item["FIELD_NAME"], "FIELD_VALUE": None}
            for item in (current or {}).get("CUSTOMFIELDS") or []
            if str(item.get("FIELD_NAME", "")).upper() not in names
        ]
        result["CUSTOMFIELDS"] = sent + cleared
    for name in PASSED_THROUGH:
        if name not in arrays:
            continue
        items = _items(body, name, problems)
        if items is not None or replacing:
            result[name] = items or []
    links = links_in(collection, body, record_id, problems)
    if links is not None or (replacing and link_collections(collection)):
        kept = [
            link
            for link in (current or {}).get("LINKS") or []
            if not _representable(collection, link)
        ]
        result["LINKS"] = (links or []) + kept
    problems.raise_any()
    return result
