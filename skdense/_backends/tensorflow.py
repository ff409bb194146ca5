"""The TensorFlow backend: compiled epochs as ``tf.function`` graphs, optionally XLA-compiled.

An epoch's full batches run as one graph call over a ``[n_batches, batch]`` block of row
indices, the last partial batch (if any) as a second call with its true size: batch-norm
statistics and the weighting of that batch are exactly those of a batch of that size. With
XLA, each block shape compiles once; without it, one trace serves every shape.
"""

import contextlib
import functools
import threading

import numpy as np
import tensorflow as tf

from skdense import _runtime
from skdense._backends.tensorflow_compilation import step_executor, xla_pays
from skdense._spec import aligned_float32

try:  # the call of a concrete function on its flat list of tensors, as TensorFlow's own
    from tensorflow.python.eager.polymorphic_function.concrete_function import (
        ConcreteFunction as _ConcreteFunction,
    )

    _call_flat = _ConcreteFunction._call_flat
except (ImportError, AttributeError):  # pragma: no cover - TensorFlow moved it
    _call_flat = None

NAME = "tensorflow"
GPU_INSTALL_HINT = "Install TensorFlow's CUDA build with `pip install 'skdense[gpu]'`. "


# --- the process ---------------------------------------------------------------------------------


@functools.cache
def _visible_gpus():
    """The GPUs TensorFlow can see, with memory growth switched on for each.

    Memory growth makes TensorFlow take GPU memory as a fit needs it instead of reserving the
    whole card at start-up, so several processes (or a notebook next to a training job) can share
    a GPU. It has to be set before TensorFlow touches the device, hence here, once.
    """
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        with contextlib.suppress(RuntimeError):  # already initialised by the user: keep theirs
            tf.config.experimental.set_memory_growth(gpu, True)
    return tuple(gpus)


def visible_gpu_count():
    return len(_visible_gpus())


_threads_lock = threading.Lock()
_threads_configured = False


def configure_threads(n_threads):
    """Size TensorFlow's CPU thread pools to ``n_threads``, once per process.

    TensorFlow sizes its intra-op pool (threads inside one operation) and inter-op pool
    (operations in parallel) to the whole machine when its runtime starts, and cannot resize
    them later. In a worker process that shares the machine with others, that oversubscribes
    the CPU, so this runs before the first TensorFlow operation of a fit. Whether a training
    step uses the inter-op pool at all is chosen per call by :func:`step_executor`. Settings
    the user made with ``tf.config.threading``, or a runtime already started, are left alone.

    Returns the ``(intra_op, inter_op)`` thread counts TensorFlow reports (0: its default).
    """
    global _threads_configured
    threading_config = tf.config.threading
    with _threads_lock:
        chosen_by_user = threading_config.get_intra_op_parallelism_threads() or (
            threading_config.get_inter_op_parallelism_threads()
        )
        if not _threads_configured and not chosen_by_user:
            with contextlib.suppress(RuntimeError):  # TensorFlow already started: too late
                threading_config.set_intra_op_parallelism_threads(n_threads)
                threading_config.set_inter_op_parallelism_threads(n_threads)
        _threads_configured = True
        return (
            threading_config.get_intra_op_parallelism_threads(),
            threading_config.get_inter_op_parallelism_threads(),
        )


def prepare_process(cpu_share):
    configure_threads(cpu_share)
    _visible_gpus()


def on_device(name):
    return tf.device(name)


def values(variables):
    """Copies of Keras variables' values, as numpy arrays."""
    return [v.value.numpy().copy() for v in variables]


def serialization_scope():
    """Nothing to keep out while Keras serializes: TensorFlow is the backend."""
    return contextlib.nullcontext()


def building():
    """Nothing to change while skdense builds a network: TensorFlow compiles nothing for it."""
    return contextlib.nullcontext()


def clear_caches():
    """Drop TensorFlow's cached eager kernels, a few hundred KiB per network ever built.

    The cache keys kernels by attributes, among them each variable's unique name and each
    traced function's name, so it only grows. This is the part of
    ``keras.backend.clear_session`` that frees that memory, without resetting Keras's global
    state (dtype policy, name scopes) under networks that are still alive; their kernels are
    simply rebuilt at their next call.
    """
    try:
        from tensorflow.python.eager import context
    except ImportError:  # pragma: no cover - TensorFlow moved it; the cache then just grows
        return
    with contextlib.suppress(AttributeError):
        context.context().clear_kernel_cache()


