"""XML on the wire (contract §3): Insightly's promise of XML for clients that ask for it.

Shape: a record is `<Contact>` with one child per field, named as in JSON, `nil="true"` on nulls;
a list is `<ArrayOfContact>`; a sub-collection holds one child per item
(`<TAGS><Tag><TAG_NAME>x</TAG_NAME></Tag></TAGS>`); an error is `<Error><Message>..</Message>`.
Request bodies are parsed with defusedxml: no entity expansion, no external entities.
"""

from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from rolodex.errors import BadRequest

# The element name of one item of each array-valued field.
ITEM_NAMES = {
    "CUSTOMFIELDS": "CustomField",
    "TAGS": "Tag",
    "DATES": "Date",
    "EMAILDOMAINS": "EmailDomain",
    "LINKS": "Link",
    "ERRORS": "Error",
    "CUSTOM_FIELD_OPTIONS": "CustomFieldOption",
    "TEAMMEMBERS": "TeamMember",
    "ACTIVITIES": "Activity",
    "ACTIVITY_ASSIGNMENTS": "ActivityAssignment",
    "TASKS": "Task",
    "EVENTS": "Event",
    "LOOKUPS": "Lookup",
    "LOOKED_UP_BY": "LookedUpBy",
    # v2.2 (rolodex.wire.v22)
    "ADDRESSES": "Address",
    "CONTACTINFOS": "ContactInfo",
    "CONTACTLINKS": "ContactLink",
    "ORGANISATIONLINKS": "OrganisationLink",
    "TASKLINKS": "TaskLink",
    "EVENTLINKS": "EventLink",
    "NOTELINKS": "NoteLink",
    "EMAILLINKS": "EmailLink",
}
ARRAY_PREFIX = "ArrayOf"


def dumps(value: Any, element: str) -> bytes:
    """`value` (a JSON-shaped dict or list) as an XML document whose root is `element`."""
    root = Element(element)
    _fill(root, value, element)
    return tostring(root, encoding="utf-8", xml_declaration=True)


def _fill(node: Element, value: Any, name: str) -> None:
    if value is None:
        node.set("nil", "true")
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(SubElement(node, str(key)), item, str(key))
    elif isinstance(value, list):
        item_name = _item_name(name)
        for item in value:
            _fill(SubElement(node, item_name), item, item_name)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    else:
        node.text = str(value)


def _item_name(name: str) -> str:
    if name.startswith(ARRAY_PREFIX):
        return name[len(ARRAY_PREFIX) :] or "Item"
    return ITEM_NAMES.get(name.upper(), "Item")


def loads(body: bytes) -> Any:
    """A request body in XML as the same dict or list the JSON form would give; 400 if bad."""
    try:
        root = fromstring(body)
    except DefusedXmlException:
        raise BadRequest("XML entities and DTDs are not accepted in request bodies.") from None
    except (ParseError, ValueError) as exc:
        raise BadRequest(f"The request body is not well-formed XML: {exc}.") from None
    if root.tag.startswith(ARRAY_PREFIX):
        return [_value(child) for child in root]
    return _value(root)


def _value(node: Element) -> Any:
    if any(_local(name) == "nil" and value.lower() == "true" for name, value in node.items()):
        return None
    children = list(node)
    if not children:
        text = node.text or ""
        if _local(node.tag).upper() in ITEM_NAMES and not text.strip():
            return []  # an empty sub-collection
        return text
    if _local(node.tag).upper() in ITEM_NAMES or _all_same_item(children):
        return [_value(child) for child in children]
    return {_local(child.tag): _value(child) for child in children}


def _all_same_item(children: list[Element]) -> bool:
    names = {_local(child.tag) for child in children}
    return len(children) > 1 and len(names) == 1 and next(iter(names)) in ITEM_NAMES.values()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
