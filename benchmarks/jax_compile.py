"""Calibrate how the JAX backend compiles an epoch: compile time against time per step.

    python benchmarks/jax_compile.py --machine cpu-2core

For W1- and W2-sized networks and two of scikit-learn's default networks (D1, D2: 100 hidden
units, batches of 200, on breast cancer's and digits' training rows), measures on JAX (in
this process, with the persistent compilation cache off) what an epoch's first call costs
beyond a steady one (tracing and compiling) and the time per training step, under XLA's
defaults, under each of its two options alone, and under skdense's ``LIGHT`` and ``QUICK``
compilations (``skdense._backends.jax_compilation``). ``cheapest_compilation`` there picks
one per fit from each one's compile time and what its slower steps cost over the fit: its
constants are fitted to this table (and to W2's full epochs in ``benchmarks/run.py``).
Writes ``benchmarks/results/jax-compile-<machine>.md``.
"""

import argparse
import os
import statistics
from pathlib import Path

os.environ["KERAS_BACKEND"] = "jax"

from levers import WORKLOADS, _network, first_epoch_and_step  # the backend must be chosen first

RESULTS = Path(__file__).resolve().parent / "results"
NETWORKS = ["W1", "W2", "D1", "D2"]
VARIANTS = {  # name: XLA options
    "XLA's defaults (skdense's OPTIMISED)": {},
    "optimisation level 0": {"xla_backend_optimization_level": 0},
    "elemental fusion emitter": {"xla_cpu_use_fusion_emitters": False},
    "both at level 1 (skdense's LIGHT)": {
        "xla_backend_optimization_level": 1,
        "xla_cpu_use_fusion_emitters": False,
    },
    "both at level 0 (skdense's QUICK)": {
        "xla_backend_optimization_level": 0,
        "xla_cpu_use_fusion_emitters": False,
    },
}
# Code generation in one part instead of parts compiled on parallel threads, given with each
# compile: within a process it compiles as fast and runs as fast. (XLA reads this flag from
# XLA_FLAGS when JAX starts, where it saves a fresh process's first compile; see
# skdense/_backends/jax.py.)
_ONE_PART = {"xla_cpu_parallel_codegen_split_count": 1}
VARIANTS.update(
    {
        "XLA's defaults, one codegen part": dict(_ONE_PART),
        "LIGHT, one codegen part": {**VARIANTS["both at level 1 (skdense's LIGHT)"], **_ONE_PART},
        "QUICK, one codegen part": {**VARIANTS["both at level 0 (skdense's QUICK)"], **_ONE_PART},
    }
)


def measure(workload, options, repeats):
    """``(extra seconds of the first epoch, seconds per step)`` for a new network."""
    from skdense._backends.jax_compilation import Compilation

    compilation = Compilation("measured", options, compile_seconds=0.0, step_cost=0.0)
    return first_epoch_and_step(*_network(workload), compilation=compilation, repeats=repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=f"cpu-{os.cpu_count()}core")
    parser.add_argument("--repeats", type=int, default=5, help="steady epochs per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per cell")
    args = parser.parse_args()
    import jax

    jax.config.update("jax_enable_compilation_cache", False)  # every compile is a real one
    lines = [
        f"# How the JAX backend compiles an epoch: {args.machine}",
        "",
        f"JAX {jax.__version__}, CPU. Each cell: a new network's first epoch beyond a steady "
        f"one (trace and compile, seconds), then the time per training step (ms, the median "
        f"of {args.repeats} epochs); each the median of {args.rounds} rounds, the variants run "
        "in turn in every round. One process; the persistent compilation cache is off. "
        f"Reproduce: `python benchmarks/jax_compile.py --machine {args.machine}`.",
        "",
        "| network | rows x features, hidden, batch | " + " | ".join(VARIANTS) + " |",
        "| --- | --- |" + " --- |" * len(VARIANTS),
    ]
    for name in NETWORKS:
        n, features, hidden, batch, _ = WORKLOADS[name]
        found = {variant: [] for variant in VARIANTS}
        for _ in range(args.rounds):  # in turn, so that a slow spell hits every variant
            for variant, options in VARIANTS.items():
                found[variant].append(measure(name, options, args.repeats))
        cells = []
        for runs in found.values():
            compile_seconds = statistics.median(c for c, _ in runs)
            per_step = statistics.median(s for _, s in runs)
            cells.append(f"{compile_seconds:.2f} s, {per_step * 1e3:.3f} ms")
        lines.append(f"| {name} | {n} x {features}, {hidden}, {batch} | {' | '.join(cells)} |")
        print(lines[-1], flush=True)
    out = RESULTS / f"jax-compile-{args.machine}.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out.name}")


if __name__ == "__main__":
    main()
