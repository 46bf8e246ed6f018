"""A record's timeline over real HTTP: notes, tasks, events, comments and state changes newest
first; quick add of a note or a task with the API's validation; a read-only user's refusal, a
hidden record's absence, and a fixed number of statements whatever the number of entries."""

import re

import httpx
from sqlalchemy import Engine

from tests.test_request_cost import statements
from tests.web.conftest import WebUser, csrf_of
from tests.web.test_admin import member, signed_in, submit


def kinds_in_order(html: str) -> list[str]:
    section = html.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<span class="timeline-kind">(\w+)</span>', section)


def titles_in_order(html: str) -> list[str]:
    section = html.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<span class="timeline-kind">\w+</span> (?:<a [^>]*>)?([^<]+)', section)


def linked(kind: str, record_id: int) -> list[dict[str, object]]:
    return [{"LINK_OBJECT_NAME": kind, "LINK_OBJECT_ID": record_id}]


def test_the_timeline_shows_what_happened_newest_first(
    web: httpx.Client, web_user: WebUser
) -> None:
    api = web_user.tenant.client
    deal = api.post("/Opportunities", json={"OPPORTUNITY_NAME": "Timeline deal"}).json()
    deal_id = deal["OPPORTUNITY_ID"]
    event = {
        "TITLE": "Kick-off",
        "START_DATE_UTC": "2001-01-01 09:00:00",
        "END_DATE_UTC": "2001-01-01 10:00:00",
        "LINKS": linked("Opportunity", deal_id),
    }
    assert api.post("/Events", json=event).status_code == 201
    task = {"TITLE": "Send the quote", "LINKS": linked("Opportunity", deal_id)}
    assert api.post("/Tasks", json=task).status_code == 201
    note = {"TITLE": "Called them", "BODY": "They liked it"}
    assert api.post(f"/Opportunities/{deal_id}/Notes", json=note).status_code in (200, 201)
    change = {"FOR_OPPORTUNITY_STATE": "WON"}
    assert api.put(f"/Opportunities/{deal_id}/StateChange", json=change).status_code == 200
    page = web.get(f"/records/Opportunity/{deal_id}")
    assert page.status_code == 200
    kinds = kinds_in_order(page.text)
    assert set(kinds) == {"Note", "Task", "Event", "Change"}
    assert kinds[-1] == "Event"  # dated 2001: the oldest
    assert "Opportunity state set to WON" in page.text
    assert "They liked it" in page.text


def test_quick_add_of_a_note_and_a_task_with_the_apis_validation(
    web: httpx.Client, web_user: WebUser
) -> None:
    api = web_user.tenant.client
    contact = api.post("/Contacts", json={"FIRST_NAME": "Quick"}).json()["CONTACT_ID"]
    detail = f"/records/Contact/{contact}"
    assert submit(web, f"{detail}/notes", {"TITLE": "First note"}).status_code == 303
    added = submit(web, f"{detail}/tasks", {"TITLE": "Ring back", "DUE_DATE": "2030-05-01"})
    assert added.status_code == 303, added.text
    tasks = api.get(f"/Contacts/{contact}/Tasks").json()
    assert [t["TITLE"] for t in tasks] == ["Ring back"]
    assert tasks[0]["DUE_DATE"].startswith("2030-05-01")
    assert titles_in_order(web.get(detail).text)[0] in ("Ring back", "First note")

    refused = submit(web, f"{detail}/tasks", {"TITLE": "", "DUE_DATE": "someday"})
    assert refused.status_code == 400
    assert 'id="task-DUE_DATE"' in refused.text and 'value="someday"' in refused.text
    assert 'aria-describedby="error-task-DUE_DATE"' in refused.text
    assert "is not a date" in refused.text
    assert len(api.get(f"/Contacts/{contact}/Tasks").json()) == 1


def test_a_read_only_user_sees_the_timeline_and_cannot_add(
    base_url: str, web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    contact = api.post("/Contacts", json={"FIRST_NAME": "Watched"}).json()["CONTACT_ID"]
    api.post(f"/Contacts/{contact}/Notes", json={"TITLE": "Seen by all"})
    user_id, email, _, password = member(web_user.tenant, engine)
    assert submit(web, f"/admin/users/{user_id}/role", {"role": "read-only"}).status_code == 303
    with signed_in(base_url, email, password) as reader:
        page = reader.get(f"/records/Contact/{contact}")
        assert "Seen by all" in page.text and "Add a task" not in page.text
        token = csrf_of(reader.get("/settings").text)
        refused = reader.post(
            f"/records/Contact/{contact}/tasks", data={"TITLE": "No", "csrf_token": token}
        )
        assert refused.status_code == 403
    assert api.get(f"/Contacts/{contact}/Tasks").json() == []


def test_a_hidden_records_timeline_is_absent(
    base_url: str, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    body = {"FIRST_NAME": "Private", "VISIBLE_TO": "OWNER"}
    contact = api.post("/Contacts", json=body).json()["CONTACT_ID"]
    api.post(f"/Contacts/{contact}/Notes", json={"TITLE": "Private note"})
    _, email, _, password = member(web_user.tenant, engine)
    with signed_in(base_url, email, password) as client:
        page = client.get(f"/records/Contact/{contact}")
        assert page.status_code == 404
        assert "Private note" not in page.text
        token = csrf_of(client.get("/settings").text)
        refused = client.post(
            f"/records/Contact/{contact}/tasks", data={"TITLE": "Sneaky", "csrf_token": token}
        )
        assert refused.status_code == 404
    assert api.get(f"/Contacts/{contact}/Tasks").json() == []


def test_a_timeline_costs_the_same_statements_whatever_its_entries(
    web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    contact = api.post("/Contacts", json={"FIRST_NAME": "Busy"}).json()["CONTACT_ID"]
    detail = f"/records/Contact/{contact}"
    api.post(f"/Contacts/{contact}/Notes", json={"TITLE": "One"})
    api.post("/Tasks", json={"TITLE": "Task", "LINKS": linked("Contact", contact)})
    web.get(detail)
    with statements(engine) as few:
        assert web.get(detail).status_code == 200
    for number in range(8):
        api.post(f"/Contacts/{contact}/Notes", json={"TITLE": f"Note {number}"})
        api.post("/Tasks", json={"TITLE": f"Task {number}", "LINKS": linked("Contact", contact)})
    with statements(engine) as many:
        page = web.get(detail)
    assert len(many) == len(few)
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in many)
    assert len(kinds_in_order(page.text)) == 18
