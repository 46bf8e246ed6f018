"""`make cluster-bench`: throughput and p99 with 1, 2 and 4 Rolodex processes on the cluster.

On the cluster `make cluster` started: 1,000 contacts are written, then wrk sends GET one
contact (random ids) and GET a list of 20 to one, two and four of the `rolodex serve`
processes (each its own wrk, 16 connections in all), and to all four through HAProxy. Reads go
to the replicas (ROLODEX_DATABASE_REPLICA_URLS, with read-your-writes); the daily limit is
counted in Redis as always, the per-second burst limit is lifted for the run (one key sends
everything) and put back afterwards. Each row gives requests/s, the worst p99 of its wrk runs
and the CPU the Rolodex processes spent per request, so that the figure scales on paper: the
machine's cores are shared by wrk, PostgreSQL (three members), PgBouncer, HAProxy, Redis and
Rolodex, so the curve flattens at the machine, not at Rolodex. Writes build/cluster/measure.json.
"""

import base64
import json
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "bench"))
import cluster  # the script beside this one

import loadgen  # the benchmark's wrk driver

SECONDS = 10
CONNECTIONS = 16
CONTACTS = 1000


def restart_processes(**env: str) -> None:
    """Every Rolodex process stopped and started again with `env` on top of the cluster's."""
    os.environ.update(env)
    for port in cluster.ROLODEX_PORTS:
        cluster.stop(f"rolodex-{port}")
        cluster.start_rolodex(port)
    for port in cluster.ROLODEX_PORTS:
        healthz = f"http://127.0.0.1:{port}/healthz"
        cluster._wait(f"rolodex {port}", lambda url=healthz: cluster._status(url) == 200)


def cpu_seconds() -> float:
    """CPU time the Rolodex processes have used so far."""
    total = 0.0
    for port in cluster.ROLODEX_PORTS:
        pid = int((cluster.RUN / "pids" / f"rolodex-{port}.pid").read_text())
        total += loadgen.tree_cpu_seconds(pid)
    return total


def run(ports: list[int], script: Path) -> dict[str, Any]:
    load = loadgen.Load(
        threads=1,
        connections=max(1, CONNECTIONS // len(ports)),
        warmup=0,
        duration=SECONDS,
        max_duration=SECONDS,
    )
    loadgen.run_wrk(load, ports[0], script, 2)  # warm-up
    before = cpu_seconds()
    with ThreadPoolExecutor(max_workers=len(ports)) as pool:
        results = list(pool.map(lambda port: loadgen.run_wrk(load, port, script, SECONDS), ports))
    spent = cpu_seconds() - before
    requests = sum(r["requests"] for r in results)
    return {
        "requests_per_s": round(sum(r["requests_per_s"] for r in results), 1),
        "p99_ms": max(r["p99_ms"] or 0 for r in results),
        "cpu_ms_per_request": round(1000 * spent / max(requests, 1), 3),
        "errors": sum(sum(r["errors"].values()) for r in results),
    }


def main() -> None:
    key = (cluster.RUN / "admin-key").read_text().strip()
    authorization = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    restart_processes(ROLODEX_RATE_LIMIT_PER_SECOND="0")
    try:
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{cluster.API_PORT}/v3.1", auth=(key, ""), timeout=30
        )
        instance = client.get("/Users/Me").json()["INSTANCE_ID"]
        subprocess.run(
            [
                *(str(cluster.ROLODEX), "instances", "set-limit"),
                *("--instance", str(instance), "--daily", "1000000000"),
            ],
            env={**os.environ, **cluster.rolodex_env()},
            check=True,
            capture_output=True,
        )
        time.sleep(1.5)  # the documented bound for a changed limit to reach every process

        def create(number: int) -> int:
            body = {"FIRST_NAME": f"Bench {number}", "LAST_NAME": "Cluster"}
            return int(client.post("/Contacts", json=body).json()["CONTACT_ID"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(pool.map(create, range(CONTACTS)))
        client.close()
        rng = random.Random(7)
        work = cluster.RUN / "measure"
        work.mkdir(exist_ok=True)
        scripts = {
            "GET one contact": loadgen.write_lua(
                work / "get.lua",
                "get",
                [loadgen.Request("GET", f"/v3.1/Contacts/{i}") for i in rng.sample(ids, 500)],
                authorization,
            ),
            "GET a list of 20": loadgen.write_lua(
                work / "list.lua",
                "list",
                [
                    loadgen.Request("GET", f"/v3.1/Contacts?top=20&skip={rng.randrange(CONTACTS)}")
                    for _ in range(200)
                ],
                authorization,
            ),
        }
        shapes = {
            "1 process": list(cluster.ROLODEX_PORTS[:1]),
            "2 processes": list(cluster.ROLODEX_PORTS[:2]),
            "4 processes": list(cluster.ROLODEX_PORTS),
            "4 processes through HAProxy": [cluster.API_PORT],
        }
        load_before = os.getloadavg()
        report: dict[str, Any] = {"load_average_before": load_before, "rows": []}
        print(f"cluster-bench: load average before {load_before[0]:.2f} ({os.cpu_count()} CPUs)")
        for operation, script in scripts.items():
            for shape, ports in shapes.items():
                figures = run(ports, script)
                report["rows"].append({"operation": operation, "processes": shape, **figures})
                print(
                    f"cluster-bench: {operation:17s} {shape:28s} "
                    f"{figures['requests_per_s']:>8,.0f} req/s  p99 {figures['p99_ms']:>7.1f} ms"
                    f"  {figures['cpu_ms_per_request']:.2f} ms CPU/request"
                    f"  errors {figures['errors']}"
                )
        report["load_average_after"] = os.getloadavg()
        print(f"cluster-bench: load average after {report['load_average_after'][0]:.2f}")
        (cluster.RUN / "measure.json").write_text(json.dumps(report, indent=2))
    finally:
        os.environ.pop("ROLODEX_RATE_LIMIT_PER_SECOND", None)
        restart_processes()


if __name__ == "__main__":
    main()
