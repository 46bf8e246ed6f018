"""A Rolodex cluster on one machine, as separate processes: `make cluster`, `make cluster-down`.

etcd; three Patroni members (one PostgreSQL primary, two replicas, synchronous replication);
PgBouncer in front of the primary (through HAProxy); Redis; four `rolodex serve` processes;
HAProxy on one port for the API and the web app (8080). Everything runs from the files beside
this one (patroni.yml, pgbouncer.ini, haproxy.cfg) with its state under build/cluster/, and
`down` stops all of it and checks that nothing is left.

    python deploy/cluster/cluster.py up | down | status
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RUN = Path(os.environ.get("ROLODEX_CLUSTER_DIR", ROOT / "build" / "cluster"))
ROLODEX = Path(sys.executable).parent / "rolodex"  # beside the venv python that runs this
PACKAGES = {
    "patroni": "patroni",
    "etcd": "etcd-server",
    "pgbouncer": "pgbouncer",
    "haproxy": "haproxy",
    "redis-server": "redis-server",
}
MEMBERS = {"pg1": (5441, 8011), "pg2": (5442, 8012), "pg3": (5443, 8013)}
ROLODEX_PORTS = (8081, 8082, 8083, 8084)
API_PORT = 8080
PRIMARY_PORT = 5440  # HAProxy: the current primary
REPLICAS_PORT = 5439  # HAProxy: the replicas
BOUNCER_PORT = 6432
REDIS_URL = "redis://127.0.0.1:6379/3"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:{BOUNCER_PORT}/rolodex"
# API reads go to the replicas through HAProxy (Patroni's /replica check), with read-your-writes
# (rolodex.storage.replicas): a member that is no replica, or is behind a caller's last write,
# is never read from for that caller.
REPLICA_URLS = f"postgresql+psycopg://postgres@127.0.0.1:{REPLICAS_PORT}/rolodex"


def say(message: str) -> None:
    print(f"cluster: {message}", flush=True)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(what: str, check, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"cluster: {what} did not come up within {timeout:.0f} s (see {RUN}/logs)")


def _json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:  # nothing listens there (yet)
        return 0


def _render(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def _start(name: str, command: list[str], user: str | None = None, **env: str) -> None:
    """Start a process in its own session, its output in logs/NAME.log, its pid in pids/."""
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    log = open(RUN / "logs" / f"{name}.log", "ab")  # noqa: SIM115 (kept by the child)
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **env},
        cwd=RUN,
    )
    (RUN / "pids" / f"{name}.pid").write_text(str(process.pid))


def install() -> None:
    missing = sorted({pkg for cmd, pkg in PACKAGES.items() if shutil.which(cmd) is None})
    if missing:
        say(f"installing {' '.join(missing)} with apt")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env)


def up() -> None:
    if (RUN / "pids").exists() and any((RUN / "pids").iterdir()):
        raise SystemExit("cluster: already running (make cluster-down first)")
    install()
    for port in (2379, *(p for p, _ in MEMBERS.values()), API_PORT, BOUNCER_PORT, *ROLODEX_PORTS):
        if _listening(port):
            raise SystemExit(f"cluster: port {port} is taken; stop what uses it first")
    for sub in ("logs", "pids", "files"):
        (RUN / sub).mkdir(parents=True, exist_ok=True)
    shutil.chown(RUN / "logs", "postgres")
    RUN.chmod(0o755)

    _start(
        "etcd",
        [
            "etcd",
            "--name=rolodex-etcd",
            f"--data-dir={RUN / 'etcd'}",
            "--listen-client-urls=http://127.0.0.1:2379",
            "--advertise-client-urls=http://127.0.0.1:2379",
            "--listen-peer-urls=http://127.0.0.1:2380",
            "--initial-advertise-peer-urls=http://127.0.0.1:2380",
            "--initial-cluster=rolodex-etcd=http://127.0.0.1:2380",
        ],
    )
    _wait("etcd", lambda: _json("http://127.0.0.1:2379/health")["health"] == "true")
    say("etcd on 127.0.0.1:2379")

    template = (HERE / "patroni.yml").read_text()
    for name, (pg_port, rest_port) in MEMBERS.items():
        data_dir = RUN / name
        data_dir.mkdir(mode=0o700, exist_ok=True)
        shutil.chown(data_dir, "postgres", "postgres")
        config = RUN / f"patroni-{name}.yml"
        config.write_text(
            _render(
                template,
                name=name,
                pg_port=str(pg_port),
                rest_port=str(rest_port),
                data_dir=str(data_dir),
                run_dir=str(RUN / "logs"),
            )
        )
        _start(f"patroni-{name}", ["patroni", str(config)], user="postgres")
        if name == "pg1" and not (data_dir / "PG_VERSION").exists():
            # A new cluster: the first member bootstraps it (initdb) and becomes its primary.
            _wait("the primary", lambda: _status("http://127.0.0.1:8011/primary") == 200, 90)
    # An existing cluster elects its leader among the members as they come back.
    _wait("a primary", lambda: primary() is not None, 120)
    for name, (_, rest_port) in MEMBERS.items():
        url = f"http://127.0.0.1:{rest_port}/health"
        _wait(f"Patroni member {name}", lambda url=url: _status(url) == 200, 120)
    say(f"Patroni members pg1-pg3 on 5441-5443 (REST 8011-8013); {primary()} is the primary")

    _start("haproxy", ["haproxy", "-db", "-f", str(HERE / "haproxy.cfg")])
    _wait("HAProxy", lambda: _listening(PRIMARY_PORT))
    _wait("the primary behind HAProxy", lambda: _psql("SELECT 1", port=PRIMARY_PORT) == "1", 30)
    if _psql("SELECT 1 FROM pg_database WHERE datname = 'rolodex'", port=PRIMARY_PORT) != "1":
        _psql("CREATE DATABASE rolodex", port=PRIMARY_PORT)
    say(f"HAProxy: primary on {PRIMARY_PORT}, replicas on {REPLICAS_PORT}, stats on 8404")

    (RUN / "logs" / "pgbouncer-users.txt").write_text('"postgres" ""\n')
    bouncer = RUN / "pgbouncer.ini"
    bouncer.write_text(_render((HERE / "pgbouncer.ini").read_text(), run_dir=str(RUN / "logs")))
    _start("pgbouncer", ["pgbouncer", str(bouncer)], user="postgres")
    _wait("PgBouncer", lambda: _listening(BOUNCER_PORT))
    say(f"PgBouncer on {BOUNCER_PORT}")

    if subprocess.run(["redis-cli", "ping"], capture_output=True, check=False).returncode != 0:
        _start("redis", ["redis-server", "--port", "6379", "--save", ""])
        _wait("Redis", lambda: _listening(6379))
    say(f"Redis at {REDIS_URL}")

    env = rolodex_env()
    result = subprocess.run(
        [str(ROLODEX), "bootstrap"], env={**os.environ, **env}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"cluster: rolodex bootstrap failed:\n{result.stderr}")
    if "Created the first admin" in result.stdout:
        (RUN / "admin-key").write_text(result.stdout.strip().splitlines()[-1] + "\n")
        (RUN / "admin-key").chmod(0o600)
    for port in ROLODEX_PORTS:
        start_rolodex(port)
    for port in ROLODEX_PORTS:
        _wait(
            f"rolodex on {port}",
            lambda port=port: _status(f"http://127.0.0.1:{port}/healthz") == 200,
        )
    _wait("the API behind HAProxy", lambda: _status(f"http://127.0.0.1:{API_PORT}/healthz") == 200)
    say(f"4 Rolodex processes on {ROLODEX_PORTS[0]}-{ROLODEX_PORTS[-1]}")
    say(f"ready: http://127.0.0.1:{API_PORT}/ (admin key in {RUN / 'admin-key'})")


def primary() -> str | None:
    """The member that is the primary now (None while there is none)."""
    for name, (_, rest_port) in MEMBERS.items():
        if _status(f"http://127.0.0.1:{rest_port}/primary") == 200:
            return name
    return None


def rolodex_env() -> dict[str, str]:
    return {
        "ROLODEX_DATABASE_URL": DATABASE_URL,
        "ROLODEX_DATABASE_REPLICA_URLS": REPLICA_URLS,
        "ROLODEX_REDIS_URL": REDIS_URL,
        "ROLODEX_FILES_DIR": str(RUN / "files"),
    }


def start_rolodex(port: int) -> None:
    _start(
        f"rolodex-{port}",
        [str(ROLODEX), "serve", "--host", "127.0.0.1", "--port", str(port)],
        **rolodex_env(),
    )


def _psql(sql: str, port: int) -> str:
    result = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-tAc",
            sql,
        ],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return result.stdout.strip()


def stop(name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Stop the process NAME started (its whole session), SIGKILL after `timeout`."""
    pid_file = RUN / "pids" / f"{name}.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pid_file.unlink()
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.killpg(pid, signal.SIGKILL)
    pid_file.unlink()


