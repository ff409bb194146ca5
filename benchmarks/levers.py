"""What each speed lever of the training loop buys, measured one at a time.

    python benchmarks/levers.py --machine cpu-2core

Writes ``benchmarks/results/levers-<machine>.md``. Each lever is switched off alone, on the
same network, data and process (threads: one process per setting), and timed as the median of
``--repeats`` epochs or fits:

* steps per compiled call: a whole epoch in one call (skdense) vs one call per mini-batch;
* resident data: the epoch's data converted to tensors once vs each batch fed from numpy;
* network pool: refitting a pooled architecture vs the first fit of a new one (build + trace);
* executor: small steps run inline on TensorFlow's single-threaded executor, larger ones on
  the inter-op pool (skdense), vs always one or the other, vs a pool of one thread;
* XLA: ``jit_compile=True`` on the epoch function vs off (skdense picks by the rule in
  ``skdense._backends.tensorflow_compilation.xla_pays``, calibrated by
  ``benchmarks/xla_rule.py``);
* graph rewrites: two of Grappler's passes on skdense's graphs vs all of them, a new network
  each time, the two alternating in one process.

``--levers`` picks some (by the start of their heading, comma-separated).
"""

import argparse
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
WORKLOADS = {
    # name: samples, features, hidden layers, batch size, classes
    "W1": (2000, 20, (100,), 32, 2),
    "W2": (60000, 784, (100, 64, 32), 128, 10),
    # either side of skdense's threshold between inline and pooled steps
    "M1": (20000, 100, (100, 100), 64, 2),  # 1.3 M multiply-adds per step
    "M2": (20000, 784, (100, 64, 32), 32, 10),  # 2.8 M
    # scikit-learn's defaults (100 hidden units, batches of 200) on bundled data's training
    # splits: breast cancer and digits
    "D1": (426, 30, (100,), 200, 2),
    "D2": (1347, 64, (100,), 200, 10),
}


def _network(workload):
    from skdense._spec import NetworkSpec, OptimizerSpec, TrainingData
    from skdense._training import CompiledNetwork

    n, features, hidden, batch, classes = WORKLOADS[workload]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, features)).astype(np.float32)
    y = rng.integers(0, classes, n)
    multiclass = classes > 2
    spec = NetworkSpec(
        n_features=features,
        hidden_layer_sizes=hidden,
        dropout=(0.0,) * len(hidden),
        n_outputs=classes if multiclass else 1,
        out_activation="softmax" if multiclass else "logistic",
        kernel_initializer="he_uniform",
        l2=5e-5,
    )
    loss = "categorical_crossentropy" if multiclass else "binary_crossentropy"
    network = CompiledNetwork(spec, loss, OptimizerSpec("adam"))
    data = TrainingData(X, y[:, None].astype(np.float32), np.ones(n, np.float32))
    return network, data, batch, rng


def first_epoch_and_step(network, data, batch, rng, compilation, repeats):
    """``(seconds of a new network's first epoch beyond a steady one, seconds per step)``:
    the first epoch traces or compiles; the steady one is the median of ``repeats`` after it."""
    n_batches = -(-data.n_samples // batch)

    def epoch():
        network.train_epoch(data, rng.permutation(data.n_samples), batch, compilation)

    start = time.perf_counter()
    epoch()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - start)
    steady = statistics.median(times)
    return first - steady, steady / n_batches


def _median_time(run, repeats):
    run()  # the first call traces: not what this lever is about
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def epoch_calls(workload, repeats):
    """Seconds per epoch: one call per epoch, one call per batch, and per batch from numpy."""
    network, data, batch, rng = _network(workload)
    engine = network.engine
    arrays = data.resident(engine, batch)
    n = data.n_samples

    def whole_epoch():
        network.train_epoch(data, rng.permutation(n), batch)

    def call_per_batch():
        order = rng.permutation(n).astype(np.int32)
        for start in range(0, n, batch):
            engine.train_rows(arrays, order[start : start + batch])

    def call_per_batch_from_numpy():
        order = rng.permutation(n)
        for start in range(0, n, batch):
            rows = order[start : start + batch]
            batch_arrays = [
                engine.to_device(a[rows]) for a in (data.x, data.y, data.sample_weight)
            ]
            engine.train_rows(batch_arrays, np.arange(len(rows), dtype=np.int32))

    return {
        "one compiled call per epoch, resident data (skdense)": _median_time(whole_epoch, repeats),
        "one compiled call per mini-batch, resident data": _median_time(call_per_batch, repeats),
        "one call per mini-batch, fed from numpy": _median_time(
            call_per_batch_from_numpy, repeats
        ),
    }


