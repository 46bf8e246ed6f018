"""Comments on notes, tasks and emails: GET/POST under the parent, PUT /Comments, DELETE."""

import re
import time
from typing import Any

import httpx
import pytest

from rolodex.domain.registry import Feature
from rolodex.wire.comments import commentable_types
from tests._graph_helpers import BODY_DATE, MISSING_ID, create_contact, create_note, error_fields

PARENT_ID_FIELDS = {rt.id_field for rt in commentable_types()}
COMMENT_FIELDS = {
    "COMMENT_ID",
    "BODY",
    "OWNER_USER_ID",
    "DATE_CREATED_UTC",
    "DATE_UPDATED_UTC",
} | PARENT_ID_FIELDS


@pytest.fixture(params=["Notes", "Tasks"])
def parent(request: pytest.FixtureRequest, api: httpx.Client) -> tuple[str, str, int]:
    """(collection, id field, id) of a record that takes comments."""
    if request.param == "Notes":
        return ("Notes", "NOTE_ID", create_note(api, "Contact", create_contact(api)))
    task = api.post("/Tasks", json={"TITLE": "Call back"})
    assert task.status_code == 201, task.text
    return ("Tasks", "TASK_ID", task.json()["TASK_ID"])


def url(parent: tuple[str, str, int]) -> str:
    return f"/{parent[0]}/{parent[2]}/Comments"


def parent_updated(api: httpx.Client, parent: tuple[str, str, int]) -> str:
    return str(api.get(f"/{parent[0]}/{parent[2]}").json()["DATE_UPDATED_UTC"])


def add(api: httpx.Client, parent: tuple[str, str, int], body: str = "Looks good") -> dict:
    response = api.post(url(parent), json={"BODY": body})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_every_type_with_the_feature_takes_comments() -> None:
    assert {rt.collection for rt in commentable_types()} >= {"Notes", "Tasks", "Emails"}
    assert all(rt.has(Feature.COMMENTS) for rt in commentable_types())


def test_post_a_comment(api: httpx.Client, tenant: Any, parent: tuple[str, str, int]) -> None:
    response = api.post(url(parent), json={"body": "<p>Agreed</p>"})

    assert response.status_code == 201, response.text
    comment = response.json()
    assert set(comment) == COMMENT_FIELDS
    assert comment["BODY"] == "<p>Agreed</p>"
    assert comment["OWNER_USER_ID"] == tenant.user_id
    assert comment[parent[1]] == parent[2]
    assert all(comment[f] is None for f in PARENT_ID_FIELDS - {parent[1]})
    assert re.fullmatch(BODY_DATE, comment["DATE_CREATED_UTC"])
    assert api.get(url(parent)).json() == [comment]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "BODY"),
        ({"BODY": None}, "BODY"),
        ({"BODY": "  "}, "BODY"),
        ({"BODY": 5}, "BODY"),
        ({"BODY": "x", "OWNER_USER_ID": MISSING_ID}, "OWNER_USER_ID"),
    ],
)
def test_bad_comment_is_400_naming_the_field_and_writes_nothing(
    api: httpx.Client, parent: tuple[str, str, int], body: dict[str, Any], field: str
) -> None:
    before = parent_updated(api, parent)
    response = api.post(url(parent), json=body)

    assert response.status_code == 400, response.text
    assert field in error_fields(response)
    assert api.get(url(parent)).json() == []
    assert parent_updated(api, parent) == before


def test_comments_of_a_missing_record_are_404(api: httpx.Client) -> None:
    assert api.get(f"/Notes/{MISSING_ID}/Comments").status_code == 404
    assert api.post(f"/Tasks/{MISSING_ID}/Comments", json={"BODY": "x"}).status_code == 404
    assert api.get("/Contacts/1/Comments").status_code == 404  # contacts take no comments


