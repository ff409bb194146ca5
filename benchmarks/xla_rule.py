"""Calibrate when the TensorFlow backend compiles an epoch with XLA.

    python benchmarks/xla_rule.py --machine cpu-2core

For networks from small to W2-sized, measures on TensorFlow (in this process) the time per
training step with and without XLA, and what the first epoch costs beyond a steady one
(tracing without XLA, tracing and compiling with it). The rule in
``skdense._backends.tensorflow_compilation.xla_pays`` compiles when the steps a fit may run,
times the saving per step, repay the extra first-epoch cost. Writes
``benchmarks/results/xla-rule-<machine>.md``.
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from levers import WORKLOADS, _network, first_epoch_and_step  # the backend must be chosen first

RESULTS = Path(__file__).resolve().parent / "results"
NETWORKS = ["W1", "M1", "M2", "W2"]


def measure(workload, repeats):
    """``(seconds per step without XLA, with XLA, extra first-epoch seconds of XLA)``."""
    per_step, first_extra = {}, {}
    for xla in (False, True):
        first_extra[xla], per_step[xla] = first_epoch_and_step(
            *_network(workload), compilation=xla, repeats=repeats
        )
    return per_step[False], per_step[True], first_extra[True] - first_extra[False]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=f"cpu-{os.cpu_count()}core")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--networks", default=",".join(NETWORKS))
    args = parser.parse_args()
    from skdense._backends import tensorflow as tf_backend

    tf_backend.configure_threads(os.cpu_count())
    lines = [
        f"# When XLA pays on TensorFlow: {args.machine}",
        "",
        f"Median of {args.repeats} epochs after the first, in one process. "
        f"Reproduce: `python benchmarks/xla_rule.py --machine {args.machine}`.",
        "",
        "| network | rows x features, hidden, batch | ms per step | ms per step, XLA | "
        "saved per step (ms) | extra first-epoch cost of XLA (s) | steps to repay |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in args.networks.split(","):
        plain, xla, extra = measure(name, args.repeats)
        n, features, hidden, batch, _ = WORKLOADS[name]
        saved = plain - xla
        repay = f"{extra / saved:.0f}" if saved > 0 else "never"
        lines.append(
            f"| {name} | {n} x {features}, {hidden}, {batch} | {plain * 1e3:.3f} | "
            f"{xla * 1e3:.3f} | {saved * 1e3:.3f} | {extra:.2f} | {repay} |"
        )
        print(lines[-1], flush=True)
    out = RESULTS / f"xla-rule-{args.machine}.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out.name}")


if __name__ == "__main__":
    main()
