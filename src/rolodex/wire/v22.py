"""The v2.2 object graph, translated to and from the v3.1 record the services store.

v2.2 (reference facts 1.5, 2.14) kept addresses and contact points as sub-elements with ids of
their own; v3.1 stores them as flat fields. This module is pure: it maps one shape onto the other,
and what the v3.1 record has no field for goes into the record's v2.2 extension (stored beside
the record by rolodex.storage.extensions, under the name WIRE), so that nothing a v2.2 client
writes is lost and everything it wrote reads back through v2.2.

Mapping (v2.2 sub-element -> v3.1 field; the id column is the item's fixed id, see below):

| v2.2 item                                 | id | Contacts         | Organisations     |
|-------------------------------------------|----|------------------|-------------------|
| ADDRESS, ADDRESS_TYPE MAIL (or WORK,      | 1  | ADDRESS_MAIL_*   | -                 |
|   POSTAL, BUSINESS, PRIMARY)              |    |                  |                   |
| ADDRESS, ADDRESS_TYPE OTHER (or HOME)     | 2  | ADDRESS_OTHER_*  | -                 |
| ADDRESS, ADDRESS_TYPE BILLING (or MAIL,   | 1  | -                | ADDRESS_BILLING_* |
|   WORK, POSTAL, BUSINESS, PRIMARY)        |    |                  |                   |
| ADDRESS, ADDRESS_TYPE SHIPPING (or SHIP,  | 2  | -                | ADDRESS_SHIP_*    |
|   DELIVERY, OTHER)                        |    |                  |                   |
| CONTACTINFO TYPE EMAIL (any LABEL)        | 1  | EMAIL_ADDRESS    | (extra)           |
| CONTACTINFO TYPE PHONE, LABEL Work / none | 2  | PHONE            | PHONE             |
|   (or Business, Office, Main)             |    |                  |                   |
| CONTACTINFO TYPE PHONE, LABEL Home        | 3  | PHONE_HOME       | (extra)           |
| CONTACTINFO TYPE PHONE, LABEL Mobile/Cell | 4  | PHONE_MOBILE     | (extra)           |
| CONTACTINFO TYPE PHONE, LABEL Other       | 5  | PHONE_OTHER      | (extra)           |
| CONTACTINFO TYPE PHONE, LABEL Assistant   | 6  | PHONE_ASSISTANT  | (extra)           |
| CONTACTINFO TYPE PHONE, LABEL Fax         | 7  | PHONE_FAX        | PHONE_FAX         |
| CONTACTINFO TYPE WEBSITE (any LABEL)      | 8  | (extra)          | WEBSITE           |
| CONTACTINFO TYPE SOCIAL, SUBTYPE LinkedIn | 9  | SOCIAL_LINKEDIN  | SOCIAL_LINKEDIN   |
| CONTACTINFO TYPE SOCIAL, SUBTYPE Facebook | 10 | SOCIAL_FACEBOOK  | SOCIAL_FACEBOOK   |
| CONTACTINFO TYPE SOCIAL, SUBTYPE Twitter/X| 11 | SOCIAL_TWITTER   | SOCIAL_TWITTER    |
| DEFAULT_LINKED_ORGANISATION               |    | ORGANISATION_ID  | -                 |

(Types, labels and subtypes match in any case.)

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

What v3.1 has no field for - the extension (one JSON body per record, read with the record):
- An address or contact info that fits no free slot - a third address, a second e-mail, a
  contact's WEBSITE, an organisation's e-mail, a PHONE labelled Cottage, a TYPE such as SKYPE -
  is an *extra*: kept as sent (TYPE, SUBTYPE, LABEL, DETAIL; ADDRESS_TYPE and the parts) with an
  id of its own from 100 up (never reused within the record), and shown after the slot items.
- How an item in a slot names it - ADDRESS_TYPE Work for the MAIL slot, an e-mail's LABEL Home, a
  phone sent without LABEL, TYPE written Phone - is kept with the value the slot held when it
  was written, and shown while the slot still holds that value: a v3.1 write that changes the
  field (PHONE_HOME, ADDRESS_MAIL_*) lets it lapse, and the item reads back in the slot's own
  names; a v3.1 write never touches the extras.
- A v2.2 PUT replaces the extension with the graph it sends, like the rest of the graph.

Ids: ADDRESS_ID and CONTACT_INFO_ID of a slot item are the slot numbers above, the same for every
record (an id is unique within its record, which is what the v2.2 paths
/Contacts/{id}/Addresses/{addressId} need). A PUT that sends an item back keeps its id: a slot
item sent with its slot's id keeps the slot, an extra sent with its id stays that extra (even
when a slot has come free: send it without its id to move it into the slot). Any other item
takes the free slot it fits, else becomes a new extra. Ids sent on input are never trusted
beyond that. Link ids are the v3.1 LINK_IDs.

What is refused (400, the item named, nothing written): a sub-element without ADDRESS_TYPE, TYPE
or DETAIL; an address with no part set; a text longer than 255 characters; more than 50
addresses or contact infos. Links the v2.2 graph cannot show (to Leads, Tasks, custom objects,
...) are kept by a v2.2 PUT.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rolodex.errors import BadRequest, FieldError, invalid_input
from rolodex.wire.output import EXTENSION_KEY

Record = dict[str, Any]

ADDRESS_PARTS = ("STREET", "CITY", "STATE", "POSTCODE", "COUNTRY")


WIRE = "v2.2"  # the name of v2.2's extension of a record (rolodex.storage.extensions)
FIRST_EXTRA_ID = 100  # extras' ids start above every slot's
MAX_ITEMS = 50  # addresses, and contact infos, per record
MAX_TEXT = 255  # characters in each text of an extra (the v3.1 fields have their own limits)


@dataclass(frozen=True)
class AddressSlot:
    """One flat address of the v3.1 record: its fixed v2.2 id and ADDRESS_TYPE."""

    address_id: int
    address_type: str
    prefix: str  # ADDRESS_MAIL_ -> ADDRESS_MAIL_STREET, ...
    aliases: tuple[str, ...] = ()  # the other ADDRESS_TYPEs it holds (upper case)

    def fits(self, kind: str) -> bool:
        return kind.upper() in (self.address_type, *self.aliases)


@dataclass(frozen=True)
class InfoSlot:
    """One flat contact point of the v3.1 record, as a v2.2 contact info."""

    info_id: int
    info_type: str  # PHONE, EMAIL, WEBSITE, SOCIAL
    label: str | None  # PHONE: Work, Home, ...; None where the type has no label
    subtype: str | None  # SOCIAL: LinkedIn, Facebook, Twitter
    field: str
    aliases: tuple[str, ...] = ()  # the other LABELs (PHONE) or SUBTYPEs (SOCIAL), upper case

    def fits(self, kind: str, label: str | None, subtype: str | None) -> bool:
        """Whether an item of TYPE `kind` (upper case), LABEL and SUBTYPE belongs here."""
        if kind != self.info_type:
            return False
        if kind == "PHONE":
            wanted = (label or "Work").upper()
            return wanted in (str(self.label).upper(), *self.aliases)
        if kind == "SOCIAL":
            wanted = (subtype or label or "").upper()
            return wanted in (str(self.subtype).upper(), *self.aliases)
        return True  # EMAIL, WEBSITE: one slot, whatever the label

    def names(self) -> Record:
        """How this slot names its items: TYPE, SUBTYPE, LABEL."""
        return {"TYPE": self.info_type, "SUBTYPE": self.subtype, "LABEL": self.label}


ADDRESS_SLOTS: dict[str, tuple[AddressSlot, ...]] = {
    "Contacts": (
        AddressSlot(1, "MAIL", "ADDRESS_MAIL_", ("WORK", "POSTAL", "BUSINESS", "PRIMARY")),
        AddressSlot(2, "OTHER", "ADDRESS_OTHER_", ("HOME",)),
    ),
    "Organisations": (
        AddressSlot(
            1, "BILLING", "ADDRESS_BILLING_", ("MAIL", "WORK", "POSTAL", "BUSINESS", "PRIMARY")
        ),
        AddressSlot(2, "SHIPPING", "ADDRESS_SHIP_", ("SHIP", "DELIVERY", "OTHER")),
    ),
}

_EMAIL = InfoSlot(1, "EMAIL", None, None, "EMAIL_ADDRESS")
_PHONE = InfoSlot(2, "PHONE", "Work", None, "PHONE", ("BUSINESS", "OFFICE", "MAIN"))
_PHONE_HOME = InfoSlot(3, "PHONE", "Home", None, "PHONE_HOME")
_PHONE_MOBILE = InfoSlot(4, "PHONE", "Mobile", None, "PHONE_MOBILE", ("CELL",))
_PHONE_OTHER = InfoSlot(5, "PHONE", "Other", None, "PHONE_OTHER")
_PHONE_ASSISTANT = InfoSlot(6, "PHONE", "Assistant", None, "PHONE_ASSISTANT")
_PHONE_FAX = InfoSlot(7, "PHONE", "Fax", None, "PHONE_FAX")
_WEBSITE = InfoSlot(8, "WEBSITE", None, None, "WEBSITE")
_SOCIAL = (
    InfoSlot(9, "SOCIAL", None, "LinkedIn", "SOCIAL_LINKEDIN"),
    InfoSlot(10, "SOCIAL", None, "Facebook", "SOCIAL_FACEBOOK"),
    InfoSlot(11, "SOCIAL", None, "Twitter", "SOCIAL_TWITTER", ("X",)),
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


def _spelled(extension: Record, array: str, item_id: int, value: Any) -> Record:
    """How the item in slot `item_id` was named when written, while the slot holds `value`."""
    entry = ((extension.get("SPELLED") or {}).get(array) or {}).get(str(item_id))
    if not entry or entry.get("VALUE") != value:
        return {}
    return {key: name for key, name in entry.items() if key != "VALUE"}


def _address_value(slot: AddressSlot, record: Record) -> Record:
    return {part: record.get(slot.prefix + part) for part in ADDRESS_PARTS}


def addresses_of(collection: str, record: Record, extension: Record) -> list[Record]:
    """The v2.2 ADDRESSES of a v3.1 record: one per slot with any part set, then the extras."""
    result = []
    for slot in ADDRESS_SLOTS[collection]:
        parts = _address_value(slot, record)
        if any(value not in (None, "") for value in parts.values()):
            item = {"ADDRESS_ID": slot.address_id, "ADDRESS_TYPE": slot.address_type, **parts}
            item.update(_spelled(extension, "ADDRESSES", slot.address_id, parts))
            result.append(item)
    return result + [dict(item) for item in extension.get("ADDRESSES") or []]


def contact_infos_of(collection: str, record: Record, extension: Record) -> list[Record]:
    """The v2.2 CONTACTINFOS of a v3.1 record: one per slot whose field is set, then the
    extras."""
    result = []
    for slot in INFO_SLOTS[collection]:
        detail = record.get(slot.field)
        if detail not in (None, ""):
            item = {"CONTACT_INFO_ID": slot.info_id, **slot.names(), "DETAIL": detail}
            item.update(_spelled(extension, "CONTACTINFOS", slot.info_id, detail))
            result.append(item)
    return result + [dict(item) for item in extension.get("CONTACTINFOS") or []]


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
    """The v2.2 record for a v3.1 `record` of `collection` (brief when it has no arrays); the
    record's v2.2 extension, if it was read with it, is under EXTENSION_KEY."""
    graph = GRAPH_TYPES[collection]
    flat = flat_fields(collection)
    renamed = {v31: v22 for v22, v31 in graph.renamed.items()}
    extension: Record = record.get(EXTENSION_KEY) or {}
    result: Record = {
        renamed.get(key, key): value
        for key, value in record.items()
        if key not in flat and key not in V31_ARRAYS and key != EXTENSION_KEY
    }
    if not any(name in record for name in V31_ARRAYS):  # brief: top-level fields only
        return result
    if collection in ADDRESS_SLOTS:
        result["ADDRESSES"] = addresses_of(collection, record, extension)
        result["CONTACTINFOS"] = contact_infos_of(collection, record, extension)
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