def _skip_cross_replica_sum(optimizer):
    """Make Keras's TensorFlow optimizer skip its sum of gradients across replicas.

    A pooled network trains on one device, where that sum is the identity. Traced in a
    ``tf.function``, though, it registers a custom gradient in TensorFlow's process-wide
    gradient registry, which then keeps every traced training graph alive: about 1 MiB per
    network built that eviction never gave back (``benchmarks/memory_soak.py``).
    """
    for opt in (optimizer, getattr(optimizer, "inner_optimizer", None)):
        if hasattr(opt, "_all_reduce_sum_gradients"):
            opt._all_reduce_sum_gradients = list


# --- a network's compiled functions --------------------------------------------------------------


class _TracedOnce:
    """A ``tf.function`` with a full input signature, called through its one concrete function.

    Calling the ``tf.function`` matches the arguments against its traces on every call: 0.6
    ms, against 0.35 ms for the concrete function, where a small network's epoch runs in 3 ms.
    The concrete function's own call binds and casts every argument to its signature again;
    its flat call, on the tensors alone, takes 0.13 ms (cProfile, a default fit on breast
    cancer: 3 batches an epoch).
    Traced at the first call, as the ``tf.function`` would be.
    """

    def __init__(self, function):
        self._function = function
        self.concrete = None

    def __call__(self, *args):
        if self.concrete is None:
            concrete = self._function.get_concrete_function()
            # Every parameter must be one of the tensors passed: a Python keyword (a partial's)
            # in the signature fails the structured call, and TensorFlow's fallback first
            # formats every argument into its error message (a fold's data, every epoch).
            if len(concrete.function_type.parameters) != len(args):
                raise TypeError(f"{concrete.function_type} is not called with tensors only")
            self.concrete = concrete
        if _call_flat is None:  # pragma: no cover - a TensorFlow without the flat call
            return self.concrete(*args)
        tensors = [tf.convert_to_tensor(a) if not tf.is_tensor(a) else a for a in args]
        return _call_flat(self.concrete, tensors, self.concrete.captured_inputs)


