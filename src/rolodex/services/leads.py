"""Lead conversion (`POST /v3.1/Leads/{id}/Convert`, a Rolodex extension): one lead becomes a
contact, an organisation (new or existing) and optionally an opportunity, in one unit of work.

The lead is kept, marked CONVERTED with the new records' ids and the instance's converted status;
its tags and links move onto the contact, so nothing the lead held is lost. Any invalid part
(a missing FIRST_NAME for the contact, a bad override) is a 400 naming the part, and nothing is
written.
"""

from typing import Any, NoReturn

from sqlalchemy import Connection

from rolodex.domain.registry import (
    CONTACTS,
    LEAD_STATUS_CONVERTED,
    LEAD_STATUSES,
    LEADS,
    OPPORTUNITIES,
    ORGANISATIONS,
    RecordType,
)
from rolodex.errors import BadRequest, Conflict, FieldError, invalid_field, invalid_input
from rolodex.services.context import Caller, utc_now
from rolodex.services.records import RecordService, Wire
from rolodex.wire.json import upper_keys
from rolodex.wire.leads import ConvertIn
from rolodex.wire.records import validate

# Lead field -> field of the new record.
_TO_CONTACT = {
    "SALUTATION": "SALUTATION",
    "FIRST_NAME": "FIRST_NAME",
    "LAST_NAME": "LAST_NAME",
    "TITLE": "TITLE",
    "EMAIL": "EMAIL_ADDRESS",
    "PHONE": "PHONE",
    "MOBILE": "PHONE_MOBILE",
    "FAX": "PHONE_FAX",
    "ADDRESS_STREET": "ADDRESS_MAIL_STREET",
    "ADDRESS_CITY": "ADDRESS_MAIL_CITY",
    "ADDRESS_STATE": "ADDRESS_MAIL_STATE",
    "ADDRESS_POSTCODE": "ADDRESS_MAIL_POSTCODE",
    "ADDRESS_COUNTRY": "ADDRESS_MAIL_COUNTRY",
    "LEAD_DESCRIPTION": "BACKGROUND",
    "OWNER_USER_ID": "OWNER_USER_ID",
    "EMAIL_OPTED_OUT": "EMAIL_OPTED_OUT",
}
_TO_ORGANISATION = {
    "ORGANISATION_NAME": "ORGANISATION_NAME",
    "PHONE": "PHONE",
    "FAX": "PHONE_FAX",
    "WEBSITE": "WEBSITE",
    "ADDRESS_STREET": "ADDRESS_BILLING_STREET",
    "ADDRESS_CITY": "ADDRESS_BILLING_CITY",
    "ADDRESS_STATE": "ADDRESS_BILLING_STATE",
    "ADDRESS_POSTCODE": "ADDRESS_BILLING_POSTCODE",
    "ADDRESS_COUNTRY": "ADDRESS_BILLING_COUNTRY",
    "OWNER_USER_ID": "OWNER_USER_ID",
}


