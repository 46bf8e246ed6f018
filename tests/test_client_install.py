"""The SDK installs alone: the rolodex-client wheel, in a fresh venv with only httpx, talks to a
real server."""

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import rolodex
from tests.conftest import Tenant

ROOT = Path(__file__).resolve().parent.parent
CLIENT_PROJECT = ROOT / "packages" / "rolodex-client"
SERVER_ONLY = {"fastapi", "starlette", "sqlalchemy", "pydantic", "uvicorn", "alembic", "typer"}

SCRIPT = """
import json, sys
import rolodex.client
from rolodex.client import Client, Contact
with Client(sys.argv[1], sys.argv[2]) as crm:
    ada = crm.contacts.create({"FIRST_NAME": "Ada", "TAGS": [{"TAG_NAME": "vip"}]})
    crm.contacts.update(ada.CONTACT_ID, {"TITLE": "Countess"})
    again = crm.contacts.get(ada["CONTACT_ID"])
print(json.dumps({
    "file": rolodex.client.__file__,
    "typed": isinstance(again, Contact),
    "by_attribute": [again.FIRST_NAME, again.TITLE, again.TAGS[0]["TAG_NAME"]],
    "by_key": [again["FIRST_NAME"], again["TITLE"]],
    "server_modules": sorted(
        m for m in sys.modules
        if m.split(".")[0] in {server}
        or (m.startswith("rolodex.") and not m.startswith("rolodex.client"))
    ),
}))
"""


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=300, cwd=cwd, check=False
    )


def test_the_client_distribution_matches_the_server_one() -> None:
    project = tomllib.loads((CLIENT_PROJECT / "pyproject.toml").read_text())["project"]
    assert project["version"] == rolodex.__version__
    assert [d.split(">")[0] for d in project["dependencies"]] == ["httpx"]


def test_the_client_wheel_installs_alone_and_calls_a_real_server(
    base_url: str, tenant: Tenant, tmp_path: Path
) -> None:
    pytest.importorskip("wheel", reason="building offline needs the wheel package (make dev)")
    # Build from a copy: the checkout gets no build/ or egg-info directories.
    tree = tmp_path / "tree"
    shutil.copytree(CLIENT_PROJECT, tree / "packages" / "rolodex-client")
    shutil.copytree(ROOT / "src" / "rolodex" / "client", tree / "src" / "rolodex" / "client")
    dist = tmp_path / "dist"
    built = _run(
        sys.executable,
        *("-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", dist),
        tree / "packages" / "rolodex-client",
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("rolodex_client-*.whl")

    venv = tmp_path / "venv"
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel)
    if installed.returncode != 0 and "No matching distribution found for httpx" in (
        installed.stderr
    ):
        pytest.skip(f"httpx cannot be installed here (no package index): {installed.stderr}")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    listed = _run(sys.executable, "-m", "pip", "--python", python, "list", "--format", "json")
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert {"rolodex-client", "httpx"} <= names
    assert not names & (SERVER_ONLY | {"rolodex"})

    script = SCRIPT.replace("{server}", repr(sorted(SERVER_ONLY)))
    ran = _run(python, "-I", "-c", script, base_url, tenant.api_key, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert Path(result["file"]).is_relative_to(venv)
    assert result["typed"] is True
    assert result["by_attribute"] == ["Ada", "Countess", "vip"]
    assert result["by_key"] == ["Ada", "Countess"]
    assert result["server_modules"] == []
    contacts = tenant.client.get("/Contacts").json()
    assert [(c["FIRST_NAME"], c["TITLE"]) for c in contacts] == [("Ada", "Countess")]
