"""Tickets (issue 15): numbers, the status dates, comments, and POST /Ticket/{id}/Merge.

The generic record rules are the contract suite's (tests/test_contract.py runs over /Ticket);
this module checks what is the ticket's own (rolodex.domain.rules.ticket,
rolodex.services.tickets), over HTTP against the real app and database.
"""

from typing import Any

import httpx

from tests.conftest import Tenant

Record = dict[str, Any]


def new_ticket(api: httpx.Client, **fields: Any) -> Record:
    response = api.post("/Ticket", json={"SUBJECT": "Printer on fire", **fields})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def comment(api: httpx.Client, ticket_id: int, body: str) -> Record:
    response = api.post(f"/Ticket/{ticket_id}/Comments", json={"BODY": body})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def error_fields(response: httpx.Response) -> list[str]:
    return [e["FIELD"] for e in response.json().get("Errors", [])]


def test_a_ticket_is_numbered_by_the_server_and_found_by_its_number(api: httpx.Client) -> None:
    first = new_ticket(api, TICKET_NUMBER="A-1")  # read-only: ignored
    second = new_ticket(api)

    assert first["TICKET_NUMBER"] == str(first["TICKET_ID"])
    assert second["TICKET_NUMBER"] == str(second["TICKET_ID"])
    found = api.get(
        "/Ticket/Search",
        params={"field_name": "TICKET_NUMBER", "field_value": first["TICKET_NUMBER"]},
    )
    assert [t["TICKET_ID"] for t in found.json()] == [first["TICKET_ID"]]
    changed = api.put("/Ticket", json={"TICKET_ID": first["TICKET_ID"], "TICKET_NUMBER": "9"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["TICKET_NUMBER"] == first["TICKET_NUMBER"]


def test_solving_closing_and_reopening_set_and_clear_the_dates(api: httpx.Client) -> None:
    ticket = new_ticket(api)
    assert (ticket["TICKET_STATUS"], ticket["DATE_SOLVED_UTC"], ticket["DATE_CLOSED_UTC"]) == (
        "New",
        None,
        None,
    )
    ticket_id = ticket["TICKET_ID"]

    solved = api.put("/Ticket", json={"TICKET_ID": ticket_id, "TICKET_STATUS": "solved"}).json()
    assert solved["TICKET_STATUS"] == "Solved"
    assert solved["DATE_SOLVED_UTC"] is not None and solved["DATE_CLOSED_UTC"] is None

    closed = api.put("/Ticket", json={"TICKET_ID": ticket_id, "TICKET_STATUS": "Closed"}).json()
    assert closed["DATE_SOLVED_UTC"] == solved["DATE_SOLVED_UTC"]  # kept from when it was solved
    assert closed["DATE_CLOSED_UTC"] is not None

    reopened = api.put("/Ticket", json={"TICKET_ID": ticket_id, "TICKET_STATUS": "Open"}).json()
    assert (reopened["DATE_SOLVED_UTC"], reopened["DATE_CLOSED_UTC"]) == (None, None)

    straight = new_ticket(api, TICKET_STATUS="Closed")  # closed without being solved first
    assert straight["DATE_SOLVED_UTC"] is not None and straight["DATE_CLOSED_UTC"] is not None


def test_an_unknown_status_is_400_naming_it_and_writes_nothing(api: httpx.Client) -> None:
    ticket = new_ticket(api)
    response = api.post("/Ticket", json={"SUBJECT": "x", "TICKET_STATUS": "Burning"})
    assert response.status_code == 400
    assert "TICKET_STATUS" in error_fields(response)
    put = api.put("/Ticket", json={"TICKET_ID": ticket["TICKET_ID"], "TICKET_STATUS": "Burning"})
    assert put.status_code == 400 and "TICKET_STATUS" in error_fields(put)
    assert api.get(f"/Ticket/{ticket['TICKET_ID']}").json() == ticket
    assert [t["TICKET_ID"] for t in api.get("/Ticket").json()] == [ticket["TICKET_ID"]]


def test_comments_on_a_ticket_carry_its_id(api: httpx.Client) -> None:
    ticket = new_ticket(api)
    added = comment(api, ticket["TICKET_ID"], "<p>Have you tried water?</p>")

    assert added["TICKET_ID"] == ticket["TICKET_ID"]
    assert added["NOTE_ID"] is None and added["TASK_ID"] is None
    listed = api.get(f"/Ticket/{ticket['TICKET_ID']}/Comments").json()
    assert [c["COMMENT_ID"] for c in listed] == [added["COMMENT_ID"]]
    assert (
        api.get(f"/Ticket/{ticket['TICKET_ID']}").json()["DATE_UPDATED_UTC"]
        >= (ticket["DATE_UPDATED_UTC"])
    )


def test_merge_moves_comments_tags_and_follows_then_deletes_the_source(
    api: httpx.Client,
) -> None:
    source = new_ticket(
        api, SUBJECT="Duplicate", TAGS=[{"TAG_NAME": "Hardware"}, {"TAG_NAME": "vip"}]
    )
    target = new_ticket(api, SUBJECT="Original", TAGS=[{"TAG_NAME": "VIP"}])
    bystander = new_ticket(api, SUBJECT="Unrelated", TAGS=[{"TAG_NAME": "Hardware"}])
    moved = [comment(api, source["TICKET_ID"], f"note {n}")["COMMENT_ID"] for n in range(2)]
    kept = comment(api, target["TICKET_ID"], "first")["COMMENT_ID"]
    assert api.post(f"/Ticket/{source['TICKET_ID']}/Follow").status_code == 200
    etag_before = api.get(f"/Ticket/{target['TICKET_ID']}").headers["ETag"]

    response = api.post(
        f"/Ticket/{source['TICKET_ID']}/Merge",
        json={"TARGET_TICKET_NUMBER": int(target["TICKET_NUMBER"])},
    )

    assert response.status_code == 200, response.text
    [merged] = response.json()
    assert merged["TICKET_ID"] == target["TICKET_ID"]
    assert merged["SUBJECT"] == "Original"  # the target's fields stay
    assert sorted(t["TAG_NAME"] for t in merged["TAGS"]) == ["Hardware", "VIP"]
    after = api.get(f"/Ticket/{target['TICKET_ID']}")
    assert after.json() == merged
    assert after.headers["ETag"] != etag_before  # the merge changed the target
    assert merged["DATE_UPDATED_UTC"] >= target["DATE_UPDATED_UTC"]
    comments = api.get(f"/Ticket/{target['TICKET_ID']}/Comments").json()
    assert sorted(c["COMMENT_ID"] for c in comments) == sorted([kept, *moved])
    assert {c["TICKET_ID"] for c in comments} == {target["TICKET_ID"]}
    assert api.get(f"/Ticket/{target['TICKET_ID']}/Follow").json() == {"FOLLOWING": True}
    assert api.get(f"/Ticket/{source['TICKET_ID']}").status_code == 404
    assert api.get(f"/Ticket/{source['TICKET_ID']}/Comments").status_code == 404
    deleted = api.get("/Ticket/Deleted").json()
    assert [d["ID"] for d in deleted] == [source["TICKET_ID"]]
    tagged = api.get("/Ticket/SearchByTag", params={"tagName": "hardware"}).json()
    assert sorted(t["TICKET_ID"] for t in tagged) == sorted(
        [target["TICKET_ID"], bystander["TICKET_ID"]]
    )
    assert api.get(f"/Ticket/{bystander['TICKET_ID']}").json() == bystander


def test_a_refused_merge_changes_nothing(api: httpx.Client, make_tenant: Any) -> None:
    source = new_ticket(api, TAGS=[{"TAG_NAME": "Keep"}])
    comment(api, source["TICKET_ID"], "still here")
    theirs = new_ticket(make_tenant().client)  # another instance's ticket
    before = api.get(f"/Ticket/{source['TICKET_ID']}").json()
    path = f"/Ticket/{source['TICKET_ID']}/Merge"

    for body in (
        {},
        {"TARGET_TICKET_NUMBER": "twelve"},
        {"TARGET_TICKET_NUMBER": 0},
        {"TARGET_TICKET_NUMBER": True},
        {"TARGET_TICKET_NUMBER": int(source["TICKET_NUMBER"])},  # itself
        {"TARGET_TICKET_NUMBER": int(theirs["TICKET_NUMBER"])},  # not in this instance
        [],
    ):
        response = api.post(path, json=body)
        assert response.status_code == 400, (body, response.text)
        assert "TARGET_TICKET_NUMBER" in error_fields(response), body
    assert api.post("/Ticket/2000000000/Merge", json={"TARGET_TICKET_NUMBER": 1}).status_code == 404
    assert api.get(f"/Ticket/{source['TICKET_ID']}").json() == before
    assert len(api.get(f"/Ticket/{source['TICKET_ID']}/Comments").json()) == 1
    assert api.get("/Ticket/Deleted").json() == []


def test_merge_accepts_the_number_as_text_and_in_any_key_case(api: httpx.Client) -> None:
    source, target = new_ticket(api), new_ticket(api)
    response = api.post(
        f"/ticket/{source['TICKET_ID']}/merge",
        json={"target_ticket_number": target["TICKET_NUMBER"]},
    )
    assert response.status_code == 200, response.text
    assert [t["TICKET_ID"] for t in response.json()] == [target["TICKET_ID"]]


def test_v30_has_no_tickets(tenant: Tenant, api30: httpx.Client) -> None:
    ticket = new_ticket(tenant.client)
    assert api30.get("/Ticket").status_code == 404
    assert api30.get(f"/Ticket/{ticket['TICKET_ID']}").status_code == 404
