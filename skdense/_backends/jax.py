"""The JAX backend: a whole epoch in one ``jax.jit`` loop, through Keras's stateless API.

The network's variables stay Keras variables; an epoch reads their values, runs the compiled
loop over the first batches of a ``[n_batches, batch]`` block of row indices with
``model.stateless_call`` and ``optimizer.stateless_apply`` (Keras's public functional API),
then writes the new values back, so callbacks, ``get_weights`` and the optimizer see what they
would on TensorFlow. The last partial batch runs padded in the block, or, with batch
normalization, as one more compiled step with its true size.

XLA always compiles here, so compiled programs are kept in JAX's persistent compilation cache
(on disk, shared by worker processes and later runs): see :func:`prepare_process`.
"""

import contextlib
import dataclasses
import importlib.util
import os
import sys
import threading

import jax
import keras
import numpy as np

from skdense import _quiet

NAME = "jax"
GPU_INSTALL_HINT = "Install JAX's CUDA build (`pip install 'jax[cuda13]'`). "
CACHE_VARIABLE = "JAX_COMPILATION_CACHE_DIR"

_prepare_lock = threading.Lock()
_prepared = False


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
        if not jax.config.jax_enable_compilation_cache:
            return
        if not jax.config.jax_compilation_cache_dir:
            jax.config.update("jax_compilation_cache_dir", default_cache_dir())
        if jax.config.jax_persistent_cache_min_compile_time_secs == 1.0:
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)


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
# on a 2-core CPU, and benchmarks/results/cpu-2core.md for W2's epoch):
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


def _jit(function, compilation, **kwargs):
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
                options = {
                    k: v for k, v in compilation.options.items() if k not in _refused_options
                }
                compiled = jax.jit(function, compiler_options=options, **kwargs)
            try:
                return compiled(*args)
            except jax.errors.JaxRuntimeError as error:
                refused = {k for k in _OPTIONAL_OPTIONS - _refused_options if k in str(error)}
                if "No such compile option" not in str(error) or not refused:
                    raise
                _refused_options.update(refused)
                compiled = None

    return call


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

        self.epoch_traces = 0  # how often an epoch was traced (and so compiled) for new shapes

        def batches(state, x, y, w, block, n_active):
            self.epoch_traces += 1  # runs while tracing only

            # A loop over the first n_active batches of the block, not a scan over all of
            # them: the block's unused batches keep its shape that of other fits' (see
            # skdense._spec.batch_capacity), and one compiled epoch serves them all.
            def body(i, carry):
                state, losses = carry
                index = block[i]
                state, loss = step(state, x[index], y[index], w[index])
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
        self._batches = {}  # Compilation: the epoch jitted with its options
        # One step per epoch, compiled per size of the last batch: compiled quickly.
        self._rows = _jit(rows, QUICK, donate_argnums=donate)
        # A forward pass runs a few times per fit: compiled quickly too.
        self._predict = _jit(predict, QUICK)

    def choose_compilation(self, max_epochs, n_batches, batch_size):
        """How this fit's epochs compile (see :func:`cheapest_compilation`): on a GPU, always
        with XLA's defaults."""
        if self.device.platform != "cpu":
            return OPTIMISED
        work = batch_size * self.network.n_weights
        return cheapest_compilation(
            max_epochs, n_batches, work, self.network.fits, compiled=self._batches.keys()
        )

    def to_device(self, array):
        return jax.device_put(np.asarray(array, dtype=np.float32), self.device)

    def _read_state(self):
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

    def _write_state(self, state):
        for variables, values in zip(self._variables, state, strict=True):
            for variable, value in zip(variables, values, strict=True):
                variable.assign(value)

    def train_batches(self, arrays, block, n_active, compilation=OPTIMISED):
        """Train on each of the first ``n_active`` rows of ``block`` (``[n_batches, batch]``
        indices into ``arrays``) as a batch, in order; returns their losses. ``compilation``:
        the epoch's :class:`Compilation`."""
        function = self._batches.get(compilation)
        if function is None:
            function = _jit(self._batches_function, compilation, donate_argnums=self._donate)
            self._batches[compilation] = function
        state, losses = function(self._read_state(), *arrays, block, np.int32(n_active))
        self._write_state(state)
        return np.asarray(losses)[:n_active]

    def train_rows(self, arrays, rows):
        """Train on ``rows`` (indices into ``arrays``) as one batch; returns its loss."""
        state, loss = self._rows(self._read_state(), *arrays, rows)
        self._write_state(state)
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