def pool(workload, repeats):
    """Seconds for a 10-epoch fit: a new architecture (build + trace) vs a pooled one."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from skdense import MLPClassifier
    from skdense._training import clear_network_pool

    n, features, hidden, batch, classes = WORKLOADS[workload]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, features))
    y = rng.integers(0, classes, n)
    warnings.simplefilter("ignore", ConvergenceWarning)

    def fit(units):
        return MLPClassifier(
            (units, *hidden[1:]), batch_size=batch, max_iter=10, random_state=0
        ).fit(X, y)

    fit(7)  # TensorFlow's runtime started: only tracing differs below
    cold, warm = [], []
    for repeat in range(repeats):
        clear_network_pool()
        start = time.perf_counter()
        fit(hidden[0] + repeat)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        fit(hidden[0] + repeat)
        warm.append(time.perf_counter() - start)
    return {
        "refit of a pooled architecture (skdense)": statistics.median(warm),
        "first fit of an architecture (build + trace)": statistics.median(cold),
    }


def xla(workload, repeats):
    """Seconds per epoch with and without XLA, and the first epoch (compile) of each."""
    results = {}
    for jit in (False, True):
        network, data, batch, rng = _network(workload)

        def epoch(network=network, data=data, batch=batch, rng=rng, jit=jit):
            network.train_epoch(data, rng.permutation(data.n_samples), batch, jit)

        start = time.perf_counter()
        epoch()
        first = time.perf_counter() - start
        label = "XLA (jit_compile=True)" if jit else "no XLA"
        results[f"{label}, per epoch"] = _median_time(epoch, repeats)
        results[f"{label}, first epoch incl. compile"] = first
    return results


def graph_rewrites(workload, repeats):
    """A new network's first epoch beyond a steady one (its trace, its graph's rewrites and
    run), and the steady epoch, with skdense's ``GRAPH_REWRITES`` and with all of Grappler's
    passes: ``repeats`` new networks each, the two in alternating order."""
    from skdense._backends import tensorflow_compilation

    settings = {
        "skdense's (pruning, dependency)": tensorflow_compilation.GRAPH_REWRITES,
        "all of TensorFlow's": (),
    }
    first, epoch = ({label: [] for label in settings} for _ in range(2))
    try:
        for repeat in range(repeats + 1):
            order = list(settings) if repeat % 2 else list(settings)[::-1]
            for label in order:
                tensorflow_compilation.GRAPH_REWRITES = settings[label]
                network, data, batch, rng = _network(workload)
                extra, per_step = first_epoch_and_step(
                    network, data, batch, rng, compilation=False, repeats=5
                )
                if repeat:  # the first round starts TensorFlow's runtime: not counted
                    first[label].append(extra)
                    epoch[label].append(per_step * -(-data.n_samples // batch))
    finally:
        tensorflow_compilation.GRAPH_REWRITES = settings["skdense's (pruning, dependency)"]
    results = {}
    for label in settings:
        results[f"{label}: first epoch beyond a steady one"] = statistics.median(first[label])
        results[f"{label}: steady epoch"] = statistics.median(epoch[label])
    return results


def _executor_child(workload, repeats, inter_op, executor):
    import tensorflow as tf

    if inter_op:  # set before skdense's first op: skdense keeps a user's choice
        tf.config.threading.set_inter_op_parallelism_threads(inter_op)
    from skdense import _runtime
    from skdense._backends import tensorflow as tf_backend

    tf_backend.configure_threads(_runtime.cpu_share())
    # the threshold step_executor compares a step's multiply-adds with
    _runtime.PARALLEL_STEP_WORK = math.inf if executor == "inline" else 0
    times = epoch_calls(workload, repeats)
    return times["one compiled call per epoch, resident data (skdense)"]


def executors(workload, repeats):
    cores = os.cpu_count()
    settings = {
        "inline (TensorFlow's single-threaded executor)": (0, "inline"),
        f"the inter-op pool ({cores} threads)": (0, "pool"),
        "the inter-op pool, of 1 thread (skdense 0.1.0, for every network)": (1, "pool"),
    }
    results = {}
    for label, (inter_op, executor) in settings.items():
        output = subprocess.run(
            [sys.executable, __file__, "--child", workload, str(repeats), str(inter_op), executor],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results[label] = float(output.strip().splitlines()[-1])
    return results


def _skdense_executors():
    """Which executor skdense picks for each workload: the batch's multiply-adds per step."""
    from skdense._runtime import runs_inline

    picks = {"inline": [], "the pool": []}
    for name, (_, features, hidden, batch, classes) in WORKLOADS.items():
        sizes = [features, *hidden, classes if classes > 2 else 1]
        weights = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
        picks["inline" if runs_inline("/CPU:0", batch * weights) else "the pool"].append(name)
    return "; ".join(f"{', '.join(names)} {how}" for how, names in picks.items() if names)