@dataclass
class _Sent:
    """One address or contact info of a v2.2 body, checked."""

    sent_id: int | None  # its ADDRESS_ID / CONTACT_INFO_ID as sent
    slot: int | None  # the id of the slot it fits (None: the v3.1 record has no field for it)
    shown: Record  # the item as v2.2 shows it, without its id
    spelled: Record  # how it names its slot, where that differs from the slot's own names


@dataclass
class _Placed:
    """A v2.2 array's items placed: {slot id: item} and the extras (with their ids)."""

    in_slot: dict[int, _Sent]
    extras: list[Record]


def _place(sent: list[_Sent], id_field: str, known: set[int], ids: list[int]) -> _Placed:
    """Place items in their slots, or as extras (see the module's notes on ids).

    `known`: the ids of the record's current extras; `ids`: [the next new extra id], advanced."""
    in_slot: dict[int, _Sent] = {}
    extras: dict[int, Record] = {}
    rest = []
    for item in sent:
        if item.slot is not None and item.sent_id == item.slot and item.slot not in in_slot:
            in_slot[item.slot] = item
        elif item.sent_id is not None and item.sent_id in known and item.sent_id not in extras:
            extras[item.sent_id] = {id_field: item.sent_id, **item.shown}
        else:
            rest.append(item)
    for item in rest:
        if item.slot is not None and item.slot not in in_slot:
            in_slot[item.slot] = item
        else:
            extras[ids[0]] = {id_field: ids[0], **item.shown}
            ids[0] += 1
    return _Placed(in_slot, [extras[key] for key in sorted(extras)])


