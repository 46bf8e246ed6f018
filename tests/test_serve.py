"""What a new user does: bootstrap a database, serve it, and use the printed key."""

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
