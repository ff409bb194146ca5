"""What starting up costs: ``import skdense``, a process's first fit, and ``n_jobs``.

    python benchmarks/startup.py --machine cpu-2core

Each figure is the median of ``--repeats`` fresh processes, per Keras backend:

* ``import skdense``: wall time of the import alone (no Keras is imported);
* first fit: ``import skdense`` and one small fit (MLPClassifier(100), 5 epochs, digits), which
  imports Keras and the backend and builds and compiles the network, as a joblib or Dask
  worker's first task does;
* ``cross_val_score`` (5 folds, digits, MLPClassifier defaults with ``max_iter=50``) with
  ``n_jobs=1`` and ``n_jobs=2``, imports included.

Writes ``benchmarks/results/startup-<machine>.md``.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

_SETUP = """
import time, warnings
start = time.perf_counter()
import skdense
imported = time.perf_counter()
"""
_FIT = """
warnings.simplefilter("ignore")
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
skdense.MLPClassifier(max_iter=5, random_state=0).fit(X / 16, y)
"""
_CV = """
warnings.simplefilter("ignore")
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
X, y = load_digits(return_X_y=True)
clf = skdense.MLPClassifier(max_iter=50, random_state=0)
score = cross_val_score(clf, X / 16, y, cv=5, n_jobs={n_jobs}).mean()
"""
_REPORT = "\nprint(imported - start, time.perf_counter() - start)\n"

SCENARIOS = {
    "import skdense": "",
    "import skdense + first fit (a worker's first task)": _FIT,
    "cross_val_score, n_jobs=1 (imports included)": _CV.format(n_jobs=1),
    "cross_val_score, n_jobs=2 (imports included)": _CV.format(n_jobs=2),
}


def run(backend, body):
    """``(import seconds, total seconds)`` of one fresh process."""
    env = {**os.environ, "KERAS_BACKEND": backend}
    output = subprocess.run(
        [sys.executable, "-c", _SETUP + body + _REPORT],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    imported, total = map(float, output.split()[-2:])
    return imported, total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=f"cpu-{os.cpu_count()}core")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", default="tensorflow,jax")
    args = parser.parse_args()
    backends = args.backends.split(",")
    started = time.perf_counter()
    medians = {}
    for name, body in SCENARIOS.items():
        for backend in backends:
            runs = [run(backend, body) for _ in range(args.repeats)]
            column = 0 if not body else 1
            medians[name, backend] = statistics.median(r[column] for r in runs)
            print(f"{name} [{backend}]: {medians[name, backend]:.2f} s", flush=True)
    lines = [
        f"# Start-up costs: {args.machine}",
        "",
        f"Median of {args.repeats} fresh processes per figure, seconds; "
        f"whole run {time.perf_counter() - started:.0f} s. "
        f"Reproduce: `python benchmarks/startup.py --machine {args.machine}`.",
        "",
        "| | " + " | ".join(backends) + " |",
        "| --- |" + " --- |" * len(backends),
    ]
    for name in SCENARIOS:
        cells = [f"{medians[name, backend]:.2f}" for backend in backends]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    out = RESULTS / f"startup-{args.machine}.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out.name}")


if __name__ == "__main__":
    main()
