"""How the JAX backend has XLA compile an epoch: the options, and which ones a fit gets.

A new network's first epoch compiles for longer than a small fit trains, so a fit chooses,
from its size and the fits its pooled network has served, among three sets of XLA options
(:func:`cheapest_compilation`). An option a JAX release does not know is dropped rather than
failing the fit (:func:`jit_with`).
"""

import dataclasses

import jax


@dataclasses.dataclass(frozen=True, eq=False)  # eq=False: hashed by identity
class Compilation:
    """One way XLA compiles an epoch: how long a new small network's epoch takes to compile,
    and how much slower its steps run than under XLA's defaults: ``step_cost`` times
    (multiply-adds per step) ** ``work_exponent`` seconds a step."""

    name: str
    options: dict
    compile_seconds: float
    step_cost: float
    work_exponent: float = 1.0

    def step_seconds(self, steps, work_per_step):
        return steps * self.step_cost * work_per_step**self.work_exponent


# XLA's CPU compiler spends most of a small network's compile time optimising the generated
# code and emitting its fusions (benchmarks/results/jax-compile-cpu-2core.md, four networks
# on a 2-core CPU, and the full benchmark runs of benchmarks/run.py for W2's epoch):
# - QUICK, XLA's older (elemental) fusion emitter at LLVM optimisation level 0, compiles in a
#   third of the time. Its steps are slower by 0.06 ms (W1) to 1.3 ms (W2): a penalty that
#   grows as the multiply-adds to the power 0.6, since the matrix products run in the same
#   library whatever the options and what level 0 slows is the element-wise work around them.
# - LIGHT, the same emitter at level 1, saved 0.11-0.32 s of compile (0.1 counted) with
#   steps as fast on small networks; W2's ran 40% slower in a full epoch (0.45 against 0.32
#   s), more than in jax_compile.py's steady steps (7%): counted per multiply-add, W2's rate.
QUICK = Compilation(
    "quick",
    {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False},
    compile_seconds=0.25,
    step_cost=7.5e-8,
    work_exponent=0.6,
)
LIGHT = Compilation(
    "light",
    {"xla_backend_optimization_level": 1, "xla_cpu_use_fusion_emitters": False},
    compile_seconds=0.6,
    step_cost=2.5e-11,
)
OPTIMISED = Compilation("optimised", {}, compile_seconds=0.7, step_cost=0.0)  # XLA's defaults
COMPILATIONS = (QUICK, LIGHT, OPTIMISED)
# Options a JAX release may not know (XLA renames and retires its flags): dropped if refused.
_OPTIONAL_OPTIONS = {"xla_cpu_use_fusion_emitters"}
_refused_options = set()


def cheapest_compilation(max_epochs, n_batches, work_per_step, earlier_fits, compiled=()):
    """The :class:`Compilation` that costs least over this fit: its compile, unless it is
    among those already ``compiled``, and its steps' extra time.

    Small fits, the common case in a grid search or cross-validation, spend more time
    compiling than training and compile quickly; large ones get XLA's optimised code. A
    pooled network on its second fit counts the fits it has served as evidence of more to
    come, which better code would serve; what it has compiled costs nothing more to run again
    (a fit on data of another size compiles anew, which this does not foresee). Every epoch
    is counted: scikit-learn's default stopping rule (on the training loss) often runs most
    of ``max_iter``.
    """
    steps = max_epochs * n_batches * (earlier_fits + 1)

    def cost(compilation):
        compile_seconds = 0.0 if compilation in compiled else compilation.compile_seconds
        return compile_seconds + compilation.step_seconds(steps, work_per_step)

    return min(COMPILATIONS, key=cost)


def usable_options(compilation):
    """``compilation``'s XLA options less those this JAX refused."""
    return {k: v for k, v in compilation.options.items() if k not in _refused_options}


def _drop_refused(error):
    """Note the optional options ``error`` refuses; ``False`` if it refuses none of them."""
    refused = {k for k in _OPTIONAL_OPTIONS - _refused_options if k in str(error)}
    if "No such compile option" not in str(error) or not refused:
        return False
    _refused_options.update(refused)
    return True


def compile_ahead(function, compilation, args, **kwargs):
    """``jax.jit(function, **kwargs)`` traced, lowered and compiled for ``args`` with
    ``compilation``'s options: a program for exactly their shapes and types."""
    lowered = jax.jit(function, **kwargs).lower(*args)
    while True:
        try:
            return lowered.compile(compiler_options=usable_options(compilation) or None)
        except jax.errors.JaxRuntimeError as error:
            if not _drop_refused(error):
                raise


def jit_with(function, compilation, **kwargs):
    """``jax.jit(function)``, compiled with ``compilation``'s XLA options.

    An optional option this JAX refuses is dropped, once per process, rather than failing the
    fit: it is refused when the first call compiles, before anything runs.
    """
    if not compilation.options:
        return jax.jit(function, **kwargs)
    compiled = None

    def call(*args):
        nonlocal compiled
        while True:
            if compiled is None:
                options = usable_options(compilation)
                compiled = jax.jit(function, compiler_options=options, **kwargs)
            try:
                return compiled(*args)
            except jax.errors.JaxRuntimeError as error:
                if not _drop_refused(error):
                    raise
                compiled = None

    return call
