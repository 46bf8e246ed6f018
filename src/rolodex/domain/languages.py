"""Language tags, as translations name their language (/{Coll}/{id}/Translations/{language})."""

import re

from rolodex.errors import invalid_field

# en, en-US, pt_BR, zh-Hant: at most 20 characters (a knowledge article's LANGUAGE field).
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$"
LANGUAGE_MAX = 20
_LANGUAGE = re.compile(LANGUAGE_PATTERN)


def checked_language(language: str) -> str:
    """`language` if it is a language tag, else a 400 naming the path parameter."""
    if not _LANGUAGE.match(language) or len(language) > LANGUAGE_MAX:
        raise invalid_field("language", f"'{language}' is not a language tag such as en or fr-CA")
    return language
