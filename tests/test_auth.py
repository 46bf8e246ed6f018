"""Authentication (contract §2): HTTP Basic with the API key as user name, keys, users, instance."""

import base64
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import Engine, select

from rolodex.storage import tables
from rolodex.storage.cache import CACHE_SECONDS
from tests.conftest import Tenant
from tests.servers import cli_env, run_cli

REALM = 'Basic realm="Rolodex"'


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def credentials_with(key: str, wanted: Callable[[str], bool]) -> str:
    """Standard base64 of `key:password`, for the first password whose encoding is `wanted`."""
    for index in range(1000):
        encoded = b64(f"{key}:{'~?>' * (index % 7)}{index}")
        if wanted(encoded):
            return encoded
    raise AssertionError("no password gives the wanted encoding")


def url_safe(key: str) -> str:
    encoded = credentials_with(key, lambda e: "+" in e or "/" in e)
    return encoded.replace("+", "-").replace("/", "_")


def unpadded(key: str) -> str:
    return credentials_with(key, lambda e: e.endswith("=")).rstrip("=")


ACCEPTED_ENCODINGS: dict[str, Callable[[str], str]] = {
    "key": lambda key: b64(key),
    "key-colon": lambda key: b64(f"{key}:"),
    "key-colon-password": lambda key: b64(f"{key}:anything at all"),
    "url-safe-alphabet": url_safe,
    "missing-padding": unpadded,
}


@pytest.fixture
def anonymous(base_url: str) -> Iterator[httpx.Client]:
    """A client of the API that sends no credentials of its own."""
    with httpx.Client(base_url=f"{base_url}/v3.1", timeout=30) as client:
        yield client


def me(client: httpx.Client, authorization: str | None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return client.get("/Users/Me", headers=headers)


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == REALM
    body = response.json()
    assert isinstance(body["Message"], str)
    assert body["Message"].strip()


@pytest.mark.parametrize("encode", ACCEPTED_ENCODINGS.values(), ids=ACCEPTED_ENCODINGS.keys())
def test_accepted_basic_encodings(
    anonymous: httpx.Client, tenant: Tenant, encode: Callable[[str], str]
) -> None:
    response = me(anonymous, f"Basic {encode(tenant.api_key)}")
    assert response.status_code == 200, response.text
    assert response.json()["USER_ID"] == tenant.user_id


def test_url_safe_and_unpadded_helpers_really_differ_from_standard(tenant: Tenant) -> None:
    """Guards the two tests above: they must send what a strict decoder would refuse."""
    assert "-" in url_safe(tenant.api_key) or "_" in url_safe(tenant.api_key)
    assert len(unpadded(tenant.api_key)) % 4 != 0


REJECTED_HEADERS: dict[str, Callable[[str], str | None]] = {
    "no-header": lambda key: None,
    "bearer-scheme": lambda key: f"Bearer {key}",
    "bearer-scheme-base64": lambda key: f"Bearer {b64(key + ':')}",
    "basic-without-credentials": lambda key: "Basic",
    "garbage-base64": lambda key: "Basic !!not*base64$$",
    "base64-of-binary": lambda key: f"Basic {base64.b64encode(bytes([255, 254, 0, 200])).decode()}",
    "unknown-key": lambda key: f"Basic {b64(str(uuid.uuid4()) + ':')}",
    "key-as-password": lambda key: f"Basic {b64(':' + key)}",
    "empty-key": lambda key: f"Basic {b64(':')}",
    "key-with-a-character-changed": lambda key: (
        f"Basic {b64(key[:-1] + ('0' if key[-1] != '0' else '1'))}"
    ),
}


@pytest.mark.parametrize("header", REJECTED_HEADERS.values(), ids=REJECTED_HEADERS.keys())
def test_rejected_credentials_get_401(
    anonymous: httpx.Client, tenant: Tenant, header: Callable[[str], str | None]
) -> None:
    assert_unauthorized(me(anonymous, header(tenant.api_key)))


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/Contacts"), ("GET", "/Contacts/1"), ("GET", "/Instance"), ("DELETE", "/Contacts/1")],
)
def test_every_endpoint_needs_a_key(anonymous: httpx.Client, method: str, path: str) -> None:
    assert_unauthorized(anonymous.request(method, path))


