"""The body of POST /v3.1/CTI/ScreenPop (a Rolodex extension, contract §9)."""

from pydantic import Field

from rolodex.wire.records import WireInt, WireModel


class ScreenPopIn(WireModel):
    """Which record to open, and in whose web pages."""

    OBJECT_NAME: str = Field(
        min_length=1,
        max_length=100,
        description="The record type: singular or plural, any case (Contact, Contacts, Call__c)",
    )
    RECORD_ID: WireInt = Field(description="The record's id")
    USER_ID: WireInt | None = Field(
        None,
        description="Whose pages open it (default: the caller; only administrators may name "
        "another user of the instance)",
    )
