"""`make cluster-test`: faults under load on the cluster `make cluster` started.

1. kill -9 the primary (its Patroni and its PostgreSQL: the machine is gone) under a steady
   mixed load: Patroni promotes the synchronous replica; the API answers 503 meanwhile, never
   500; every write it acknowledged is there afterwards, whole (fields and tags); the old primary
   rejoins as a replica.
2. kill -9 a Rolodex process under load: HAProxy routes around it; it is restarted and rejoins.
3. stop a replica: reads and writes go on; it is started again and catches up.
4. the daily limit N across the four processes lets exactly N calls through, also with a
   process killed while the calls run (each call is counted in Redis as it is made: a killed
   process takes no reserved calls with it).
5. reads from replicas (every process reads through HAProxy's replica port): with replay paused
   on every replica, a caller still reads each of its writes at once, through any process, and a
   sweep by another caller finds them all; that other caller, who has not written, reads the
   replicas' older state (reported). Then, under load, the replicas' replay lag as the primary
   sees it (pg_stat_replication).
Prints what it measured and writes it to build/cluster/faults.json; exits non-zero when a
promise is broken. A bounded run (about two minutes).
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster  # the script beside this one

API = f"http://127.0.0.1:{cluster.API_PORT}/v3.1"
RUN = cluster.RUN


def paced(response: httpx.Response) -> bool:
    """A 429 of the per-second burst limit: the client waits and sends it again (the SDK
    does the same)."""
    return response.status_code == 429 and "per second" in response.text


@dataclass
class Load:
    """Threads writing contacts (with tags) and reading them back, until stopped; each thread
    has a key of its own (the burst limit is per key, as for separate users)."""

    keys: list[str]
    acknowledged: dict[int, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    # (monotonic time, ok) of every write, to find the gap.
    writes: list[tuple[float, bool]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> list[threading.Thread]:
        workers = [
            threading.Thread(target=self._work, args=(key,), daemon=True) for key in self.keys
        ]
        for worker in workers:
            worker.start()
        return workers

    def stop(self, workers: list[threading.Thread]) -> None:
        self._stop.set()
        for worker in workers:
            worker.join(timeout=30)

    def _work(self, key: str) -> None:
        with httpx.Client(base_url=API, auth=(key, ""), timeout=30) as client:
            self._loop(client)

    def _loop(self, client: httpx.Client) -> None:
        while not self._stop.is_set():
            name = f"load-{uuid.uuid4().hex[:12]}"
            body = {"FIRST_NAME": name, "LAST_NAME": "Load", "TAGS": [{"TAG_NAME": name}]}
            try:
                response = client.post("/Contacts", json=body)
                if paced(response):
                    time.sleep(float(response.headers.get("Retry-After", "1")))
                    continue
                ok = response.status_code == 201
                with self._lock:
                    self.statuses[response.status_code] += 1
                    self.writes.append((time.monotonic(), ok))
                    if ok:
                        self.acknowledged[response.json()["CONTACT_ID"]] = name
                if ok:
                    read = client.get(f"/Contacts/{response.json()['CONTACT_ID']}")
                    if not paced(read):
                        with self._lock:
                            self.statuses[read.status_code] += 1
                else:
                    time.sleep(0.05)
            except httpx.HTTPError as error:
                with self._lock:
                    self.failures[type(error).__name__] += 1
                    self.writes.append((time.monotonic(), False))
                time.sleep(0.05)

    def gap_after(self, moment: float) -> float | None:
        """Seconds from `moment` to the first acknowledged write after the last failed one."""
        with self._lock:
            after = [(t, ok) for t, ok in self.writes if t >= moment]
        failed = [t for t, ok in after if not ok]
        if not failed:
            return 0.0
        recovered = [t for t, ok in after if ok and t > failed[-1]]
        return (recovered[0] - moment) if recovered else None


def leader() -> str | None:
    """The current primary's name (None while there is none)."""
    for _, rest_port in cluster.MEMBERS.values():
        try:
            members = cluster._json(f"http://127.0.0.1:{rest_port}/cluster")
        except OSError:
            continue
        for member in members["members"]:  # type: ignore[index]
            if member["role"] == "leader":
                return str(member["name"])
    return None


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60) -> float:
    started = time.monotonic()
    cluster._wait(what, check, timeout)
    return time.monotonic() - started


def get_paced(key: str, path: str) -> httpx.Response:
    """GET `path`, waiting out the burst limit as a client does."""
    while True:
        response = httpx.get(f"{API}{path}", auth=(key, ""), timeout=30)
        if not paced(response):
            return response
        time.sleep(float(response.headers.get("Retry-After", "1")))


