"""GET /Permissions: what the caller may do with each object type, from the registry.

Every user reads everything in their instance; records are created, changed and deleted as each
type's features allow; settings collections, teams and activity sets change only for administrators;
a read-only user changes nothing (rolodex.services.context.Role).
"""

from rolodex.domain.registry import (
    NOTES,
    OWN_ROUTE_TYPES,
    RECORD_TYPES,
    SETTINGS_TYPES,
    Feature,
    RecordType,
)
from rolodex.services.context import Caller, Role

Wire = dict[str, object]


_STATES = {Role.ADMINISTRATOR: "ADMINISTRATOR", Role.USER: "STANDARD", Role.READ_ONLY: "READ_ONLY"}


def permissions(caller: Caller) -> Wire:
    writer = not caller.read_only
    # Notes have no POST of their own but are created under their parent record.
    objects = [
        _object(
            rt,
            writer and (rt.has(Feature.CREATE) or rt is NOTES),
            writer and rt.updatable,
            writer and rt.deletable,
        )
        for rt in RECORD_TYPES
    ]
    admin = caller.is_admin
    objects += [
        _object(
            rt, admin and rt.has(Feature.CREATE), admin and rt.updatable, admin and rt.deletable
        )
        for rt in (*SETTINGS_TYPES, *OWN_ROUTE_TYPES)
    ]
    return {"PERMISSIONS_STATE": _STATES[caller.role], "OBJECT_PERMISSIONS": objects}


def _object(rt: RecordType, can_create: bool, can_write: bool, can_delete: bool) -> Wire:
    state = "FULL" if can_create and can_write and can_delete else "EDIT" if can_write else "READ"
    return {
        "OBJECT_TYPE": rt.singular,
        "PERMISSIONS_STATE": state,
        "CAN_READ": True,
        "CAN_CREATE": can_create,
        "CAN_EDIT": can_write,
        "CAN_DELETE": can_delete,
    }
