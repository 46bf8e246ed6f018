"""The benchmark runs end to end at a tiny size: every operation gets figures and ceilings.

It checks that the figures exist and that every request succeeded, never how fast anything was.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = (
    "get",
    "list",
    "search_field",
    "search_custom",
    "search_tag",
    "sweep",
    "post",
    "put",
    "import",
)
RATES = ("requests_per_s", "records_per_s", "rows_per_s")


def _rate(figures: dict) -> float:
    found = [figures[key] for key in RATES if key in figures]
    assert len(found) == 1, figures
    return found[0]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench does)")
def test_bench_runs_every_operation_at_a_tiny_scale(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLODEX_")}
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench.py"),
            "--scale=200",
            "--databases=sqlite",
            "--workers=1",
            "--duration=1",
            "--warmup=0",
            "--max-duration=1",
            "--storage-duration=0.2",
            "--connections=4",
            "--import-rows=50",
            f"--work-dir={tmp_path / 'work'}",
            f"--output={output}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(output.read_text())
    assert set(report["operations"]) == set(OPERATIONS)
    [run] = report["runs"]
    assert (run["scale"], run["database"]) == (200, "sqlite")
    assert run["seeded"]["contacts"] == 200
    assert set(run["operations"]) == set(OPERATIONS)
    for operation, figures in run["operations"].items():
        for side in ("rolodex", "framework", "storage"):
            assert _rate(figures[side]) > 0, (operation, side)
        for ratio in ("ratio_to_framework", "ratio_to_storage"):
            assert isinstance(figures[ratio], float), (operation, ratio)
        ours = figures["rolodex"]
        assert ours["rss_mb"] > 0, operation
        if operation not in ("sweep", "import"):
            assert ours["requests"] > 0, operation
            assert not any(ours["errors"].values()), (operation, ours["errors"])
    sweep = run["operations"]["sweep"]["rolodex"]
    assert sweep["records"] >= 200  # every seeded contact (and those posted while capturing)
    assert run["operations"]["import"]["rolodex"]["rows"] == 50
    assert "Search LAST_NAME" in done.stdout  # the printed table
    # The rate limits' bookkeeping: the same GETs counted and with the limits off.
    limits = run["operations"]["get"]["bookkeeping"]
    assert {"counted", "off"} <= set(limits)
    for figures in limits.values():
        assert figures["requests"] > 0
        assert not any(figures["errors"].values()), figures["errors"]
    assert isinstance(limits["counted"]["bookkeeping_cost_percent"], float)
    # The load average before and after, and whether the run counts as busy.
    assert len(report["load_average"]["before"]) == 3
    assert report["busy"] == (report["load_average"]["before"][0] > 1.5)
    assert "Load average before" in done.stdout
