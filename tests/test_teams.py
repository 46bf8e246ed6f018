"""Teams and TeamMembers: admin-only writes, TEAMMEMBERS replaced exactly, members of the same
instance only, tasks assigned to a team, deletion refused while tasks use a team."""

import httpx
from sqlalchemy import Engine

from tests.conftest import Tenant


def _count(api: httpx.Client, path: str) -> int:
    response = api.get(path, params={"count_total": "true", "top": "1"})
    assert response.status_code == 200, response.text
    return int(response.headers["X-Total-Count"])


def _members(team: dict) -> set[int]:  # type: ignore[type-arg]
    return {m["MEMBER_USER_ID"] for m in team["TEAMMEMBERS"]}


def test_create_a_team_with_members(engine: Engine, tenant: Tenant) -> None:
    api = tenant.client
    other, _ = tenant.add_user(engine, f"member-{tenant.instance_id}@example.com")
    created = api.post(
        "/Teams",
        json={"team_name": "Sales", "TEAMMEMBERS": [{"MEMBER_USER_ID": tenant.user_id}]},
    )
    assert created.status_code == 201, created.text
    team = created.json()
    team_id = team["TEAM_ID"]
    assert created.headers["Location"] == f"/v3.1/Teams/{team_id}"
    assert team["TEAM_NAME"] == "Sales" and team["ANONYMOUS_TEAM"] is False
    assert team["TEAMMEMBERS"] == [
        {
            "PERMISSION_ID": team["TEAMMEMBERS"][0]["PERMISSION_ID"],
            "TEAM_ID": team_id,
            "MEMBER_USER_ID": tenant.user_id,
        }
    ]
    assert api.get(f"/Teams/{team_id}").json() == team
    listed = api.get("/Teams", params={"brief": "true", "count_total": "true"})
    assert listed.headers["X-Total-Count"] == "1"
    assert "TEAMMEMBERS" not in listed.json()[0]
    # A user sent twice is a member once.
    twice = api.post(
        "/Teams",
        json={"TEAM_NAME": "Two", "TEAMMEMBERS": [{"MEMBER_USER_ID": other}] * 2},
    ).json()
    assert [m["MEMBER_USER_ID"] for m in twice["TEAMMEMBERS"]] == [other]


def test_put_replaces_the_members_exactly(engine: Engine, tenant: Tenant) -> None:
    api = tenant.client
    second, _ = tenant.add_user(engine, f"second-{tenant.instance_id}@example.com")
    third, _ = tenant.add_user(engine, f"third-{tenant.instance_id}@example.com")
    team = api.post(
        "/Teams",
        json={
            "TEAM_NAME": "Support",
            "TEAMMEMBERS": [{"MEMBER_USER_ID": tenant.user_id}, {"MEMBER_USER_ID": second}],
        },
    ).json()
    kept = next(m for m in team["TEAMMEMBERS"] if m["MEMBER_USER_ID"] == second)
    updated = api.put(
        "/Teams",
        json={
            "TEAM_ID": team["TEAM_ID"],
            "TEAMMEMBERS": [{"MEMBER_USER_ID": second}, {"MEMBER_USER_ID": third}],
        },
    )
    assert updated.status_code == 200, updated.text
    after = updated.json()
    assert _members(after) == {second, third}
    assert kept in after["TEAMMEMBERS"]  # the member kept keeps its PERMISSION_ID
    assert after["TEAM_NAME"] == "Support"
    assert after["DATE_UPDATED_UTC"] >= team["DATE_UPDATED_UTC"]
    assert updated.headers["ETag"] == api.get(f"/Teams/{team['TEAM_ID']}").headers["ETag"]
    # Absent TEAMMEMBERS: members unchanged.
    renamed = api.put("/Teams", json={"TEAM_ID": team["TEAM_ID"], "TEAM_NAME": "Help"}).json()
    assert renamed["TEAM_NAME"] == "Help" and _members(renamed) == {second, third}
    brief = api.put("/Teams?brief=true", json={"TEAM_ID": team["TEAM_ID"], "TEAMMEMBERS": []})
    assert brief.status_code == 200 and "TEAMMEMBERS" not in brief.json()
    assert api.get(f"/Teams/{team['TEAM_ID']}").json()["TEAMMEMBERS"] == []


