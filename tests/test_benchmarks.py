"""Smoke tests of the benchmark harness: ``benchmarks/run.py --quick`` writes the whole report.

The harness runs as a subprocess, exactly as a maintainer runs it; the tests never import
the benchmarks. Quick mode trains on tiny data in one worker process per Keras backend (plus
the processes that W1's imports-included and W4's warm-cache figures need).
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6")
BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")  # the suite's backend
BACKEND_LABEL = {"tensorflow": "TensorFlow", "jax": "JAX"}[BACKEND]
PEER_COLUMNS = (
    "skdense",
    "skdense, warm (same process)",
    "Keras `model.fit`",
    "Keras, `steps_per_execution`=epoch",
    "scikeras",
    *(("hand-written JAX epoch",) if BACKEND == "jax" else ()),
    "scikit-learn MLP",
    "scikit-learn LogisticRegression",
    "limit",
)
needs_jax = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="the JAX backend needs jax installed"
)
needs_scikeras = pytest.mark.skipif(
    importlib.util.find_spec("scikeras") is None, reason="W6 compares against scikeras"
)
# Runs that choose their backends themselves do not depend on the suite's: CI runs the suite
# once per backend, and these once in all.
once_per_ci = pytest.mark.skipif(
    BACKEND != "tensorflow", reason="chooses its own backends: runs in the TensorFlow pass"
)


def _run_script(script, *args):
    """Run a benchmark script from the repository root, as a maintainer does; it must succeed."""
    done = subprocess.run(
        [sys.executable, script, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,  # quick runs start several workers; a busy 2-core machine is slow
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """Every workload and peer on the suite's backend; returns the report and raw records."""
    return _quick(tmp_path_factory, "--backends", BACKEND)


@pytest.fixture(scope="module")
def both_backends_run(tmp_path_factory):
    """W1, W2 and W4 for skdense, the floor, scikit-learn and the limit on both backends."""
    return _quick(
        tmp_path_factory,
        *("--backends", "tensorflow,jax", "--workloads", "W1,W2,W4"),
        *("--peers", "skdense,floor,sklearn,limit"),
    )


def _quick(tmp_path_factory, *args):
    out = tmp_path_factory.mktemp("benchmarks") / "smoke.md"
    _run_script("benchmarks/run.py", "--quick", "--machine", "smoke", "--out", str(out), *args)
    return out.read_text(), json.loads(out.with_suffix(".json").read_text())


def _table(text, title):
    section = text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def _medians_table(text, backend_label=BACKEND_LABEL):
    return _table(text, f"{backend_label}: time and held-out score (medians)")


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
    for name in ("CPU", "Python", "TensorFlow / JAX / Keras", "scikit-learn / NumPy"):
        assert f"| {name} |" in text
    for local in {str(REPO), str(Path.home()), sys.prefix} - {"/"}:
        assert local not in text
        assert local not in json.dumps(raw)


def test_quick_report_shows_only_the_limit_in_w2_and_only_w3_has_logistic_regression(
    quick_run,
):
    header, _, *rows = _medians_table(quick_run[0])
    limit, logistic = header.index("limit"), header.index("scikit-learn LogisticRegression")
    assert [row[0].split()[0] for row in rows if row[limit] != "-"] == ["W2"]
    assert [row[0].split()[0] for row in rows if row[logistic] != "-"] == ["W3"]


@needs_scikeras
def test_w6_compares_skdense_and_scikeras_keras_classifiers_on_one_build_function(quick_run):
    """W6 (the issue's 0.2 x scikeras bound): only the two wrappers, each timed and scored."""
    text, raw = quick_run
    header, _, *rows = _medians_table(text)
    [w6] = [row for row in rows if row[0].startswith("W6")]
    timed = [name for name, cell in zip(header, w6, strict=True) if "acc" in cell]
    assert timed == ["skdense", "skdense, warm (same process)", "scikeras"]
    [[backend, *cells, met]] = _table(text, "W6: skdense's KerasClassifier against scikeras's")[2:]
    assert backend == BACKEND_LABEL and not any("n/a" in cell for cell in cells)
    assert met in {"yes", "no"}
    ran = {(r["peer"], r["variant"]) for r in raw["records"] if r["workload"] == "W6"}
    assert ran == {("skdense", "cold"), ("scikeras", "cold")}


