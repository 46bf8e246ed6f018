"""What a new user does: bootstrap a database, serve it, and use the printed key."""

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.servers import cli_env, run_cli, served


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    return cli_env(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.parametrize("workers", [1, 2])
def test_bootstrap_key_works_against_a_served_database(
    fresh_env: dict[str, str], workers: int
) -> None:
    boot = run_cli(fresh_env, "bootstrap")
    assert boot.returncode == 0, boot.stderr
    key = boot.stdout.strip().splitlines()[-1]
    with (
        served(fresh_env, free_port(), workers) as url,
        httpx.Client(base_url=f"{url}/v3.1", auth=(key, "")) as client,
    ):
        created = client.post("/Contacts", json={"FIRST_NAME": "Grace", "LAST_NAME": "Hopper"})
        assert created.status_code == 201
        contact_id = created.json()["CONTACT_ID"]
        for _ in range(4):  # with 2 workers, reads land on either process
            assert client.get(f"/Contacts/{contact_id}").json()["FIRST_NAME"] == "Grace"
        assert client.get("/Users/Me").json()["ADMINISTRATOR"] is True
        assert httpx.get(f"{url}/v3.1/Users/Me", auth=("wrong-key", "")).status_code == 401


def test_bootstrap_prints_a_key_only_for_an_empty_database(fresh_env: dict[str, str]) -> None:
    first = run_cli(fresh_env, "bootstrap")
    second = run_cli(fresh_env, "bootstrap")
    assert first.returncode == second.returncode == 0
    key = first.stdout.strip().splitlines()[-1]
    assert len(key) == 36
    assert key not in second.stdout
    assert "already has users" in second.stdout


def test_help_lists_the_commands(fresh_env: dict[str, str]) -> None:
    result = run_cli(fresh_env, "--help")
    assert result.returncode == 0
    for command in ("db", "instances", "users", "serve", "bootstrap"):
        assert command in result.stdout


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port some other program listens on."""
    with socket.create_server(("127.0.0.1", 0)) as holder:
        yield holder.getsockname()[1]


def test_serve_on_a_busy_port_says_so_and_names_the_remedy(
    fresh_env: dict[str, str], busy_port: int
) -> None:
    done = run_cli(fresh_env, "serve", "--port", str(busy_port))
    assert done.returncode == 1
    assert f"127.0.0.1:{busy_port} is already in use" in done.stderr
    assert f"make serve PORT={busy_port + 1}" in done.stderr
    assert "Errno" not in done.stderr and "Traceback" not in done.stderr


def test_make_serve_takes_the_port_from_port(
    fresh_env: dict[str, str], busy_port: int, project_root: Path
) -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "serve", f"PORT={busy_port}"],
        cwd=project_root,
        env=fresh_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert f"127.0.0.1:{busy_port} is already in use" in done.stderr
    assert "Errno" not in done.stderr


def test_users_and_instances_are_listed(fresh_env: dict[str, str]) -> None:
    assert run_cli(fresh_env, "bootstrap").returncode == 0
    acme = run_cli(fresh_env, "instances", "create", "--name", "Acme").stdout.split()[-1]
    run_cli(fresh_env, "instances", "set-limit", "--instance", acme, "--daily", "500")
    made = run_cli(
        fresh_env,
        *("users", "create", "--email", "ann@acme.test", "--first-name", "Ann"),
        *("--last-name", "Lee", "--instance", acme),
    )
    assert made.returncode == 0, made.stderr
    instances = run_cli(fresh_env, "instances", "list")
    assert instances.returncode == 0, instances.stderr
    assert instances.stdout.splitlines() == [
        "ID\tNAME\tUSERS\tDAILY LIMIT",
        "1\tDefault\t1\t100000 (server default)",
        f"{acme}\tAcme\t1\t500",
    ]
    users = run_cli(fresh_env, "users", "list", "--instance", acme)
    assert users.stdout.splitlines() == [
        "ID\tEMAIL\tNAME\tADMIN\tACTIVE",
        "2\tann@acme.test\tAnn Lee\tno\tyes",
    ]
    first = run_cli(fresh_env, "users", "list").stdout.splitlines()
    assert first[1].startswith("1\tadmin@localhost.localdomain\tAdmin User\tyes\tyes")
    missing = run_cli(fresh_env, "users", "list", "--instance", "99")
    assert missing.returncode == 1
    assert "No instance with ID 99" in missing.stderr


def test_a_served_process_freezes_its_heap_and_collects_less_often(
    fresh_env: dict[str, str],
) -> None:
    """`rolodex serve` builds each worker's app with serve_app: what exists once the app is
    built is frozen out of the collector's reach, and the thresholds are GC_THRESHOLDS (a full
    collection walking the whole heap stalled every request of the process for ~100 ms)."""
    check = (
        "import gc\n"
        "from rolodex.api.app import serve_app\nfrom rolodex.config import GC_THRESHOLDS\n"
        "before = gc.get_threshold()\n"
        "app = serve_app()\n"
        "print(gc.get_freeze_count(), before, gc.get_threshold() == GC_THRESHOLDS)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], env=fresh_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    frozen, _, rest = done.stdout.strip().partition(" ")
    assert int(frozen) > 10_000  # modules, routes and statements: tens of thousands of objects
    assert rest.endswith("True") and "(700, 10, 10)" in rest, rest
