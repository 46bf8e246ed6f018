"""The ISO country and currency lists behind GET /Countries and GET /Currencies."""

from functools import cache

import pycountry
from babel.numbers import get_currency_symbol


@cache
def countries() -> tuple[str, ...]:
    """Every ISO 3166-1 country name, alphabetically."""
    return tuple(sorted(country.name for country in pycountry.countries))


@cache
def currencies() -> tuple[tuple[str, str], ...]:
    """(ISO 4217 code, symbol) of every current currency, by code; the symbol is the one
    English text uses (the code itself where there is no other)."""
    return tuple(
        (currency.alpha_3, get_currency_symbol(currency.alpha_3, locale="en"))
        for currency in sorted(pycountry.currencies, key=lambda c: c.alpha_3)
    )
