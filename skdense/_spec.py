"""Plain-data descriptions of a network, its optimizer and its training. No Keras here.

Everything a fitted estimator stores besides numpy arrays is one of these small, hashable or
copyable records, so pickling, ``clone``, ``get_params`` and parameter validation never import
Keras (and with it TensorFlow or JAX). The modules that build and train networks turn them into
Keras objects when a network is first needed.
"""

import contextlib
import dataclasses
import itertools
import math
import warnings

import numpy as np

SOLVERS = ("sgd", "adam", "rmsprop", "adagrad", "adamw", "nadam")

# scikit-learn's activation names mapped to Keras's; any other Keras activation name passes.
SKLEARN_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
KERAS_ACTIVATIONS = ("elu", "gelu", "selu", "leaky_relu", "silu", "swish", "softplus", "mish")
ACTIVATIONS = (*SKLEARN_ACTIVATIONS, *KERAS_ACTIVATIONS)

# Output activations applied on top of the logits, named as in ``out_activation_``.
OUTPUT_ACTIVATIONS = {
    "identity": "linear",
    "logistic": "sigmoid",
    "softmax": "softmax",
    "exp": "exponential",
}


class NonFiniteLossError(FloatingPointError, ValueError):
    """The training loss became NaN or infinite.

    Also a ``ValueError``: scikit-learn's MLP raises that for weights that are not finite.
    """


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
    """Everything that determines the structure of a dense network."""

    n_features: int
    hidden_layer_sizes: tuple = ()
    activation: str = "relu"
    n_outputs: int = 1
    out_activation: str = "identity"
    dropout: tuple = ()  # one rate per hidden layer
    batch_normalization: bool = False
    kernel_initializer: str = "glorot_uniform"
    l1: float = 0.0  # penalty per kernel weight, before division by the batch size
    l2: float = 0.0
    dtype_policy: str = "float32"  # or "mixed_float16" / "mixed_bfloat16"

    @property
    def n_weights(self):
        """Trainable weights of the dense layers (kernels and biases)."""
        units = (self.n_features, *self.hidden_layer_sizes, self.n_outputs)
        layers = itertools.pairwise(units)
        return sum((fan_in + 1) * fan_out for fan_in, fan_out in layers)


@dataclasses.dataclass(frozen=True)
class KerasArchitecture:
    """What determines a pooled network for a user's Keras model (see
    :mod:`skdense._keras_network`): plain, hashable data.

    ``model`` is the configuration with layer names by position (equal for two builds of one
    model); ``model_config`` the user's own (what ``model_`` is rebuilt from). ``optimizer``
    is the optimizer's configuration without a constant ``learning_rate``, which the training
    loop sets (so a search over learning rates shares one network); ``optimizer_config`` the
    whole of it.
    """

    model: str
    loss: str
    optimizer: str
    n_features: int
    n_targets: int  # columns of the encoded targets: static, as Keras's losses need
    model_config: str = dataclasses.field(compare=False)
    optimizer_config: str = dataclasses.field(compare=False)
    learning_rate: float | None = dataclasses.field(compare=False)
    # The metrics to measure each epoch (skdense._keras_metrics.serialize): not part of the
    # compiled network, so networks that differ only in metrics share one.
    metrics: str = dataclasses.field(default="[]", compare=False)
    # A model with several inputs or outputs (see skdense._keras_io): how the columns of
    # the one matrix the core trains on map to them. None: one input taking X as it is.
    inputs: "ModelInputs | None" = None
    outputs: "tuple[ModelOutput, ...]" = ()  # empty: one output, trained on every target
    loss_weights: tuple = ()  # one per output, as Keras's compile takes them
    # (position name, user's name) of each output layer: Keras names per-output metrics
    # after the pooled model's layers, which are named by position.
    output_layer_names: tuple = dataclasses.field(default=(), compare=False)


@dataclasses.dataclass(frozen=True)
class InputSlot:
    """One input of a user's model: columns ``start:stop`` of the packed X, reshaped to
    ``shape`` per row; ``key`` names it when the model is called with a dict."""

    start: int
    stop: int
    shape: tuple
    key: str | None = None


@dataclasses.dataclass(frozen=True)
class ModelInputs:
    """How a user's model is called: with a ``"dict"``, a ``"list"`` or one ``"tensor"``."""

    call: str
    slots: tuple  # of InputSlot, in the order the model takes them


@dataclasses.dataclass(frozen=True)
class ModelOutput:
    """One output of a user's model (in ``keras.tree.flatten`` order), of ``shape`` per row,
    trained on columns ``target_start:target_stop`` of the encoded targets."""

    shape: tuple
    target_start: int
    target_stop: int

    @property
    def size(self):
        return math.prod(self.shape)


# scikit-learn's MLP initialisation (``BaseMultilayerPerceptron._init_coef``): kernels *and*
# biases uniform in +-sqrt(6 / (fan_in + fan_out)), or +-sqrt(2 / (fan_in + fan_out)) when the
# hidden activation is logistic, for every layer, the output layer included. Keras has no
# initializer for the biases, so skdense draws these itself (skdense._network).
SKLEARN_INIT = "scikit_learn"
SKLEARN_INIT_LOGISTIC = "scikit_learn_logistic"
SKLEARN_INIT_FACTORS = {SKLEARN_INIT: 6.0, SKLEARN_INIT_LOGISTIC: 2.0}


