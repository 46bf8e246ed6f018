"""`rolodex import` and `sync` over the API use the rate limit well: look-ups from one sweep,
writes paced to the burst limit the server states, a note when that limit set the speed, and
progress counts that match what they say."""

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from rich.progress import Progress

from rolodex.client import Client
from rolodex.services.ratelimit import UNLIMITED
from rolodex.sync.progress import CountColumn
from rolodex.sync.records import record_type
from rolodex.sync.sinks import ApiSink
from rolodex.sync.syncer import SyncState, run_sync
from rolodex.sync.transfer import ImportOptions, Rejects, import_records
from tests.conftest import Tenant, free_port
from tests.servers import cli_env, run_cli, served

PER_SECOND = 10


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server with the burst limit of a fresh install (10 calls/s per key); (URL, key)."""
    db = tmp_path_factory.mktemp("limited") / "limited.db"
    env = cli_env(f"sqlite:///{db}", rate_limit_per_second=str(PER_SECOND))
    done = run_cli(env, "bootstrap")
    assert done.returncode == 0, done.stderr
    with served(env, free_port()) as url:
        yield url, done.stdout.strip().splitlines()[-1]


def _remaining(url: str, key: str) -> int:
    response = httpx.get(f"{url}/v3.1/Users/Me", auth=(key, ""))
    assert response.status_code == 200, response.text
    return int(response.headers["X-RateLimit-Remaining"])


def test_the_burst_limit_is_stated_on_every_answer(
    limited_server: tuple[str, str], api: httpx.Client
) -> None:
    url, key = limited_server
    assert httpx.get(f"{url}/v3.1/Users/Me", auth=(key, "")).headers[
        "X-RateLimit-Limit-Second"
    ] == str(PER_SECOND)
    assert api.get("/Users/Me").headers["X-RateLimit-Limit-Second"] == str(UNLIMITED)  # off
    assert "X-RateLimit-Limit-Second" not in api.get("/Users/Me", auth=("nope", "")).headers


def test_an_import_matches_from_one_sweep_and_says_the_limit_set_its_speed(
    limited_server: tuple[str, str], tmp_path: Path
) -> None:
    url, key = limited_server
    with Client(url, key) as crm:
        for n in range(5):
            crm.contacts.create({"FIRST_NAME": f"Old{n}", "EMAIL_ADDRESS": f"p{n}@pace.test"})
    rows = 40
    data = tmp_path / "people.csv"
    data.write_text(
        "First Name,Email Address\n" + "".join(f"P{n},p{n}@pace.test\n" for n in range(rows)),
        encoding="utf-8",
    )
    before = _remaining(url, key)
    done = run_cli(
        cli_env("sqlite://"),
        *("import", str(data), "--url", url, "--key", key, "--object", "Contacts"),
        *("--match-on", "EMAIL_ADDRESS", "-q"),
    )
    calls = before - _remaining(url, key) - 1
    assert done.returncode == 0, done.stdout + done.stderr
    assert "35 created, 5 updated" in done.stdout
    # A count, one page of the sweep, a write per row; not a Search per row besides.
    assert calls <= rows + 3, calls
    assert f"limit of {PER_SECOND} calls per second per API key set the speed" in done.stderr
    assert "ROLODEX_RATE_LIMIT_PER_SECOND" in done.stderr


def test_a_sync_reads_the_target_once_and_writes_concurrently(
    limited_server: tuple[str, str],
    make_tenant: Callable[[], Tenant],
    base_url: str,
    tmp_path: Path,
) -> None:
    """A second run finds every record unchanged from one sweep of the target."""
    url, key = limited_server
    source = make_tenant()
    with Client(base_url, source.api_key) as crm:
        for n in range(30):
            crm.contacts.create({"FIRST_NAME": f"S{n}", "EMAIL_ADDRESS": f"s{n}@sync.test"})
    args = [
        *("sync", "--from-url", base_url, "--from-key", source.api_key, "--to-url", url),
        *("--to-key", key, "--objects", "Contacts", "--state", str(tmp_path / "s.json"), "-q"),
    ]
    first = run_cli(cli_env("sqlite://"), *args)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "30 created" in first.stdout
    state = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    state["cursors"] = {}  # the next run reads every source record again
    (tmp_path / "s.json").write_text(json.dumps(state), encoding="utf-8")
    before = _remaining(url, key)
    second = run_cli(cli_env("sqlite://"), *args)
    calls = before - _remaining(url, key) - 1
    assert second.returncode == 0, second.stdout + second.stderr
    assert "0 created, 0 updated, 30 unchanged" in second.stdout
    # Of the target: a count and one page for the records, the same for their links; before,
    # a GET per record in each step (60).
    assert calls <= 4, calls


def test_progress_counts_match_their_totals(
    make_tenant: Callable[[], Tenant], base_url: str, tmp_path: Path
) -> None:
    source, target = make_tenant(), make_tenant()
    with Client(base_url, source.api_key) as crm:
        acme = crm.organisations.create({"ORGANISATION_NAME": "Acme"})["ORGANISATION_ID"]
        for n in range(7):
            link = [{"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": acme}] if n < 3 else []
            crm.contacts.create({"FIRST_NAME": f"C{n}", "LINKS": link})
    totals: dict[str, int | None] = {}
    ticks: Counter[str] = Counter()
    with Client(base_url, source.api_key) as src, Client(base_url, target.api_key) as dst:
        state = SyncState(tmp_path / "state.json", "source", "target")
        summary = run_sync(
            src,
            dst,
            ["Contacts", "Organisations"],
            state,
            lambda step, n: ticks.update({step: n}),
            lambda step, total: totals.update({step: total}),
        )
    assert summary.created == 8
    assert totals == {
        "Syncing Organisations": 1,
        "Syncing Contacts": 7,
        "Links of Organisations": 1,
        "Links of Contacts": 3,
    }
    assert {step: ticks[step] for step in totals} == totals
    # Each import step counts the file's rows, of a total known from the start.
    data = tmp_path / "orgs.csv"
    data.write_text("Organisation Name\n" + "".join(f"O{n}\n" for n in range(5)), "utf-8")
    started: list[int] = []
    ticked: list[int] = []
    with Client(base_url, target.api_key) as crm:
        rt = record_type("Organisations")
        import_records(
            rt,
            ApiSink(crm.resource("Organisations")),
            data,
            "csv",
            ImportOptions(),
            Rejects(tmp_path / "rejects.jsonl"),
            ticked.append,
            started.append,
        )
    assert started == [5] and sum(ticked) == 5


def test_a_count_without_a_total_shows_no_question_mark() -> None:
    display = Progress()
    task = display.add_task("Deletions in Contacts", total=None)
    display.advance(task, 7)
    assert str(CountColumn().render(display.tasks[0])) == "7"
    display.update(task, total=9)
    assert str(CountColumn().render(display.tasks[0])) == "7/9"