def check_whole(keys: list[str], acknowledged: dict[int, str]) -> list[str]:
    """Every acknowledged contact, read back with its name and its tag."""

    def problem(item: tuple[int, tuple[int, str]]) -> str | None:
        number, (contact_id, name) = item
        response = get_paced(keys[number % len(keys)], f"/Contacts/{contact_id}")
        if response.status_code != 200:
            return f"contact {contact_id}: {response.status_code}"
        record = response.json()
        tags = [t["TAG_NAME"] for t in record.get("TAGS") or []]
        if record["FIRST_NAME"] != name or tags != [name]:
            return f"contact {contact_id}: {record['FIRST_NAME']} {tags}"
        return None

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        found = pool.map(problem, enumerate(sorted(acknowledged.items())))
        return [p for p in found if p is not None]


def kill_member(name: str) -> None:
    """kill -9 a member's Patroni and its PostgreSQL, as a lost machine would."""
    pid_file = RUN / "pids" / f"patroni-{name}.pid"
    os.killpg(int(pid_file.read_text()), signal.SIGKILL)
    pid_file.unlink()
    postmaster = RUN / name / "postmaster.pid"
    if postmaster.exists():
        os.kill(int(postmaster.read_text().splitlines()[0]), signal.SIGKILL)


def start_member(name: str) -> None:
    cluster._start(f"patroni-{name}", ["patroni", str(RUN / f"patroni-{name}.yml")], "postgres")


def daily_limit_is_exact(calls: int, during: Callable[[], None]) -> dict[str, Any]:
    """A new instance with a daily allowance of `calls` and users of its own; twice that many
    calls through HAProxy, with `during` run meanwhile: exactly `calls` get through."""
    created = subprocess.run(
        [str(cluster.ROLODEX), "instances", "create", "--name", f"limit-{uuid.uuid4().hex[:8]}"],
        env={**os.environ, **cluster.rolodex_env()},
        check=True,
        capture_output=True,
        text=True,
    )
    instance_id = int(created.stdout.strip().splitlines()[-1])
    keys = [user_key(instance_id, number) for number in range(8)]
    set_limit(instance_id, calls)
    time.sleep(1.5)  # the documented bound for a changed limit to reach every process

    def call(number: int) -> int:
        key = keys[number % len(keys)]
        for _ in range(50):
            try:  # a request lost with a killed process, or paced, is sent again
                response = httpx.get(f"{API}/Users/Me", auth=(key, ""), timeout=30)
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            if response.status_code in (502, 503):  # lost with the killed process: a GET is
                time.sleep(0.2)  # safe to send again
                continue
            if not paced(response):
                return response.status_code
            time.sleep(1)
        return 0

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = pool.map(call, range(2 * calls))
        during()
        statuses = Counter(results)
    return {
        "limit_left": calls,
        "through": statuses[200],
        "refused": statuses[429],
        "other": {str(k): v for k, v in statuses.items() if k not in (200, 429)},
    }


def set_limit(instance_id: int, daily: int) -> None:
    """The instance's daily allowance, set as an operator would (`rolodex instances`)."""
    command = ["instances", "set-limit", "--instance", str(instance_id), "--daily", str(daily)]
    subprocess.run(
        [str(cluster.ROLODEX), *command],
        env={**os.environ, **cluster.rolodex_env()},
        check=True,
        capture_output=True,
    )


