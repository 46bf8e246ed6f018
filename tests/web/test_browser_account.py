"""In a real browser: sign in, find the API key on the settings page and use it against the API."""

from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.web.conftest import WebUser


def test_sign_in_find_the_api_key_and_use_it(
    browser: Any,
    base_url: str,
    web_user: WebUser,
    screenshot: Callable[[Any, str], None],
) -> None:
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/settings")  # not signed in: the sign-in form, then back to the settings
    screenshot(page, "sign-in")
    page.get_by_label("Email").fill(web_user.email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong email or password."
    page.get_by_label("Password").fill(web_user.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/settings")
    page.get_by_role("button", name="Generate a new API key").click()
    key = page.get_by_role("textbox", name="API key").input_value()
    api_url = page.get_by_role("textbox", name="API base URL").input_value()
    screenshot(page, "user-settings")
    assert api_url == f"{base_url}/v3.1"
    with httpx.Client(base_url=api_url, auth=(key, "")) as api:
        me = api.get("/Users/Me")
    assert me.status_code == 200
    assert me.json()["EMAIL_ADDRESS"] == web_user.email
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base_url}/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    context.close()


def test_the_sign_in_page_fits_a_phone_screen(
    browser: Any, base_url: str, screenshot: Callable[[Any, str], None]
) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the screen: no sideways scrolling
    screenshot(page, "sign-in-phone")
    context.close()