def test_rejected_write_writes_nothing(anonymous: httpx.Client, api: httpx.Client) -> None:
    response = anonymous.post(
        "/Contacts",
        json={"FIRST_NAME": "Mallory"},
        headers={"Authorization": f"Basic {b64(str(uuid.uuid4()))}"},
    )
    assert_unauthorized(response)
    assert api.get("/Contacts").json() == []


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def rolodex_cli(database_url: str) -> Callable[..., str]:
    """Run the real `rolodex` command on the test database; returns the last line of stdout."""
    env = cli_env(database_url)

    def run(*args: str) -> str:
        done = run_cli(env, *args)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.strip().splitlines()
        assert lines, "the command printed nothing"
        return lines[-1].strip()

    return run


def client_for(base_url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, ""), timeout=30)


def unique_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}@example.com"


def test_regenerate_key_replaces_the_old_key(
    tenant: Tenant, engine: Engine, base_url: str, rolodex_cli: Callable[..., str]
) -> None:
    """Regenerated by another process (the CLI): the server drops the old key within the
    cache bound (tests/test_caches.py checks every process; the web page's own regeneration
    takes effect in its process at once)."""
    email = unique_email("regen")
    user_id, old_key = tenant.add_user(engine, email)
    with client_for(base_url, old_key) as old:
        assert old.get("/Users/Me").json()["USER_ID"] == user_id
        new_key = rolodex_cli("users", "regenerate-key", "--email", email)
        assert new_key != old_key
        time.sleep(CACHE_SECONDS + 0.2)
        assert_unauthorized(old.get("/Users/Me"))
    with client_for(base_url, new_key) as new:
        response = new.get("/Users/Me")
        assert response.status_code == 200, response.text
        assert response.json()["USER_ID"] == user_id
    # The other users of the instance keep their keys.
    assert tenant.client.get("/Users/Me").json()["USER_ID"] == tenant.user_id


def test_cli_creates_an_instance_and_a_user_whose_key_works(
    base_url: str, rolodex_cli: Callable[..., str]
) -> None:
    name = f"CLI instance {uuid.uuid4().hex[:8]}"
    instance_id = int(rolodex_cli("instances", "create", "--name", name))
    email = unique_email("cli")
    key = rolodex_cli(
        "users",
        "create",
        "--email",
        email,
        "--first-name",
        "Grace",
        "--last-name",
        "Hopper",
        "--instance",
        str(instance_id),
    )
    with client_for(base_url, key) as client:
        user = client.get("/Users/Me").json()
        assert user["EMAIL_ADDRESS"] == email
        assert (user["FIRST_NAME"], user["LAST_NAME"]) == ("Grace", "Hopper")
        assert user["INSTANCE_ID"] == instance_id
        assert user["ADMINISTRATOR"] is False
        assert client.get("/Instance").json()["INSTANCE_NAME"] == name
        assert [u["USER_ID"] for u in client.get("/Users").json()] == [user["USER_ID"]]


def test_api_keys_are_stored_hashed(tenant: Tenant, engine: Engine) -> None:
    _, key = tenant.add_user(engine, unique_email("hashed"))
    users = tables.users
    with engine.connect() as connection:
        rows = connection.execute(select(users).where(users.c.instance_id == tenant.instance_id))
        stored = " ".join(str(value) for row in rows for value in row).lower()
    assert str(tenant.user_id) in stored  # the rows were read
    for secret in (key, tenant.api_key):
        assert secret.lower() not in stored
        assert secret.replace("-", "").lower() not in stored


