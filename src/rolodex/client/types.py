"""What the SDK knows of a record type: its path, link name, id field and features.

The standard types themselves (OBJECT_TYPES, in the generated models.py) are the registry's,
kept as plain data so that the SDK does not need the server's packages.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ObjectType:
    """A record type as the API shows it: its path, link name, id field and features."""

    collection: str
    singular: str
    id_field: str
    features: frozenset[str] = field(default_factory=frozenset)

    def has(self, feature: str) -> bool:
        return feature in self.features

    @property
    def deletable(self) -> bool:
        """Whether its records can be deleted (and so have a Deleted feed on Rolodex)."""
        return self.has("write") or self.has("delete")
