"""Milestones: read at /Milestones, written under their project (facts §1.3, §2.11)."""

import re
import time
from typing import Any

import httpx
import pytest

from tests._graph_helpers import BODY_DATE, MISSING_ID, error_fields

MILESTONE_FIELDS = {
    "MILESTONE_ID",
    "TITLE",
    "COMPLETED",
    "DUE_DATE",
    "OWNER_USER_ID",
    "DATE_CREATED_UTC",
    "DATE_UPDATED_UTC",
    "COMPLETED_DATE_UTC",
    "PROJECT_ID",
    "RESPONSIBLE_USER",
}


def new_project(api: httpx.Client, name: str = "Build") -> int:
    response = api.post("/Projects", json={"PROJECT_NAME": name, "STATUS": "Not Started"})
    assert response.status_code == 201, response.text
    return int(response.json()["PROJECT_ID"])


def add_milestone(api: httpx.Client, project: int, title: str = "Design", **extra: Any) -> dict:
    body = {"TITLE": title, "DUE_DATE": "2024-06-01", **extra}
    response = api.post(f"/Projects/{project}/Milestones", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def project_updated(api: httpx.Client, project: int) -> str:
    return str(api.get(f"/Projects/{project}").json()["DATE_UPDATED_UTC"])


def milestone_ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [m["MILESTONE_ID"] for m in response.json()]


def test_post_under_a_project_creates_a_milestone(api: httpx.Client, tenant: Any) -> None:
    project = new_project(api)
    me = tenant.user_id

    response = api.post(
        f"/Projects/{project}/Milestones",
        json={"title": "Design", "DUE_DATE": "2024-06-01T10:00:00Z", "RESPONSIBLE_USER": me},
    )

    assert response.status_code == 201, response.text
    milestone = response.json()
    assert set(milestone) == MILESTONE_FIELDS
    assert response.headers["Location"] == f"/v3.1/Milestones/{milestone['MILESTONE_ID']}"
    assert milestone["TITLE"] == "Design"
    assert milestone["DUE_DATE"] == "2024-06-01 10:00:00"
    assert milestone["COMPLETED"] is False
    assert milestone["COMPLETED_DATE_UTC"] is None
    assert milestone["PROJECT_ID"] == project
    assert (milestone["OWNER_USER_ID"], milestone["RESPONSIBLE_USER"]) == (me, me)
    assert api.get(f"/Milestones/{milestone['MILESTONE_ID']}").json() == milestone


def test_milestones_list_search_and_project_list(api: httpx.Client) -> None:
    first, second = new_project(api, "One"), new_project(api, "Two")
    a = add_milestone(api, first, "Alpha")["MILESTONE_ID"]
    b = add_milestone(api, second, "Beta")["MILESTONE_ID"]
    c = add_milestone(api, first, "Gamma")["MILESTONE_ID"]

    assert milestone_ids(api.get("/Milestones")) == [a, b, c]
    assert milestone_ids(api.get("/Milestones", params={"skip": 1, "top": 1})) == [b]
    search = {"field_name": "title", "field_value": "ALPHA"}
    assert milestone_ids(api.get("/Milestones/Search", params=search)) == [a]
    search = {"field_name": "PROJECT_ID", "field_value": str(first)}
    assert milestone_ids(api.get("/Milestones/Search", params=search)) == [a, c]
    assert milestone_ids(api.get(f"/Projects/{first}/Milestones")) == [a, c]
    counted = api.get(f"/Projects/{first}/Milestones", params={"top": 1, "count_total": "true"})
    assert milestone_ids(counted) == [a]
    assert counted.headers["X-Total-Count"] == "2"
    assert api.get(f"/Projects/{MISSING_ID}/Milestones").status_code == 404


def test_completing_a_milestone_sets_completed_date_and_touches_the_project(
    api: httpx.Client,
) -> None:
    project = new_project(api)
    milestone = add_milestone(api, project)
    before = project_updated(api, project)
    time.sleep(1.1)

    response = api.put(
        f"/Projects/{project}/Milestones",
        json={"MILESTONE_ID": milestone["MILESTONE_ID"], "COMPLETED": True},
    )

    assert response.status_code == 200, response.text
    done = response.json()
    assert done["COMPLETED"] is True
    assert done["COMPLETED_DATE_UTC"] is not None
    assert done["TITLE"] == milestone["TITLE"]
    assert project_updated(api, project) > before
    unchanged = api.put(
        f"/Projects/{project}/Milestones",
        json={"MILESTONE_ID": milestone["MILESTONE_ID"], "COMPLETED": True},
    )
    assert unchanged.status_code == 200
    assert unchanged.json() == done
    reopened = api.put(
        f"/Projects/{project}/Milestones",
        json={"MILESTONE_ID": milestone["MILESTONE_ID"], "COMPLETED": "false"},
    ).json()
    assert (reopened["COMPLETED"], reopened["COMPLETED_DATE_UTC"]) == (False, None)


def test_creating_a_milestone_touches_the_project(api: httpx.Client) -> None:
    project = new_project(api)
    before = project_updated(api, project)
    time.sleep(1.1)
    add_milestone(api, project)
    assert project_updated(api, project) > before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"DUE_DATE": "2024-06-01"}, "TITLE"),
        ({"TITLE": " ", "DUE_DATE": "2024-06-01"}, "TITLE"),
        ({"TITLE": "x" * 501, "DUE_DATE": "2024-06-01"}, "TITLE"),
        ({"TITLE": "No date"}, "DUE_DATE"),
        ({"TITLE": "Bad date", "DUE_DATE": "31/12"}, "DUE_DATE"),
        ({"TITLE": "Null", "DUE_DATE": "2024-06-01", "COMPLETED": None}, "COMPLETED"),
        (
            {"TITLE": "Who", "DUE_DATE": "2024-06-01", "RESPONSIBLE_USER": MISSING_ID},
            "RESPONSIBLE_USER",
        ),
        ({"TITLE": "Moved", "DUE_DATE": "2024-06-01", "PROJECT_ID": MISSING_ID}, "PROJECT_ID"),
    ],
)
def test_bad_milestone_input_is_400_naming_the_field_and_writes_nothing(
    api: httpx.Client, body: dict[str, Any], field: str
) -> None:
    project = new_project(api)
    before = project_updated(api, project)

    response = api.post(f"/Projects/{project}/Milestones", json=body)

    assert response.status_code == 400, response.text
    assert field in error_fields(response)
    assert api.get("/Milestones").json() == []
    assert project_updated(api, project) == before


