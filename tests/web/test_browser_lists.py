"""In a real browser: a list's records chosen with "choose all on this page" and by the
keyboard, tagged, deleted after the confirmation and exported as CSV; a saved filter made and
brought back on a 390 px wide screen. axe-core checks every page; screenshots of each step."""

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import WebUser
from tests.web.test_list_actions import contacts, tags_of


def test_choose_tag_delete_and_export_from_a_list(
    signed_in_page: Any, web_user: WebUser, screenshot: Callable[[Any, str], None]
) -> None:
    page = signed_in_page
    api = web_user.tenant.client
    ada, bob, cy = contacts(api, "Ada", "Bob", "Cy")
    page.goto("/records/Contact")
    choose_all = page.get_by_label("Choose all on this page")
    expect(choose_all).to_be_visible()
    choose_all.check()
    expect(page.locator("#bulk-count")).to_have_text("3 chosen.")
    expect(page.get_by_label("Choose Bob")).to_be_checked()
    page.get_by_label("Tag", exact=True).fill("Spring")
    screenshot(page, "list-bulk-chosen")
    page.get_by_role("button", name="Tag chosen").click()
    expect(page.locator("#bulk-notice")).to_have_text("Tagged 3 contacts.")
    assert [tags_of(api, i) for i in (ada, bob, cy)] == [["Spring"]] * 3

    # By the keyboard: Space ticks a box, Enter presses a button.
    page.get_by_label("Choose Bob").focus()
    page.keyboard.press("Space")
    expect(page.locator("#bulk-count")).to_have_text("1 chosen.")
    page.get_by_role("button", name="Delete chosen…").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Delete 1 contact?")).to_be_visible()
    screenshot(page, "list-bulk-delete-confirm")
    page.get_by_role("button", name="Delete 1").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#bulk-notice")).to_have_text("Deleted 1 contact.")
    expect(page.get_by_label("Choose Bob")).to_have_count(0)
    assert api.get(f"/Contacts/{bob}").status_code == 404

    page.get_by_label("Choose Cy").check()
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Export chosen (CSV)").click()
    saved = Path(downloading.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(saved)))
    assert [(r["FIRST_NAME"], r["TAGS"]) for r in rows] == [("Cy", "Spring")]


def test_a_saved_filter_on_a_narrow_screen(
    signed_in_page: Any, web_user: WebUser, screenshot: Callable[[Any, str], None]
) -> None:
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    contacts(web_user.tenant.client, "Ada", "Bob")
    page.goto("/records/Contact")
    page.get_by_label("Search for").fill("ada")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_label("Choose Bob")).to_have_count(0)
    page.get_by_text("Save this list as a filter").click()
    page.get_by_label("Save this list as").fill("Just Ada")
    page.get_by_label("Save this list as").press("Enter")
    saved = page.get_by_role("link", name="Just Ada")
    expect(saved).to_be_visible()
    screenshot(page, "list-saved-filter-390")
    page.get_by_role("link", name="Show all").click()
    expect(page.get_by_label("Choose Bob")).to_be_visible()
    page.get_by_role("link", name="Just Ada").click()
    expect(page.get_by_label("Choose Ada")).to_be_visible()
    expect(page.get_by_label("Choose Bob")).to_have_count(0)
    page.get_by_role("button", name="Delete the saved filter Just Ada").click()
    expect(page.get_by_role("link", name="Just Ada")).to_have_count(0)
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= 390
