"""How the TensorFlow backend compiles and runs an epoch's graph: whether XLA compiles it
(:func:`xla_pays`), and the executor and graph rewrites each call gets (:func:`step_executor`).
"""

import contextlib
import copy

import tensorflow as tf
from tensorflow.core.protobuf import config_pb2

from skdense import _runtime

try:
    from tensorflow.python.eager import context as _eager_context
except ImportError:  # pragma: no cover - TensorFlow moved it: every pass runs, as before
    _eager_context = None

# Grappler's passes for skdense's graphs on a CPU: pruning and dependency optimisation. The
# first call of a function rewrites its graph with every pass TensorFlow has: 0.1-0.15 s for
# a small network's epoch, which then trains 20 epochs in 0.1 s. These two cost a third of
# that, and the steps run as fast as with every pass: dependency optimisation removes the
# Identity and control nodes that Keras's variable reads leave in every step (without it, a
# step with dropout and batch norm ran 15-20% slower), while the other passes fold and fuse
# what a small step barely spends time on. Measured on a 2-core CPU: benchmarks/levers.py,
# "graph rewrites" (benchmarks/results/graph-rewrites-cpu-2core.md). A GPU keeps every pass:
# its epochs run under XLA, and layout and fusion passes are what a GPU's other graphs gain.
GRAPH_REWRITES = ("pruning", "dependency")
_call_options = {}  # (the thread's serialized ConfigProto, executor type, rewrites) -> ours


def _options_for_skdense(user_options, executor_type, rewrites):
    """The thread's function-call options with ``executor_type`` and, unless the user chose
    graph rewrites of their own (``tf.config.optimizer.set_experimental_options``), only
    Grappler's passes named in ``rewrites`` (empty: all of TensorFlow's). A fresh copy:
    TensorFlow's own context managers change these in place.
    """
    key = (user_options.config_proto_serialized, executor_type, rewrites)
    options = _call_options.get(key)
    if options is None:
        config = config_pb2.ConfigProto.FromString(user_options.config_proto_serialized)
        chosen = config.graph_options.rewrite_options
        if chosen.ByteSize() == 0:  # TensorFlow's defaults: nothing the user set
            chosen.optimizers.extend(rewrites)
        options = _eager_context.FunctionCallOptions(executor_type, config)
        if len(_call_options) > 64:  # a user changing their settings in a loop
            _call_options.clear()
        _call_options[key] = options
    return copy.copy(options)


@contextlib.contextmanager
def step_executor(device, work_per_step, inline_safe=True):
    """The context in which to call a compiled function doing ``work_per_step`` multiply-adds:
    its executor, and the graph rewrites of its first call (``GRAPH_REWRITES`` on a CPU).

    A small network's step is a chain of tiny operations, and handing each to the inter-op
    pool costs more than the operation itself: TensorFlow's single-threaded executor runs them
    inline in the calling thread instead (each operation still uses the intra-op pool), which
    halves the time per step of an MLP(100) at batch 32. Larger steps, and every step on a GPU,
    where operations are asynchronous launches, keep TensorFlow's default executor, and so do
    graphs not known to be ``inline_safe``: the single-threaded executor hung on the
    conditional update of Keras's loss-scaling optimizer.

    Both are the calling thread's function-call options, which
    ``tf.experimental.function_executor_type`` sets the same way; TensorFlow has no public
    way to choose a function's graph rewrites.
    """
    inline = _runtime.runs_inline(device, work_per_step, inline_safe)
    executor_type = "SINGLE_THREADED_EXECUTOR" if inline else ""
    if _eager_context is None:  # pragma: no cover
        with tf.experimental.function_executor_type(executor_type):
            yield
        return
    eager = _eager_context.context()
    saved = eager.function_call_options
    rewrites = () if _runtime.is_gpu(device) else GRAPH_REWRITES
    eager.function_call_options = _options_for_skdense(saved, executor_type, rewrites)
    try:
        yield
    finally:
        eager.function_call_options = saved


# Measured on a 2-core CPU (benchmarks/xla_rule.py, benchmarks/results/xla-rule-cpu-2core.md,
# four networks from W1 to W2): an XLA-compiled step saves about 0.1 ms of TensorFlow's
# executor overhead plus 0.08 ms per million multiply-adds (XLA fuses the element-wise work
# around the matrix products), from 0.10 ms (W1) to 1.1 ms (W2, 1.8 -> 0.7 ms a step); the
# first epoch costs 0.6-0.8 s more to compile than to trace, in a process that has compiled
# before. Counted with a margin: a process's first compile also starts XLA's compiler, and
# at 0.8 s a second 100-epoch fit on digits (W3 warm, benchmarks/results/cpu-2core-f63962e.md at
# f63962e) and the refit ending a 13-fit search (W6) compiled and took longer than without.
XLA_SAVING_PER_STEP = 1e-4
XLA_SAVING_PER_MULTIPLY_ADD = 8e-11
XLA_EXTRA_COMPILE = 1.2


def xla_pays(max_epochs, n_batches, work_per_step, earlier_fits):
    """Whether compiling with XLA repays its cost over this fit and the fits before it.

    ``work_per_step`` is a step's multiply-adds (batch size times weights). Every epoch of
    ``max_epochs`` is counted, as on JAX: scikit-learn's default stopping rule (on the
    training loss) often runs most of ``max_iter``. A pooled network's compiled function
    serves every later fit of the same shapes, so a network on its second fit (a
    cross-validation fold, a grid point) counts the fits it has served as evidence of more to
    come.
    """
    steps = max_epochs * n_batches * (earlier_fits + 1)
    saving = XLA_SAVING_PER_STEP + XLA_SAVING_PER_MULTIPLY_ADD * work_per_step
    return steps * saving >= XLA_EXTRA_COMPILE
