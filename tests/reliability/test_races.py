"""Races: many clients rewrite, link and delete the same records on a two-process server.

Afterwards every record graph must be whole: each sub-collection is exactly one of the arrays
some client sent (less the links whose far end was deleted), deleted records leave no rows
behind, and no link in the database has a missing end.
"""

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import free_port
from tests.reliability.harness import (
    Account,
    Server,
    dangling_rows,
    new_account,
    running,
    scaled,
    server_env,
)

CONTACTS = 6
ORGANISATIONS = 6
DOOMED_CONTACTS = 2  # the last ones; clients delete them while others write to them
DOOMED_ORGANISATIONS = 3
CLIENTS = 8

Tags = frozenset[str]
Dates = frozenset[tuple[str, str]]
Links = frozenset[tuple[str, int]]


class Sent:
    """Every sub-collection array any client sent for each contact (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tags: dict[int, set[Tags]] = {}
        self.dates: dict[int, set[Dates]] = {}
        self.links: dict[int, set[Links]] = {}

    def add(self, contact_id: int, body: dict[str, Any]) -> None:
        with self.lock:
            if "TAGS" in body:
                self.tags.setdefault(contact_id, set()).add(tag_set(body["TAGS"]))
            if "DATES" in body:
                self.dates.setdefault(contact_id, set()).add(date_set(body["DATES"]))
            if "LINKS" in body:
                self.links.setdefault(contact_id, set()).add(link_set(body["LINKS"]))


def tag_set(items: list[dict[str, Any]]) -> Tags:
    return frozenset(item["TAG_NAME"] for item in items)


def date_set(items: list[dict[str, Any]]) -> Dates:
    return frozenset((item["OCCASION_NAME"], item["OCCASION_DATE"][:10]) for item in items)


def link_set(items: list[dict[str, Any]]) -> Links:
    return frozenset((item["LINK_OBJECT_NAME"], int(item["LINK_OBJECT_ID"])) for item in items)


def graph(label: str, orgs: list[int], rng: random.Random) -> dict[str, Any]:
    """Tags, dates and links, each named after the write that sends them."""
    return {
        "TAGS": [{"TAG_NAME": f"{label}-t{n}"} for n in range(rng.randint(0, 4))],
        "DATES": [
            {"OCCASION_NAME": f"{label}-d{n}", "OCCASION_DATE": f"20{10 + n}-0{1 + n}-15"}
            for n in range(rng.randint(0, 3))
        ],
        "LINKS": [
            {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": org}
            for org in rng.sample(orgs, rng.randint(0, 3))
        ],
    }


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    with running(server_env(database_url, tmp_path), free_port(), workers=2) as server:
        yield server


def test_concurrent_writers_leave_every_graph_whole(server: Server, engine: Engine) -> None:
    account = new_account(engine)
    sent = Sent()
    with httpx.Client(base_url=f"{server.url}/v3.1", auth=(account.api_key, "")) as api:
        orgs = [
            api.post("/Organisations", json={"ORGANISATION_NAME": f"Org {n}"}).json()[
                "ORGANISATION_ID"
            ]
            for n in range(ORGANISATIONS)
        ]
        contacts = []
        for n in range(CONTACTS):
            body = {"FIRST_NAME": f"Racer {n}", **graph(f"init{n}", orgs, random.Random(n))}
            created = api.post("/Contacts", json=body)
            assert created.status_code == 201, created.text
            contacts.append(created.json()["CONTACT_ID"])
            sent.add(contacts[-1], body)
    doomed_orgs = set(orgs[-DOOMED_ORGANISATIONS:])
    doomed_contacts = set(contacts[-DOOMED_CONTACTS:])

    def client(number: int) -> list[str]:
        return run_client(server.url, account, number, contacts, orgs, doomed_orgs, sent)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        problems = [p for result in pool.map(client, range(CLIENTS)) for p in result]
    assert problems == []

    deleted_orgs = {org for org in orgs if gone(server, account, f"/Organisations/{org}")}
    assert deleted_orgs == doomed_orgs  # every client deletes every doomed org at some point
    with httpx.Client(base_url=f"{server.url}/v3.1", auth=(account.api_key, "")) as api:
        for contact_id in contacts:
            response = api.get(f"/Contacts/{contact_id}")
            if contact_id in doomed_contacts:
                assert response.status_code == 404
                continue
            record = response.json()
            assert tag_set(record["TAGS"]) in sent.tags[contact_id], record["TAGS"]
            assert date_set(record["DATES"]) in sent.dates[contact_id], record["DATES"]
            links = link_set(record["LINKS"])
            assert links in {
                frozenset(link for link in links_sent if link[1] not in deleted_orgs)
                for links_sent in sent.links[contact_id]
            }, record["LINKS"]
    assert dangling_rows(engine, account.instance_id) == []


def gone(server: Server, account: Account, path: str) -> bool:
    response = httpx.get(f"{server.url}/v3.1{path}", auth=(account.api_key, ""))
    assert response.status_code in (200, 404)
    return response.status_code == 404


def run_client(
    url: str,
    account: Account,
    number: int,
    contacts: list[int],
    orgs: list[int],
    doomed_orgs: set[int],
    sent: Sent,
) -> list[str]:
    """One client's random writes; the answers that break the contract, described."""
    rng = random.Random(1000 + number)
    problems = []
    # Each client deletes every doomed record once, at a random point of its run.
    operations = scaled(25)
    targets = [("Organisations", org) for org in sorted(doomed_orgs)]
    targets += [("Contacts", contact) for contact in contacts[-DOOMED_CONTACTS:]]
    doom_at = dict(zip(rng.sample(range(operations), len(targets)), targets, strict=True))
    with httpx.Client(base_url=f"{url}/v3.1", auth=(account.api_key, ""), timeout=60) as api:
        for step in range(operations):
            label = f"c{number}s{step}"
            contact_id = rng.choice(contacts)
            choice = rng.random()
            linked: set[int] = set()
            if step in doom_at:
                collection, target = doom_at[step]
                response = api.delete(f"/{collection}/{target}")
                allowed = {202, 404}
            elif choice < 0.4:
                body = {"CONTACT_ID": contact_id, "TITLE": label, **graph(label, orgs, rng)}
                sent.add(contact_id, body)
                linked = {link["LINK_OBJECT_ID"] for link in body["LINKS"]}
                response = api.put("/Contacts", json=body)
                allowed = {200, 404}
            elif choice < 0.65:
                tags = graph(label, orgs, rng)["TAGS"]
                sent.add(contact_id, {"TAGS": tags})
                response = api.put(f"/Contacts/{contact_id}/Tags", json=tags)
                allowed = {200, 404}
            elif choice < 0.9:
                links = graph(label, orgs, rng)["LINKS"]
                sent.add(contact_id, {"LINKS": links})
                linked = {link["LINK_OBJECT_ID"] for link in links}
                response = api.put(f"/Contacts/{contact_id}/Links", json=links)
                allowed = {200, 404}
            else:
                response = api.put("/Contacts", json={"CONTACT_ID": contact_id, "TITLE": label})
                allowed = {200, 404}
            if linked & doomed_orgs:
                allowed.add(400)  # the linked organisation may be gone already
            if response.status_code not in allowed:
                problems.append(f"{label}: {response.status_code} {response.text[:200]}")
    return problems
