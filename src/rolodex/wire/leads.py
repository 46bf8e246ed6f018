"""The body of POST /v3.1/Leads/{id}/Convert (a Rolodex extension)."""

from typing import Any

from pydantic import Field

from rolodex.wire.records import WireBool, WireInt, WireModel


class ConvertIn(WireModel):
    """The body of a conversion; every part optional."""

    CONTACT: dict[str, Any] | None = Field(
        None, description="Values for the new contact, over those taken from the lead"
    )
    ORGANISATION_ID: WireInt | None = Field(
        None, description="Attach the contact to this existing organisation instead"
    )
    CREATE_ORGANISATION: WireBool | None = Field(
        None,
        description="Create an organisation from the lead (default: when the lead has an "
        "ORGANISATION_NAME or ORGANISATION is given)",
    )
    ORGANISATION: dict[str, Any] | None = Field(
        None, description="Values for the new organisation, over those taken from the lead"
    )
    CREATE_OPPORTUNITY: WireBool | None = Field(
        None, description="Create an opportunity too (default: when OPPORTUNITY is given)"
    )
    OPPORTUNITY: dict[str, Any] | None = Field(
        None, description="Values for the new opportunity (its name defaults to the lead's)"
    )
    LEAD_STATUS_ID: WireInt | None = Field(
        None,
        description="The converted status the lead gets (default: the instance's first "
        "status of type 3)",
    )
