"""Responses in the client's format: JSON by default, XML when asked (contract §3).

A `WireResponse` holds the JSON-shaped content and picks its encoding when it is sent, from the
request's Accept and Content-Type headers, so every route and error gets both for free.
"""

from typing import Any

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from rolodex.wire import xml
from rolodex.wire.json import dumps

JSON_MEDIA_TYPE = "application/json; charset=utf-8"
XML_MEDIA_TYPE = "application/xml; charset=utf-8"
_XML_TYPES = ("application/xml", "text/xml")


def wants_xml(headers: Headers) -> bool:
    """XML if Accept prefers an XML type, or if the body was XML and Accept does not ask JSON."""
    accept = headers.get("accept", "").lower()
    xml_at = min((accept.find(t) for t in _XML_TYPES if t in accept), default=-1)
    json_at = accept.find("json")
    if xml_at >= 0 and (json_at < 0 or xml_at < json_at):
        return True
    if json_at >= 0:
        return False
    content_type = headers.get("content-type", "").lower()
    return any(t in content_type for t in _XML_TYPES)


def is_xml_body(headers: Headers) -> bool:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in _XML_TYPES


class WireResponse(Response):
    """JSON or XML, decided per request; `element` names the XML root (e.g. "Contact")."""

    def __init__(
        self,
        content: Any,
        element: str,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.content = content
        self.element = element
        super().__init__(None, status_code, headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if wants_xml(Headers(scope=scope)):
            body, media_type = xml.dumps(self.content, self.element), XML_MEDIA_TYPE
        else:
            body, media_type = dumps(self.content), JSON_MEDIA_TYPE
        self.body = body
        self.raw_headers = [
            (name, value)
            for name, value in self.raw_headers
            if name not in (b"content-length", b"content-type")
        ]
        self.raw_headers.append((b"content-type", media_type.encode()))
        self.raw_headers.append((b"content-length", str(len(body)).encode()))
        await super().__call__(scope, receive, send)


def list_element(item: str) -> str:
    """The XML root of a list of `item` elements."""
    return f"{xml.ARRAY_PREFIX}{item}"


def record_response(
    record: Any, element: str, etag: str, status_code: int = 200, **extra: str
) -> WireResponse:
    """A single record with its ETag (and e.g. a Location)."""
    return WireResponse(record, element, status_code, {"ETag": etag, **extra})


def list_response(records: list[Any], total: int | None, item: str) -> WireResponse:
    """A bare array of `item`s, with X-Total-Count when the total was asked for."""
    headers = {"X-Total-Count": str(total)} if total is not None else None
    return WireResponse(records, list_element(item), headers=headers)