def _checked(where: str, values: Record, problems: _Problems) -> bool:
    """Whether no text of an item is too long (each one too long is a problem)."""
    fine = True
    for key, value in values.items():
        if value is not None and len(value) > MAX_TEXT:
            problems.add(f"{where}.{key}", f"is longer than {MAX_TEXT} characters")
            fine = False
    return fine


def _counted(array: str, items: list[Record], problems: _Problems) -> list[Record]:
    if len(items) > MAX_ITEMS:
        problems.add(array, f"has {len(items)} items; a record keeps at most {MAX_ITEMS}")
        return []
    return items


def _sent_addresses(collection: str, items: list[Record], problems: _Problems) -> list[_Sent]:
    result = []
    for index, item in enumerate(_counted("ADDRESSES", items, problems)):
        where = f"ADDRESSES[{index}]"
        kind = _text(item.get("ADDRESS_TYPE"))
        if kind is None:
            problems.add(f"{where}.ADDRESS_TYPE", "is required")
            continue
        parts = {part: _text(item.get(part)) for part in ADDRESS_PARTS}
        if all(value is None for value in parts.values()):
            problems.add(where, "has none of STREET, CITY, STATE, POSTCODE, COUNTRY set")
            continue
        shown = {"ADDRESS_TYPE": kind, **parts}
        if not _checked(where, shown, problems):
            continue
        slot = next((slot for slot in ADDRESS_SLOTS[collection] if slot.fits(kind)), None)
        spelled = {} if slot is None or kind == slot.address_type else {"ADDRESS_TYPE": kind}
        result.append(
            _Sent(
                _int(item.get("ADDRESS_ID")),
                None if slot is None else slot.address_id,
                shown,
                spelled,
            )
        )
    return result