class Engine:
    """The compiled train and predict functions of a pooled ``TrainableNetwork``."""

    def __init__(self, network):
        self.network = network
        _skip_cross_replica_sum(network.optimizer)
        self._batches_functions = {}  # (xla, batch size or None, target columns) -> _TracedOnce
        self._static_batch_size = None  # the batch size the epoch is traced for (see below)
        self.epoch_programs = 0  # how often an epoch was traced: each trace is a program
        self._rows_function = self._function(self._rows_graph, [None], xla=False)
        self._xla_shapes = set()  # (n_batches, batch_size) the XLA function has compiled for
        self.predict_rows = network.predict_rows
        self._predict_block = _TracedOnce(
            tf.function(
                functools.partial(network.training_model, training=False),
                autograph=False,
                input_signature=[
                    tf.TensorSpec([self.predict_rows, network.n_features], tf.float32)
                ],
            )
        )

    def to_device(self, array):
        if _runtime.is_gpu(self.network.device):
            return tf.convert_to_tensor(array, dtype=tf.float32)
        # On a CPU, TensorFlow copies what it is given (W2's 188 MB features: 0.04 s a fit, at
        # times 0.6 s), except through DLPack, which shares an aligned array's memory (an
        # unaligned one aborts the process). numpy exports no read-only array that way.
        array = aligned_float32(array)
        if not array.flags.writeable or array.size == 0:
            return tf.convert_to_tensor(array, dtype=tf.float32)
        return tf.experimental.dlpack.from_dlpack(array.__dlpack__())

    def sync_variables(self):
        """Nothing to write: TensorFlow's steps update the variables themselves."""

    # graphs -------------------------------------------------------------------------------

    def _train_step(self, x, y, w, rows=None, penalty_sums=None):
        """One step on the batch ``x, y, w``; returns its loss, penalties included.

        Given ``penalty_sums`` (one array per penalized weight) and the batch's real
        ``rows``, returns ``(loss without skdense's weight penalties, penalty_sums)``, each
        weight's penalty terms added to its sum, weighted as the batch's loss is: XLA's CPU
        compiler reduces an array to a scalar one element at a time (0.1 ms a step for W2's
        78,400-weight kernel, a quarter of its XLA epoch at scikit-learn's default alpha),
        where adding element-wise costs little. The gradients are those of the whole loss
        either way; the sums are reduced once per epoch.
        """
        network = self.network
        model = network.training_model
        variables = model.trainable_variables
        with tf.GradientTape() as tape:
            outputs = model(x, training=True)
            runtime_values = [v.value for v in network.runtime_variables]
            terms = network.weight_penalty_terms(variables, runtime_values)
            penalties = [*model.losses, *(tf.reduce_sum(t) for t in terms)]
            loss = network.batch_loss(y, outputs, w, penalties)
            scaled = network.optimizer.scale_loss(loss) if network.scales_loss else loss
        gradients = tape.gradient(scaled, variables)
        if penalty_sums is not None:
            # The loss's penalty part is (sum of terms) / (sum of w), times rows in the epoch's
            # total. Without the sums' consumer, the reduction above is pruned from the graph.
            share = tf.math.divide_no_nan(rows, tf.reduce_sum(w))
            penalty_sums = [
                total + share * t for total, t in zip(penalty_sums, terms, strict=True)
            ]
            loss = network.batch_loss(y, outputs, w, list(model.losses))
        network.optimizer.apply(gradients, variables)
        return loss if penalty_sums is None else (loss, penalty_sums)

    def _batches_graph(self, x, y, w, block, rows, n_batches, xla):
        self.epoch_programs += 1  # runs while tracing only
        # An explicit while loop traced without AutoGraph, as Keras traces its own steps:
        # nothing here needs Python control flow converted, Keras's internals least of all.
        # It runs the block's first n_batches batches; the rest only pad its shape. The losses
        # array has the block's length, which XLA knows when it compiles (a TensorArray sized
        # by n_batches would not compile). Under XLA the weight penalties are summed
        # element-wise (see _train_step); TensorFlow's executor reduces quickly but pays for
        # every extra operation.
        network = self.network
        variables = network.training_model.trainable_variables
        runtime_values = [v.value for v in network.runtime_variables]
        shapes = [t.shape for t in network.weight_penalty_terms(variables, runtime_values)]
        summed = xla and bool(shapes)
        last_row = tf.shape(x)[0] - 1

        def step(i, losses, penalty_sums):
            index = block[i]
            # Padding rows past the features' end read their last row (see resident).
            features = tf.gather(x, tf.minimum(index, last_row))
            batch = (features, tf.gather(y, index), tf.gather(w, index))
            if summed:
                loss, penalty_sums = self._train_step(*batch, rows[i], penalty_sums)
            else:
                loss = self._train_step(*batch)
            return i + 1, tf.tensor_scatter_nd_update(losses, [[i]], [loss]), penalty_sums

        initial_sums = [tf.zeros(shape, tf.float32) for shape in shapes] if summed else []
        _, losses, penalty_sums = tf.while_loop(
            lambda i, *_: i < n_batches,
            step,
            (tf.constant(0), tf.zeros(tf.shape(block)[:1], tf.float32), initial_sums),
        )
        penalty = tf.add_n([tf.reduce_sum(t) for t in penalty_sums]) if summed else 0.0
        return losses[:n_batches], tf.convert_to_tensor(penalty, tf.float32)

    def _rows_graph(self, x, y, w, index):
        return self._train_step(tf.gather(x, index), tf.gather(y, index), tf.gather(w, index))

    def _function(self, graph, index_shape, xla, *extra, target_columns=None):
        n_features = self.network.n_features
        signature = [
            tf.TensorSpec([None, n_features], tf.float32),
            # class indices for a softmax, else one column per output
            tf.TensorSpec([None, target_columns], tf.float32),
            tf.TensorSpec([None], tf.float32),
            tf.TensorSpec(index_shape, tf.int32),
            *extra,
        ]
        # Each network traces its functions once. TensorFlow counts traces per code object,
        # across instances, and would warn about "retracing" once a few pooled networks have
        # traced; a partial has no code object, so the count is kept per network.
        return _TracedOnce(
            tf.function(
                functools.partial(graph),
                input_signature=signature,
                jit_compile=xla,
                autograph=False,
            )
        )

    def _traced_batch_size(self, block):
        """The batch size the epoch over ``block`` is traced for, or ``None`` (any).

        With the batch's size and the targets' width known when it traces, TensorFlow proves
        the shapes of a step's element-wise operations equal and leaves out of its gradient
        the operations that undo broadcasting: for an MLP(100) with Adam, the gradient's 62
        operations become 32 and the step's 225 become 194, so the trace and every step are
        shorter. A network traces for the
        first batch size it trains at; later sizes share one trace for any size, so a search
        over batch sizes traces at most twice. A data set that is one batch an epoch (small
        data at ``batch_size="auto"``, whose batch is then each fold's own size) has no steps
        to save and traces for any size at once.
        """
        n_batches, batch_size = block.shape
        if n_batches == 1:
            return None
        if self._static_batch_size is None:
            self._static_batch_size = batch_size
        return batch_size if batch_size == self._static_batch_size else None

    def _batches_function(self, xla, batch_size, target_columns):
        key = (xla, batch_size, target_columns)
        if key not in self._batches_functions:

            def batches_graph(x, y, w, block, rows, n_batches):  # only tensors: see _TracedOnce
                return self._batches_graph(x, y, w, block, rows, n_batches, xla)

            self._batches_functions[key] = self._function(
                batches_graph,
                [None, batch_size],
                xla,
                tf.TensorSpec([None], tf.float32),  # real rows per batch
                tf.TensorSpec([], tf.int32),
                target_columns=target_columns,
            )
        return self._batches_functions[key]

    # choosing XLA -------------------------------------------------------------------------

    def choose_compilation(self, max_epochs, n_batches, batch_size):
        """Whether this fit's epochs run XLA-compiled: see :func:`xla_pays`."""
        if _runtime.is_gpu(self.network.device):
            return True
        shape = (n_batches, batch_size)
        if shape in self._xla_shapes:  # compiled by an earlier fit of this pooled network
            return True
        work = batch_size * self.network.n_weights
        if not xla_pays(max_epochs, n_batches, work, self.network.fits):
            return False
        self._xla_shapes.add(shape)
        return True

    # running ------------------------------------------------------------------------------

    def train_batches(self, arrays, block, rows, xla):
        """Train on each of the first ``len(rows)`` rows of ``block`` (``[n_batches, batch]``
        indices into ``arrays``) as a batch, in order, each with its number of real ``rows``.
        Returns their losses and the weight penalties summed apart from them, each batch's
        times its rows (under XLA; else 0.0, the losses including them): see _train_step."""
        network = self.network
        work = block.shape[1] * network.n_weights
        target_columns = arrays[1].shape[1]  # the network's: one value per network
        function = self._batches_function(xla, self._traced_batch_size(block), target_columns)
        n_active = len(rows)
        padded_rows = np.zeros(len(block), np.float32)  # one length per block shape, for XLA
        padded_rows[:n_active] = rows
        with step_executor(network.device, work, network.inline_safe):
            losses, penalty = function(
                *arrays,
                tf.constant(block),
                tf.constant(padded_rows),
                tf.constant(n_active, tf.int32),
            )
        return losses.numpy(), float(penalty)

    def train_rows(self, arrays, rows):
        """Train on ``rows`` (indices into ``arrays``) as one batch; returns its loss.

        Never XLA-compiled: XLA would compile once per distinct number of rows, and this is
        one step per epoch.
        """
        network = self.network
        work = rows.size * network.n_weights
        with step_executor(network.device, work, network.inline_safe):
            return float(self._rows_function(*arrays, tf.constant(rows)))

    def traced_graphs(self):
        """The graphs traced so far (tests check that evicted networks free them)."""
        functions = [*self._batches_functions.values(), self._rows_function]
        return [f.concrete.graph for f in functions if f.concrete is not None]

    def predict_block(self, block):
        # A forward pass is one chain of operations: nothing to run side by side.
        with step_executor(self.network.device, work_per_step=0):
            return self._predict_block(block).numpy()
