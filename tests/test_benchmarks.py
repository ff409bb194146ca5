"""Smoke test of the benchmark harness: ``benchmarks/run.py --quick`` writes the whole report.

The harness runs as a subprocess, exactly as a maintainer runs it; the tests never import
the benchmarks. Quick mode trains on tiny data in a single worker process.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WORKLOADS = ("W1", "W2", "W3", "W4", "W5")
PEER_COLUMNS = (
    "skdense",
    "skdense, warm (same process)",
    "Keras `model.fit`",
    "Keras, `steps_per_execution`=epoch",
    "scikit-learn MLP",
    "scikit-learn LogisticRegression",
    "scikeras",
)


def _run_script(script, *args):
    """Run a benchmark script from the repository root, as a maintainer does; it must succeed."""
    done = subprocess.run(
        [sys.executable, script, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """Run the quick benchmark once; returns the report's text and the raw records."""
    out = tmp_path_factory.mktemp("benchmarks") / "smoke.md"
    _run_script("benchmarks/run.py", "--quick", "--machine", "smoke", "--out", str(out))
    return out.read_text(), json.loads(out.with_suffix(".json").read_text())


def _medians_table(text):
    section = text.split("## Time and held-out score (medians)", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_quick_report_has_a_row_per_workload(quick_run):
    table = _medians_table(quick_run[0])
    assert [row[0].split()[0] for row in table[2:]] == list(WORKLOADS)


def test_quick_report_has_a_column_per_peer(quick_run):
    header = _medians_table(quick_run[0])[0]
    assert header == ["Workload", *PEER_COLUMNS]


def test_quick_report_gives_every_peer_a_time_or_a_reason(quick_run):
    text, raw = quick_run
    for row in _medians_table(text)[2:]:
        assert len(row) == len(PEER_COLUMNS) + 1
        assert not any("error" in cell or "not run" in cell for cell in row), row
    assert {record["status"] for record in raw["records"]} <= {"ok", "skipped"}


def test_quick_report_states_machine_and_versions_without_local_paths(quick_run):
    text, raw = quick_run
    for name in ("CPU", "Python", "TensorFlow / Keras", "scikit-learn / NumPy", "scikeras"):
        assert f"| {name} |" in text
    for local in {str(REPO), str(Path.home()), sys.prefix} - {"/"}:
        assert local not in text
        assert local not in json.dumps(raw)


def test_levers_quick_writes_every_lever(tmp_path):
    """``benchmarks/levers.py --quick`` measures each lever with and without it."""
    out = tmp_path / "levers.md"
    _run_script("benchmarks/levers.py", "--quick", "--out", str(out))
    measured = json.loads(out.with_suffix(".json").read_text())
    assert len(measured) == 4
    for per_workload in measured.values():
        for settings in per_workload.values():
            assert len(settings) >= 2  # with and without the lever
            assert all(seconds > 0 for seconds in settings.values())
    text = out.read_text()
    assert "(skdense)" in text and "/work" not in text and "/root" not in text
