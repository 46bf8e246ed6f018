"""GET /docs: the API reference for people, rendered on the server from the OpenAPI document.

No script and nothing fetched from elsewhere: the page works offline and without JavaScript.
"""

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
_METHODS = ("get", "post", "put", "delete")


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def describe_type(schema: dict[str, Any]) -> str:
    """A short human description of a JSON schema: 'string ≤ 255', 'array of Tag', ..."""
    name = _ref_name(schema)
    if name:
        return name
    if "anyOf" in schema or "oneOf" in schema:
        choices = schema.get("anyOf") or schema.get("oneOf") or []
        options = [describe_type(option) for option in choices]
        return " or ".join(dict.fromkeys(options))
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {describe_type(schema.get('items', {}))}"
    if kind == "string" and "maxLength" in schema:
        return f"string ≤ {schema['maxLength']}" if schema["maxLength"] else "empty string"
    return str(kind)


def _body_name(content: dict[str, Any]) -> str | None:
    schema = content.get("application/json", {}).get("schema", {})
    return _ref_name(schema) or (describe_type(schema) if schema else None)


def page_context(document: dict[str, Any]) -> dict[str, Any]:
    """What the template shows: operations grouped by tag, and every schema's fields."""
    tags: dict[str, list[dict[str, Any]]] = {}
    for path, item in document["paths"].items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = [
                {
                    "status": status,
                    "description": response.get("description", ""),
                    "body": _body_name(response.get("content", {})),
                }
                for status, response in sorted(operation.get("responses", {}).items())
            ]
            body = operation.get("requestBody", {}).get("content")
            tags.setdefault((operation.get("tags") or ["Other"])[0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "parameters": operation.get("parameters", []),
                    "body": _body_name(body) if body else None,
                    "responses": responses,
                }
            )
    schemas = [
        {
            "name": name,
            "fields": [
                {
                    "name": field,
                    "type": describe_type(spec),
                    "required": field in schema.get("required", []),
                }
                for field, spec in schema.get("properties", {}).items()
            ],
        }
        for name, schema in sorted(document["components"]["schemas"].items())
    ]
    info = document["info"]
    return {
        "title": info["title"],
        "version": info["version"],
        "description": info.get("description", ""),
        "tags": [{"name": name, "operations": ops} for name, ops in tags.items()],
        "schemas": schemas,
    }


def install(app: FastAPI) -> None:
    """Serve the reference page at /docs."""

    @app.get("/docs", include_in_schema=False)
    def reference(request: Request) -> HTMLResponse:
        context = page_context(app.openapi())
        context["document_url"] = app.openapi_url
        return HTMLResponse(_TEMPLATES.get_template("reference.html").render(context))