def test_listing_pages_and_filters_by_update_time(
    api: httpx.Client, parent: tuple[str, str, int]
) -> None:
    ids = [add(api, parent, f"c{n}")["COMMENT_ID"] for n in range(3)]
    other = ("Tasks", "TASK_ID", api.post("/Tasks", json={"TITLE": "Other"}).json()["TASK_ID"])
    add(api, other, "not mine")

    def listed(**params: Any) -> list[int]:
        response = api.get(url(parent), params=params)
        assert response.status_code == 200, response.text
        return [c["COMMENT_ID"] for c in response.json()]

    assert listed() == ids
    assert listed(top=2) == ids[:2]
    assert listed(skip=1, top=1) == ids[1:2]
    counted = api.get(url(parent), params={"top": 1, "count_total": "true"})
    assert counted.headers["X-Total-Count"] == "3"
    latest = max(c["DATE_UPDATED_UTC"] for c in api.get(url(parent)).json())
    time.sleep(1.1)
    edited = api.put("/Comments", json={"COMMENT_ID": ids[0], "BODY": "edited"}).json()
    assert listed(updated_after_utc=latest) == [ids[0]]
    assert listed(updated_after_utc=edited["DATE_UPDATED_UTC"]) == []


def test_put_is_a_partial_update_that_touches_the_parent(
    api: httpx.Client, parent: tuple[str, str, int]
) -> None:
    comment = add(api, parent, "draft")
    before = parent_updated(api, parent)
    time.sleep(1.1)

    response = api.put("/Comments", json={"comment_id": comment["COMMENT_ID"], "BODY": "final"})

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["BODY"] == "final"
    same = set(comment) - {"BODY", "DATE_UPDATED_UTC"}
    assert {k: updated[k] for k in same} == {k: comment[k] for k in same}
    assert updated["DATE_UPDATED_UTC"] > comment["DATE_UPDATED_UTC"]
    assert parent_updated(api, parent) > before
    assert api.get(url(parent)).json() == [updated]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"BODY": "no id"}, "COMMENT_ID"),
        ({"COMMENT_ID": "x", "BODY": "bad id"}, "COMMENT_ID"),
        ({"BODY": None}, "BODY"),
        ({"BODY": ""}, "BODY"),
        ({"OWNER_USER_ID": MISSING_ID}, "OWNER_USER_ID"),
    ],
)
def test_bad_put_is_400_and_changes_nothing(
    api: httpx.Client, parent: tuple[str, str, int], body: dict[str, Any], field: str
) -> None:
    comment = add(api, parent)
    if "COMMENT_ID" not in body and field != "COMMENT_ID":
        body = {**body, "COMMENT_ID": comment["COMMENT_ID"]}

    response = api.put("/Comments", json=body)

    assert response.status_code == 400, response.text
    assert field in error_fields(response)
    assert api.get(url(parent)).json() == [comment]


def test_put_or_delete_of_a_missing_comment_is_404(api: httpx.Client) -> None:
    assert api.put("/Comments", json={"COMMENT_ID": MISSING_ID, "BODY": "x"}).status_code == 404
    assert api.delete(f"/Comments/{MISSING_ID}").status_code == 404


def test_delete_a_comment(api: httpx.Client, parent: tuple[str, str, int]) -> None:
    doomed, kept = add(api, parent, "doomed"), add(api, parent, "kept")
    before = parent_updated(api, parent)
    time.sleep(1.1)

    response = api.delete(f"/Comments/{doomed['COMMENT_ID']}")

    assert response.status_code == 202, response.text
    assert response.content == b""
    assert api.get(url(parent)).json() == [kept]
    assert parent_updated(api, parent) > before
    assert api.delete(f"/Comments/{doomed['COMMENT_ID']}").status_code == 404


def test_deleting_the_parent_deletes_its_comments(
    api: httpx.Client, parent: tuple[str, str, int]
) -> None:
    comment = add(api, parent)

    assert api.delete(f"/{parent[0]}/{parent[2]}").status_code == 202

    response = api.put("/Comments", json={"COMMENT_ID": comment["COMMENT_ID"], "BODY": "x"})
    assert response.status_code == 404


def test_another_instance_cannot_touch_comments(
    api: httpx.Client, make_tenant: Any, parent: tuple[str, str, int]
) -> None:
    comment = add(api, parent)
    other = make_tenant().client

    assert other.get(url(parent)).status_code == 404
    assert other.post(url(parent), json={"BODY": "x"}).status_code == 404
    changed = other.put("/Comments", json={"COMMENT_ID": comment["COMMENT_ID"], "BODY": "x"})
    assert changed.status_code == 404
    assert other.delete(f"/Comments/{comment['COMMENT_ID']}").status_code == 404
    assert api.get(url(parent)).json() == [comment]
