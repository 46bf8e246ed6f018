"""The SDK (rolodex.client) against the real app, the Deleted feed, and retries on a real server."""

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.api.app import create_app
from rolodex.client import (
    OBJECT_TYPES,
    AsyncClient,
    BadRequestError,
    Client,
    NotFoundError,
    PreconditionFailedError,
    RetryPolicy,
    Sweep,
    custom_fields_dict,
)
from rolodex.config import Settings
from rolodex.domain.registry import RECORD_TYPES
from tests.conftest import SUITE_OBJECT, Tenant, run_coroutine, serving
from tests.servers import cli_env, run_cli

CLIENT_DIR = Path(__file__).resolve().parent.parent / "src" / "rolodex" / "client"


@pytest.fixture
def client(base_url: str, tenant: Tenant) -> Iterator[Client]:
    with Client(base_url, tenant.api_key) as crm:
        yield crm


def test_the_client_imports_nothing_of_the_server() -> None:
    allowed_roots = {"httpx", "rolodex"}
    for path in CLIENT_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root in sys.stdlib_module_names or root in allowed_roots, (path, name)
                if root == "rolodex":
                    assert name.startswith("rolodex.client"), (path, name)
    probe = (
        "import sys, rolodex.client; "
        "bad = [m for m in ('fastapi', 'sqlalchemy', 'pydantic', 'starlette', 'rolodex.api', "
        "'rolodex.services', 'rolodex.storage', 'rolodex.wire', 'rolodex.domain') "
        "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_client_types_mirror_the_registry() -> None:
    expected = [
        (rt.collection, rt.singular, rt.id_field, {f.value for f in rt.features})
        for rt in RECORD_TYPES
    ]
    actual = [(t.collection, t.singular, t.id_field, set(t.features)) for t in OBJECT_TYPES]
    assert actual == expected


def test_crud_sub_resources_and_typed_errors(client: Client) -> None:
    org = client.organisations.create({"ORGANISATION_NAME": "Acme"})
    contact = client.contacts.create(
        {
            "FIRST_NAME": "Ada",
            "TAGS": [{"TAG_NAME": "vip"}],
            "ORGANISATION_ID": org["ORGANISATION_ID"],
        }
    )
    cid = contact["CONTACT_ID"]
    assert client.contacts.get(cid)["FIRST_NAME"] == "Ada"
    client.contacts.add_tag(cid, "lead")
    assert sorted(client.contacts.tags(cid)) == ["lead", "vip"]
    assert [r["CONTACT_ID"] for r in client.contacts.search_by_tag("vip")] == [cid]
    assert [r["CONTACT_ID"] for r in client.contacts.search("FIRST_NAME", "ada")] == [cid]
    link = client.contacts.add_link(
        cid, {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": org["ORGANISATION_ID"]}
    )
    client.contacts.add_note(cid, {"TITLE": "Met at the fair"})
    assert [n["TITLE"] for n in client.contacts.notes(cid)] == ["Met at the fair"]
    client.contacts.attach_file(cid, "hello.txt", b"hello", "text/plain")
    assert [f["FILE_NAME"] for f in client.contacts.files(cid)] == ["hello.txt"]
    client.contacts.follow(cid)
    assert client.contacts.is_following(cid)

    # The safe update keeps every sub-collection it does not change.
    links_before = {k["LINK_ID"] for k in client.contacts.links(cid)}
    assert link["LINK_ID"] in links_before
    updated = client.contacts.update(cid, {"title": "Countess"})
    assert updated["TITLE"] == "Countess"
    assert len(updated["TAGS"]) == 2
    assert {k["LINK_ID"] for k in updated["LINKS"]} == links_before

    with pytest.raises(BadRequestError) as bad:
        client.contacts.create({"LAST_NAME": "No first name"})
    assert bad.value.status_code == 400
    assert any(e["FIELD"] == "FIRST_NAME" for e in bad.value.errors)
    client.contacts.delete(cid)
    with pytest.raises(NotFoundError):
        client.contacts.get(cid)


def test_update_refuses_to_overwrite_a_concurrent_change(client: Client) -> None:
    cid = client.contacts.create({"FIRST_NAME": "Ada"})["CONTACT_ID"]

    def change(record: dict[str, object]) -> dict[str, object]:
        # Someone else writes between our read and our PUT.
        client.contacts.replace({"CONTACT_ID": cid, "TITLE": "theirs"})
        return {"TITLE": "ours"}

    with pytest.raises(PreconditionFailedError):
        client.contacts.update(cid, change)
    assert client.contacts.get(cid)["TITLE"] == "theirs"


def test_custom_objects_and_custom_fields_by_name(client: Client) -> None:
    items = client.custom(SUITE_OBJECT)
    created = items.create({"RECORD_NAME": "First"})
    assert items.get(created["RECORD_ID"])["RECORD_NAME"] == "First"
    assert SUITE_OBJECT in [o["OBJECT_NAME"] for o in client.custom_objects()]
    client.request(
        "POST",
        "/CustomFields/Contacts",
        json={"FIELD_NAME": "Colour__c", "FIELD_LABEL": "Colour", "FIELD_TYPE": "TEXT"},
    )
    cid = client.contacts.create({"FIRST_NAME": "Ada"})["CONTACT_ID"]
    record = client.contacts.update(cid, {"CUSTOMFIELDS": {"Colour__c": "red"}})
    assert custom_fields_dict(record) == {"Colour__c": "red"}


def test_iteration_pages_through_everything_once(client: Client) -> None:
    ids = {client.contacts.create({"FIRST_NAME": f"P{n}"})["CONTACT_ID"] for n in range(23)}
    sweep = client.contacts.iterate(page_size=5)
    seen = [r["CONTACT_ID"] for r in sweep]
    assert sorted(seen) == sorted(ids)
    # Nothing changed since: a sweep from the cursor yields at most the last few seconds again.
    assert set(r["CONTACT_ID"] for r in client.contacts.iterate(sweep.cursor)) <= ids


def test_iteration_survives_changes_during_the_sweep(client: Client) -> None:
    """Records updated while the sweep runs (all in one second, the worst case) are neither
    skipped nor repeated in the same version."""
    ids = [client.contacts.create({"FIRST_NAME": f"C{n}"})["CONTACT_ID"] for n in range(30)]
    sweep = client.contacts.iterate(page_size=6)
    yielded: list[tuple[int, str]] = []
    for index, record in enumerate(sweep):
        yielded.append((record["CONTACT_ID"], record["DATE_UPDATED_UTC"]))
        if index in (3, 8, 15):
            # Update records not reached yet and one already yielded.
            for target in (ids[-1 - index], ids[index + 1], ids[0]):
                client.contacts.replace({"CONTACT_ID": target, "TITLE": f"t{index}"})
    assert len(yielded) == len(set(yielded))  # no version twice
    assert {cid for cid, _ in yielded} == set(ids)  # none skipped


def test_sweep_restarts_a_group_that_shifted() -> None:
    """Sans I/O: a page that does not start with a record seen before re-reads the group."""
    sweep = Sweep(None, "D", "ID", page_size=4, overlap=1)
    same = "2026-01-01 10:00:00"
    page = [{"ID": n, "D": same} for n in range(4)]
    assert [r["ID"] for r in sweep.take(page)] == [0, 1, 2, 3]
    assert sweep.params() == {"skip": 3, "top": 4}
    # Two of the seen records were updated away: position 3 now holds an unseen record.
    assert sweep.take([{"ID": 5, "D": same}]) == []
    assert sweep.params()["skip"] == 0
    fresh = sweep.take([{"ID": 2, "D": same}, {"ID": 3, "D": same}, {"ID": 4, "D": same}])
    assert [r["ID"] for r in fresh] == [4]
    assert sweep.done


def test_deleted_feed(client: Client, tenant: Tenant) -> None:
    ids = [client.contacts.create({"FIRST_NAME": f"D{n}"})["CONTACT_ID"] for n in range(3)]
    for cid in ids:
        client.contacts.delete(cid)
    response = tenant.client.get("/Contacts/Deleted", params={"count_total": "true", "top": 2})
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "3"
    assert [t["ID"] for t in response.json()] == ids[:2]
    assert set(response.json()[0]) == {"ID", "DATE_DELETED_UTC"}
    assert [t["ID"] for t in client.contacts.deleted()] == ids
    assert list(client.contacts.deleted("2999-01-01")) == []
    bad = tenant.client.get("/Contacts/Deleted", params={"deleted_after_utc": "soon"})
    assert bad.status_code == 400
    assert "deleted_after_utc" in bad.json()["Message"]
    items = client.custom(SUITE_OBJECT)
    rid = items.create({"RECORD_NAME": "gone"})["RECORD_ID"]
    items.delete(rid)
    assert [t["ID"] for t in items.deleted()] == [rid]


def test_tombstones_expire_and_are_purged(
    settings: Settings, engine: Engine, tenant: Tenant, database_url: str
) -> None:
    with Client(tenant.client.base_url.join("/").__str__(), tenant.api_key) as crm:
        cid = crm.contacts.create({"FIRST_NAME": "Old"})["CONTACT_ID"]
        crm.contacts.delete(cid)
        assert [t["ID"] for t in crm.contacts.deleted()] == [cid]
    # A server keeping tombstones for 0 days hides it at once, and its deletes purge.
    forgetful = settings.model_copy(update={"tombstone_days": 0})
    with serving(create_app(forgetful, engine)) as url, Client(url, tenant.api_key) as crm:
        assert list(crm.contacts.deleted()) == []
    result = run_cli(cli_env(database_url, tombstone_days="0"), "db", "purge-tombstones")
    assert result.returncode == 0, result.stderr
    assert "Purged" in result.stdout


def test_async_client(base_url: str, tenant: Tenant) -> None:
    async def scenario() -> list[int]:
        async with AsyncClient(base_url, tenant.api_key) as crm:
            created = await crm.contacts.create({"FIRST_NAME": "Async"})
            cid = created["CONTACT_ID"]
            await crm.contacts.update(cid, {"TITLE": "Dr"})
            assert (await crm.contacts.get(cid))["TITLE"] == "Dr"
            await crm.contacts.add_tag(cid, "x")
            assert await crm.contacts.tags(cid) == ["x"]
            found = [r["CONTACT_ID"] async for r in crm.contacts.iterate(page_size=2)]
            await crm.contacts.delete(cid)
            return found

    assert len(run_coroutine(scenario())) == 1


@pytest.fixture
def burst_url(settings: Settings, engine: Engine) -> Iterator[str]:
    """A real server allowing 2 calls a second per key."""
    tight = settings.model_copy(update={"rate_limit_daily": 0, "rate_limit_per_second": 2})
    with serving(create_app(tight, engine)) as url:
        yield url


def test_429_is_retried_after_retry_after(burst_url: str, tenant: Tenant) -> None:
    with Client(burst_url, tenant.api_key) as crm:
        ids = [crm.contacts.create({"FIRST_NAME": f"R{n}"})["CONTACT_ID"] for n in range(4)]
        for cid in ids:
            assert crm.contacts.get(cid)["CONTACT_ID"] == cid
        assert crm.retries > 0  # some calls were refused with 429, and sent again


def test_connection_errors_are_retried_only_when_safe() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) % 3:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"CONTACT_ID": 1})

    no_wait = RetryPolicy(max_attempts=5)
    with Client(
        "http://crm.invalid",
        "k",
        transport=httpx.MockTransport(handler),
        retry=no_wait,
        sleep=lambda _: None,
    ) as crm:
        assert crm.contacts.get(1) == {"CONTACT_ID": 1}
        assert calls == ["GET"] * 3
        calls.clear()
        with pytest.raises(Exception, match="ReadTimeout"):
            crm.contacts.create({"FIRST_NAME": "x"})  # a POST is never resent after a timeout
        assert calls == ["POST"]


def test_5xx_backoff_policy() -> None:
    policy = RetryPolicy(max_attempts=3, backoff=1.0)
    assert policy.delay("GET", 1, 503) is not None
    assert policy.delay("POST", 1, 503) is None
    assert policy.delay("POST", 1, 429, {"Retry-After": "7"}) == 7
    assert policy.delay("POST", 1, connect_failed=True) is not None
    assert policy.delay("GET", 3, 503) is None
