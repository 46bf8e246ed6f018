"""The read-only role: every write of every API version is refused (403) and changes nothing;
GET /Permissions says so; `rolodex users set-role` gives roles, keeping the last administrator.

The matrix walks every write operation of the three OpenAPI documents with the helpers of the
isolation matrix (tests/reliability/test_isolation_matrix.py), against one instance that has one
of everything, so that a route that forgot the rule would have something to change.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner, Result

from rolodex.cli.main import app as cli
from rolodex.config import Settings
from rolodex.services import users
from rolodex.services.context import READ_ONLY_MESSAGE, Role
from rolodex.storage import tables
from rolodex.storage.engine import unit_of_work
from tests.conftest import Tenant
from tests.reliability.test_isolation_matrix import Alpha, body_for, build_alpha, calls

VERSIONS = ("v3.1", "v3.0", "v2.2")
# What a request may change although it changes no data: the rate-limit counters and leases.
COUNTERS = {"rate_daily", "rate_second"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def alpha(make_session_tenant: Callable[[], Tenant], engine: Engine) -> Alpha:
    """One instance with one of everything (the isolation matrix's), shared by the module."""
    alpha = build_alpha(make_session_tenant(), engine)
    alpha.ids["milestone"] = alpha.ids["milestones"]  # v3.0 spells the collection so
    return alpha


@pytest.fixture(scope="module")
def documents(base_url: str) -> dict[str, dict[str, Any]]:
    """The OpenAPI document of each version."""
    return {
        version: httpx.get(f"{base_url}/{version}/openapi.json", timeout=120).json()
        for version in VERSIONS
    }


def new_user(tenant: Tenant, engine: Engine, role: Role) -> tuple[int, str, str]:
    """Another user of the tenant with `role`: its id, email and API key."""
    email = f"{role.value}-{uuid.uuid4().hex[:10]}@example.com"
    user_id, key = tenant.add_user(engine, email)
    with unit_of_work(engine, write=True) as connection:
        users.set_role_by_email(connection, email, role)
    return user_id, email, key


@pytest.fixture(scope="module")
def reader(alpha: Alpha, engine: Engine, base_url: str) -> Iterator[httpx.Client]:
    """An HTTP client of the alpha instance with a read-only user's key (any version)."""
    _, _, key = new_user(alpha.tenant, engine, Role.READ_ONLY)
    with httpx.Client(base_url=base_url, auth=(key, ""), timeout=60) as client:
        yield client


def database_state(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the rate-limit counters."""
    with engine.connect() as connection:
        return {
            table.name: sorted(
                (tuple(map(repr, row)) for row in connection.execute(select(table))), key=repr
            )
            for table in tables.metadata.sorted_tables
            if table.name not in COUNTERS
        }


def stored_files(settings: Settings) -> list[Path]:
    """Every file of the file store (attachments, images and their temporary uploads)."""
    return sorted(p for p in Path(settings.files_dir).rglob("*") if p.is_file())


@pytest.mark.parametrize("version", VERSIONS)
def test_every_write_of_every_version_is_refused_and_changes_nothing(
    alpha: Alpha,
    reader: httpx.Client,
    engine: Engine,
    settings: Settings,
    documents: dict[str, dict[str, Any]],
    version: str,
) -> None:
    writes = [call for call in calls(documents[version], alpha) if call.method != "GET"]
    assert len(writes) > 100  # the document was walked (POST, PUT, PATCH and DELETE)
    before, files_before = database_state(engine), stored_files(settings)

    answers = {}
    for call in writes:
        response = reader.request(call.method, call.path, **body_for(call, alpha))
        answers[f"{call.method} {call.path}"] = (response.status_code, response.json())
    refused = (403, {"Message": READ_ONLY_MESSAGE})
    assert {call: answer for call, answer in answers.items() if answer != refused} == {}
    assert database_state(engine) == before
    assert stored_files(settings) == files_before
    # And each version's document says so: every write may answer 403.
    undocumented = [
        f"{method.upper()} {path}"
        for path, item in documents[version]["paths"].items()
        for method, operation in item.items()
        if method in ("post", "put", "patch", "delete") and "403" not in operation["responses"]
    ]
    assert undocumented == []


@pytest.mark.parametrize("version", VERSIONS)
def test_a_read_only_user_reads_everything_and_reading_changes_nothing(
    alpha: Alpha,
    reader: httpx.Client,
    engine: Engine,
    documents: dict[str, dict[str, Any]],
    version: str,
) -> None:
    reads = [call for call in calls(documents[version], alpha) if call.method == "GET"]
    query = {**alpha.query, "record_type": "Contacts"}  # GET /Tags needs one
    before = database_state(engine)
    failed = []
    for call in reads:
        response = reader.get(call.path, params=query)
        if response.status_code != 200:
            failed.append(f"GET {call.path}: {response.status_code}")
    assert failed == []
    # So no read-only caller changes anything through a GET either.
    assert database_state(engine) == before


def test_a_refused_write_reads_no_body_and_counts_as_a_call(
    alpha: Alpha, reader: httpx.Client
) -> None:
    """Refused before the route: a body that is no JSON, an upload, an unknown record and a
    screen pop (a POST, as every other) all get the same 403, with the rate-limit headers."""
    contact = alpha.ids["contacts"]
    answers = [
        reader.post("/v3.1/Contacts", content=b"{not json", headers=JSON),
        reader.post(
            f"/v2.2/Contacts/{contact}/FileAttachments",
            files={"file": ("a.txt", b"a" * 100_000, "text/plain")},
        ),
        reader.delete("/v3.1/Contacts/999999999"),
        reader.post("/v3.1/CTI/ScreenPop", json={"OBJECT_NAME": "Contact", "RECORD_ID": contact}),
    ]
    for response in answers:
        assert response.status_code == 403, response.text
        assert response.json() == {"Message": READ_ONLY_MESSAGE}
        assert "X-RateLimit-Remaining" in response.headers
    # In the body type the client speaks.
    xml = reader.put("/v3.0/Contacts", content=b"<Contact>", headers={"Content-Type": "text/xml"})
    assert xml.status_code == 403
    assert f"<Message>{READ_ONLY_MESSAGE}</Message>" in xml.text


def permissions_of(client: httpx.Client, version: str = "v3.1") -> dict[str, Any]:
    response = client.get(f"/{version}/Permissions")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def by_type(answer: dict[str, Any]) -> dict[str, tuple[bool, bool, bool, bool]]:
    return {
        item["OBJECT_TYPE"]: (
            item["CAN_READ"],
            item["CAN_CREATE"],
            item["CAN_EDIT"],
            item["CAN_DELETE"],
        )
        for item in answer["OBJECT_PERMISSIONS"]
    }


@pytest.mark.parametrize("version", ["v3.1", "v3.0"])
def test_permissions_tell_each_role_the_truth(
    alpha: Alpha, reader: httpx.Client, engine: Engine, base_url: str, version: str
) -> None:
    _, _, user_key = new_user(alpha.tenant, engine, Role.USER)
    with (
        httpx.Client(base_url=base_url, auth=(alpha.tenant.api_key, ""), timeout=60) as boss,
        httpx.Client(base_url=base_url, auth=(user_key, ""), timeout=60) as plain,
    ):
        admin_answer = permissions_of(boss, version)
        user_answer = permissions_of(plain, version)
        # A user may create a contact, as the answer says.
        assert plain.post(f"/{version}/Contacts", json={"FIRST_NAME": "Told"}).status_code == 201
    read_only_answer = permissions_of(reader, version)

    assert admin_answer["PERMISSIONS_STATE"] == "ADMINISTRATOR"
    admin = by_type(admin_answer)

    assert user_answer["PERMISSIONS_STATE"] == "STANDARD"
    assert read_only_answer["PERMISSIONS_STATE"] == "READ_ONLY"
    read_only = by_type(read_only_answer)
    assert read_only.keys() == admin.keys()
    assert set(read_only.values()) == {(True, False, False, False)}
    assert {item["PERMISSIONS_STATE"] for item in read_only_answer["OBJECT_PERMISSIONS"]} == {
        "READ"
    }
    user = by_type(user_answer)
    assert user["Contact"] == admin["Contact"] == (True, True, True, True)
    assert user["LeadSource"] == (True, False, False, False)  # settings: administrators only
    # Refused as the answer says (the matrix above refuses every other write).
    refused = reader.post(f"/{version}/Contacts", json={"FIRST_NAME": "Refused"})
    assert refused.status_code == 403
    assert refused.json() == {"Message": READ_ONLY_MESSAGE}


def role_of(engine: Engine, email: str) -> Role:
    with unit_of_work(engine) as connection:
        row = connection.execute(
            select(tables.users.c.administrator, tables.users.c.read_only).where(
                tables.users.c.email_key == email
            )
        ).one()
    return Role.of(row.administrator, row.read_only)


def test_set_role_from_the_command_line(
    make_tenant: Callable[[], Tenant],
    engine: Engine,
    base_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("rolodex.cli.main._engine", lambda: engine)
    runner = CliRunner()

    def set_role(email: str, role: str) -> Result:
        return runner.invoke(cli, ["users", "set-role", email, role])

    tenant = make_tenant()
    _, email, key = new_user(tenant, engine, Role.USER)
    done = set_role(email, "READ-ONLY")
    assert done.exit_code == 0, done.output
    assert done.output.endswith(f"{email} is read-only (was user); it applies within seconds.\n")
    assert role_of(engine, email) is Role.READ_ONLY
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, ""), timeout=60) as api:
        refused = api.post("/Contacts", json={"FIRST_NAME": "No"})
        assert refused.status_code == 403
        assert refused.json() == {"Message": READ_ONLY_MESSAGE}
        assert api.get("/Contacts").status_code == 200
    assert set_role(email, "read-only").output.endswith(f"{email} is read-only (unchanged).\n")

    unknown = set_role(email, "owner")
    assert unknown.exit_code == 2
    words = " ".join(re.sub("[│╭╮╰╯─]", " ", unknown.output).split())  # out of typer's box
    assert "'owner' is not one of 'administrator', 'user', 'read-only'." in words
    nobody = set_role(f"nobody-{uuid.uuid4().hex}@example.com", "user")
    assert nobody.exit_code == 1
    assert "error: No user with email nobody-" in nobody.output

    last = set_role(tenant.email, "user")
    assert last.exit_code == 1
    assert (
        f"error: {tenant.email} is the instance's last active administrator; make another "
        "user an administrator first." in last.output
    )
    assert role_of(engine, tenant.email) is Role.ADMINISTRATOR
    assert set_role(email, "administrator").exit_code == 0
    demoted = set_role(tenant.email, "read-only")
    assert demoted.exit_code == 0, demoted.output
    assert role_of(engine, tenant.email) is Role.READ_ONLY


def test_an_administrator_is_never_read_only(engine: Engine, tenant: Tenant) -> None:
    """The schema holds three roles and no fourth combination of the two flags."""
    with pytest.raises(IntegrityError), unit_of_work(engine, write=True) as connection:
        connection.execute(
            update(tables.users).where(tables.users.c.id == tenant.user_id).values(read_only=True)
        )
    assert role_of(engine, tenant.email.lower()) is Role.ADMINISTRATOR
