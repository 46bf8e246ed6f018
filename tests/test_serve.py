"""What a new user does: bootstrap a database, serve it, and use the printed key."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

ROLODEX = [sys.executable, "-m", "rolodex.cli"]


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ROLODEX, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLODEX_")}
    env["ROLODEX_DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.db'}"
    return env


def wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read() if process.stderr else ''}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become healthy")


@pytest.fixture
def served(cli_env: dict[str, str], request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """A bootstrapped database served by `rolodex serve` in its own process(es)."""
    boot = run_cli(cli_env, "bootstrap")
    assert boot.returncode == 0, boot.stderr
    key = boot.stdout.strip().splitlines()[-1]
    port = free_port()
    workers = str(getattr(request, "param", 1))
    process = subprocess.Popen(
        [*ROLODEX, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", workers],
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url, key
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


@pytest.mark.parametrize("served", [1, 2], indirect=True, ids=["1-worker", "2-workers"])
def test_bootstrap_key_works_against_a_served_database(served: tuple[str, str]) -> None:
    url, key = served
    with httpx.Client(base_url=f"{url}/v3.1", auth=(key, "")) as client:
        created = client.post("/Contacts", json={"FIRST_NAME": "Grace", "LAST_NAME": "Hopper"})
        assert created.status_code == 201
        contact_id = created.json()["CONTACT_ID"]
        for _ in range(4):  # with 2 workers, reads land on either process
            assert client.get(f"/Contacts/{contact_id}").json()["FIRST_NAME"] == "Grace"
        me = client.get("/Users/Me").json()
        assert me["ADMINISTRATOR"] is True
    assert httpx.get(f"{url}/v3.1/Users/Me", auth=("wrong-key", "")).status_code == 401


def test_bootstrap_prints_a_key_only_for_an_empty_database(cli_env: dict[str, str]) -> None:
    first = run_cli(cli_env, "bootstrap")
    second = run_cli(cli_env, "bootstrap")
    assert first.returncode == second.returncode == 0
    key = first.stdout.strip().splitlines()[-1]
    assert len(key) == 36
    assert key not in second.stdout
    assert "already has users" in second.stdout


def test_help_lists_the_commands(cli_env: dict[str, str]) -> None:
    result = run_cli(cli_env, "--help")
    assert result.returncode == 0
    for command in ("db", "instances", "users", "serve", "bootstrap"):
        assert command in result.stdout