def user_key(instance_id: int, number: int) -> str:
    """A new user of the instance for the load; its API key."""
    result = subprocess.run(
        [
            str(cluster.ROLODEX),
            *("users", "create", "--instance", str(instance_id)),
            *("--email", f"load-{number}-{uuid.uuid4().hex[:8]}@cluster.test"),
            *("--first-name", "Load", "--last-name", str(number)),
        ],
        env={**os.environ, **cluster.rolodex_env()},
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def send_paced(key: str, method: str, path: str, body: Any = None) -> httpx.Response:
    """A request, waiting out the burst limit as a client does."""
    while True:
        response = httpx.request(method, f"{API}{path}", auth=(key, ""), json=body, timeout=30)
        if not paced(response):
            return response
        time.sleep(float(response.headers.get("Retry-After", "1")))


def set_replay(paused: bool) -> list[str]:
    """Pause (or resume) WAL replay on every replica; their names."""
    replicas = [name for name in cluster.MEMBERS if name != leader()]
    call = "pg_wal_replay_pause()" if paused else "pg_wal_replay_resume()"
    for name in replicas:
        cluster._psql(f"SELECT {call}", port=cluster.MEMBERS[name][0])
    return replicas


def reads_your_writes(writer: str, reader: str, writes: int) -> dict[str, Any]:
    """With replay paused on every replica: the writer reads each write at once; a sweep by
    the reader finds them all; the reader's own reads of them (from the replicas) may be older."""
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 2))
    paused = set_replay(True)
    written: list[int] = []
    writer_stale = reader_older = 0
    try:
        for number in range(writes):
            name = f"fence-{number}-{uuid.uuid4().hex[:8]}"
            created = send_paced(writer, "POST", "/Contacts", {"FIRST_NAME": name})
            if created.status_code != 201:
                raise SystemExit(f"faults: a write failed: {created.status_code} {created.text}")
            contact_id = created.json()["CONTACT_ID"]
            written.append(contact_id)
            read = send_paced(writer, "GET", f"/Contacts/{contact_id}")
            if read.status_code != 200 or read.json()["FIRST_NAME"] != name:
                writer_stale += 1
            if send_paced(reader, "GET", f"/Contacts/{contact_id}").status_code == 404:
                reader_older += 1
        swept = send_paced(reader, "GET", f"/Contacts?updated_after_utc={started}&top=500")
        found = {c["CONTACT_ID"] for c in swept.json()} if swept.status_code == 200 else set()
    finally:
        set_replay(False)
    return {
        "replicas_paused": paused,
        "writes": writes,
        "writer_read_an_older_state": writer_stale,
        "sweep_missed": len(set(written) - found),
        "reader_read_the_replicas_older_state": reader_older,
    }