def resolve_initializer(kernel_initializer, activation):
    """``"auto"`` is scikit-learn's own scheme (see :data:`SKLEARN_INIT_FACTORS`)."""
    if kernel_initializer != "auto":
        return kernel_initializer
    return SKLEARN_INIT_LOGISTIC if activation == "logistic" else SKLEARN_INIT


def weight_roles(spec):
    """``(layer, role)`` of every weight of the network built for ``spec``, in the order of
    ``keras.Model.get_weights()``."""
    roles = []
    for depth in range(1, len(spec.hidden_layer_sizes) + 1):
        roles.append((f"hidden_{depth}", "kernel"))
        if spec.batch_normalization:
            roles += [(f"batch_norm_{depth}", r) for r in ("gamma", "beta")]
            roles += [(f"batch_norm_{depth}", r) for r in ("moving_mean", "moving_variance")]
        else:
            roles.append((f"hidden_{depth}", "bias"))
    return [*roles, ("output", "kernel"), ("output", "bias")]


def dense_layer_weights(spec):
    """Indices into the weight list of each dense layer's kernel and bias (``None``: no bias)."""
    roles = weight_roles(spec)
    layers = [layer for layer, role in roles if role == "kernel"]
    kernels = [roles.index((layer, "kernel")) for layer in layers]
    biases = [
        roles.index((layer, "bias")) if (layer, "bias") in roles else None for layer in layers
    ]
    return kernels, biases


@contextlib.contextmanager
def keras_array_warning_ignored():
    """Keras's JAX variables implement ``__array__`` without numpy 2's ``copy`` argument,
    which numpy warns about (a DeprecationWarning, an error under ``-W error``) each time
    Keras reads one itself: an optimizer's ``get_config`` reads its learning rate that way."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "__array__ implementation doesn't accept a copy", DeprecationWarning
        )
        yield


def optimizer_config(optimizer):
    """``optimizer.get_config()``, without numpy 2's warning (see above)."""
    with keras_array_warning_ignored():
        return optimizer.get_config()


