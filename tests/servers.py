"""Real server processes for tests that need more than the in-process test server."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

ROLODEX = [sys.executable, "-m", "rolodex.cli"]


def cli_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment for a `rolodex` process, with only the given ROLODEX_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLODEX_")}
    env["ROLODEX_DATABASE_URL"] = database_url
    env.update({f"ROLODEX_{name.upper()}": value for name, value in settings.items()})
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real `rolodex` command to completion."""
    return subprocess.run(
        [*ROLODEX, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@contextmanager
def served(env: dict[str, str], port: int, workers: int = 1) -> Iterator[str]:
    """`rolodex serve` in its own process(es) until the block ends; yields the base URL."""
    process = subprocess.Popen(
        [*ROLODEX, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


def _wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
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