LEVERS = {
    "steps per compiled call and resident data (seconds per epoch)": (epoch_calls, ["W1", "W2"]),
    f"executor (seconds per epoch; skdense runs {_skdense_executors()})": (
        executors,
        ["W1", "M1", "M2", "W2"],
    ),
    "network pool (seconds per 10-epoch fit)": (pool, ["W1"]),
    "XLA on the CPU (seconds)": (xla, ["W1", "W2"]),
    "graph rewrites (seconds, no XLA)": (graph_rewrites, ["W1", "D1", "D2", "M1"]),
}


def report(machine, measured, repeats):
    from harness.environment import describe

    _networks = WORKLOADS.items()
    lines = [f"# What each speed lever buys: {machine}", ""]
    lines += [f"- {key}: {value}" for key, value in describe().items()]
    lines += [
        f"- Median of {repeats} epochs or fits after a warm-up; one lever changed at a time.",
        "- Networks (rows x features, hidden layers, batch size, classes): "
        + "; ".join(f"{name} {n} x {f}, {h}, {b}, {c}" for name, (n, f, h, b, c) in _networks),
        "- Reproduce: `python benchmarks/levers.py --machine " + machine + "`",
        "",
    ]
    for lever, per_workload in measured.items():
        lines += [f"## {lever}", "", "| setting | " + " | ".join(per_workload) + " |"]
        lines.append("| --- |" + " --- |" * len(per_workload))
        settings = next(iter(per_workload.values()))
        for setting in settings:
            cells = [f"{per_workload[w][setting]:.3f}" for w in per_workload]
            lines.append(f"| {setting} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=f"cpu-{os.cpu_count()}core")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="W1 only, one repeat")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--levers", default="", help="the levers' headings start so")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        workload, repeats, inter_op, executor = args.child
        print(_executor_child(workload, int(repeats), int(inter_op), executor))
        return
    repeats = 1 if args.quick else args.repeats
    measured = {}
    chosen = [prefix for prefix in args.levers.split(",") if prefix]
    for lever, (measure, workloads) in LEVERS.items():
        if chosen and not any(lever.startswith(prefix) for prefix in chosen):
            continue
        measured[lever] = {}
        for workload in workloads[:1] if args.quick else workloads:
            print(f"{lever}: {workload}", file=sys.stderr, flush=True)
            measured[lever][workload] = measure(workload, repeats)
    out = args.out or RESULTS / f"levers-{args.machine}.md"
    out.write_text(report(args.machine, measured, repeats) + "\n")
    out.with_suffix(".json").write_text(json.dumps(measured, indent=1))
    print(f"wrote {out.name}", file=sys.stderr)


if __name__ == "__main__":
    main()
