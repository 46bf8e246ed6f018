"""JSON encoding in one step (orjson) and tolerant decoding of request bodies."""

from typing import Any

import orjson

from rolodex.errors import BadRequest


def dumps(value: Any) -> bytes:
    """Encode a response body."""
    return orjson.dumps(value)


def loads_body(body: bytes) -> Any:
    """Decode a JSON request body, or a 400 that says where it is malformed."""
    if not body.strip():
        raise BadRequest("The request body is empty; send a JSON document.")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.") from None


MAX_DEPTH = 32  # far deeper than any Insightly document (a record, its arrays, their items)


def upper_keys(value: Any, depth: int = 0) -> Any:
    """The same document with every object key upper-cased, since input keys match in any case.

    Text with a NUL character is refused here, once for every input: no database stores it;
    so is nesting deeper than any Insightly document has.
    """
    if depth > MAX_DEPTH and isinstance(value, dict | list):
        raise BadRequest(f"The request body is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            # Text, numbers and nulls (most values) are checked here, without a call each.
            kind = type(item)
            if kind is str:
                if "\x00" in item:
                    raise _nul()
            elif kind is not int and kind is not float and kind is not bool and item is not None:
                item = upper_keys(item, depth + 1)
            result[str(key).upper()] = item
        return result
    if isinstance(value, list):
        return [upper_keys(item, depth + 1) for item in value]
    if isinstance(value, str) and "\x00" in value:
        raise _nul()
    return value


def _nul() -> BadRequest:
    return BadRequest("Text values must not contain NUL (\\u0000) characters.")