def test_keys_are_long_and_distinct(tenant: Tenant, engine: Engine) -> None:
    keys = {tenant.add_user(engine, unique_email("distinct"))[1] for _ in range(5)}
    assert len(keys) == 5
    for key in keys:
        # At least 128 random bits: 32 hex digits (a GUID) or longer.
        assert len(key.replace("-", "")) >= 32


# --- /Users and /Instance -----------------------------------------------------------------------


def test_users_me_returns_the_caller(
    tenant: Tenant, engine: Engine, base_url: str, api: httpx.Client
) -> None:
    mine = api.get("/Users/Me")
    assert mine.status_code == 200
    assert mine.json()["USER_ID"] == tenant.user_id
    assert mine.json()["INSTANCE_ID"] == tenant.instance_id
    assert mine.json()["ADMINISTRATOR"] is True

    email = unique_email("me")
    other_id, other_key = tenant.add_user(engine, email)
    with client_for(base_url, other_key) as other:
        theirs = other.get("/users/me").json()
    assert theirs["USER_ID"] == other_id
    assert theirs["EMAIL_ADDRESS"] == email
    assert theirs["ADMINISTRATOR"] is False


def test_users_lists_only_the_callers_instance(
    tenant: Tenant, make_tenant: Callable[[], Tenant], engine: Engine, api: httpx.Client
) -> None:
    other_instance = make_tenant()
    colleague_id, _ = tenant.add_user(engine, unique_email("colleague"))
    other_instance.add_user(engine, unique_email("stranger"))

    listed = api.get("/Users", params={"count_total": "true"})
    assert listed.status_code == 200
    assert [u["USER_ID"] for u in listed.json()] == [tenant.user_id, colleague_id]
    assert {u["INSTANCE_ID"] for u in listed.json()} == {tenant.instance_id}
    assert listed.headers["X-Total-Count"] == "2"


def test_user_of_another_instance_is_not_found(
    tenant: Tenant, make_tenant: Callable[[], Tenant], engine: Engine, api: httpx.Client
) -> None:
    colleague_id, _ = tenant.add_user(engine, unique_email("colleague"))
    stranger = make_tenant()

    assert api.get(f"/Users/{colleague_id}").json()["USER_ID"] == colleague_id
    response = api.get(f"/Users/{stranger.user_id}")
    assert response.status_code == 404
    assert response.json()["Message"]
    assert stranger.client.get(f"/Users/{stranger.user_id}").status_code == 200


def test_users_search_by_email(
    tenant: Tenant, make_tenant: Callable[[], Tenant], engine: Engine, api: httpx.Client
) -> None:
    email = unique_email("findme")
    user_id, _ = tenant.add_user(engine, email)
    stranger_email = unique_email("stranger")
    make_tenant().add_user(engine, stranger_email)

    def search(value: str) -> list[int]:
        response = api.get(
            "/Users/Search", params={"field_name": "EMAIL_ADDRESS", "field_value": value}
        )
        assert response.status_code == 200, response.text
        return [u["USER_ID"] for u in response.json()]

    assert search(email) == [user_id]
    assert search(email.upper()) == [user_id]  # text compares case-insensitively
    assert search(stranger_email) == []
    assert search("nobody@example.com") == []


def test_instance(tenant: Tenant, engine: Engine, api: httpx.Client) -> None:
    instances = tables.instances
    with engine.connect() as connection:
        name = connection.execute(
            select(instances.c.name).where(instances.c.id == tenant.instance_id)
        ).scalar_one()
    response = api.get("/Instance")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "INSTANCE_NAME",
        "INSTANCE_SUBDOMAIN",
        "PLAN_NAME",
        "NEW_USER_EXPERIENCE_ENABLED",
    }
    assert body["INSTANCE_NAME"] == name
    assert isinstance(body["INSTANCE_SUBDOMAIN"], str) and body["INSTANCE_SUBDOMAIN"]
    assert body["NEW_USER_EXPERIENCE_ENABLED"] is True
