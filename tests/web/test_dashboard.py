"""The signed-in home page's dashboard over real HTTP: open opportunities by stage with their
value, the user's tasks by due date, recently changed records, and no hidden record."""

import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import Engine

from tests.web.conftest import WebUser
from tests.web.test_admin import member, signed_in
from tests.web.test_boards import make_pipeline, opportunity, stage_ids


def stage_row(html: str, name: str) -> tuple[str, str]:
    match = re.search(
        rf'<th scope="row">{name}</th>\s*<td class="stage-count">([\d,]+)</td>\s*'
        r'<td class="stage-value">([^<]+)</td>',
        html,
    )
    assert match, name
    return match.group(1), match.group(2)


def test_the_dashboard_counts_open_deals_tasks_and_recent_changes(
    web: httpx.Client, web_user: WebUser, engine: Engine, base_url: str
) -> None:
    api = web_user.tenant.client
    pipeline = make_pipeline(engine, web_user.tenant.instance_id, ["Qualify", "Close"])
    qualify, close = stage_ids(api, pipeline)
    opportunity(api, "Open one", pipeline, qualify)
    opportunity(api, "Open two", pipeline, qualify)
    won = opportunity(api, "Won one", pipeline, close)
    change = {"FOR_OPPORTUNITY_STATE": "WON"}
    assert api.put(f"/Opportunities/{won}/StateChange", json=change).status_code == 200
    opportunity(api, "Hidden deal", pipeline, close, VISIBLE_TO="OWNER")
    today = datetime.now(UTC).date()
    me = web_user.tenant.user_id
    for title, due in (("Late task", today - timedelta(days=3)), ("Now task", today)):
        body = {"TITLE": title, "DUE_DATE": f"{due} 00:00:00", "RESPONSIBLE_USER_ID": me}
        assert api.post("/Tasks", json=body).status_code == 201
    page = web.get("/").text
    assert stage_row(page, "Qualify") == ("2", "200.00")
    assert stage_row(page, "Close") == ("1", "100.00")  # the hidden one; the won one is not open
    assert "Overdue (1)" in page and "Late task" in page
    assert "Due today (1)" in page and "Now task" in page
    recent = page.split('id="recent-heading"', 1)[1]
    assert "Hidden deal" in recent.split("</section>")[0]

    _, email, _, password = member(web_user.tenant, engine)
    with signed_in(base_url, email, password) as other:
        theirs = other.get("/").text
    assert stage_row(theirs, "Qualify") == ("2", "200.00")
    assert 'scope="row">Close<' not in theirs  # only the hidden deal is there, unseen
    assert "Hidden deal" not in theirs
    assert "Overdue (0)" in theirs
