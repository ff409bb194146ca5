"""What predicting costs: numpy's forward pass against the backend's compiled one.

    python benchmarks/predict.py --machine cpu-2core

skdense's float32 MLPs predict with numpy on the CPU (``skdense._forward``); a network on a
GPU or in mixed precision predicts through the backend's compiled function. For W5's network
(MLP(64,64) on 9 features) and W2's (MLP(100,64,32) on 784), this times one ``predict``
call both ways (median of repeats, in this process, after a warm-up), and, in a fresh
process, a pickled estimator's first prediction, imports included, both ways. Run it once
per backend (``KERAS_BACKEND``); each run adds its rows to
``benchmarks/results/predict-<machine>.md``.
"""

import argparse
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from levers import _median_time  # a warm-up call, then the median of the repeats

RESULTS = Path(__file__).resolve().parent / "results"
NETWORKS = {"W5": (392, 9, (64, 64), 78), "W2": (2000, 784, (100, 64, 32), 10000)}
_FIRST_PREDICTION = """
import pickle, sys, time
start = time.perf_counter()
if sys.argv[2] == "keras":
    from skdense import _forward
    _forward.computes = lambda spec: False
reg, X = pickle.load(open(sys.argv[1], "rb"))
reg.predict(X)
print(time.perf_counter() - start)
"""


def measure(name, repeats):
    """``(numpy call, backend call, numpy first prediction, backend first prediction)``."""
    from skdense import DenseRegressor, _forward

    n, features, hidden, predict_rows = NETWORKS[name]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, features)).astype(np.float32)
    reg = DenseRegressor(hidden, max_iter=1, random_state=0).fit(X, X[:, 0])
    X_new = rng.normal(size=(predict_rows, features)).astype(np.float32)
    numpy_call = _median_time(lambda: reg.predict(X_new), repeats)
    computes = _forward.computes
    _forward.computes = lambda spec: False
    try:
        backend_call = _median_time(lambda: reg.predict(X_new), repeats)
    finally:
        _forward.computes = computes
    first = {}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "reg.pkl")
        with open(path, "wb") as file:
            pickle.dump((reg, X_new), file)
        for way in ("numpy", "keras"):
            runs = [
                float(
                    subprocess.run(
                        [sys.executable, "-c", _FIRST_PREDICTION, path, way],
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                )
                for _ in range(3)
            ]
            first[way] = statistics.median(runs)
    return numpy_call, backend_call, first["numpy"], first["keras"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=f"cpu-{os.cpu_count()}core")
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    import keras

    backend = keras.backend.backend()
    out = RESULTS / f"predict-{args.machine}.md"
    if not out.exists():
        out.write_text(
            f"# What predicting costs: {args.machine}\n\n"
            "One `predict` call: median of the repeats in one process, after a warm-up. First "
            "prediction: a fresh process that unpickles a fitted `DenseRegressor` and predicts, "
            "imports included (median of 3). numpy: skdense's forward pass (the default on the "
            "CPU); backend: the backend's compiled predict (used on a GPU and in mixed "
            f"precision). Reproduce: `python benchmarks/predict.py --machine {args.machine}`, "
            "once per `KERAS_BACKEND`.\n\n"
            "| backend | network | rows | one call, numpy | one call, backend | "
            "first prediction, numpy | first prediction, backend |\n"
            "| --- | --- | --- | --- | --- | --- | --- |\n"
        )
    for name in NETWORKS:
        numpy_call, backend_call, numpy_first, backend_first = measure(name, args.repeats)
        _, features, hidden, rows = NETWORKS[name]
        line = (
            f"| {backend} | {name}: MLP{hidden} on {features} features | {rows} | "
            f"{numpy_call * 1e3:.2f} ms | {backend_call * 1e3:.2f} ms | "
            f"{numpy_first:.2f} s | {backend_first:.2f} s |"
        )
        print(line, flush=True)
        with out.open("a") as file:
            file.write(line + "\n")


if __name__ == "__main__":
    main()
