"""Default-settings fits on small data, the drop-in case: what each epoch costs beyond its math.

    python benchmarks/default_fits.py --machine cpu-2core
    python benchmarks/default_fits.py --machine cpu-2core --compare-with ../skdense-old

``make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))`` with every other
parameter at its default (one hidden layer of 100, Adam, batches of 200, up to 200 epochs) on
data scikit-learn bundles, a quarter of the rows held out. Such fits run hundreds of epochs
of a few batches each, so the time an epoch spends outside its compiled program (reading and
writing the network's state, shuffling, the loop's bookkeeping) counts as much as the
training itself.

Each process fits once (the first fit: the network's build and compile, imports excluded, JAX
with an empty compilation cache), then ``--fits`` times with seeds 1, 2, ...: the median of
these warm fits. Processes alternate between the peers, ``--repeats`` each, and the median
over processes is reported with the seconds per epoch (fit seconds / ``n_iter_``) and the
held-out accuracy.
``--compare-with`` names a checkout of an earlier skdense, measured in the same run. Writes
``benchmarks/results/default-fits-<machine>.md``.
"""

import argparse
import json
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

from harness.environment import compared_peers, reproduce_command, run_worker

RESULTS = Path(__file__).resolve().parent / "results"
DATASETS = ("breast_cancer", "digits")


def worker(peer, dataset, fits):
    """Time ``fits`` warm fits in this process; print ``{"seconds", "epochs", "accuracy"}``."""
    warnings.simplefilter("ignore")  # 200 epochs end unconverged on these sets, as in sklearn
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if peer == "scikit-learn":
        from sklearn.neural_network import MLPClassifier
    else:
        import keras  # noqa: F401 - imported before the clock starts: imports excluded

        from skdense import MLPClassifier

    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

    def fit(seed):
        model = make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))
        start = time.perf_counter()
        model.fit(X_train, y_train)
        return time.perf_counter() - start, model

    first, _ = fit(0)
    timed = [fit(seed) for seed in range(1, fits + 1)]
    seconds = statistics.median(s for s, _ in timed)
    _, model = timed[0]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "first": first,
                "epochs": model[-1].n_iter_,
                "accuracy": model.score(X_test, y_test),
            }
        )
    )


def _run(peer, dataset, fits, backend, pythonpath):
    arguments = ["--worker", peer, dataset, "--fits", str(fits)]
    return run_worker(__file__, arguments, backend if peer == "skdense" else None, pythonpath)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=f"cpu-{os.cpu_count()}core")
    parser.add_argument("--repeats", type=int, default=3, help="processes per peer")
    parser.add_argument("--fits", type=int, default=5, help="timed fits per process")
    parser.add_argument("--backends", default="tensorflow,jax")
    parser.add_argument("--compare-with", type=Path, default=None)
    parser.add_argument("--worker", nargs=2, default=None, metavar=("PEER", "DATASET"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker, args.fits)
        return
    here = Path(__file__).resolve().parent.parent
    peers = compared_peers(args.backends.split(","), args.compare_with)
    # One untimed process per backend first: the first process to load a backend's libraries
    # from disk paid about a second more in its first fit, whichever commit it ran.
    for backend in {peer[1] for peer in peers[1:]}:
        _run("skdense", DATASETS[0], 1, backend, here)
    rows = []
    for dataset in DATASETS:
        found = {peer: [] for peer in peers}
        for _ in range(args.repeats):  # alternate, so that a slow spell hits every peer
            for peer in peers:
                _, backend, kind, checkout = peer
                found[peer].append(_run(kind, dataset, args.fits, backend, checkout))
        reference = statistics.median(r["seconds"] for r in found[peers[0]])
        for peer, runs in found.items():
            seconds = statistics.median(r["seconds"] for r in runs)
            first = statistics.median(r["first"] for r in runs)
            epochs = runs[0]["epochs"]
            rows.append(
                f"| {dataset.replace('_', ' ')} | {peer[0]} | {peer[1]} | {first:.2f} | "
                f"{seconds:.3f} | {[round(r['seconds'], 3) for r in runs]} | "
                f"{seconds / reference:.2f} | {epochs} | {seconds / epochs * 1e3:.2f} | "
                f"{runs[0]['accuracy']:.4f} |"
            )
            print(rows[-1], flush=True)
    command = reproduce_command("default_fits.py", args.machine, args.compare_with)
    lines = [
        f"# Default-settings fits on small data: {args.machine}",
        "",
        "`make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))`, defaults "
        "otherwise, a quarter of the rows held out. Each process fits once (the first fit: the "
        "network's build and compile, imports excluded, JAX with an empty compilation cache), "
        f"then {args.fits} times: the median of these warm fits, then the median over "
        f"{args.repeats} processes per peer, run in turn. {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. Reproduce: `{command}`.",
        "",
        "| data | peer | backend | first fit (s) | seconds per fit | every process | "
        "/ scikit-learn | epochs | ms per epoch | held-out accuracy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
    ]
    out = args.out or RESULTS / f"default-fits-{args.machine}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