def test_put_of_another_projects_milestone_is_400_and_changes_nothing(api: httpx.Client) -> None:
    mine, theirs = new_project(api, "Mine"), new_project(api, "Theirs")
    foreign = add_milestone(api, theirs, "Theirs")

    response = api.put(
        f"/Projects/{mine}/Milestones",
        json={"MILESTONE_ID": foreign["MILESTONE_ID"], "TITLE": "Hijacked"},
    )

    assert response.status_code == 400, response.text
    assert "MILESTONE_ID" in error_fields(response)
    assert api.get(f"/Milestones/{foreign['MILESTONE_ID']}").json() == foreign
    clear = api.put(
        f"/Projects/{theirs}/Milestones",
        json={"MILESTONE_ID": foreign["MILESTONE_ID"], "DUE_DATE": None},
    )
    assert clear.status_code == 400
    assert "DUE_DATE" in error_fields(clear)


def test_no_top_level_writes(api: httpx.Client) -> None:
    """Milestones are written under their project; only v3.0's DELETE /Milestone/{id} is
    served at the top level too (tests/test_v30.py)."""
    project = new_project(api)
    milestone = add_milestone(api, project)
    path = f"/Milestones/{milestone['MILESTONE_ID']}"

    for method, url in (("POST", "/Milestones"), ("PUT", "/Milestones"), ("PATCH", path)):
        response = api.request(method, url, json={"TITLE": "x", "DUE_DATE": "2024-01-01"})
        assert response.status_code == 405, (method, url)
        assert "GET" in response.headers["Allow"]
    assert api.get(path).json() == milestone


def test_delete_under_the_project(api: httpx.Client) -> None:
    project, other = new_project(api), new_project(api, "Other")
    doomed = add_milestone(api, project, "Doomed")["MILESTONE_ID"]
    kept = add_milestone(api, project, "Kept")["MILESTONE_ID"]
    before = project_updated(api, project)
    time.sleep(1.1)

    assert api.delete(f"/Projects/{other}/Milestones/{doomed}").status_code == 404
    response = api.delete(f"/Projects/{project}/Milestones/{doomed}")

    assert response.status_code == 202, response.text
    assert api.get(f"/Milestones/{doomed}").status_code == 404
    assert milestone_ids(api.get(f"/Projects/{project}/Milestones")) == [kept]
    assert project_updated(api, project) > before
    assert api.delete(f"/Projects/{project}/Milestones/{doomed}").status_code == 404


def test_deleting_a_project_deletes_its_milestones(api: httpx.Client) -> None:
    project, other = new_project(api), new_project(api, "Other")
    add_milestone(api, project, "Gone 1")
    add_milestone(api, project, "Gone 2")
    kept = add_milestone(api, other, "Kept")["MILESTONE_ID"]

    assert api.delete(f"/Projects/{project}").status_code == 202

    assert milestone_ids(api.get("/Milestones")) == [kept]


def test_milestone_dates_are_in_body_format(api: httpx.Client) -> None:
    milestone = add_milestone(api, new_project(api), DUE_DATE="2024-06-01T12:00:00+02:00")
    assert milestone["DUE_DATE"] == "2024-06-01 10:00:00"
    for name in ("DATE_CREATED_UTC", "DATE_UPDATED_UTC"):
        assert re.fullmatch(BODY_DATE, milestone[name])
