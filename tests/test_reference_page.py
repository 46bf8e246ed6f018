"""GET /docs: the API reference for people, rendered from the OpenAPI document."""

import httpx


def test_reference_page_lists_operations_and_schemas(base_url: str) -> None:
    response = httpx.get(f"{base_url}/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<span class="path">/v3.1/Contacts/Search</span>' in page
    assert 'id="schema-ContactCreate"' in page
    assert "<code>FIRST_NAME</code></td><td>string ≤ 255</td><td>yes</td>" in page
    assert "/v3.1/openapi.json" in page
    assert "<script" not in page  # works offline, nothing fetched from elsewhere
