"""Bodies of the custom object definition endpoints (POST/PUT /v3.1/CustomObjects)."""

from pydantic import Field

from rolodex.domain.registry import CUSTOM_OBJECT_NAME_PATTERN
from rolodex.wire.records import WireModel


class CustomObjectIn(WireModel):
    """A custom object definition; on PUT, OBJECT_NAME names it and absent fields are kept."""

    OBJECT_NAME: str = Field(
        pattern=f"^{CUSTOM_OBJECT_NAME_PATTERN}$",
        max_length=64,
        description="Letters, digits and _, ending in __c (e.g. Call__c)",
    )
    SINGULAR_LABEL: str | None = Field(None, max_length=255)
    PLURAL_LABEL: str | None = Field(None, max_length=255)
    DESCRIPTION: str | None = Field(None, max_length=1000)
    RECORD_NAME_LABEL: str | None = Field(None, max_length=255)
