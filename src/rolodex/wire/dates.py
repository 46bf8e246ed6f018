"""Dates in query strings (`updated_after_utc`); the date form itself is rolodex.domain.dates."""

import re

# What a date in a query string may look like (`updated_after_utc`): ISO 8601 with or without a
# zone ('+' may arrive as a space), the body form, or a bare date; "None"/"null" mean no date.
QUERY_DATE_PATTERN = (
    r"^(\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+ -]\d{2}:?\d{2})?)?"
    r"|None|null|[ \t]*)$"
)
# Query values that mean "no date given".
NO_QUERY_DATE = re.compile(r"^(None|null|[ \t]*)$")