@needs_jax
@once_per_ci
def test_both_backends_get_their_own_tables_with_the_same_scikit_learn_figures(
    both_backends_run,
):
    text, raw = both_backends_run
    tables = [_medians_table(text, label) for label in ("TensorFlow", "JAX")]
    for table in tables:
        assert [row[0].split()[0] for row in table[2:]] == ["W1", "W2", "W4"]
    tensorflow, jax = (
        dict(zip(table[0], zip(*table[2:], strict=True), strict=True)) for table in tables
    )
    assert tensorflow["scikit-learn MLP"] == jax["scikit-learn MLP"]  # measured once
    assert "hand-written JAX epoch" not in tensorflow
    assert jax["hand-written JAX epoch"][0] == "-" and "acc" in jax["hand-written JAX epoch"][1]
    ran = {(r["peer"], r["backend"]) for r in raw["records"] if r["status"] == "ok"}
    assert {("skdense", "tensorflow"), ("skdense", "jax"), ("floor", "jax")} <= ran
    assert {record["status"] for record in raw["records"]} == {"ok"}


@needs_jax
@once_per_ci
def test_limit_is_the_epochs_arithmetic_over_the_measured_matmul_rate(both_backends_run):
    text, raw = both_backends_run
    [limit] = [r for r in raw["records"] if r["peer"] == "limit"]
    weights = (784 + 1) * 100 + (100 + 1) * 64 + (64 + 1) * 32 + (32 + 1) * 10
    assert limit["weights"] == weights and limit["rows"] == 512
    expected = 6 * weights * 512 / (limit["gflops"] * 1e9)
    assert limit["seconds"] == pytest.approx(expected)
    table = _table(text, "W2 against the limit")
    assert [row[0] for row in table[2:]] == ["TensorFlow", "JAX"]
    for row in table[2:]:
        assert float(row[2]) > 0


@needs_jax
@once_per_ci
def test_w1_is_reported_cold_with_and_without_imports_and_warm_per_backend(both_backends_run):
    text, raw = both_backends_run
    table = _table(text, "W1: cold and warm")
    assert table[0] == ["Backend", "cold, imports included", "cold", "warm"]
    assert [row[0] for row in table[2:]] == ["TensorFlow", "JAX"]
    assert not any("n/a" in cell for row in table[2:] for cell in row)
    variants = {(r["backend"], r["variant"]) for r in raw["records"] if r["workload"] == "W1"}
    assert {("tensorflow", "imports"), ("jax", "imports")} <= variants


@needs_jax
@once_per_ci
def test_w1_and_w4_on_jax_are_reported_with_an_empty_and_a_warm_cache(both_backends_run):
    text, raw = both_backends_run
    table = _table(text, "W1 and W4 on JAX: the persistent compilation cache")[2:]
    assert [workload for workload, *_ in table] == ["W1", "W4"]
    assert not any("n/a" in cell for _, empty, warm, _ in table for cell in (empty, warm))
    for key in ("W1", "W4"):
        variants = [r["variant"] for r in raw["records"] if r["workload"] == key]
        assert variants.count("cache_fill") == 1 and variants.count("cache_warm") == 1


@needs_jax
@once_per_ci
def test_gpu_mode_runs_without_tensorflow_and_reports_the_first_epoch(tmp_path_factory):
    """The GPU machine's run (JAX only, skdense in fresh processes), checked on the CPU."""
    text, raw = _quick(
        tmp_path_factory,
        *("--backends", "jax", "--device", "cpu", "--workloads", "W2"),
        *("--peers", "skdense,keras,floor,sklearn", "--isolate", "skdense"),
    )
    assert raw["run"]["tensorflow_loaded"] is False
    assert {record["status"] for record in raw["records"]} == {"ok"}
    first_epoch = _table(text, "Time to the first epoch (W2, compilation included)")
    assert [row[0] for row in first_epoch[2:]] == [
        "skdense",
        "Keras `model.fit`",
        "hand-written JAX epoch",
        "scikit-learn MLP",
    ]
    assert "TensorFlow:" not in text


@once_per_ci
def test_levers_quick_writes_every_lever(tmp_path):
    """``benchmarks/levers.py --quick`` measures each lever with and without it."""
    out = tmp_path / "levers.md"
    _run_script("benchmarks/levers.py", "--quick", "--out", str(out))
    measured = json.loads(out.with_suffix(".json").read_text())
    assert len(measured) == 5  # every lever in benchmarks/levers.py
    for per_workload in measured.values():
        for settings in per_workload.values():
            assert len(settings) >= 2  # with and without the lever
            assert all(seconds > 0 for seconds in settings.values())
    text = out.read_text()
    assert "(skdense)" in text and "/work" not in text and "/root" not in text
