"""The JAX backend: a whole epoch in one ``jax.jit`` loop, through Keras's stateless API.

The network's variables stay Keras variables; an epoch reads their values, runs the compiled
loop over the first batches of a ``[n_batches, batch]`` block of row indices with
``model.stateless_call`` and ``optimizer.stateless_apply`` (Keras's public functional API),
and keeps the new values on the device for the next epoch. They are written back to the
variables when the network is read or changed (:meth:`Engine.sync_variables`): at the end of
a fit, and before every callback, so callbacks, ``get_weights`` and the optimizer see what
they would on TensorFlow. The last partial batch runs padded in the block, or, with batch
normalization, as one more compiled step with its true size.

XLA always compiles here, so compiled programs are kept in JAX's persistent compilation cache
(on disk, shared by worker processes and later runs): see :func:`prepare_process`. The epochs
of skdense's own networks are kept beside it whole, so that a later process loads them
without tracing anything (:mod:`skdense._backends.jax_store`).
"""

import contextlib
import importlib.util
import os
import sys
import threading

import jax
import joblib
import keras
import numpy as np

from skdense import _quiet
from skdense._backends import jax_store
from skdense._backends.jax_compilation import (
    OPTIMISED,
    QUICK,
    cheapest_compilation,
    compile_ahead,
    jit_with,
)
from skdense._spec import aligned_float32

NAME = "jax"
GPU_INSTALL_HINT = "Install JAX's CUDA build (`pip install 'jax[cuda13]'`). "
CACHE_VARIABLE = "JAX_COMPILATION_CACHE_DIR"

_prepare_lock = threading.Lock()
_prepared = False
#: At most this many cores: XLA generates a module's code in one part (see _one_codegen_part).
ONE_CODEGEN_PART_CORES = 2
_CODEGEN_SPLIT = "xla_cpu_parallel_codegen_split_count"


