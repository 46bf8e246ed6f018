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
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
# axe-core, installed from npm by `make dev` at the version of tests/web/axe/package-lock.json.
AXE = ROOT / "build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
# Run on every page a test's browser loads; the findings that matter go to the test's list.
# Not on a new tab's first about:blank, whose window the page opened in it takes over.
_AXE_ON_LOAD = """
if (location.protocol.startsWith("http")) {
%s
window.addEventListener("load", () => {
  if (window.top !== window) return;
  window.__axeRun = axe.run(document, {resultTypes: ["violations"]}).then((result) => {
    window.__axeReport(location.pathname, result.violations);
  }, () => {});
});
}
"""
# The same check on demand, after any run the page's load started.
_AXE_NOW = """async () => {
  await window.__axeRun;
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations;
}"""
_SEVERE = ("serious", "critical")


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


def severe(path: str, violations: list[dict[str, Any]]) -> list[str]:
    """axe-core's serious and critical violations of a page, one line each."""
    return [
        f"{path}: {v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in violations
        if v.get("impact") in _SEVERE
    ]


# What axe-core found on the pages of the running test (checked when the test ends).
_AXE_FINDINGS: list[str] = []


class _CheckedBrowser:
    """The browser, whose every context runs axe-core on each page it loads."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.expose_binding(
            "__axeReport", lambda _source, path, found: _AXE_FINDINGS.extend(severe(path, found))
        )
        context.add_init_script(script=_AXE_ON_LOAD % AXE.read_text(encoding="utf-8"))
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser), checking each page
    it loads with axe-core."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (.ci/run installs Debian's chromium)")
    assert AXE.exists(), f"{AXE} is missing: `make dev` installs it (npm ci)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield _CheckedBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def no_severe_axe_violations() -> Iterator[None]:
    """Fails a browser test on whose pages axe-core found a serious or critical violation."""
    _AXE_FINDINGS.clear()
    yield
    found = list(_AXE_FINDINGS)
    _AXE_FINDINGS.clear()
    assert not found, "axe-core found:\n" + "\n".join(found)


def check_accessibility(page: Any) -> None:
    """axe-core on the page as it is now (after what a script changed, too)."""
    if not page.evaluate("() => Boolean(window.axe)"):  # a tab a page opened: not loaded there
        page.add_script_tag(path=str(AXE))
    found = severe(page.url, page.evaluate(_AXE_NOW))
    assert not found, "axe-core found:\n" + "\n".join(found)


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
    """Save a screenshot of a page under build/screenshots/ (a test artifact), and check the
    page's state with axe-core."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        check_accessibility(page)

    return take
