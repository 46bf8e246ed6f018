"""Sign-in, sessions, CSRF and the user's settings over real HTTP."""

import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.api.app import create_app
from rolodex.config import Settings
from rolodex.services.sessions import set_password
from rolodex.storage.engine import unit_of_work
from tests.conftest import serving
from tests.servers import ROLODEX, cli_env, run_cli
from tests.web.conftest import WebUser, csrf_of, sign_in


def test_a_visitor_gets_the_sign_in_form_and_every_other_page_redirects(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert '<label for="email">Email</label>' in page.text
        assert "rolodex_signin_csrf" in page.headers["set-cookie"]
        for path in ("/settings", "/settings?x=1", "/admin", "/records/Contact"):
            response = client.get(path)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/?next=%2F")


def test_signing_in_sets_a_safe_session_cookie_and_goes_where_the_user_was_going(
    base_url: str, web_user: WebUser
) -> None:
    with httpx.Client(base_url=base_url) as client:
        response = sign_in(client, web_user.email, web_user.password, "/settings")
        assert response.status_code == 303
        assert response.headers["location"] == "/settings"
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("rolodex_session=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" not in cookie  # plain HTTP here; behind HTTPS the flag is set
        settings = client.get("/settings")
        assert settings.status_code == 200
        assert web_user.email in settings.text


def test_the_session_cookie_is_secure_over_https(base_url: str, web_user: WebUser) -> None:
    # The scheme as a TLS-terminating proxy reports it (uvicorn trusts it from localhost).
    headers = {"X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=base_url, headers=headers) as client:
        token = csrf_of(client.get("/").text)
        # A client on plain HTTP does not send Secure cookies back; send the form's one by hand.
        response = client.post(
            "/sign-in",
            data={"email": web_user.email, "password": web_user.password, "csrf_token": token},
            headers={"Cookie": f"rolodex_signin_csrf={token}"},
        )
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("rolodex_session=") and "Secure" in c for c in cookies), cookies


@pytest.mark.parametrize("wrong", ["password", "email"])
def test_a_wrong_password_or_email_is_refused_with_one_message(
    base_url: str, web_user: WebUser, wrong: str
) -> None:
    email = "nobody@example.com" if wrong == "email" else web_user.email
    password = "not-the-password" if wrong == "password" else web_user.password
    with httpx.Client(base_url=base_url) as client:
        response = sign_in(client, email, password)
        assert response.status_code == 401
        assert "Wrong email or password." in response.text
        assert "rolodex_session" not in client.cookies
        assert client.get("/settings").status_code == 303


def test_the_sign_in_form_needs_its_csrf_token(base_url: str, web_user: WebUser) -> None:
    with httpx.Client(base_url=base_url) as client:
        client.get("/")
        response = client.post(
            "/sign-in",
            data={"email": web_user.email, "password": web_user.password, "csrf_token": "forged"},
        )
        assert response.status_code == 401
        assert "rolodex_session" not in client.cookies


def test_a_form_without_the_sessions_csrf_token_changes_nothing(
    web: httpx.Client, web_user: WebUser
) -> None:
    response = web.post("/settings/api-key", data={"csrf_token": "forged"})
    assert response.status_code == 403
    # The old key still works: the forged form did not regenerate it.
    tenant = web_user.tenant
    assert tenant.client.get("/Users/Me").status_code == 200


def test_a_new_api_key_is_shown_once_and_works_against_the_api(
    base_url: str, web: httpx.Client, web_user: WebUser
) -> None:
    page = web.get("/settings")
    assert f"{base_url}/v3.1" in page.text
    response = web.post("/settings/api-key", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 200
    key = response.text.split('id="api-key" class="key" readonly value="')[1].split('"')[0]
    assert key not in web.get("/settings").text  # shown only once
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, "")) as api:
        me = api.get("/Users/Me")
        assert me.status_code == 200
        assert me.json()["EMAIL_ADDRESS"] == web_user.email
    assert web_user.tenant.client.get("/Users/Me").status_code == 401  # the old key is dead


def test_the_settings_page_shows_the_instances_rate_limit_status(
    web: httpx.Client, web_user: WebUser
) -> None:
    for _ in range(3):
        web_user.tenant.client.get("/Users/Me")
    page = web.get("/settings").text
    calls = int(page.split('id="calls-today">')[1].split("<")[0])
    remaining = int(page.split('id="calls-remaining">')[1].split("<")[0])
    assert calls >= 3
    assert remaining == 100_000 - calls


def test_signing_out_ends_the_session(web: httpx.Client) -> None:
    token = web.cookies["rolodex_session"]
    page = web.get("/settings")
    response = web.post("/sign-out", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    # Even a client that kept the old cookie is signed out.
    web.cookies.set("rolodex_session", token)
    assert web.get("/settings").status_code == 303


def test_an_outside_next_address_is_not_followed(base_url: str, web_user: WebUser) -> None:
    with httpx.Client(base_url=base_url) as client:
        response = sign_in(client, web_user.email, web_user.password, "//evil.example.com/x")
    assert response.headers["location"] == "/"


def test_a_new_password_ends_every_session(
    engine: Engine, web: httpx.Client, web_user: WebUser
) -> None:
    with unit_of_work(engine, write=True) as connection:
        set_password(connection, web_user.email, "another-password")
    assert web.get("/settings").status_code == 303


def test_rolodex_users_set_password_lets_the_user_sign_in(
    base_url: str, database_url: str, web_user: WebUser
) -> None:
    env = cli_env(database_url)
    short = run_cli(env, "users", "set-password", "--email", web_user.email, "--password", "short")
    assert short.returncode != 0
    assert "at least 8 characters" in short.stderr
    done = run_cli(
        env, "users", "set-password", "--email", web_user.email, "--password", "a-good-password"
    )
    assert done.returncode == 0, done.stderr
    with httpx.Client(base_url=base_url) as client:
        assert sign_in(client, web_user.email, "a-good-password").status_code == 303
    with httpx.Client(base_url=base_url) as client:
        assert sign_in(client, web_user.email, web_user.password).status_code == 401


def test_bootstrap_prints_a_password_the_first_admin_signs_in_with(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/boot.db"
    result = subprocess.run(
        [*ROLODEX, "bootstrap"],
        env=cli_env(url),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("Web sign-in password"))
    password = line.rsplit(": ", 1)[1]
    with (
        serving(create_app(Settings(database_url=url))) as boot_url,
        httpx.Client(base_url=boot_url) as client,
    ):
        assert sign_in(client, "admin@localhost.localdomain", password).status_code == 303


def test_password_guessing_is_stopped_after_ten_failures(
    base_url: str, engine: Engine, web_user: WebUser
) -> None:
    with httpx.Client(base_url=base_url) as client:
        for _ in range(10):
            assert sign_in(client, web_user.email, "guess-guess").status_code == 401
        refused = sign_in(client, web_user.email, web_user.password)
        assert refused.status_code == 429
        assert "Too many failed sign-ins" in refused.text
        assert int(refused.headers["retry-after"]) > 0
        assert "rolodex_session" not in client.cookies
    # Other users are not locked out by someone guessing this one's password.
    other = f"other-{uuid.uuid4().hex[:8]}@example.com"
    web_user.tenant.add_user(engine, other)
    with unit_of_work(engine, write=True) as connection:
        set_password(connection, other, "other-password")
    with httpx.Client(base_url=base_url) as client:
        assert sign_in(client, other, "other-password").status_code == 303


def test_a_success_clears_earlier_failures(
    base_url: str, engine: Engine, web_user: WebUser
) -> None:
    with httpx.Client(base_url=base_url) as client:
        for _ in range(9):
            sign_in(client, web_user.email, "guess-guess")
        assert sign_in(client, web_user.email, web_user.password).status_code == 303
    with httpx.Client(base_url=base_url) as client:
        for _ in range(9):
            sign_in(client, web_user.email, "guess-guess")
        assert sign_in(client, web_user.email, web_user.password).status_code == 303
