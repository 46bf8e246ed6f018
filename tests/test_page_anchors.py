"""Deep pages read on from positions learned earlier (rolodex.storage.anchors): every page is the
same as the list read whole, after every kind of change that moves records in it, whichever
process made the change."""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.api.app import create_app
from rolodex.config import Settings
from rolodex.storage import repository
from tests.conftest import SUITE_OBJECT, Tenant, serving
from tests.test_visibility import client_for, ok

TOP = 3
SINCE = "2000-01-01T00:00:00Z"


@dataclass(frozen=True)
class Listed:
    """A type whose lists are paged: its collection, id field and a text field to change."""

    collection: str
    id_field: str
    name_field: str


# A standard type, and a custom object (its records share one table with every other object's).
LISTED = [
    Listed("Contacts", "CONTACT_ID", "FIRST_NAME"),
    Listed(SUITE_OBJECT, "RECORD_ID", "RECORD_NAME"),
]


@pytest.fixture(autouse=True)
def anchor_small_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    """Positions from a skip of 4 on, so that a list of a few dozen records has deep pages."""
    monkeypatch.setattr(repository, "ANCHOR_FROM", 4)


@pytest.fixture
def other_process(settings: Settings) -> Iterator[str]:
    """A second server with an engine (and so positions) of its own: another process."""
    app = create_app(settings)
    try:
        with serving(app) as url:
            yield url
    finally:
        app.state.engine.dispose()


def whole(client: httpx.Client, kind: Listed, sweep: bool) -> list[int]:
    params: dict[str, Any] = {"top": 500}
    if sweep:
        params["updated_after_utc"] = SINCE
    return [r[kind.id_field] for r in ok(client.get(f"/{kind.collection}", params=params))]


def paged(
    client: httpx.Client, kind: Listed, sweep: bool, length: int, rng: random.Random
) -> list[int]:
    """Every page of the list, in a random order (so that positions are learned from pages on
    either side), put back together."""
    pages: dict[int, list[int]] = {}
    skips = list(range(0, length + TOP, TOP))
    rng.shuffle(skips)
    for skip in skips:
        params: dict[str, Any] = {"top": TOP, "skip": skip}
        if sweep:
            params["updated_after_utc"] = SINCE
        answer = ok(client.get(f"/{kind.collection}", params=params))
        pages[skip] = [r[kind.id_field] for r in answer]
    return [record for skip in sorted(pages) for record in pages[skip]]


def check(client: httpx.Client, kind: Listed, rng: random.Random) -> None:
    for sweep in (False, True):
        expected = whole(client, kind, sweep)
        assert paged(client, kind, sweep, len(expected), rng) == expected


@pytest.mark.parametrize("kind", LISTED, ids=[kind.collection for kind in LISTED])
@pytest.mark.parametrize("where", ["same process", "other process"])
def test_deep_pages_stay_exact_through_every_change(
    make_tenant: Callable[[], Tenant],
    engine: Engine,
    other_process: str,
    where: str,
    kind: Listed,
) -> None:
    rng = random.Random(where)
    tenant = make_tenant()
    admin = tenant.client
    viewer_id, viewer_key = tenant.add_user(engine, f"viewer-{tenant.instance_id}@example.com")
    # Changes come through this process's server, or through the other one.
    writer_url = f"{other_process}/v3.1" if where == "other process" else admin.base_url
    with (
        client_for(tenant, viewer_key) as viewer,
        httpx.Client(base_url=writer_url, auth=(tenant.api_key, ""), timeout=60) as writer,
    ):
        changes_stay_exact(kind, admin, viewer, writer, viewer_id, rng)


def changes_stay_exact(
    kind: Listed,
    admin: httpx.Client,
    viewer: httpx.Client,
    writer: httpx.Client,
    viewer_id: int,
    rng: random.Random,
) -> None:
    coll = f"/{kind.collection}"

    def put(record_id: int, **fields: Any) -> Any:
        return ok(writer.put(coll, json={kind.id_field: record_id, **fields}))

    ids = []
    for number in range(30):
        body: dict[str, Any] = {kind.name_field: f"C{number}"}
        if number % 3 == 0:
            body["VISIBLE_TO"] = "OWNER"
        ids.append(ok(writer.post(coll, json=body), 201)[kind.id_field])
    team = ok(writer.post("/Teams", json={"TEAM_NAME": "Deep"}), 201)["TEAM_ID"]
    for client in (admin, viewer):
        check(client, kind, rng)  # learns positions in the first process
    assert len(whole(viewer, kind, False)) == 20

    members: list[int] = []
    changes: list[Callable[[], Any]] = [
        # a record early in the list deleted
        lambda: ok(writer.delete(f"{coll}/{ids[1]}"), 202),
        # one hidden from the viewer, another shown to it
        lambda: put(ids[4], VISIBLE_TO="OWNER"),
        lambda: put(ids[3], VISIBLE_TO="EVERYONE"),
        # one shown to a team, then the viewer joins it
        lambda: put(ids[6], VISIBLE_TO="TEAM", VISIBLE_TEAM_ID=team),
        lambda: members.append(
            ok(
                writer.post(f"/Teams/{team}/TeamMembers", json={"MEMBER_USER_ID": viewer_id}),
                201,
            )["PERMISSION_ID"]
        ),
        # and leaves it
        lambda: ok(writer.delete(f"/Teams/{team}/TeamMembers/{members[0]}"), 202),
        lambda: put(ids[6], VISIBLE_TO="EVERYONE"),
        # a change that moves a record to the end of the sweep, and a new record
        lambda: put(ids[2], **{kind.name_field: "Moved"}),
        lambda: ok(writer.post(coll, json={kind.name_field: "New"}), 201),
    ]
    for change in changes:
        change()
        for client in (admin, viewer):
            check(client, kind, rng)
    seen = whole(viewer, kind, False)
    assert ids[6] in seen and ids[4] not in seen and ids[3] in seen
    assert ids[1] not in whole(admin, kind, False)
