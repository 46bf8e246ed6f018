"""Rolodex's benchmark: each operation's rate and latency, beside two ceilings measured in the
same run (the same HTTP stack serving the same bytes from memory, and the same SQL replayed
straight on the database), at one or more sizes, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench.py                           # 100k contacts, both databases
    .venv/bin/python bench/bench.py --scales 10000,100000 --databases sqlite
    .venv/bin/python bench/bench.py --scale 1000000 --profile list

It prints a table per size and database and writes every figure to build/bench.json. It
asserts nothing about the figures. See bench/README.md.
"""

import argparse
import base64
import csv
import json
import os
import pickle
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import suppress
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from rich.console import Console
from rich.table import Table

import loadgen
import pyspy_profile
import seed
from loadgen import Load, Request
from rolodex.services.users import new_api_key
from storage_ceiling import Capture, Captured, Recorder, Replayer, Transaction

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LIST_TOP = 100
SWEEP_TOP = 500
SEARCH_TOP = 100
SAMPLES = 20  # requests per operation captured for the ceilings
SWEEP_SAMPLES = 10  # pages of the sweep, evenly spread, captured for the ceilings
IMPORT_ROWS = 10_000  # default rows of the CSV import into the seeded database
IMPORT_SAMPLE_ROWS = 50  # rows whose SQL the import's storage ceiling replays
BUSY_LOAD = 1.5  # a run begun above this 1-minute load average is marked BUSY
REDIS_URL = "redis://127.0.0.1:6379/15"  # the bookkeeping run with counters in Redis
SINCE = "2000-01-01 00:00:00"  # before every seeded record: the sweep reads them all

# Operations under concurrent load (wrk), then the two measured another way.
LOADED = {
    "get": "GET one contact",
    "list": f"GET a list of {LIST_TOP}",
    "search_field": "Search LAST_NAME",
    "search_custom": "Search Lead_Source__c",
    "search_tag": "SearchByTag",
    "post": "POST a contact",
    "put": "PUT tags, dates, links",
}
OPERATIONS = {**LOADED, "sweep": "updated_after_utc sweep", "import": "CSV import (CLI)"}
# Reads measured again as a user who is no administrator, with 30% of the contacts hidden from
# it (seed.HIDDEN_SHARE): visibility is filtered in SQL, so these should stay near the admin's.
VIEWER_OPERATIONS = ("list", "search_field", "search_custom", "search_tag", "sweep")
# Reads first: the writes change what later reads would see.
ORDER = ("get", "list", "search_field", "search_custom", "search_tag", "sweep", "post", "put")


POSTED_COLUMNS = seed.words(
    "salutation first_name last_name title background email_address phone phone_mobile "
    "social_linkedin address_mail_street address_mail_city address_mail_state "
    "address_mail_postcode address_mail_country"
)

# --- requests --------------------------------------------------------------------------------