def down() -> None:
    order = [f"rolodex-{port}" for port in ROLODEX_PORTS]
    order += ["pgbouncer", "haproxy", "patroni-pg3", "patroni-pg2", "patroni-pg1", "etcd", "redis"]
    for name in order:
        stop(name)
        if name.startswith("patroni-"):  # a PostgreSQL its Patroni left running
            data_dir = RUN / name.removeprefix("patroni-")
            if (data_dir / "postmaster.pid").exists():
                pg_ctl = ["/usr/lib/postgresql/15/bin/pg_ctl", "-D", str(data_dir), "stop"]
                subprocess.run(
                    ["runuser", "-u", "postgres", "--", *pg_ctl, "-m", "fast", "-w"],
                    capture_output=True,
                    check=False,
                )
    left = [p for p in (*ROLODEX_PORTS, API_PORT, BOUNCER_PORT, 2379) if _listening(p)]
    left += [p for p, _ in MEMBERS.values() if _listening(p)]
    if left:
        raise SystemExit(f"cluster: still listening after down: {left}")
    say("stopped; nothing of the cluster is running")


def status() -> None:
    try:
        members = _json("http://127.0.0.1:8011/cluster")
    except OSError:
        members = None
    for name in sorted(p.stem for p in (RUN / "pids").glob("*.pid")):
        print(name)
    if isinstance(members, dict):
        for member in members.get("members", []):
            print(f"  {member['name']}: {member['role']} {member['state']} lag {member.get('lag')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=("up", "down", "status"))
    command = parser.parse_args().command
    if os.geteuid() != 0:
        sys.exit("cluster: run as root (it installs packages and runs PostgreSQL as postgres)")
    {"up": up, "down": down, "status": status}[command]()


if __name__ == "__main__":
    main()
