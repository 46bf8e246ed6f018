"""Typed results: records are dicts in the wire shape whose fields also read as attributes.

`contact["FIRST_NAME"]` and `contact.FIRST_NAME` give the same value. The per-type classes
(rolodex.client.models, generated from the registry) declare the known fields' types for type
checkers; every key the server sent is kept, known or not, so the SDK works against Insightly
too. Items of the sub-collections (TAGS, LINKS, ...) are plain dicts typed as TypedDicts
(generated with the models, but for CustomField, whose value is declared here).
"""

from typing import Any, TypedDict


class WireRecord(dict[str, Any]):
    """A record as the server sent it, readable by key or by attribute.

    A field the server did not send raises AttributeError (KeyError by key); `brief=true`
    records have no sub-collection arrays. Setting an attribute sets the key.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # copy, pickle and friends probe for dunders
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"this {type(self).__name__} has no field {name!r} (sent: {', '.join(self)})"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None


class Tombstone(WireRecord):
    """A deleted record, from the Deleted feed (a Rolodex extension)."""

    __slots__ = ()
    ID: int
    DATE_DELETED_UTC: str


class FileAttachment(WireRecord):
    """The metadata of a file attached to a record."""

    __slots__ = ()
    FILE_ID: int
    FILE_NAME: str
    CONTENT_TYPE: str | None
    FILE_SIZE: int | None
    FILE_CATEGORY_ID: int | None
    OWNER_USER_ID: int | None
    DATE_CREATED_UTC: str | None
    DATE_UPDATED_UTC: str | None
    URL: str | None


class CustomField(TypedDict, total=False):
    """An item of CUSTOMFIELDS."""

    FIELD_NAME: str
    FIELD_VALUE: Any
