"""The cluster's files (deploy/cluster) are valid as written: what `make cluster` runs, and a
team puts on its hosts. The cluster itself runs in `make cluster-test`, a separate job."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = ROOT / "deploy" / "cluster"
sys.path.insert(0, str(CLUSTER))
import cluster  # noqa: E402 (deploy/cluster/cluster.py)


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")
def test_the_haproxy_configuration_is_valid() -> None:
    result = subprocess.run(
        ["haproxy", "-c", "-f", str(CLUSTER / "haproxy.cfg")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_patroni_configuration_names_every_member_and_leaves_no_placeholder() -> None:
    yaml = pytest.importorskip("yaml")
    for name, (pg_port, rest_port) in cluster.MEMBERS.items():
        text = cluster._render(
            (CLUSTER / "patroni.yml").read_text(),
            name=name,
            pg_port=str(pg_port),
            rest_port=str(rest_port),
            data_dir=f"/tmp/{name}",
            run_dir="/tmp/run",
        )
        config = yaml.safe_load(text)
        assert config["name"] == name
        assert config["postgresql"]["listen"] == f"127.0.0.1:{pg_port}"
        assert config["restapi"]["listen"] == f"127.0.0.1:{rest_port}"
        # No acknowledged write may be lost on failover.
        assert config["bootstrap"]["dcs"]["synchronous_mode"] is True
        assert "{" not in "".join(line.split("#")[0] for line in text.splitlines())


def test_haproxy_pgbouncer_and_the_processes_agree_on_ports() -> None:
    haproxy = (CLUSTER / "haproxy.cfg").read_text()
    for port in cluster.ROLODEX_PORTS:
        assert f"127.0.0.1:{port} check" in haproxy
    for pg_port, rest_port in cluster.MEMBERS.values():
        assert f"127.0.0.1:{pg_port} check port {rest_port}" in haproxy
    assert f"bind 127.0.0.1:{cluster.PRIMARY_PORT}" in haproxy
    assert f"bind 127.0.0.1:{cluster.API_PORT}" in haproxy
    bouncer = (CLUSTER / "pgbouncer.ini").read_text()
    assert f"port={cluster.PRIMARY_PORT} dbname=rolodex" in bouncer
    assert f"listen_port = {cluster.BOUNCER_PORT}" in bouncer
    env = (CLUSTER / "systemd" / "rolodex.env.example").read_text()
    assert f"ROLODEX_DATABASE_URL={cluster.DATABASE_URL}" in env
    unit = (CLUSTER / "systemd" / "rolodex@.service").read_text()
    assert "rolodex serve --host 127.0.0.1 --port %i" in unit
