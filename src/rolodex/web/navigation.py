"""Which record types a user can browse."""

from dataclasses import dataclass

from sqlalchemy import Connection

from rolodex.domain.registry import RECORD_TYPES, Feature
from rolodex.services.context import Caller
from rolodex.services.custom_objects import CustomObjectService

# Users are listed on the admin pages, not among the records.
_BROWSABLE = tuple(rt for rt in RECORD_TYPES if rt.singular != "User")


@dataclass(frozen=True)
class BrowsableType:
    """A record type as the navigation shows it."""

    object_name: str  # the singular name of link bodies: Contact, Foo__c
    label: str  # plural, for people: "Contacts"
    can_create: bool

    @property
    def url(self) -> str:
        return f"/records/{self.object_name}"


def record_types_of(connection: Connection, caller: Caller) -> list[BrowsableType]:
    """The standard record types, then the instance's custom objects by name."""
    types = [BrowsableType(rt.singular, rt.collection, rt.has(Feature.CREATE)) for rt in _BROWSABLE]
    objects = CustomObjectService(connection, caller).names_and_plurals()
    types.extend(BrowsableType(name, plural, True) for name, plural in objects)
    return types