def test_bad_input_is_a_400_and_writes_nothing(make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant, stranger = make_tenant(), make_tenant()
    api = tenant.client
    bad = api.post(
        "/Teams",
        json={"TEAM_NAME": "X", "TEAMMEMBERS": [{"MEMBER_USER_ID": stranger.user_id}]},
    )
    assert bad.status_code == 400
    assert [e["FIELD"] for e in bad.json()["Errors"]] == ["TEAMMEMBERS[0].MEMBER_USER_ID"]
    missing = api.post("/Teams", json={"ANONYMOUS_TEAM": True})
    assert missing.status_code == 400
    assert [e["FIELD"] for e in missing.json()["Errors"]] == ["TEAM_NAME"]
    too_long = api.post("/Teams", json={"TEAM_NAME": "x" * 256})
    assert too_long.status_code == 400 and too_long.json()["Errors"][0]["FIELD"] == "TEAM_NAME"
    assert _count(api, "/Teams") == 0
    team = api.post("/Teams", json={"TEAM_NAME": "Ok"}).json()
    refused = api.put(
        "/Teams",
        json={
            "TEAM_ID": team["TEAM_ID"],
            "TEAM_NAME": "Changed",
            "TEAMMEMBERS": [{"MEMBER_USER_ID": 999_999_999}],
        },
    )
    assert refused.status_code == 400
    assert api.get(f"/Teams/{team['TEAM_ID']}").json() == {**team, "TEAMMEMBERS": []}
    assert api.put("/Teams", json={"TEAM_ID": 999_999_999}).status_code == 404


def test_member_routes(engine: Engine, tenant: Tenant) -> None:
    api = tenant.client
    other, _ = tenant.add_user(engine, f"routes-{tenant.instance_id}@example.com")
    team = api.post("/Teams", json={"TEAM_NAME": "Ops"}).json()
    team_id = team["TEAM_ID"]
    added = api.post(f"/Teams/{team_id}/TeamMembers", json={"MEMBER_USER_ID": other})
    assert added.status_code == 201, added.text
    member = added.json()
    assert member["TEAM_ID"] == team_id and member["MEMBER_USER_ID"] == other
    again = api.post(f"/Teams/{team_id}/TeamMembers", json={"MEMBER_USER_ID": other})
    assert again.status_code == 200 and again.json() == member
    assert api.get(f"/TeamMembers/{member['PERMISSION_ID']}").json() == member
    assert api.get(f"/Teams/{team_id}").json()["DATE_UPDATED_UTC"] >= team["DATE_UPDATED_UTC"]
    no_team = api.post("/TeamMembers", json={"MEMBER_USER_ID": tenant.user_id})
    assert no_team.status_code == 400 and no_team.json()["Errors"][0]["FIELD"] == "TEAM_ID"
    unknown = api.post("/TeamMembers", json={"TEAM_ID": 999_999_999, "MEMBER_USER_ID": other})
    assert unknown.status_code == 400
    second = api.post("/TeamMembers", json={"TEAM_ID": team_id, "MEMBER_USER_ID": tenant.user_id})
    assert second.status_code == 201, second.text
    assert _count(api, "/TeamMembers") == 2
    listed = api.get("/TeamMembers").json()
    assert [m["PERMISSION_ID"] for m in listed] == sorted(m["PERMISSION_ID"] for m in listed)
    path = f"/Teams/{team_id}/TeamMembers/{member['PERMISSION_ID']}"
    assert api.delete(path).status_code == 202
    assert api.delete(path).status_code == 404
    assert api.delete(f"/TeamMembers/{second.json()['PERMISSION_ID']}").status_code == 202
    assert api.get(f"/Teams/{team_id}").json()["TEAMMEMBERS"] == []
    assert api.get("/TeamMembers").json() == []


def test_non_admins_read_but_cannot_change(engine: Engine, base_url: str, tenant: Tenant) -> None:
    team = tenant.client.post(
        "/Teams", json={"TEAM_NAME": "Admins", "TEAMMEMBERS": [{"MEMBER_USER_ID": tenant.user_id}]}
    ).json()
    team_id = team["TEAM_ID"]
    permission_id = team["TEAMMEMBERS"][0]["PERMISSION_ID"]
    user_id, key = tenant.add_user(engine, f"plain-{tenant.instance_id}@example.com")
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, "")) as user:
        assert user.get(f"/Teams/{team_id}").json() == team
        assert user.post("/Teams", json={"TEAM_NAME": "Mine"}).status_code == 403
        assert user.put("/Teams", json={"TEAM_ID": team_id, "TEAM_NAME": "X"}).status_code == 403
        assert user.delete(f"/Teams/{team_id}").status_code == 403
        member = {"MEMBER_USER_ID": user_id}
        assert user.post(f"/Teams/{team_id}/TeamMembers", json=member).status_code == 403
        assert user.post("/TeamMembers", json={**member, "TEAM_ID": team_id}).status_code == 403
        assert user.delete(f"/TeamMembers/{permission_id}").status_code == 403
        assert user.delete(f"/Teams/{team_id}/TeamMembers/{permission_id}").status_code == 403
        assert user.get(f"/Teams/{team_id}").json() == team
        assert _count(user, "/Teams") == 1


def test_tasks_are_assigned_to_teams_of_the_instance(make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant, stranger = make_tenant(), make_tenant()
    api = tenant.client
    foreign = stranger.client.post("/Teams", json={"TEAM_NAME": "Theirs"}).json()["TEAM_ID"]
    refused = api.post("/Tasks", json={"TITLE": "t", "ASSIGNED_TEAM_ID": foreign})
    assert refused.status_code == 400
    assert [e["FIELD"] for e in refused.json()["Errors"]] == ["ASSIGNED_TEAM_ID"]
    assert api.get(f"/Teams/{foreign}").status_code == 404
    assert api.get("/Teams").json() == []
    team = api.post(
        "/Teams", json={"TEAM_NAME": "Mine", "TEAMMEMBERS": [{"MEMBER_USER_ID": tenant.user_id}]}
    ).json()
    team_id = team["TEAM_ID"]
    task = api.post("/Tasks", json={"TITLE": "t", "ASSIGNED_TEAM_ID": team_id})
    assert task.status_code == 201 and task.json()["ASSIGNED_TEAM_ID"] == team_id
    busy = api.delete(f"/Teams/{team_id}")
    assert busy.status_code == 409 and "1 Tasks" in busy.json()["Message"]
    api.put("/Tasks", json={"TASK_ID": task.json()["TASK_ID"], "ASSIGNED_TEAM_ID": None})
    assert api.delete(f"/Teams/{team_id}").status_code == 202
    assert api.get(f"/Teams/{team_id}").status_code == 404
    assert api.get("/TeamMembers").json() == []
    assert stranger.client.delete(f"/Teams/{team_id}").status_code == 404
