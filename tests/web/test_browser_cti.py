"""CTI screen pops in a real browser: with the user's page open, an API call opens the record in
a new tab, also when the page and the API call are served by different server processes."""

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from playwright.sync_api import expect

from tests.conftest import free_port
from tests.servers import cli_env, served
from tests.web.conftest import WebUser

REDIS_URL = "redis://127.0.0.1:6379/0"


def signed_in(browser: Any, base_url: str, user: WebUser, **options: Any) -> Any:
    """A new browser context signed in through the form, its page listening for pops."""
    context = browser.new_context(base_url=base_url, **options)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    wait_listening(page)
    return context


def wait_listening(page: Any) -> None:
    """Until static/cti.js has heard the stream say it is ready for pops."""
    page.wait_for_selector("html[data-cti-ready]", state="attached")


def pop(api_url: str, user: WebUser, object_name: str, record_id: int) -> dict[str, Any]:
    response = httpx.post(
        f"{api_url}/v3.1/CTI/ScreenPop",
        json={"OBJECT_NAME": object_name, "RECORD_ID": record_id},
        auth=(user.tenant.api_key, ""),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def contact(user: WebUser, first: str, last: str) -> int:
    response = user.tenant.client.post("/Contacts", json={"FIRST_NAME": first, "LAST_NAME": last})
    assert response.status_code == 201, response.text
    return response.json()["CONTACT_ID"]  # type: ignore[no-any-return]


def test_an_api_pop_opens_the_record_in_a_new_tab(
    browser: Any, base_url: str, web_user: WebUser, screenshot: Any
) -> None:
    contact_id = contact(web_user, "Ada", "Lovelace")
    # A phone-sized screen: the CTI user may well be on one.
    context = signed_in(browser, base_url, web_user, viewport={"width": 390, "height": 844})
    try:
        with context.expect_page() as popped:
            result = pop(base_url, web_user, "Contact", contact_id)
        assert result["PAGES_REACHED"] == 1
        tab = popped.value
        tab.wait_for_load_state()
        assert tab.url == f"{base_url}/records/Contact/{contact_id}" == result["URL"]
        expect(tab.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
        screenshot(tab, "cti-screen-pop-phone")
    finally:
        context.close()


def test_every_open_page_of_the_user_opens_the_record(
    browser: Any, base_url: str, web_user: WebUser
) -> None:
    contact_id = contact(web_user, "Grace", "Hopper")
    context = signed_in(browser, base_url, web_user)
    try:
        second = context.new_page()
        second.goto("/settings")
        wait_listening(second)
        opened: list[Any] = []
        context.on("page", lambda tab: opened.append(tab))
        assert pop(base_url, web_user, "contacts", contact_id)["PAGES_REACHED"] == 2
        expected = f"{base_url}/records/Contact/{contact_id}"
        for _ in range(2):
            if len(opened) < 2:
                context.wait_for_event("page")
        assert len(opened) == 2
        for tab in opened:
            tab.wait_for_load_state()
            assert tab.url == expected
        # The popped tabs listen too: the next pop reaches all four pages.
        for tab in opened:
            wait_listening(tab)
        assert pop(base_url, web_user, "Contact", contact_id)["PAGES_REACHED"] == 4
    finally:
        context.close()


@pytest.fixture
def two_servers(database_url: str) -> Iterator[tuple[str, str]]:
    """Two `rolodex serve` processes on the test database: on PostgreSQL pops cross between them
    by LISTEN/NOTIFY, on SQLite through Redis."""
    settings: dict[str, str] = {}
    if database_url.startswith("sqlite"):
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.RedisError:
            pytest.skip(f"Redis is not running at {REDIS_URL} (.ci/run starts it)")
        settings["redis_url"] = REDIS_URL
    env = cli_env(database_url, **settings)
    with served(env, free_port()) as first, served(env, free_port()) as second:
        yield first, second


def test_a_pop_crosses_server_processes(
    browser: Any, two_servers: tuple[str, str], web_user: WebUser, screenshot: Any
) -> None:
    page_server, api_server = two_servers
    contact_id = contact(web_user, "Katherine", "Johnson")
    context = signed_in(browser, page_server, web_user)
    try:
        with context.expect_page() as popped:
            result = pop(api_server, web_user, "Contact", contact_id)
        assert result["PAGES_REACHED"] == 1
        assert result["URL"] == f"{api_server}/records/Contact/{contact_id}"
        tab = popped.value
        tab.wait_for_load_state()
        # The tab opens on the page's own server.
        assert tab.url == f"{page_server}/records/Contact/{contact_id}"
        expect(tab.get_by_role("heading", level=1)).to_contain_text("Katherine Johnson")
        screenshot(tab, "cti-screen-pop-across-processes")
    finally:
        context.close()
    # Once the page is gone, neither process counts it (the server notices by itself).
    deadline = time.monotonic() + 20
    while pop(api_server, web_user, "Contact", contact_id)["PAGES_REACHED"] and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert pop(api_server, web_user, "Contact", contact_id)["PAGES_REACHED"] == 0
    assert pop(page_server, web_user, "Contact", contact_id)["PAGES_REACHED"] == 0