def _sent_infos(collection: str, items: list[Record], problems: _Problems) -> list[_Sent]:
    result = []
    for index, item in enumerate(_counted("CONTACTINFOS", items, problems)):
        where = f"CONTACTINFOS[{index}]"
        kind = _text(item.get("TYPE"))
        detail = _text(item.get("DETAIL"))
        if kind is None:
            problems.add(f"{where}.TYPE", "is required (EMAIL, PHONE, WEBSITE, SOCIAL, ...)")
        if detail is None:
            problems.add(f"{where}.DETAIL", "is required")
        if kind is None or detail is None:
            continue
        label, subtype = _text(item.get("LABEL")), _text(item.get("SUBTYPE"))
        shown = {"TYPE": kind, "SUBTYPE": subtype, "LABEL": label, "DETAIL": detail}
        if not _checked(where, shown, problems):
            continue
        slots = INFO_SLOTS[collection]
        slot = next((slot for slot in slots if slot.fits(kind.upper(), label, subtype)), None)
        spelled = {}
        if slot is not None:
            spelled = {k: shown[k] for k, name in slot.names().items() if shown[k] != name}
        result.append(
            _Sent(
                _int(item.get("CONTACT_INFO_ID")),
                None if slot is None else slot.info_id,
                shown,
                spelled,
            )
        )
    return result