@dataclasses.dataclass(frozen=True)
class OptimizerSpec:
    """A hashable description of an optimizer: equal specs can share a compiled network.

    The learning rate is left out: it lives in a variable and changes without recompiling.
    ``instance`` is a user's ``keras.optimizers.Optimizer``, copied for each network.
    """

    name: str
    options: tuple = ()  # sorted (option, value) pairs
    instance: object = dataclasses.field(default=None, compare=False, repr=False)

    @classmethod
    def from_params(cls, solver, momentum, nesterov, beta_1, beta_2, epsilon):
        if not isinstance(solver, str):  # a keras.optimizers.Optimizer (validated before)
            config = optimizer_config(solver)
            config.pop("name", None)
            if not isinstance(config.get("learning_rate"), dict):
                config.pop("learning_rate", None)
            return cls(type(solver).__name__, (("config", repr(sorted(config.items()))),), solver)
        options = {
            # Keras's SGD wants a float momentum; scikit-learn's docs write momentum=0.
            "sgd": {"momentum": float(momentum), "nesterov": nesterov},
            "rmsprop": {"epsilon": epsilon},
            "adagrad": {"epsilon": epsilon},
        }.get(solver, {"beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon})
        return cls(solver, tuple(sorted(options.items())))

    @property
    def key(self):
        """What identifies the optimizer and the layout of its state, as plain data."""
        return (self.name, self.options)

    def initial_learning_rate(self, default):
        """A user's optimizer instance brings its own learning rate."""
        if self.instance is None:
            return default
        rate = optimizer_config(self.instance)["learning_rate"]
        return None if isinstance(rate, dict) else float(rate)


@dataclasses.dataclass
class TrainingConfig:
    max_epochs: int
    batch_size: int
    shuffle: bool = True
    tol: float = 1e-4
    n_iter_no_change: int = 10
    learning_rate_schedule: str = "constant"  # "constant", "invscaling" or "adaptive"
    # The rate the schedules start from; None when the optimizer follows its own Keras
    # schedule, which scikit-learn's schedules then leave alone.
    learning_rate_init: float | None = 1e-3
    power_t: float = 0.5
    callbacks: tuple = ()
    verbose: int = 0
    score_name: str = "score"
    # scikit-learn's early stopping ends on the best validation epoch's weights; Keras's
    # validation_split only measures (EarlyStopping(restore_best_weights=True) restores).
    restore_best_validation_weights: bool = True
    # More per-epoch logs (a user's Keras metrics): called as (network, data, validation),
    # validation being (its data, its outputs) or None; returns {name: value}.
    epoch_metrics: object = None


@dataclasses.dataclass
class TrainingData:
    """Features (dense numpy or scipy sparse), 2-D float32 targets and per-sample weights."""

    x: object
    y: object
    sample_weight: object

    def __post_init__(self):
        self._resident = None

    @property
    def n_samples(self):
        return self.y.shape[0]

    def capacity(self, batch_size):
        """The number of batches the resident data holds (see :func:`batch_capacity`)."""
        return batch_capacity(self.n_samples, batch_size, self.x.shape[1])

    def resident(self, engine, batch_size):
        """The dense data on a network's device (``engine.to_device``), once per fit.

        The targets and weights are padded with zero rows (weight 0) up to :meth:`capacity`
        batches: the last batch can then run padded at full size. Features are padded as well
        up to ``_SHARED_SHAPE_CELLS``, so that data sets of similar sizes have the same shapes
        and a compiled epoch serves them all (the folds of a cross-validation and the refit).
        Larger features go unpadded (padding copied W2's 188 MB, 0.4 s a fit on a 2-core VM);
        on a CPU the engines copy them at most once, to an aligned block whose memory the
        backend uses in place (:func:`aligned_float32`). The engines clip the padding rows'
        indices to the last row of the features; their weight 0 takes them out of the loss.
        """
        if self._resident is None or self._resident[0] != batch_size:
            n_rows = self.capacity(batch_size) * batch_size
            x = self.x
            if n_rows * max(1, x.shape[1]) <= _SHARED_SHAPE_CELLS:
                x = pad_rows(x, n_rows)
            arrays = (x, pad_rows(self.y, n_rows), pad_rows(self.sample_weight, n_rows))
            self._resident = (batch_size, tuple(engine.to_device(a) for a in arrays))
        return self._resident[1]


# A compiled epoch is specialised to its shapes on JAX (and under XLA on TensorFlow): the rows
# resident on the device and the batches of the epoch's block. Small data sets are therefore
# padded up to a power-of-two number of batches, so that the folds of a cross-validation and
# the refit on all rows share one compiled epoch (1333 and 2000 rows at batch 32: 42 and 63
# batches, both padded to 64); the padding batches are never run. Padding costs memory, so it
# stops where the padded features would pass this many cells, and large data, whose epochs
# repay their compilation anyway, is padded only to a whole number of batches.
_SHARED_SHAPE_CELLS = 2**24  # 64 MiB of float32


def batch_capacity(n_rows, batch_size, n_features):
    """How many batches the resident data and an epoch's block of ``n_rows`` rows hold."""
    n_batches = -(-n_rows // batch_size)
    bucket = 1 << max(0, n_batches - 1).bit_length()
    if bucket * batch_size * max(1, n_features) <= _SHARED_SHAPE_CELLS:
        return bucket
    return n_batches


#: Where JAX's CPU buffers start (Eigen's alignment). JAX uses a numpy array's memory in place
#: only when it starts on such a boundary; numpy's own blocks start on 16-byte ones.
DEVICE_ALIGNMENT = 64


def aligned_float32(array):
    """``array`` as C-ordered float32 that starts on a :data:`DEVICE_ALIGNMENT` boundary: the
    array itself when it is one already, else a copy that is (converted as ``astype`` would)."""
    array = np.asarray(array)
    if (
        array.dtype == np.float32
        and array.flags.c_contiguous
        and array.ctypes.data % DEVICE_ALIGNMENT == 0
    ):
        return array
    aligned = _aligned_empty_float32(array.shape)
    np.copyto(aligned, array, casting="unsafe")
    return aligned


def pad_rows(array, n_rows):
    """``array`` with zero rows appended up to ``n_rows`` rows, as :func:`aligned_float32`
    makes it: padded data goes to a device, so it is copied once, into an aligned block."""
    missing = n_rows - array.shape[0]
    if missing <= 0:
        return array
    padded = _aligned_empty_float32((n_rows, *array.shape[1:]))
    np.copyto(padded[: array.shape[0]], array, casting="unsafe")
    padded[array.shape[0] :] = 0
    return padded


def _aligned_empty_float32(shape):
    size = math.prod(shape)
    block = np.empty(size + DEVICE_ALIGNMENT // 4, dtype=np.float32)
    start = (-block.ctypes.data % DEVICE_ALIGNMENT) // 4
    return block[start : start + size].reshape(shape)


@dataclasses.dataclass
class Validation:
    data: TrainingData
    score: object  # callable: logits -> float, higher is better


@dataclasses.dataclass
class TrainingState:
    """What the loop carries from epoch to epoch, and from fit to fit under warm start."""

    n_iter: int = 0
    t: int = 0
    loss: float = math.nan
    loss_curve: list = dataclasses.field(default_factory=list)
    best_loss: float = math.inf
    validation_scores: list = dataclasses.field(default_factory=list)
    best_validation_score: float = -math.inf
    history: dict = dataclasses.field(default_factory=dict)
    learning_rate: float | None = None
    converged: bool = False
    plateaued: bool = False  # stopped after n_iter_no_change epochs without improvement
    interrupted: bool = False
    diverged: bool = False  # the loss became NaN or inf (early stopping keeps the best weights)
