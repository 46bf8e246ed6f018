"""Record dropbox addresses: GET /{Coll}/{id}/LinkEmailAddress, and the email import's match.

Decision (Insightly documents only that the address is "a maildrop for the record"; its format is
its own): the address of record `record_id` of instance `instance_id` is

    {type}-{instance_id}-{record_id}@{dropbox domain}

where {type} is the record type's singular name in lower case (lead, opportunity, project) and the
dropbox domain is the setting ROLODEX_DROPBOX_DOMAIN (one domain for every instance, so that one
catch-all mailbox serves a whole server). `rolodex emails import` links an email to the record
whose address is among its To, Cc, Bcc, Delivered-To or X-Original-To recipients. The address is
derived, never stored: it cannot go stale, and it names only ids the caller already has.
"""

import re

from rolodex.domain.registry import RECORD_TYPES, Feature, RecordType

_ADDRESS = re.compile(r"([a-z]+)-([0-9]{1,19})-([0-9]{1,19})@(.+)")


def dropbox_types() -> tuple[RecordType, ...]:
    """The record types that have a dropbox address of their own."""
    return tuple(rt for rt in RECORD_TYPES if rt.has(Feature.LINK_EMAIL_ADDRESS))


def record_address(rt: RecordType, instance_id: int, record_id: int, domain: str) -> str:
    """The dropbox address of one record."""
    return f"{rt.singular.lower()}-{int(instance_id)}-{int(record_id)}@{domain.lower()}"


def addressed_record(address: str, instance_id: int, domain: str) -> tuple[RecordType, int] | None:
    """The record of `instance_id` whose dropbox address `address` is (any case), if it is one."""
    match = _ADDRESS.fullmatch(address.strip().lower())
    if match is None or match[4] != domain.lower() or int(match[2]) != instance_id:
        return None
    for rt in dropbox_types():
        if rt.singular.lower() == match[1]:
            return rt, int(match[3])
    return None