def default_cache_dir():
    """Where compiled programs are kept when the user has chosen no folder for JAX."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "skdense", f"jax-{jax.__version__}")


def prepare_process(cpu_share):
    """Turn on JAX's persistent compilation cache, once per process, unless the user chose.

    Compiling a new network's epoch costs 0.3-1 s on a CPU; reading it back from the cache
    costs milliseconds, in this process, in joblib or Dask workers and in later runs. A folder
    the user set (``JAX_COMPILATION_CACHE_DIR`` or ``jax.config``) is kept, and so is a cache
    they switched off (``jax_enable_compilation_cache=False``). JAX caches only programs that
    took over a second to compile by default; ours take less, so that threshold is lowered to
    zero unless the user changed it.
    """
    global _prepared
    with _prepare_lock:
        if _prepared:
            return
        _prepared = True
        _one_codegen_part()
        if not jax.config.jax_enable_compilation_cache:
            return
        if not jax.config.jax_compilation_cache_dir:
            jax.config.update("jax_compilation_cache_dir", default_cache_dir())
        if jax.config.jax_persistent_cache_min_compile_time_secs == 1.0:
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)


def _one_codegen_part(environ=os.environ, cores=None):
    """Have XLA's CPU compiler generate a module's code in one part on a machine with few
    cores, unless the user set how it splits.

    XLA splits code generation into parts that LLVM compiles on parallel threads, which start
    at a process's first compile. On 2 cores that start cost more than the parallel parts
    saved: a fresh process's first W1 fit took 0.29-0.33 s in one part against 0.35-0.47 s
    (5 alternating runs), a cold W4 0.99-1.20 against 1.23-1.33 s (4 runs). The parts round
    differently, so the choice is the machine's (its cores, which its worker processes
    share), not a process's share of them. XLA reads ``XLA_FLAGS`` when JAX makes its CPU
    client; once made, the flags are left as they are, so that they say what XLA does (the
    stored epochs' key includes them).
    """
    from jax._src import xla_bridge  # private: no public way to ask whether JAX has started

    cores = joblib.cpu_count() if cores is None else cores
    flags = environ.get("XLA_FLAGS", "")
    if cores > ONE_CODEGEN_PART_CORES or _CODEGEN_SPLIT in flags:
        return
    if xla_bridge.backends_are_initialized():
        return
    environ["XLA_FLAGS"] = f"{flags} --{_CODEGEN_SPLIT}=1".strip()


def visible_gpu_count():
    try:
        return len(jax.devices("gpu"))
    except RuntimeError:  # no GPU platform in this JAX
        return 0


def _device(name):
    kind, _, index = name.strip("/").partition(":")
    return jax.devices(kind.lower())[int(index or 0)]


def on_device(name):
    return jax.default_device(_device(name))


def values(variables):
    """Copies of Keras variables' values, as numpy arrays."""
    return [np.array(v.value) for v in variables]


@contextlib.contextmanager
def serialization_scope():
    """Keep Keras from importing TensorFlow while skdense serializes a model.

    Keras's serialization checks each object against TensorFlow's types, which imports
    TensorFlow wherever it is installed, whatever the backend: 2-3 s and its start-up lines
    in a JAX fit. While TensorFlow is not imported no object can be of its types, so Keras's
    lazy handle on it is told it is unavailable for the block. Where that handle is not
    found (another Keras), TensorFlow is imported first, quietly.
    """
    if "tensorflow" in sys.modules:
        yield
        return
    lazy = _keras_lazy_tensorflow()
    if getattr(lazy, "_available", True) is not None:
        if importlib.util.find_spec("tensorflow") is not None:
            _quiet.import_quietly("tensorflow")
        yield
        return
    lazy._available = False
    try:
        yield
    finally:
        if "tensorflow" not in sys.modules:
            lazy._available = None  # undecided again, as Keras left it


def _keras_lazy_tensorflow():
    try:
        from keras.src.utils import module_utils
    except ImportError:
        return None
    return getattr(module_utils, "tensorflow", None)


def clear_caches():
    """Nothing to do: JAX frees a network's compiled programs with the network."""


def _host_array(value, dtype):
    """``value`` as a JAX array of Keras's ``dtype``, made by numpy and put on the device."""
    dtype = jax.dtypes.canonicalize_dtype(np.dtype(keras.backend.standardize_dtype(dtype)))
    return jax.device_put(np.asarray(value, dtype=dtype))


@contextlib.contextmanager
def building():
    """Keras makes a new network's first values with numpy while skdense builds it.

    JAX compiles an XLA program for each shape ``jnp.zeros`` makes (a broadcast) and for
    each Python number it converts, 15-60 ms each on a 2-core CPU: a new network's kernels,
    biases and optimizer slots compiled 3-7 of them, 0.1-0.25 s of every new architecture in
    a grid search, and the optimizer's step counter and learning rate two more in a
    process's first fit. numpy makes the same arrays without compiling anything;
    ``device_put`` places them where JAX would. So for the duration, Keras's zeros and ones
    initializers and its variables made from Python numbers go through numpy. Entered under
    the pool's build lock; Keras's own methods are back afterwards.
    """
    from keras.src.backend.jax.core import JaxVariable
    from keras.src.initializers import constant_initializers

    patched = {
        (constant_initializers.Zeros, "__call__"): lambda self, shape, dtype=None: _host_array(
            np.zeros(shape), dtype
        ),
        (constant_initializers.Ones, "__call__"): lambda self, shape, dtype=None: _host_array(
            np.ones(shape), dtype
        ),
    }
    convert = JaxVariable._convert_to_tensor

    def convert_number(self, value, dtype=None):
        if dtype is not None and isinstance(value, (bool, int, float)):
            return _host_array(value, dtype)
        return convert(self, value, dtype=dtype)

    patched[(JaxVariable, "_convert_to_tensor")] = convert_number
    originals = {key: getattr(*key) for key in patched}
    for (cls, name), method in patched.items():
        setattr(cls, name, method)
    try:
        yield
    finally:
        for (cls, name), method in originals.items():
            setattr(cls, name, method)


class Engine:
    """The compiled train and predict functions of a pooled ``TrainableNetwork``."""

    def __init__(self, network):
        self.network = network
        self.device = _device(network.device)
        self.predict_rows = network.predict_rows
        model, optimizer = network.training_model, network.optimizer
        self._variables = (
            model.trainable_variables,
            model.non_trainable_variables,
            optimizer.variables,
            list(network.runtime_variables),
        )
        step = _make_step(model, optimizer, network)

        self.epoch_traces = 0  # how often an epoch was traced (and so compiled)
        self.epoch_programs = 0  # epochs compiled or loaded from the store, one per new shape
        self._unsynced = None  # the state training left, not yet in the variables

        def batches(state, x, y, w, block, n_active):
            self.epoch_traces += 1  # runs while tracing only

            # A loop over the first n_active batches of the block, not a scan over all of
            # them: the block's unused batches keep its shape that of other fits' (see
            # skdense._spec.batch_capacity), and one compiled epoch serves them all.
            def body(i, carry):
                state, losses = carry
                index = block[i]
                # Padding rows past the features' end read their last row (see resident).
                features = jax.numpy.take(x, index, axis=0, mode="clip")
                state, loss = step(state, features, y[index], w[index])
                return state, losses.at[i].set(loss)

            losses = jax.numpy.zeros(block.shape[0], dtype="float32")
            return jax.lax.fori_loop(0, n_active, body, (state, losses))

        def rows(state, x, y, w, index):
            return step(state, x[index], y[index], w[index])

        def predict(trainable, non_trainable, x):
            return model.stateless_call(trainable, non_trainable, x, training=False)[0]

        # On a GPU the old state's buffers are reused for the new one; the CPU copies anyway.
        donate = (0,) if self.device.platform == "gpu" else ()
        self._batches_function = batches
        self._donate = donate
        self._epochs = {}  # (Compilation, arguments' signature): the compiled epoch
        self._compilations = set()  # those the epochs were compiled with, for the chooser
        # One step per epoch, compiled per size of the last batch: compiled quickly.
        self._rows = jit_with(rows, QUICK, donate_argnums=donate)
        # A forward pass runs a few times per fit: compiled quickly too.
        self._predict = jit_with(predict, QUICK)

    def choose_compilation(self, max_epochs, n_batches, batch_size):
        """How this fit's epochs compile (see :func:`cheapest_compilation`): on a GPU, always
        with XLA's defaults."""
        if self.device.platform != "cpu":
            return OPTIMISED
        work = batch_size * self.network.n_weights
        return cheapest_compilation(
            max_epochs, n_batches, work, self.network.fits, compiled=self._compilations
        )

    def to_device(self, array):
        if self.device.platform == "cpu":
            # JAX shares an aligned array's memory and copies any other itself, more slowly than
            # numpy: W2's 188 MB features took it 0.07 s a fit (at times 0.7 s), numpy 0.01-0.02 s.
            return jax.device_put(aligned_float32(array), self.device)
        return jax.device_put(np.asarray(array, dtype=np.float32), self.device)

    def _read_state(self):
        if self._unsynced is not None:
            return self._unsynced
        # Committed to the network's device: values Keras set from numpy are not, the compiled
        # functions' outputs are, and jit compiles anew when that changes (it did, on every
        # network's second epoch). Only the values not there yet are put: putting all of them
        # cost 0.2 ms an epoch, a small network's whole epoch of training.
        values = [[v.value for v in variables] for variables in self._variables]
        device = {self.device}
        stray = [
            (group, index)
            for group, variables in enumerate(values)
            for index, value in enumerate(variables)
            if not (isinstance(value, jax.Array) and value.committed and value.devices() == device)
        ]
        if stray:
            moved = jax.device_put([values[g][i] for g, i in stray], self.device)
            for (group, index), value in zip(stray, moved, strict=True):
                values[group][index] = value
        return tuple(values)

    def sync_variables(self):
        """Write the values the last epochs left on the device into the Keras variables.

        Every epoch wrote them back before: 15 Keras ``assign`` calls and as many reads for a
        one-hidden-layer network with Adam, 0.3 ms an epoch, as long as a small default fit's
        epoch of training. The network calls this before it reads or sets a variable, and the
        epoch loop at the end of a fit and before callbacks.
        """
        if self._unsynced is not None:
            state, self._unsynced = self._unsynced, None
            self._write_state(state)

    def _write_state(self, state):
        for variables, values in zip(self._variables, state, strict=True):
            for variable, value in zip(variables, values, strict=True):
                variable.assign(value)

    def train_batches(self, arrays, block, rows, compilation=OPTIMISED):
        """Train on each of the first ``len(rows)`` rows of ``block`` (``[n_batches, batch]``
        indices into ``arrays``) as a batch, in order, each with its number of real ``rows``.
        Returns their losses, penalties included, and 0.0: no penalty is summed apart (see
        the TensorFlow engine's). ``compilation``: the epoch's :class:`Compilation`."""
        n_active = len(rows)
        args = (self._read_state(), *arrays, block, np.int32(n_active))
        signature = jax_store.signature(args)
        epoch = self._epochs.get((compilation, signature))
        if epoch is None:
            epoch = self._epoch_program(compilation, signature, args)
            self._epochs[compilation, signature] = epoch
            self._compilations.add(compilation)
            self.epoch_programs += 1
        state, losses = epoch(*args)
        self._unsynced = state
        return np.asarray(losses)[:n_active], 0.0

    def _epoch_program(self, compilation, signature, args):
        """The epoch compiled for ``args``: loaded from the store when an earlier process
        kept it, else traced and compiled, and kept for later ones."""

        def compile_epoch(function):
            return compile_ahead(function, compilation, args, donate_argnums=self._donate)

        identity = self.network.compiled_identity
        if identity is None or jax_store.directory() is None:
            return compile_epoch(self._batches_function)
        name = jax_store.key(
            identity, compilation.name, compilation.options, signature, self.device
        )
        return jax_store.load_or_compile(name, self.device, self._batches_function, compile_epoch)

    def train_rows(self, arrays, rows):
        """Train on ``rows`` (indices into ``arrays``) as one batch; returns its loss."""
        state, loss = self._rows(self._read_state(), *arrays, rows)
        self._unsynced = state
        return float(loss)

    def predict_block(self, block):
        trainable, non_trainable, _, _ = self._read_state()
        return np.asarray(self._predict(trainable, non_trainable, block))


def _make_step(model, optimizer, network):
    """One training step as a pure function of ``(trainable, non_trainable, optimizer,
    runtime)`` variable values, the way Keras's own JAX trainer writes it."""

    def loss_and_updates(trainable, non_trainable, optimizer_values, runtime_values, x, y, w):
        outputs, non_trainable, penalties = model.stateless_call(
            trainable, non_trainable, x, training=True, return_losses=True
        )
        penalties = [*penalties, *network.weight_penalties(trainable, runtime_values)]
        loss = network.batch_loss(y, outputs, w, penalties)
        scaled = loss
        if network.scales_loss:  # the loss scale is an optimizer variable: read its value
            mapping = list(zip(optimizer.variables, optimizer_values, strict=True))
            with keras.StatelessScope(state_mapping=mapping):
                scaled = optimizer.scale_loss(loss)
        return scaled, (loss, non_trainable)

    gradient = jax.value_and_grad(loss_and_updates, has_aux=True)

    def step(state, x, y, w):
        trainable, non_trainable, optimizer_values, runtime_values = state
        (_, (loss, non_trainable)), grads = gradient(
            trainable, non_trainable, optimizer_values, runtime_values, x, y, w
        )
        trainable, optimizer_values = optimizer.stateless_apply(optimizer_values, grads, trainable)
        return (trainable, non_trainable, optimizer_values, runtime_values), loss

    return step