def replay_lag_under_load(keys: list[str], seconds: float) -> dict[str, Any]:
    """The replicas' replay lag as the primary reports it, sampled under the mixed load."""
    load = Load(keys)
    workers = load.run()
    samples: list[float] = []
    deadline = time.monotonic() + seconds
    query = "SELECT coalesce(max(extract(epoch FROM replay_lag)), 0) FROM pg_stat_replication"
    while time.monotonic() < deadline:
        value = cluster._psql(query, port=cluster.PRIMARY_PORT)
        if value:
            samples.append(float(value))
        time.sleep(0.5)
    load.stop(workers)
    samples.sort()
    return {
        "samples": len(samples),
        "median_ms": round(1000 * samples[len(samples) // 2], 2) if samples else None,
        "max_ms": round(1000 * samples[-1], 2) if samples else None,
        "statuses": dict(load.statuses),
    }


def main() -> None:
    key = (RUN / "admin-key").read_text().strip()
    report: dict[str, Any] = {}
    broken: list[str] = []
    client = httpx.Client(base_url=API, auth=(key, ""), timeout=30)
    me = client.get("/Users/Me").json()
    instance_id = int(me["INSTANCE_ID"])
    keys = [user_key(instance_id, number) for number in range(8)]
    # A roomy limit for the load (the exactness check sets its own).
    set_limit(instance_id, 1_000_000)
    time.sleep(1.5)

    # 1. The primary dies under load.
    load = Load(keys)
    workers = load.run()
    time.sleep(5)
    before = len(load.acknowledged)
    old = leader()
    killed_at = time.monotonic()
    kill_member(old)
    print(f"faults: killed the primary {old} (Patroni and PostgreSQL) after {before} writes")
    wait_for("a new leader", lambda: leader() not in (None, old), 60)
    new = leader()
    time.sleep(8)  # the load runs on the new primary
    load.stop(workers)
    gap = load.gap_after(killed_at)
    report["failover"] = {
        "old_primary": old,
        "new_primary": new,
        "gap_s": None if gap is None else round(gap, 2),
        "statuses": dict(load.statuses),
        "client_errors": dict(load.failures),
        "acknowledged_writes": len(load.acknowledged),
    }
    print(f"faults: {new} promoted; writes failed for {gap} s; statuses {dict(load.statuses)}")
    if gap is None:
        broken.append("writes did not recover after the failover")
    if load.statuses.get(500):
        broken.append(f"{load.statuses[500]} answers were 500 during the failover")
    lost = check_whole(keys, load.acknowledged)
    report["failover"]["lost_or_partial"] = lost
    if lost:
        broken.append(f"{len(lost)} acknowledged writes lost or partial: {lost[:5]}")
    start_member(old)
    rejoin = wait_for(
        f"{old} back as a replica",
        lambda: cluster._status(f"http://127.0.0.1:{cluster.MEMBERS[old][1]}/replica") == 200,
        120,
    )
    report["failover"]["old_primary_rejoined_s"] = round(rejoin, 1)
    print(f"faults: {old} rejoined as a replica in {rejoin:.1f} s")

    # 2. A Rolodex process dies under load.
    load = Load(keys)
    workers = load.run()
    time.sleep(3)
    victim = cluster.ROLODEX_PORTS[1]
    cluster.stop(f"rolodex-{victim}", signal.SIGKILL)
    time.sleep(5)
    cluster.start_rolodex(victim)
    back = wait_for(
        f"rolodex {victim}",
        lambda: cluster._status(f"http://127.0.0.1:{victim}/healthz") == 200,
        60,
    )
    time.sleep(3)
    load.stop(workers)
    report["process_killed"] = {
        "port": victim,
        "statuses": dict(load.statuses),
        "client_errors": dict(load.failures),
        "restarted_in_s": round(back, 1),
    }
    print(
        f"faults: rolodex {victim} killed and restarted; statuses {dict(load.statuses)}, "
        f"errors {dict(load.failures)}"
    )
    if load.statuses.get(500):
        broken.append("500 answers while a process was killed")
    lost = check_whole(keys, load.acknowledged)
    if lost:
        broken.append(f"acknowledged writes lost around the killed process: {lost[:5]}")

    # 3. A replica stops.
    replica = next(n for n in cluster.MEMBERS if n != leader())
    load = Load(keys)
    workers = load.run()
    time.sleep(2)
    cluster.stop(f"patroni-{replica}")
    time.sleep(6)
    start_member(replica)
    caught_up = wait_for(
        f"{replica} streaming again",
        lambda: cluster._status(f"http://127.0.0.1:{cluster.MEMBERS[replica][1]}/replica") == 200,
        120,
    )
    load.stop(workers)
    report["replica_stopped"] = {
        "replica": replica,
        "statuses": dict(load.statuses),
        "client_errors": dict(load.failures),
        "back_in_s": round(caught_up, 1),
    }
    print(f"faults: replica {replica} stopped and started; statuses {dict(load.statuses)}")
    if load.statuses.get(500) or set(load.statuses) - {200, 201}:
        broken.append(f"answers other than 200/201 while a replica was down: {dict(load.statuses)}")

    # 4. The daily limit across the processes: exact, also with one killed meanwhile.
    exact = daily_limit_is_exact(200, lambda: None)
    print(f"faults: daily limit, four processes: {exact}")
    if exact["through"] != exact["limit_left"]:
        broken.append(f"the daily limit let {exact['through']} of {exact['limit_left']} through")

    def kill_one() -> None:
        cluster.stop(f"rolodex-{cluster.ROLODEX_PORTS[2]}", signal.SIGKILL)

    killed = daily_limit_is_exact(200, kill_one)
    cluster.start_rolodex(cluster.ROLODEX_PORTS[2])
    report["daily_limit"] = {"four_processes": exact, "one_killed_meanwhile": killed}
    print(f"faults: daily limit, a process killed meanwhile: {killed}")
    if killed["through"] != killed["limit_left"]:
        broken.append(
            f"with a process killed, the daily limit let {killed['through']} of "
            f"{killed['limit_left']} through"
        )

    # 5. Reads from replicas: read-your-writes while the replicas have stopped replaying.
    fenced = reads_your_writes(keys[0], keys[1], 20)
    report["read_your_writes"] = fenced
    print(f"faults: replicas paused: {fenced}")
    if fenced["writer_read_an_older_state"]:
        broken.append(f"a caller read an older state than its own write: {fenced}")
    if fenced["sweep_missed"]:
        broken.append(f"a sweep missed records a replica had not replayed: {fenced}")
    lag = replay_lag_under_load(keys, 8)
    report["replica_lag"] = lag
    print(f"faults: replica replay lag under load: {lag}")
    if set(lag["statuses"]) - {200, 201}:
        broken.append(f"answers other than 200/201 with reads on the replicas: {lag['statuses']}")

    report["broken"] = broken
    (RUN / "faults.json").write_text(json.dumps(report, indent=2))
    client.close()
    if broken:
        print("faults: BROKEN:\n  " + "\n  ".join(broken))
        sys.exit(1)
    print(f"faults: every promise held (details in {RUN / 'faults.json'})")


if __name__ == "__main__":
    main()
