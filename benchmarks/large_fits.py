"""W2-sized fits as a user runs them: scikit-learn's default ``alpha``, a default-length fit.

    python benchmarks/large_fits.py --machine cpu-2core
    python benchmarks/large_fits.py --machine cpu-2core --compare-with ../skdense-old

W2's data and network (60000 x 784, MLP(100, 64, 32), Adam, batches of 128), with
``alpha=1e-4`` (scikit-learn's default; ``benchmarks/run.py`` trains every peer without a
penalty). Each process fits once, a default-length fit (``max_iter=200``) stopped by a Keras
callback after one epoch: the build and compile, imports excluded. It then continues
(``warm_start=True``) ``--fits`` times for ``--epochs`` epochs each, and reports the median
seconds per epoch of those fits, whole fits timed: the data's trip to the device included.
scikit-learn's MLP runs the same fits with ``max_iter=--epochs``. Processes alternate between
the peers, ``--repeats`` each; the median over processes is reported with the held-out
accuracy. ``--compare-with`` names a checkout of an earlier skdense, measured in the same
run. Writes ``benchmarks/results/large-fits-<machine>.md``.
"""

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from harness.environment import compared_peers, reproduce_command, run_worker

RESULTS = Path(__file__).resolve().parent / "results"
ALPHA = 1e-4  # scikit-learn's default


def worker(peer, fits, epochs, cache_dir):
    """Time ``fits`` continued fits in this process; print ``{"seconds", "accuracy"}``."""
    warnings.simplefilter("ignore")  # a few epochs end unconverged
    from harness import data

    dataset = data.wide(cache_dir=cache_dir)
    params = dict(hidden_layer_sizes=(100, 64, 32), batch_size=128, alpha=ALPHA, random_state=0)
    if peer == "scikit-learn":
        from sklearn.neural_network import MLPClassifier

        model = MLPClassifier(max_iter=1, **params)

        def set_epochs(n):
            model.set_params(max_iter=n)
    else:
        import keras  # noqa: F401 - imported before the clock starts: imports excluded
        from harness.peers import stop_after

        from skdense import MLPClassifier

        model = MLPClassifier(**params)

        def set_epochs(n):
            stop_after(model, n)

    set_epochs(1)
    start = time.perf_counter()
    model.fit(dataset.X_train, dataset.y_train)
    first = time.perf_counter() - start
    model.set_params(warm_start=True)
    set_epochs(epochs)
    timed = []
    for _ in range(fits):
        start = time.perf_counter()
        model.fit(dataset.X_train, dataset.y_train)
        timed.append((time.perf_counter() - start) / epochs)
    accuracy = model.score(dataset.X_test, dataset.y_test)
    print(json.dumps({"seconds": statistics.median(timed), "first": first, "accuracy": accuracy}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=f"cpu-{os.cpu_count()}core")
    parser.add_argument("--repeats", type=int, default=3, help="processes per peer")
    parser.add_argument("--fits", type=int, default=3, help="timed fits per process")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timed fit")
    parser.add_argument("--backends", default="tensorflow,jax")
    parser.add_argument("--compare-with", type=Path, default=None)
    parser.add_argument("--worker", default=None, metavar="PEER")
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.fits, args.epochs, args.cache_dir)
        return
    peers = compared_peers(args.backends.split(","), args.compare_with)
    rows = []
    with tempfile.TemporaryDirectory() as cache_dir:
        found = {peer: [] for peer in peers}
        for _ in range(args.repeats):  # alternate, so that a slow spell hits every peer
            for peer in peers:
                label, backend, kind, checkout = peer
                arguments = ["--worker", kind, "--cache-dir", cache_dir]
                arguments += ["--fits", str(args.fits), "--epochs", str(args.epochs)]
                skdense_backend = backend if kind == "skdense" else None
                found[peer].append(run_worker(__file__, arguments, skdense_backend, checkout))
                print(label, backend, found[peer][-1], flush=True)
    reference = statistics.median(r["seconds"] for r in found[peers[0]])
    for peer, runs in found.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        first = statistics.median(r["first"] for r in runs)
        rows.append(
            f"| {peer[0]} | {peer[1]} | {first:.2f} | {seconds:.3f} | "
            f"{[round(r['seconds'], 3) for r in runs]} | {seconds / reference:.2f} | "
            f"{runs[0]['accuracy']:.4f} |"
        )
    command = reproduce_command("large_fits.py", args.machine, args.compare_with)
    lines = [
        f"# W2-sized fits at scikit-learn's default alpha: {args.machine}",
        "",
        f"60000 x 784, MLP(100, 64, 32), Adam, batches of 128, alpha={ALPHA}. Each process "
        "fits once (one epoch of a default-length fit, imports excluded, JAX with an empty "
        f"compilation cache), then continues {args.fits} times for {args.epochs} epochs: the "
        f"median seconds per epoch of those fits, then the median over {args.repeats} "
        f"processes per peer, run in turn. {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. Reproduce: `{command}`.",
        "",
        "| peer | backend | first fit, one epoch (s) | seconds per epoch | every process | "
        "/ scikit-learn | held-out accuracy |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
    ]
    out = args.out or RESULTS / f"large-fits-{args.machine}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