class LeadConversion:
    """Converts leads of one instance, for one caller."""

    def __init__(self, connection: Connection, caller: Caller, if_match: str | None = None) -> None:
        self.connection = connection
        self.caller = caller
        self.leads = RecordService(connection, caller, LEADS, if_match)

    def convert(self, lead_id: int, data: Any) -> tuple[Wire, str]:
        """Convert the lead; returns the lead as it now is (with the CONVERTED_* ids)."""
        body = validate(ConvertIn, upper_keys(data if data is not None else {}))
        lead = self.leads.get_for_update(lead_id)
        if lead["CONVERTED"]:
            raise Conflict(
                f"Lead {lead_id} was converted already (to Contact {lead['CONVERTED_CONTACT_ID']})."
            )
        status_id = self._converted_status(body.LEAD_STATUS_ID)

        organisation_id = body.ORGANISATION_ID
        if organisation_id is not None:
            if not self.leads.repo.existing_ids(ORGANISATIONS, [organisation_id]):
                _missing("ORGANISATION_ID", ORGANISATIONS, organisation_id)
        else:
            wanted = body.CREATE_ORGANISATION
            if wanted is None:
                wanted = body.ORGANISATION is not None or bool(lead["ORGANISATION_NAME"])
            if wanted:
                organisation = self._create(
                    ORGANISATIONS, _carry(lead, _TO_ORGANISATION), body.ORGANISATION
                )
                organisation_id = organisation["ORGANISATION_ID"]

        contact_body = _carry(lead, _TO_CONTACT)
        contact_body["ORGANISATION_ID"] = organisation_id
        contact_body["TAGS"] = lead["TAGS"]
        contact_body["LINKS"] = [_link_to_other_end(link) for link in lead["LINKS"]]
        contact = self._create(CONTACTS, contact_body, body.CONTACT)

        opportunity_id = None
        if body.CREATE_OPPORTUNITY or (body.CREATE_OPPORTUNITY is None and body.OPPORTUNITY):
            name = lead["ORGANISATION_NAME"] or " ".join(
                part for part in (lead["FIRST_NAME"], lead["LAST_NAME"]) if part
            )
            opportunity = self._create(
                OPPORTUNITIES,
                {
                    "OPPORTUNITY_NAME": name,
                    "ORGANISATION_ID": organisation_id,
                    "OWNER_USER_ID": lead["OWNER_USER_ID"],
                    "RESPONSIBLE_USER_ID": lead["RESPONSIBLE_USER_ID"],
                    "LINKS": [
                        {"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": contact["CONTACT_ID"]}
                    ],
                },
                body.OPPORTUNITY,
            )
            opportunity_id = opportunity["OPPORTUNITY_ID"]

        return self.leads.set_system_fields(
            lead_id,
            {
                "converted": True,
                "converted_date_utc": utc_now(),
                "converted_contact_id": contact["CONTACT_ID"],
                "converted_organisation_id": organisation_id,
                "converted_opportunity_id": opportunity_id,
                "lead_status_id": status_id,
            },
        )

    def _service(self, rt: RecordType) -> RecordService:
        return RecordService(self.connection, self.caller, rt)

    def _create(
        self, rt: RecordType, carried: dict[str, Any], overrides: dict[str, Any] | None
    ) -> Wire:
        """Create a record from the lead's values and the caller's overrides; errors name it."""
        part = rt.singular.upper()
        body = {**carried, **upper_keys(overrides or {})}
        try:
            return self._service(rt).create(body)[0]
        except BadRequest as error:
            problems = [FieldError(f"{part}.{e.field}", e.message) for e in error.errors]
            if not problems:
                raise BadRequest(f"The new {rt.singular}: {error.message}") from None
            raise invalid_input(problems) from None

    def _converted_status(self, status_id: int | None) -> int | None:
        """The status a converted lead gets: the one asked for, else the instance's first."""
        repo = self.leads.repo
        if status_id is None:
            ids = repo.ids_where(LEAD_STATUSES, "status_type", LEAD_STATUS_CONVERTED)
            return ids[0] if ids else None
        row = repo.get_record(LEAD_STATUSES, status_id)
        if row is None:
            _missing("LEAD_STATUS_ID", LEAD_STATUSES, status_id)
        if row["status_type"] != LEAD_STATUS_CONVERTED:
            raise invalid_field(
                "LEAD_STATUS_ID", f"LeadStatus {status_id} is not a converted status"
            )
        return status_id


def _carry(lead: Wire, mapping: dict[str, str]) -> dict[str, Any]:
    return {target: lead[source] for source, target in mapping.items() if lead[source] is not None}


def _link_to_other_end(link: Wire) -> dict[str, Any]:
    return {
        "LINK_OBJECT_NAME": link["LINK_OBJECT_NAME"],
        "LINK_OBJECT_ID": link["LINK_OBJECT_ID"],
        "ROLE": link["ROLE"],
        "DETAILS": link["DETAILS"],
    }


def _missing(field: str, rt: RecordType, record_id: int) -> NoReturn:
    raise invalid_field(field, f"no {rt.singular} with ID {record_id}")
