"""Phone numbers in one comparable form, E.164 ("+14155550100"), by libphonenumber's rules."""

import re

import phonenumbers

# International prefix written as "00" (most of the world) when the default region dials another
# one (the US dials 011): "0044 20 7946 0958" still means +44 20 7946 0958.
_DOUBLE_ZERO = re.compile(r"^\s*00")


def to_e164(text: str | None, region: str) -> str | None:
    """`text` as an E.164 number, reading national numbers as dialled in `region`; None when it
    is no possible phone number."""
    if not text or not text.strip():
        return None
    number = _parse(text, region)
    if number is None and _DOUBLE_ZERO.match(text):
        number = _parse(_DOUBLE_ZERO.sub("+", text, count=1), region)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region.upper() or None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None
