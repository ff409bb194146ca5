"""Calibrate how the JAX backend compiles an epoch: compile time against time per step.

    python benchmarks/jax_compile.py --machine cpu-2core

For a W1-sized and a W2-sized network, measures on JAX (in this process, with the persistent
compilation cache off) what an epoch's first call costs beyond a steady one (tracing and
compiling) and the time per training step, under XLA's default options and under the quick
options ``skdense._backends.jax.QUICK_OPTIONS`` is made of. The rule in
``skdense._backends.jax.quick_compile_pays`` compiles quickly when the compile time saved
exceeds what the slower steps cost over the fit. Writes
``benchmarks/results/jax-compile-<machine>.md``.
"""

import argparse
import os
from pathlib import Path

os.environ["KERAS_BACKEND"] = "jax"

from levers import WORKLOADS, _network, first_epoch_and_step  # the backend must be chosen first

RESULTS = Path(__file__).resolve().parent / "results"
NETWORKS = ["W1", "W2"]
VARIANTS = {  # name: XLA options (None: XLA's defaults, the optimised epoch)
    "XLA's defaults": None,
    "optimisation level 0": {"xla_backend_optimization_level": 0},
    "elemental fusion emitter": {"xla_cpu_use_fusion_emitters": False},
    "both (skdense's quick compile)": {
        "xla_backend_optimization_level": 0,
        "xla_cpu_use_fusion_emitters": False,
    },
}


def measure(workload, options, repeats):
    """``(extra seconds of the first epoch, seconds per step)`` for a new network."""
    from skdense._backends import jax as jax_backend

    jax_backend.QUICK_OPTIONS = options or {}
    return first_epoch_and_step(
        *_network(workload), compilation=options is not None, repeats=repeats
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=f"cpu-{os.cpu_count()}core")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import jax

    jax.config.update("jax_enable_compilation_cache", False)  # every compile is a real one
    lines = [
        f"# How the JAX backend compiles an epoch: {args.machine}",
        "",
        f"JAX {jax.__version__}, CPU. Each cell: a new network's first epoch beyond a steady "
        f"one (trace and compile, seconds), then the median over {args.repeats} epochs of the "
        "time per training step (ms). One process; the persistent compilation cache is off. "
        f"Reproduce: `python benchmarks/jax_compile.py --machine {args.machine}`.",
        "",
        "| network | rows x features, hidden, batch | " + " | ".join(VARIANTS) + " |",
        "| --- | --- |" + " --- |" * len(VARIANTS),
    ]
    for name in NETWORKS:
        n, features, hidden, batch, _ = WORKLOADS[name]
        cells = []
        for options in VARIANTS.values():
            compile_seconds, per_step = measure(name, options, args.repeats)
            cells.append(f"{compile_seconds:.2f} s, {per_step * 1e3:.3f} ms")
        lines.append(f"| {name} | {n} x {features}, {hidden}, {batch} | {' | '.join(cells)} |")
        print(lines[-1], flush=True)
    out = RESULTS / f"jax-compile-{args.machine}.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out.name}")


if __name__ == "__main__":
    main()