def _contact_body(row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A contact as a client would POST it, from a seeded row's columns."""
    body = {
        key.upper(): value
        for key, value in row.items()
        if value is not None and key in POSTED_COLUMNS
    }
    body["TAGS"] = [{"TAG_NAME": name} for name in rng.sample(seed.TAGS, rng.randint(0, 3))]
    body["CUSTOMFIELDS"] = [
        {"FIELD_NAME": name, "FIELD_VALUE": value} for name, value in row["custom_fields"].items()
    ]
    return body


def _put_body(contact_id: int, org_id: int, variant: int, rng: random.Random) -> dict[str, Any]:
    """A PUT replacing title, tags, dates and links: variants 0 and 1 differ in each."""
    return {
        "CONTACT_ID": contact_id,
        "TITLE": seed.TITLES[variant],
        "TAGS": [{"TAG_NAME": name} for name in rng.sample(seed.TAGS, 2)],
        "DATES": [
            {
                "OCCASION_NAME": "Renewal",
                "OCCASION_DATE": f"2027-0{variant + 1}-15T00:00:00Z",
                "REPEAT_YEARLY": True,
            }
        ],
        "LINKS": [
            {
                "LINK_OBJECT_NAME": "Organisation",
                "LINK_OBJECT_ID": org_id,
                "ROLE": ("Employee", "Director")[variant],
            }
        ],
    }


def build_requests(info: dict[str, Any], rng: random.Random) -> dict[str, list[Request]]:
    """Every operation's requests (wrk sends them in turn)."""
    ids, org_ids = info["contact_ids"], info["organisation_ids"]
    contacts = len(ids)
    requests: dict[str, list[Request]] = {
        "get": [Request("GET", f"/v3.1/Contacts/{i}") for i in rng.sample(ids, min(1000, contacts))]
    }
    last_skip = max(contacts - LIST_TOP, 0)
    skips = rng.sample(range(last_skip + 1), min(200, last_skip + 1))
    requests["list"] = [Request("GET", f"/v3.1/Contacts?top={LIST_TOP}&skip={s}") for s in skips]
    search = "/v3.1/Contacts/Search?field_name={}&field_value={}&top=" + str(SEARCH_TOP)
    requests["search_field"] = [
        Request("GET", search.format("LAST_NAME", quote(name))) for name in seed.LAST_NAMES
    ]
    requests["search_custom"] = [
        Request("GET", search.format("Lead_Source__c", quote(value))) for value in seed.LEAD_SOURCES
    ]
    requests["search_tag"] = [
        Request("GET", f"/v3.1/Contacts/SearchByTag?tagName={quote(tag)}&top={SEARCH_TOP}")
        for tag in seed.TAGS
    ]
    requests["post"] = [
        Request(
            "POST",
            "/v3.1/Contacts",
            json.dumps(_contact_body(seed.contact_row(rng, None), rng), default=str),
        )
        for _ in range(500)
    ]
    targets = rng.sample(ids, min(500, contacts))
    orgs = [rng.choice(org_ids) for _ in targets]
    # All of variant 0, then all of variant 1: when a PUT comes round again it changes things.
    requests["put"] = [
        Request("PUT", "/v3.1/Contacts", json.dumps(_put_body(i, o, variant, rng)))
        for variant in (0, 1)
        for i, o in zip(targets, orgs, strict=True)
    ]
    return requests


def viewer_view(requests: dict[str, list[Request]]) -> dict[str, list[Request]]:
    """The requests the viewer sends: the same, except that its list pages are at the same
    places in what it sees as the admin's in what the admin sees (a skip of 70% of the
    admin's): with the admin's skips, the viewer's last 30% of pages would lie past the end of
    its list, each an empty page read by stepping over every record."""
    shown = 1 - seed.HIDDEN_SHARE
    pages = [
        Request("GET", f"/v3.1/Contacts?top={LIST_TOP}&skip={int(skip * shown)}")
        for skip in (int(r.path.rsplit("skip=", 1)[1]) for r in requests.get("list", []))
    ]
    return {**requests, "list": pages} if "list" in requests else requests


def sweep_path(skip: int) -> str:
    """One page of the updated_after_utc sweep."""
    return f"/v3.1/Contacts?updated_after_utc={quote(SINCE)}&top={SWEEP_TOP}&skip={skip}"


# --- one run: a size and a database ----------------------------------------------------------


def _spread(items: list[Any], count: int) -> list[Any]:
    step = max(len(items) // count, 1)
    return items[::step][:count]


def capture_all(
    capture: Capture, requests: dict[str, list[Request]], contacts: int
) -> tuple[dict[str, list[Captured]], dict[str, Any]]:
    """Capture a sample of each operation in-process, and the framework ceiling's answers."""
    captured: dict[str, list[Captured]] = {}
    routes: dict[str, list[int]] = {}
    bodies: list[tuple[int, bytes]] = []
    pages = contacts // SWEEP_TOP + 1
    sweep = [
        Request("GET", sweep_path(page * SWEEP_TOP))
        for page in _spread(list(range(pages)), SWEEP_SAMPLES)
    ]
    for operation, sent in [*requests.items(), ("sweep", sweep)]:
        sample = sent[:SAMPLES] if operation in ("post", "put") else _spread(sent, SAMPLES)
        answers = [capture.request(r.method, r.path, r.body) for r in sample]
        for answer in answers:
            if answer.status >= 400:
                raise RuntimeError(f"{operation} answered {answer.status}: {answer.body[:300]!r}")
        captured[operation] = answers
        first = len(bodies)
        bodies.extend((a.status, a.body) for a in answers)
        if operation in ("post", "put"):  # one URL: the ceiling answers each body in turn
            routes[sent[0].key] = list(range(first, len(bodies)))
        elif operation != "sweep":
            for index, r in enumerate(sent):
                routes[r.key] = [first + index % len(answers)]
    captured_sweep = captured["sweep"]
    # The ceiling answers every page of the sweep with one of the captured pages (by position).
    for page in range(pages + 2):
        index = page * len(captured_sweep) // (pages + 2)
        routes[f"GET {sweep_path(page * SWEEP_TOP)}"] = [len(bodies) - len(captured_sweep) + index]
    return captured, {"routes": routes, "bodies": bodies}


def run_sweep(port: int, authorization: str, pages: int | None = None) -> dict[str, Any]:
    """Read every contact changed since SINCE, page by page (skip/top), as one client would;
    with `pages`, read exactly that many (the ceiling, as many as Rolodex's sweep had)."""
    headers = {"Authorization": authorization, "Accept": "application/json"}
    took: list[float] = []
    records = 0
    began = time.perf_counter()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=300) as c:
        while True:
            started = time.perf_counter()
            response = c.get(sweep_path(len(took) * SWEEP_TOP))
            response.raise_for_status()
            # Counted without decoding: a JSON parse here would make the client the bottleneck
            # (and inside a string value the key's quotes would be escaped).
            in_page = response.content.count(b'"CONTACT_ID":')
            took.append(time.perf_counter() - started)
            records += in_page
            if len(took) == pages or (pages is None and in_page < SWEEP_TOP):
                break
    total = time.perf_counter() - began
    return {
        "records": records,
        "pages": len(took),
        "total_seconds": round(total, 3),
        "records_per_s": round(records / total, 1),
        "p50_ms": round(statistics.median(took) * 1000, 3),
        "p99_ms": round(max(took) * 1000 if len(took) < 100 else _p99(took) * 1000, 3),
    }


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def sweep_storage(replayer: Replayer, pages: list[Captured], records: int) -> dict[str, Any]:
    """The sweep's storage ceiling: the sampled pages' SQL once each, scaled to every page."""
    took = replayer.sequential([p.transactions for p in pages])
    per_page = statistics.fmean(took)
    page_count = records // SWEEP_TOP + 1
    total = per_page * page_count
    return {
        "records": records,
        "pages": page_count,
        "sampled_pages": len(pages),
        "total_seconds": round(total, 3),
        "records_per_s": round(records / total, 1),
        "p50_ms": round(statistics.median(took) * 1000, 3),
        "p99_ms": round(max(took) * 1000, 3),
    }


def _csv_rows(count: int, rng: random.Random) -> tuple[list[str], list[list[Any]]]:
    columns = [
        "FIRST_NAME",
        "LAST_NAME",
        "TITLE",
        "EMAIL_ADDRESS",
        "PHONE",
        "ADDRESS_MAIL_CITY",
        "ADDRESS_MAIL_COUNTRY",
        "BACKGROUND",
        "Lead_Source__c",
        "Score__c",
        "TAGS",
    ]
    rows = []
    for _ in range(count):
        row = seed.contact_row(rng, None)
        custom = row["custom_fields"]
        tags = ";".join(rng.sample(seed.TAGS, rng.randint(0, 3)))
        rows.append(
            [
                *(row[c.lower()] or "" for c in columns[:8]),
                custom.get("Lead_Source__c", ""),
                custom.get("Score__c", ""),
                tags,
            ]
        )
    return columns, rows


def write_csv(path: Path, columns: list[str], rows: list[list[Any]]) -> Path:
    """A CSV file as `rolodex export` would write it."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def run_import(command: list[str], work: Path, rows: int) -> dict[str, Any]:
    """Run `rolodex import` (or its --dry-run) as a process: rows/s and its peak RSS."""
    log = work / "import.log"
    began = time.perf_counter()
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        with loadgen.RssPeak(process.pid) as rss:
            code = process.wait()
    took = time.perf_counter() - began
    if code != 0:
        sys.exit(f"{' '.join(command)} exited with {code}; see {log}")
    return {
        "rows": rows,
        "total_seconds": round(took, 3),
        "rows_per_s": round(rows / took, 1),
        "rss_mb": rss.peak_mb,
    }


def import_storage(url: str, instance: int, csv_path: Path) -> list[Transaction]:
    """The SQL `rolodex import --database-url` runs for the rows of `csv_path`, captured."""
    from rolodex.domain.registry import CONTACTS
    from rolodex.storage.engine import make_engine
    from rolodex.sync.sinks import LocalSink
    from rolodex.sync.transfer import ImportOptions, Rejects, import_records

    engine = make_engine(url)
    recorder = Recorder(engine)
    try:
        sink = LocalSink(engine, instance, CONTACTS)
        rejects = Rejects(csv_path.with_suffix(".rejects.jsonl"))
        with recorder:
            import_records(
                CONTACTS,
                sink,
                csv_path,
                "csv",
                ImportOptions({}, None, False, None),
                rejects,
                _tick,
            )
    finally:
        engine.dispose()
    return recorder.transactions


def _tick(*args: Any, **kwargs: Any) -> None:
    return None


def _ratio(value: float | None, ceiling: float | None) -> float | None:
    if not value or not ceiling:
        return None
    return float(f"{value / ceiling:.3g}")


def _rate_of(figures: dict[str, Any]) -> float | None:
    for key in ("requests_per_s", "records_per_s", "rows_per_s"):
        if key in figures:
            return figures[key]
    return None


def run_one(args: argparse.Namespace, scale: int, database: str, console: Console) -> dict:
    """Every operation at one size on one database, with both ceilings."""
    work: Path = args.work_dir
    console.rule(f"{scale:,} contacts on {database}")
    serve_copy, replay_copy = seed.cached_copies(
        work, database, scale, args.pg_admin_url, ["serve", "replay"]
    )
    api_key, viewer_key = new_api_key(), new_api_key()
    info = seed.describe(serve_copy.url, api_key, viewer_key)
    seed.describe(replay_copy.url, api_key, viewer_key)
    ids, org_ids = info.pop("contact_ids"), info.pop("organisation_ids")
    authorization = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()
    viewer_authorization = "Basic " + base64.b64encode(f"{viewer_key}:".encode()).decode()
    rng = random.Random(7)
    requests = build_requests({"contact_ids": ids, "organisation_ids": org_ids}, rng)
    requests = {op: r for op, r in requests.items() if op in args.operations}
    scripts = {
        op: loadgen.write_lua(work / f"{op}.lua", op, sent, authorization)
        for op, sent in requests.items()
    }
    viewer_requests = viewer_view(requests)
    viewer_scripts = {
        op: loadgen.write_lua(work / f"{op}-viewer.lua", op, sent, viewer_authorization)
        for op, sent in viewer_requests.items()
        if op in VIEWER_OPERATIONS
    }
    results: dict[str, dict[str, Any]] = {op: {} for op in OPERATIONS if op in args.operations}

    print("Capturing each operation's SQL and answers in-process", flush=True)
    capture = Capture(serve_copy.url, api_key)
    try:
        captured, payloads = capture_all(capture, requests, len(ids))
    finally:
        capture.close()
    payload_file = work / "ceiling-payloads.pickle"
    payload_file.write_bytes(pickle.dumps(payloads))

    env = {
        **os.environ,
        "ROLODEX_DATABASE_URL": serve_copy.url,
        # One API key sends every request: limits too high to reach, but every call counted.
        "ROLODEX_RATE_LIMIT_DAILY": "1000000000",
        "ROLODEX_RATE_LIMIT_PER_SECOND": "1000000",
        "BENCH_CEILING_PAYLOADS": str(payload_file),
    }
    env.pop("ROLODEX_TEST_DATABASE_URL", None)
    load = Load(args.threads, args.connections, args.warmup, args.duration, args.max_duration)
    sweep_pages: int | None = None
    for side, command in (
        ("rolodex", loadgen.rolodex_command),
        ("framework", loadgen.ceiling_command),
    ):
        port = loadgen.free_port()
        log = work / f"{side}-{database}-{scale}.log"
        with loadgen.server(log, command(port, args.workers), env, port) as process:
            for operation in ORDER:
                if operation not in results:
                    continue
                if operation == "sweep":
                    with loadgen.RssPeak(process.pid) as rss:
                        figures = run_sweep(port, authorization, sweep_pages)
                    figures["rss_mb"] = rss.peak_mb
                    sweep_pages = figures["pages"]
                else:
                    figures = loadgen.measure(load, process.pid, port, scripts[operation])
                results[operation][side] = figures
                print(f"  {side:9} {OPERATIONS[operation]:26} {_summary(figures)}", flush=True)
                if side == "rolodex" and operation in VIEWER_OPERATIONS:
                    # Viewer, admin again, viewer again: the ratio compares rates taken side
                    # by side, so a drift of the machine's speed during the run cancels out.
                    rounds = []
                    for who in ("viewer", "admin", "viewer"):
                        key = viewer_authorization if who == "viewer" else authorization
                        if operation == "sweep":
                            again = run_sweep(port, key)
                        else:
                            script = viewer_scripts if who == "viewer" else scripts
                            again = loadgen.measure(load, process.pid, port, script[operation])
                        rounds.append(_rate_of(again))
                        print(f"  {who:9} {OPERATIONS[operation]:26} {_summary(again)}")
                        if who == "viewer":
                            results[operation]["viewer"] = again
                    results[operation]["viewer_rounds"] = {
                        "admin": [_rate_of(figures), rounds[1]],
                        "viewer": [rounds[0], rounds[2]],
                    }

    if "get" in results:
        results["get"]["bookkeeping"] = bookkeeping(
            load,
            args.workers,
            env,
            scripts["get"],
            serve_copy.url,
            work / f"bookkeeping-{database}-{scale}",
        )

    print("Storage ceilings: the captured SQL replayed on a pristine copy", flush=True)
    replayer = Replayer(replay_copy.url, args.workers)
    try:
        for operation in results:
            if operation in ("sweep", "import"):
                continue
            requests_sql = [c.transactions for c in captured[operation]]
            figures = replayer.rate(requests_sql, args.storage_duration)
            results[operation]["storage"] = figures
            print(f"  storage   {OPERATIONS[operation]:26} {_summary(figures)}", flush=True)
        if "sweep" in results:
            records = results["sweep"]["rolodex"]["records"]
            figures = sweep_storage(replayer, captured["sweep"], records)
            results["sweep"]["storage"] = figures
            print(f"  storage   {OPERATIONS['sweep']:26} {_summary(figures)}", flush=True)
        if "import" in results:
            import_one(args, results["import"], serve_copy.url, info, replayer)
    finally:
        replayer.close()

    if args.profile:
        profile(args, env, scripts, serve_copy.url, info, database, scale)

    for figures in results.values():
        rate = _rate_of(figures["rolodex"])
        figures["ratio_to_framework"] = _ratio(rate, _rate_of(figures.get("framework", {})))
        figures["ratio_to_storage"] = _ratio(rate, _rate_of(figures.get("storage", {})))
        if "viewer_rounds" in figures:
            rounds = figures["viewer_rounds"]
            figures["viewer_to_admin"] = _ratio(
                sum(r or 0 for r in rounds["viewer"]), sum(r or 0 for r in rounds["admin"])
            )
    if not args.keep_databases:
        for copy in (serve_copy, replay_copy):
            copy.drop(args.pg_admin_url)
    return {"scale": scale, "database": database, "seeded": info, "operations": results}


def bookkeeping(
    load: Load, workers: int, env: dict[str, str], script: Path, url: str, log_stem: Path
) -> dict[str, Any]:
    """GET one contact with the rate limits counted (in the database, then in Redis when it
    answers) and with them off: what the bookkeeping costs, and on PostgreSQL the rows written
    per 1,000 GETs (pg_stat_database, read before the server starts and after it stops, so
    that every backend has flushed its counts; start-up and warm-up are included)."""
    sides = {
        "counted": env,
        "off": {**env, "ROLODEX_RATE_LIMIT_DAILY": "0", "ROLODEX_RATE_LIMIT_PER_SECOND": "0"},
    }
    if _redis_answers():
        sides["counted_redis"] = {**env, "ROLODEX_REDIS_URL": REDIS_URL}
    found: dict[str, Any] = {}
    for side, side_env in sides.items():
        written_before = _pg_rows_written(url)
        port = loadgen.free_port()
        command = loadgen.rolodex_command(port, workers)
        with loadgen.server(Path(f"{log_stem}-{side}.log"), command, side_env, port) as process:
            warm = loadgen.run_wrk(load, port, script, max(load.warmup, 1))
            loadgen.wait_idle(process.pid)
            figures = loadgen.run_wrk(load, port, script, load.duration)
            loadgen.wait_idle(process.pid)
        time.sleep(0.5)  # the backends' exit flushes their statistics
        written_after = _pg_rows_written(url)
        if written_before is not None and written_after is not None:
            sent = warm["requests"] + figures["requests"]
            figures["rows_written"] = written_after - written_before
            figures["rows_written_per_1000_gets"] = round(1000 * figures["rows_written"] / sent, 2)
        found[side] = figures
        written = figures.get("rows_written_per_1000_gets")
        extra = f"  rows written per 1,000 GETs: {written}" if written is not None else ""
        print(f"  limits {side:14} GET one contact    {_summary(figures)}{extra}", flush=True)
    off = found["off"]["requests_per_s"]
    for side in ("counted", "counted_redis"):
        if side in found and off:
            cost = 100 * (1 - found[side]["requests_per_s"] / off)
            found[side]["bookkeeping_cost_percent"] = round(cost, 1)
    return found


def _pg_rows_written(url: str) -> int | None:
    """Rows inserted, updated and deleted in the database so far (PostgreSQL only)."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            written = connection.execute(
                text(
                    "SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database "
                    "WHERE datname = current_database()"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return int(written)


def _redis_answers() -> bool:
    if shutil.which("redis-cli") is None:
        return False
    done = subprocess.run(
        ["redis-cli", "-u", REDIS_URL, "ping"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() == "PONG"


def import_one(
    args: argparse.Namespace,
    figures: dict[str, Any],
    url: str,
    info: dict[str, Any],
    replayer: Replayer,
) -> None:
    """The CSV import through the CLI, its --dry-run (framework ceiling) and its SQL replayed."""
    work: Path = args.work_dir
    rows = args.import_rows or min(info["contacts"], IMPORT_ROWS)
    columns, data = _csv_rows(rows, random.Random(11))
    csv_path = write_csv(work / f"import-{rows}.csv", columns, data)
    sampled = data[:IMPORT_SAMPLE_ROWS]
    sample = write_csv(work / "import-sample.csv", columns, sampled)
    command = [
        str(BIN / "rolodex"),
        "import",
        str(csv_path),
        "--database-url",
        url,
        "--instance",
        str(info["instance_id"]),
        "--object",
        "Contacts",
        "--quiet",
    ]
    figures["framework"] = run_import([*command, "--dry-run"], work, rows)
    print(f"  framework {OPERATIONS['import']:26} {_summary(figures['framework'])}", flush=True)
    figures["rolodex"] = run_import(command, work, rows)
    print(f"  rolodex   {OPERATIONS['import']:26} {_summary(figures['rolodex'])}", flush=True)
    # Captured on the copy the import wrote to, replayed on the pristine one.
    transactions = import_storage(url, info["instance_id"], sample)
    # Replayed as one request: the whole sample, then divided by its rows.
    took = sum(replayer.sequential([transactions]))
    figures["storage"] = {
        "rows": len(sampled),
        "total_seconds": round(took, 4),
        "rows_per_s": round(len(sampled) / took, 1),
    }
    print(f"  storage   {OPERATIONS['import']:26} {_summary(figures['storage'])}", flush=True)


def profile(
    args: argparse.Namespace,
    env: dict[str, str],
    scripts: dict[str, Path],
    url: str,
    info: dict[str, Any],
    database: str,
    scale: int,
) -> None:
    """Sample the server under load (or the import) with py-spy; summarise where time goes."""
    spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if spy is None:
        sys.exit("--profile needs py-spy: .venv/bin/pip install py-spy")
    work: Path = args.work_dir
    seconds = max(round(args.duration), 5)
    for operation in args.profile:
        stem = f"bench-profile-{operation}-{database}-{scale}"
        raw = work / f"{stem}.raw"
        record = [spy, "record", "--format", "raw", "--rate", "100", "--subprocesses"]
        record += ["--output", str(raw)]
        if operation == "import":
            rows = min(args.import_rows or info["contacts"], IMPORT_ROWS)
            columns, data = _csv_rows(rows, random.Random(12))
            csv_path = write_csv(work / "import-profile.csv", columns, data)
            command = [str(BIN / "rolodex"), "import", str(csv_path), "--database-url", url]
            command += ["--instance", str(info["instance_id"]), "--object", "Contacts", "--quiet"]
            subprocess.run([*record, "--", *command], check=True, capture_output=True)
        else:
            port = loadgen.free_port()
            log = work / f"profile-{operation}.log"
            load = Load(args.threads, args.connections, 0, seconds, seconds)
            command = loadgen.rolodex_command(port, args.workers)
            with loadgen.server(log, command, env, port) as process:
                loadgen.run_wrk(load, port, scripts[operation], 1)  # warm up, unsampled
                loadgen.wait_idle(process.pid)
                # Attached once the server is up, so start-up is not in the profile.
                spying = subprocess.Popen(
                    [*record, "--pid", str(process.pid), "--duration", str(seconds)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                loadgen.run_wrk(load, port, scripts[operation], seconds)
                spying.wait()
        summary = pyspy_profile.summarise(raw)
        out = args.output.parent / f"{stem}.txt"
        out.write_text(f"{OPERATIONS[operation]}, {scale} contacts, {database}\n{summary}")
        print(f"Profile of {operation}: {out}\n{summary}", flush=True)


# --- report ----------------------------------------------------------------------------------


def _fmt_rate(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def _fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def _summary(figures: dict[str, Any]) -> str:
    rate = _rate_of(figures)
    unit = next(k for k in ("requests_per_s", "records_per_s", "rows_per_s") if k in figures)
    text = f"{_fmt_rate(rate):>9} {unit.removesuffix('_per_s')}/s"
    if "p50_ms" in figures:
        text += f"  p50 {_fmt_ms(figures['p50_ms'])}  p99 {_fmt_ms(figures['p99_ms'])}"
    if "total_seconds" in figures:
        text += f"  total {figures['total_seconds']:.2f} s"
    errors = {k: v for k, v in figures.get("errors", {}).items() if v}
    return text + (f"  ERRORS {errors}" if errors else "")


def print_run(console: Console, run: dict[str, Any], workers: int, busy: bool) -> None:
    """One table: every operation of a run with its ceilings and ratios, then what the rate
    limits' bookkeeping costs."""
    load = run.get("load_average", {})
    table = Table(
        title=f"{run['scale']:,} contacts, {run['database']}, {workers} worker(s), load average "
        f"{load.get('before', 0):.2f} -> {load.get('after', 0):.2f}"
        + ("  BUSY: not comparable" if busy else ""),
        title_justify="left",
    )
    for header in ("operation", "unit", "Rolodex", "p50", "p99", "RSS MiB"):
        table.add_column(header, justify="left" if header in ("operation", "unit") else "right")
    for header in ("framework", "ratio", "storage", "ratio "):
        table.add_column(header, justify="right")
    for operation, figures in run["operations"].items():
        ours = figures["rolodex"]
        unit = next(k for k in ("requests_per_s", "records_per_s", "rows_per_s") if k in ours)
        errors = sum(ours.get("errors", {}).values())
        table.add_row(
            OPERATIONS[operation],
            unit.removesuffix("_per_s") + "/s",
            _fmt_rate(_rate_of(ours)) + (f" ({errors} errors!)" if errors else ""),
            _fmt_ms(ours.get("p50_ms")),
            _fmt_ms(ours.get("p99_ms")),
            f"{ours['rss_mb']:.0f}" if "rss_mb" in ours else "-",
            _fmt_rate(_rate_of(figures.get("framework", {}))),
            _fmt_ratio(figures["ratio_to_framework"]),
            _fmt_rate(_rate_of(figures.get("storage", {}))),
            _fmt_ratio(figures["ratio_to_storage"]),
        )
    console.print(table)
    viewer = [
        f"{OPERATIONS[op]} {_fmt_rate(sum(r or 0 for r in f['viewer_rounds']['viewer']) / 2)} "
        f"({_fmt_ratio(f['viewer_to_admin'])})"
        for op, f in run["operations"].items()
        if "viewer" in f
    ]
    if viewer:
        console.print(
            f"As a user who is no administrator, {seed.HIDDEN_SHARE:.0%} of the contacts hidden "
            "(mean of two rounds, each beside a round of the admin's; ratio to the admin's "
            "rate in the same rounds): " + "; ".join(viewer)
        )
    counted = run["operations"].get("get", {}).get("bookkeeping")
    if counted:
        parts = []
        for side, figures in counted.items():
            text = f"{side} {_fmt_rate(figures['requests_per_s'])} req/s"
            if "bookkeeping_cost_percent" in figures:
                text += f" (costs {figures['bookkeeping_cost_percent']}%)"
            if "rows_written_per_1000_gets" in figures:
                text += f", {figures['rows_written_per_1000_gets']} rows written per 1,000 GETs"
            parts.append(text)
        console.print("Rate limits, GET one contact: " + "; ".join(parts))


def _fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def slowest(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The operation furthest below its storage ceiling (Rolodex's own cost is largest there)."""
    found = [
        {
            "scale": run["scale"],
            "database": run["database"],
            "operation": op,
            "ratio_to_storage": figures["ratio_to_storage"],
            "ratio_to_framework": figures["ratio_to_framework"],
        }
        for run in runs
        for op, figures in run["operations"].items()
        if figures.get("ratio_to_storage")
    ]
    return min(found, key=lambda f: f["ratio_to_storage"]) if found else None


def _versions() -> dict[str, str]:
    found = {}
    for package in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "orjson", "psycopg"):
        with suppress(importlib_metadata.PackageNotFoundError):
            found[package] = importlib_metadata.version(package)
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    found["wrk"] = wrk.split("[")[0].replace("wrk", "").strip()
    return found


def _git() -> dict[str, Any]:
    def run(*command: str) -> str:
        done = subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    return {
        "commit": run("rev-parse", "HEAD"),
        "dirty_files": run("status", "--short").splitlines(),
    }


# --- main ------------------------------------------------------------------------------------


def _int_list(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100_000, help="contacts to seed (orgs: /5)")
    parser.add_argument(
        "--scales", type=_int_list, help="several sizes, e.g. 10000,100000 (overrides --scale)"
    )
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="sqlite, postgresql or both (PostgreSQL: a database rolodex_bench is created "
        "and dropped through --pg-admin-url)",
    )
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--duration", type=float, default=5, help="seconds measured per operation")
    parser.add_argument("--warmup", type=float, default=1, help="seconds of unmeasured load first")
    parser.add_argument(
        "--max-duration",
        type=float,
        default=30,
        help=f"seconds of a second measurement if fewer than {loadgen.MIN_REQUESTS} finished",
    )
    parser.add_argument(
        "--storage-duration", type=float, default=2, help="seconds of SQL replay per operation"
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--import-rows",
        type=int,
        help=f"rows of the CSV import (default: the scale, at most {IMPORT_ROWS:,})",
    )
    parser.add_argument(
        "--operations",
        default=",".join(OPERATIONS),
        help="a subset, comma-separated: " + ", ".join(OPERATIONS),
    )
    parser.add_argument(
        "--profile",
        action="append",
        choices=[op for op in OPERATIONS if op != "sweep"],
        help="also run the server (or the import) under py-spy for this operation and write "
        "build/bench-profile-OPERATION-DATABASE-SCALE.txt (repeatable)",
    )
    parser.add_argument("--work-dir", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "bench.json")
    parser.add_argument(
        "--keep-databases", action="store_true", help="keep the run's copies (to inspect them)"
    )
    args = parser.parse_args(argv)
    args.scales = args.scales or [args.scale]
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    args.operations = [o.strip() for o in args.operations.split(",") if o.strip()]
    for name in args.databases:
        if name not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {name!r}")
    for name in args.operations:
        if name not in OPERATIONS:
            parser.error(f"unknown operation {name!r}")
    if min(args.scales) < 10:
        parser.error("a scale must be at least 10 contacts")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (make bench does it)")
    args.work_dir.mkdir(parents=True, exist_ok=True)
    if "postgresql" in args.databases:
        try:
            seed.pg_exists(args.pg_admin_url, "postgres")
        except Exception as error:  # any failure to connect: say what to do
            sys.exit(
                f"PostgreSQL is not reachable through {args.pg_admin_url} ({error}); "
                "start it, pass --pg-admin-url, or --databases sqlite"
            )
    console = Console(width=160)
    load_before = os.getloadavg()
    print(
        f"Load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} "
        f"({os.cpu_count()} CPUs)",
        flush=True,
    )
    if load_before[0] > BUSY_LOAD:
        print(
            f"WARNING: load average {load_before[0]:.1f} is above {BUSY_LOAD}: other work on "
            "this machine lowers and scatters the figures; this run will be marked BUSY"
        )
    began = time.monotonic()
    runs = []
    for scale in args.scales:
        for database in args.databases:
            run_load_before = os.getloadavg()[0]
            run = run_one(args, scale, database, console)
            run["load_average"] = {"before": run_load_before, "after": os.getloadavg()[0]}
            runs.append(run)
    load_after = os.getloadavg()
    # The run itself loads both cores: only the load it started on says whether other work
    # was running.
    busy = load_before[0] > BUSY_LOAD
    console.print()
    for run in runs:
        print_run(console, run, args.workers, busy)
    worst = slowest(runs)
    if worst is not None:
        console.print(
            f"Furthest below its storage ceiling: {OPERATIONS[worst['operation']]} "
            f"({worst['database']}, {worst['scale']:,} contacts), "
            f"{worst['ratio_to_storage']} of the storage ceiling"
        )
    console.print(
        f"Load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"({os.cpu_count()} CPUs); {time.monotonic() - began:.0f} s in all"
        + (f"  BUSY: began above {BUSY_LOAD}, these figures are not comparable" if busy else "")
    )
    report = {
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "load_average": {"before": load_before, "after": load_after},
        "busy": busy,
        "versions": _versions(),
        "git": _git(),
        "settings": {
            "scales": args.scales,
            "databases": args.databases,
            "workers": args.workers,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "storage_duration_s": args.storage_duration,
            "connections": args.connections,
            "threads": args.threads,
            "list_top": LIST_TOP,
            "sweep_top": SWEEP_TOP,
            "search_top": SEARCH_TOP,
            "load_generator": "wrk",
        },
        "operations": {op: OPERATIONS[op] for op in args.operations},
        "runs": runs,
        "slowest_relative_to_storage": worst,
        "seconds": round(time.monotonic() - began, 1),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    console.print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
