"""A grid search over ``alpha``: what each candidate costs when the networks share one compile.

    python benchmarks/alpha_grid.py --machine cpu-2core
    python benchmarks/alpha_grid.py --machine cpu-2core --compare-with ../skdense-old

``GridSearchCV(MLPClassifier((100,), batch_size=32, max_iter=10), {"alpha": five values},
cv=3)`` and its refit: 16 fits on W4's data (``make_classification``, 2000 x 20 training rows,
500 held out). Every measurement runs in a fresh process, the clock started after the imports
(Keras's included): a cold search, as a user's script runs it. On JAX the compilation cache is
an empty folder. Median of ``--repeats``; beside each time the held-out accuracy of the refit
and, for skdense, the networks the pool built.

``--compare-with`` names a checkout of an earlier skdense, measured in the same run: the
before and after of a change. Writes ``benchmarks/results/alpha-grid-<machine>.md``.
"""

import argparse
import json
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

from harness.data import classification
from harness.environment import git_commit, reproduce_command, run_worker

RESULTS = Path(__file__).resolve().parent / "results"
ALPHAS = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
PARAMS = {"hidden_layer_sizes": (100,), "batch_size": 32, "max_iter": 10, "random_state": 0}


def worker(peer):
    """Run one search in this process; print ``{"seconds", "accuracy", "networks"}``."""
    warnings.simplefilter("ignore")
    if peer == "scikit-learn":
        from sklearn.neural_network import MLPClassifier
    else:
        import keras  # noqa: F401 - imported before the clock starts, as in W1 "cold"

        from skdense import MLPClassifier
    from sklearn.model_selection import GridSearchCV

    data = classification()  # W1's and W4's data
    X, y, X_test, y_test = data.X_train, data.y_train, data.X_test, data.y_test
    search = GridSearchCV(MLPClassifier(**PARAMS), {"alpha": ALPHAS}, cv=3)
    start = time.perf_counter()
    search.fit(X, y)
    seconds = time.perf_counter() - start
    networks = None
    if peer != "scikit-learn":
        from skdense import _pool

        networks = sum(len(idle) for idle in _pool._pool.values())
    accuracy = search.score(X_test, y_test)
    print(json.dumps({"seconds": seconds, "accuracy": accuracy, "networks": networks}))


def measure(peer, backend, repeats, pythonpath=None):
    results = [
        run_worker(__file__, ["--worker", peer], backend, pythonpath) for _ in range(repeats)
    ]
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "all": [round(r["seconds"], 2) for r in results],
        "accuracy": results[0]["accuracy"],
        "networks": results[0]["networks"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=f"cpu-{os.cpu_count()}core")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--compare-with", type=Path, default=None)
    parser.add_argument("--worker", default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    here = Path(__file__).resolve().parent.parent
    rows = [("scikit-learn MLP", "-", measure("scikit-learn", "tensorflow", args.repeats))]
    for backend in ("tensorflow", "jax"):
        if args.compare_with:
            label = f"skdense at {git_commit(args.compare_with)}"
            found = measure("skdense", backend, args.repeats, str(args.compare_with.resolve()))
            rows.append((label, backend, found))
        label = f"skdense at {git_commit(here)}"
        rows.append((label, backend, measure("skdense", backend, args.repeats, str(here))))
        print(rows[-1], flush=True)
    reference = rows[0][2]["seconds"]
    command = reproduce_command("alpha_grid.py", args.machine, args.compare_with)
    lines = [
        f"# Grid search over alpha: {args.machine}",
        "",
        f"`GridSearchCV(MLPClassifier({PARAMS}), {{'alpha': {ALPHAS}}}, cv=3)` and its refit, "
        "16 fits, on W4's data (2000 x 20). Each run a fresh process, timed after the imports; "
        f"JAX with an empty compilation cache. Median of {args.repeats} runs; "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Reproduce: `{command}`.",
        "",
        "| peer | backend | seconds (median) | every run | / scikit-learn | "
        "held-out accuracy of the refit | networks built |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, backend, found in rows:
        lines.append(
            f"| {label} | {backend} | {found['seconds']:.2f} | {found['all']} | "
            f"{found['seconds'] / reference:.2f} | {found['accuracy']:.3f} | "
            f"{'-' if found['networks'] is None else found['networks']} |"
        )
    out = args.out or RESULTS / f"alpha-grid-{args.machine}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