@dataclass
class _Graph:
    """The addresses and contact infos of a v2.2 body, placed: their v3.1 fields (every slot's,
    None where nothing was placed) and what goes into the record's extension."""

    fields: Record = field(default_factory=dict)
    placed: dict[str, _Placed] = field(default_factory=dict)  # ADDRESSES / CONTACTINFOS
    next_id: int = FIRST_EXTRA_ID

    def extension(self, collection: str, stored: Record) -> Record:
        """The extension body for the record as `stored` (its v3.1 scalar fields)."""
        body: Record = {}
        spelled: Record = {}
        values: dict[str, dict[int, Any]] = {
            "ADDRESSES": {
                slot.address_id: _address_value(slot, stored) for slot in ADDRESS_SLOTS[collection]
            },
            "CONTACTINFOS": {
                slot.info_id: stored.get(slot.field) for slot in INFO_SLOTS[collection]
            },
        }
        for array, placed in self.placed.items():
            if placed.extras:
                body[array] = placed.extras
            entries = {
                str(slot_id): {**item.spelled, "VALUE": values[array][slot_id]}
                for slot_id, item in placed.in_slot.items()
                if item.spelled
            }
            if entries:
                spelled[array] = entries
        if spelled:
            body["SPELLED"] = spelled
        if self.next_id > FIRST_EXTRA_ID:
            body["NEXT_ID"] = self.next_id  # an extra's id is never given to another
        return body


def _graph(
    collection: str,
    addresses: list[Record] | None,
    infos: list[Record] | None,
    current: Record,
    problems: _Problems,
) -> _Graph:
    """Place the sent ADDRESSES and CONTACTINFOS (None: not sent) over the record's current
    extension (`current`, empty for a new record)."""
    graph = _Graph(next_id=int(current.get("NEXT_ID") or FIRST_EXTRA_ID))
    ids = [graph.next_id]
    if addresses is not None:
        known = {item["ADDRESS_ID"] for item in current.get("ADDRESSES") or []}
        placed = _place(_sent_addresses(collection, addresses, problems), "ADDRESS_ID", known, ids)
        graph.placed["ADDRESSES"] = placed
        for slot in ADDRESS_SLOTS[collection]:
            item = placed.in_slot.get(slot.address_id)
            for part in ADDRESS_PARTS:
                graph.fields[slot.prefix + part] = item.shown[part] if item else None
    if infos is not None:
        known = {item["CONTACT_INFO_ID"] for item in current.get("CONTACTINFOS") or []}
        placed = _place(_sent_infos(collection, infos, problems), "CONTACT_INFO_ID", known, ids)
        graph.placed["CONTACTINFOS"] = placed
        for info in INFO_SLOTS[collection]:
            item = placed.in_slot.get(info.info_id)
            graph.fields[info.field] = item.shown["DETAIL"] if item else None
    graph.next_id = ids[0]
    return graph


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


@dataclass
class V22Write:
    """A v2.2 body translated: the v3.1 write body, and how to build the record's v2.2
    extension from the record as written (None: the extension is left as it is)."""

    body: Record
    extension: Callable[[Record], Record] | None = None


def from_v22(
    collection: str,
    body: Record,
    *,
    record_id: int | None = None,
    current: Record | None = None,
    brief: bool = False,
) -> V22Write:
    """The v3.1 write for a v2.2 body (its keys upper-cased) of `collection`.

    `current` is the stored v3.1 record (with its extension under EXTENSION_KEY) when this is a
    full PUT: the v2.2 graph then replaces it whole, sub-collections left out included (custom
    fields not sent are cleared; links the v2.2 graph cannot show are kept; the extension is
    rebuilt). Without `current` (a POST), what is absent stays unset. `brief`: a PUT
    ?brief=true, which changes top-level fields only.
    Raises a 400 naming every sub-element that is invalid.
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
        if key in arrays or key in flat or key in renamed.values() or key == EXTENSION_KEY:
            continue  # the graph, and v3.1's own names, which are no v2.2 fields
        result[renamed.get(key, key)] = value
    if brief:
        return V22Write(result)
    problems = _Problems()
    extension = None
    if collection in ADDRESS_SLOTS:
        addresses = _items(body, "ADDRESSES", problems)
        infos = _items(body, "CONTACTINFOS", problems)
        if replacing:
            addresses, infos = addresses or [], infos or []
        placed = _graph(
            collection, addresses, infos, (current or {}).get(EXTENSION_KEY) or {}, problems
        )
        result.update(placed.fields if replacing else _set(placed.fields))
        if placed.placed:

            def extension(stored: Record) -> Record:
                return placed.extension(collection, stored)

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
    return V22Write(result, extension)
