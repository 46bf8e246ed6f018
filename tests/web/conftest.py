"""Fixtures of the web tests: users with passwords, signed-in HTTP clients, and a real browser."""

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.services.sessions import set_password
from rolodex.storage.engine import unit_of_work
from tests.conftest import Tenant

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@dataclass
class WebUser:
    """A tenant's admin with a web password."""

    tenant: Tenant
    email: str
    password: str


@pytest.fixture
def web_user(tenant: Tenant, engine: Engine) -> WebUser:
    password = f"pw-{uuid.uuid4().hex[:12]}"
    with unit_of_work(engine, write=True) as connection:
        set_password(connection, tenant.email, password)
    return WebUser(tenant, tenant.email, password)


def csrf_of(html: str) -> str:
    """The CSRF token in the first form of a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: httpx.Client, email: str, password: str, next_url: str = "/") -> httpx.Response:
    """Sign in through the real form (GET for its token, then POST)."""
    page = client.get("/", params={"next": next_url} if next_url != "/" else None)
    return client.post(
        "/sign-in",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_of(page.text),
            "next": next_url,
        },
    )


@pytest.fixture
def web(base_url: str, web_user: WebUser) -> Iterator[httpx.Client]:
    """An HTTP client signed in as `web_user` (cookies kept, redirects not followed)."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        response = sign_in(client, web_user.email, web_user.password)
        assert response.status_code == 303, response.text
        yield client


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def signed_in_page(browser: Any, base_url: str, web_user: WebUser) -> Iterator[Any]:
    """A browser page signed in as `web_user` through the sign-in form."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Email").fill(web_user.email)
    page.get_by_label("Password").fill(web_user.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    yield page
    context.close()


@pytest.fixture
def screenshot() -> Callable[[Any, str], None]:
    """Save a screenshot of a page under build/screenshots/ (a test artifact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
