"""Memory soak: many consecutive fits in one process must not grow memory without bound.

Fits ``--fits`` small estimators one after another, cycling through more architectures than
the network pool holds, so the pool keeps building new networks and evicting old ones (the
path where traced graphs could pile up). Prints the resident set size after the first
``--warmup`` fits and at the end, and the growth between the two.

    python benchmarks/memory_soak.py              # 300 fits, a few minutes on a laptop CPU
    python benchmarks/memory_soak.py --fits 60    # a quicker look

Not imported by the tests; the unit test ``tests/test_faults.py`` checks the pool bound.
"""

import argparse
import gc
import os
import platform
import resource
import sys
import time
import warnings

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # measure host memory only

from sklearn.exceptions import ConvergenceWarning

import skdense
from skdense import _pool


def rss_mib():
    """The current resident set size in MiB (psutil, else /proc, else the peak from resource)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20, "psutil"
    except ImportError:
        pass
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024, "/proc/self/status VmRSS"
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 1024), "resource peak RSS"


def architectures(n):
    """``n`` distinct small architectures: widths and depths vary, so each is its own network."""
    return [tuple([4 + i % 8] * (1 + i // 8 % 3)) for i in range(n)]


def estimator(i, hidden):
    """A small estimator of one of the three kinds, with architecture ``hidden``."""
    common = {"max_iter": 3, "random_state": i, "device": "cpu"}
    kind = i % 3
    if kind == 0:
        return skdense.MLPClassifier(hidden, **common), "class"
    if kind == 1:
        return skdense.DenseRegressor(hidden, **common), "reg"
    return skdense.SoftmaxClassifier(**common), "class"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--architectures", type=int, default=24)
    parser.add_argument("--report-every", type=int, default=50)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 8)).astype(np.float32)
    targets = {"class": (X[:, 0] > 0).astype(int), "reg": X[:, 1] - X[:, 2]}
    shapes = architectures(args.architectures)
    warnings.simplefilter("ignore", ConvergenceWarning)

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"{args.fits} fits over {len(shapes)} architectures, pool cap {_pool._POOL_SIZE}")
    start, readings, source, full = time.perf_counter(), {}, None, None
    for i in range(1, args.fits + 1):
        model, kind = estimator(i, shapes[rng.integers(len(shapes))])
        model.fit(X, targets[kind]).predict(X[:8])
        del model
        if i == args.warmup or i % args.report_every == 0 or i == args.fits:
            gc.collect()
            readings[i], source = rss_mib()
            pooled = sum(len(idle) for idle in _pool._pool.values())
            if full is None and pooled == _pool._POOL_SIZE:
                full = i  # from here on every new architecture evicts one
            print(
                f"after {i:4d} fits: RSS {readings[i]:8.1f} MiB  pooled networks {pooled:2d}  "
                f"{time.perf_counter() - start:6.1f} s"
            )
    print(f"RSS source: {source}")
    for first in sorted({args.warmup, full or args.warmup}):
        growth = readings[args.fits] - readings[first]
        per_fit = growth / max(1, args.fits - first) * 1024
        print(
            f"growth from fit {first} to fit {args.fits}: {growth:+.1f} MiB "
            f"({per_fit:+.1f} KiB per fit)"
        )


if __name__ == "__main__":
    main()
