"""The training loop: optimizers, losses, compiled epochs, early stopping. No scikit-learn here.

Speed comes from two choices, both hidden behind :func:`borrow_network` and :func:`train`:

* one compiled TensorFlow call runs a whole block of mini-batches (the whole epoch when the
  data is dense), with the data resident as tensors, so Python and dispatch overhead is paid
  per epoch instead of per step;
* built and traced networks are pooled per architecture, so refitting the same architecture
  (cross-validation folds, a grid search, ``warm_start``) re-initialises weights and optimizer
  state instead of rebuilding and retracing.
"""

import contextlib
import dataclasses
import functools
import gc
import math
import threading
from collections import OrderedDict

import keras
import numpy as np
import scipy.sparse as sp
import tensorflow as tf

from skdense._network import build_network, initial_weights, reseed_dropout
from skdense._runtime import step_executor

SOLVERS = ("sgd", "adam", "rmsprop", "adagrad", "adamw", "nadam")
# A sparse block is densified at most this many cells at a time (float32: 64 MiB).
_SPARSE_BLOCK_CELLS = 16 * 2**20
_PREDICT_BLOCK_ROWS = 1024


# --- optimizers -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class OptimizerSpec:
    """A hashable description of an optimizer: equal specs can share a traced graph.

    The learning rate is left out: it lives in a variable and changes without retracing.
    """

    name: str
    options: tuple = ()  # sorted (option, value) pairs
    instance: object = dataclasses.field(default=None, compare=False, repr=False)

    @classmethod
    def from_params(cls, solver, momentum, nesterov, beta_1, beta_2, epsilon):
        if isinstance(solver, keras.optimizers.Optimizer):
            config = solver.get_config()
            config.pop("name", None)
            if not isinstance(config.get("learning_rate"), dict):
                config.pop("learning_rate", None)
            return cls(type(solver).__name__, (("config", repr(sorted(config.items()))),), solver)
        options = {
            "sgd": {"momentum": momentum, "nesterov": nesterov},
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
        rate = self.instance.get_config()["learning_rate"]
        return None if isinstance(rate, dict) else float(rate)

    def build(self, learning_rate):
        if self.instance is not None:  # a fresh copy: never train the user's object
            return type(self.instance).from_config(self.instance.get_config())
        classes = {
            "sgd": keras.optimizers.SGD,
            "adam": keras.optimizers.Adam,
            "adamw": keras.optimizers.AdamW,
            "nadam": keras.optimizers.Nadam,
            "rmsprop": keras.optimizers.RMSprop,
            "adagrad": keras.optimizers.Adagrad,
        }
        return classes[self.name](learning_rate=learning_rate, **dict(self.options))


# --- losses ----------------------------------------------------------------------------------


def _per_sample_loss(loss, y, logits):
    """Loss per sample from logits, averaged over outputs as scikit-learn's MLP does."""
    if loss == "categorical_crossentropy":
        labels = tf.cast(y[:, 0], tf.int32)
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    if loss == "binary_crossentropy":  # summed over labels, as log_loss is for multilabel y
        per_label = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits)
        return tf.reduce_sum(per_label, axis=1)
    residual = y - logits
    if loss == "squared_error":  # half, like scikit-learn: the gradient is the residual
        per_output = 0.5 * tf.square(residual)
    elif loss == "absolute_error":
        per_output = tf.abs(residual)
    elif loss == "huber":
        per_output = keras.losses.huber(y[:, :, None], logits[:, :, None], delta=1.0)
    else:  # poisson with a log link: the network predicts log(mean)
        per_output = tf.exp(logits) - y * logits
    return tf.reduce_mean(per_output, axis=1)


# --- data ------------------------------------------------------------------------------------


@dataclasses.dataclass
class TrainingData:
    """Features (dense numpy or scipy sparse), 2-D float32 targets and per-sample weights."""

    x: object
    y: np.ndarray
    sample_weight: np.ndarray

    def __post_init__(self):
        self._resident = None

    @property
    def n_samples(self):
        return self.y.shape[0]

    def resident(self):
        """The dense data as tensors, created once per fit on the current device."""
        if self._resident is None:
            self._resident = tuple(
                tf.convert_to_tensor(a, dtype=tf.float32)
                for a in (self.x, self.y, self.sample_weight)
            )
        return self._resident


def _sparse_block_rows(n_features, rows_per_batch):
    """Rows of a sparse matrix to densify at a time: a whole number of batches, ~64 MiB."""
    batches = max(1, _SPARSE_BLOCK_CELLS // max(1, n_features * rows_per_batch))
    return batches * rows_per_batch


# --- the compiled network --------------------------------------------------------------------


class CompiledNetwork:
    """A built Keras network, its optimizer and its traced train/predict functions."""

    def __init__(self, spec, loss, optimizer_spec, device="/CPU:0", jit_compile=False):
        self.spec = spec
        self.loss = loss
        self.device = device
        self.model, self.logits_model = build_network(spec)
        self._n_weights = sum(math.prod(v.shape) for v in self.logits_model.trainable_variables)
        self.optimizer = optimizer_spec.build(learning_rate=1e-3)
        # float16 gradients underflow without loss scaling; bfloat16 has float32's range.
        self._scales_loss = spec.dtype_policy == "mixed_float16"
        if self._scales_loss:
            self.optimizer = keras.optimizers.LossScaleOptimizer(self.optimizer)
        self.optimizer.build(self.logits_model.trainable_variables)
        # Only graphs made of skdense's own solvers are known to run on TensorFlow's
        # single-threaded executor (see step_executor); a user's optimizer may branch.
        self._inline_safe = optimizer_spec.instance is None and not self._scales_loss
        _skip_cross_replica_sum(self.optimizer)
        # Callbacks such as LearningRateScheduler reach the optimizer through the model;
        # compiling only attaches it (nothing is traced).
        self.model.compile(optimizer=self.optimizer)
        self._initial_optimizer_state = [v.numpy() for v in self.optimizer.variables]
        self._learning_rate_is_variable = not isinstance(
            self.optimizer.get_config().get("learning_rate"), dict
        )
        features = tf.TensorSpec([None, spec.n_features], tf.float32)
        # class indices for a softmax, else one column per output
        targets = tf.TensorSpec([None, None], tf.float32)
        vector = tf.TensorSpec([None], tf.float32)
        # Each network traces its functions once. TensorFlow counts traces per code object,
        # across instances, and would warn about "retracing" once a few pooled networks have
        # traced; a partial has no code object, so the count is kept per network instead.
        self._train_block = tf.function(
            functools.partial(self._train_block_graph),
            input_signature=[
                features,
                targets,
                vector,
                tf.TensorSpec([None], tf.int32),
                tf.TensorSpec([], tf.int32),
            ],
            jit_compile=jit_compile,
            autograph=False,
        )
        self._predict_rows = int(
            np.clip(_SPARSE_BLOCK_CELLS // max(1, spec.n_features), 1, _PREDICT_BLOCK_ROWS)
        )
        self._predict_block = tf.function(
            functools.partial(self.logits_model, training=False),
            autograph=False,
            input_signature=[tf.TensorSpec([self._predict_rows, spec.n_features], tf.float32)],
        )

    # graphs -----------------------------------------------------------------------------

    def _train_step(self, x, y, w):
        variables = self.logits_model.trainable_variables
        with tf.GradientTape() as tape:
            logits = self.logits_model(x, training=True)
            weight_sum = tf.reduce_sum(w)
            per_sample = _per_sample_loss(self.loss, y, logits)
            # Weighted mean loss, and the penalty divided by the batch's total weight: the
            # meaning scikit-learn's MLP gives ``alpha``.
            loss = tf.math.divide_no_nan(tf.reduce_sum(per_sample * w), weight_sum)
            if self.logits_model.losses:
                penalty = tf.add_n(self.logits_model.losses)
                loss += tf.math.divide_no_nan(penalty, weight_sum)
            scaled = self.optimizer.scale_loss(loss) if self._scales_loss else loss
        gradients = tape.gradient(scaled, variables)
        self.optimizer.apply(gradients, variables)
        return loss

    def _train_block_graph(self, x, y, w, order, batch_size):
        # An explicit while loop traced without AutoGraph, as Keras traces its own steps:
        # nothing here needs Python control flow converted, Keras's internals least of all.
        n_rows = tf.shape(order)[0]
        n_batches = (n_rows + batch_size - 1) // batch_size

        def step(i, total):
            index = order[i * batch_size : tf.minimum((i + 1) * batch_size, n_rows)]
            loss = self._train_step(tf.gather(x, index), tf.gather(y, index), tf.gather(w, index))
            return i + 1, total + loss * tf.cast(tf.shape(index)[0], tf.float32)

        _, total = tf.while_loop(
            lambda i, _: i < n_batches, step, (tf.constant(0), tf.constant(0.0))
        )
        return total

    # state ------------------------------------------------------------------------------

    def reset(self, seed_sequence):
        """Fresh weights and optimizer state, drawn from ``seed_sequence``."""
        weight_seeds, dropout_seeds = seed_sequence.spawn(2)
        self.model.set_weights(initial_weights(self.model, self.spec, weight_seeds))
        reseed_dropout(self.model, dropout_seeds)
        self.set_optimizer_state(self._initial_optimizer_state)

    def load(self, weights, optimizer_state, seed_sequence):
        self.model.set_weights(weights)
        reseed_dropout(self.model, seed_sequence)
        if optimizer_state is None:
            optimizer_state = self._initial_optimizer_state
        self.set_optimizer_state(optimizer_state)

    def weights(self):
        return [np.array(w) for w in self.model.get_weights()]

    def optimizer_state(self):
        return [v.numpy() for v in self.optimizer.variables]

    def set_optimizer_state(self, values):
        for variable, value in zip(self.optimizer.variables, values, strict=True):
            variable.assign(value)

    @property
    def learning_rate(self):
        return float(tf.convert_to_tensor(self.optimizer.learning_rate).numpy())

    @learning_rate.setter
    def learning_rate(self, value):
        if self._learning_rate_is_variable:
            self.optimizer.learning_rate = value

    # running ----------------------------------------------------------------------------

    def train_epoch(self, data, order, batch_size):
        """One pass over ``data`` in the row ``order`` given; returns the mean batch loss."""
        batch = tf.constant(batch_size, tf.int32)
        with step_executor(self.device, batch_size * self._n_weights, self._inline_safe):
            if not sp.issparse(data.x):
                x, y, w = data.resident()
                total = self._train_block(x, y, w, tf.constant(order, tf.int32), batch)
                return float(total) / data.n_samples
            total = 0.0
            step = _sparse_block_rows(self.spec.n_features, batch_size)
            for start in range(0, len(order), step):
                rows = order[start : start + step]
                block = [data.x[rows].toarray(), data.y[rows], data.sample_weight[rows]]
                local_order = tf.range(len(rows), dtype=tf.int32)
                total += float(self._train_block(*block, local_order, batch))
            return total / data.n_samples

    def predict_logits(self, x):
        """Logits for every row of ``x`` (dense or sparse), as a float32 numpy array.

        Rows go through the network in zero-padded blocks of one fixed size: float32 kernels
        pick their blocking by the number of rows, so a fixed size is what makes a row's
        prediction independent of which other rows came with it.
        """
        rows = self._predict_rows
        block = np.zeros((rows, self.spec.n_features), dtype=np.float32)
        logits = [np.zeros((0, self.spec.n_outputs), dtype=np.float32)]
        # A forward pass is one chain of operations: nothing to run side by side.
        with step_executor(self.device, work_per_step=0):
            for start in range(0, x.shape[0], rows):
                part = x[start : start + rows]
                block[: part.shape[0]] = part.toarray() if sp.issparse(part) else part
                block[part.shape[0] :] = 0.0
                logits.append(self._predict_block(block).numpy()[: part.shape[0]])
        return np.concatenate(logits)

    def evaluate(self, data):
        """``(weighted mean loss without penalty, logits)`` on ``data``."""
        logits = self.predict_logits(data.x)
        per_sample = _per_sample_loss(self.loss, tf.constant(data.y), tf.constant(logits))
        weight_sum = float(np.sum(data.sample_weight))
        loss_sum = float(np.dot(per_sample.numpy(), data.sample_weight))
        return (loss_sum / weight_sum if weight_sum else 0.0), logits


# --- the pool of compiled networks -----------------------------------------------------------

_POOL_SIZE = 16
_pool = OrderedDict()  # key -> list of idle CompiledNetwork, least recently used first
_pool_lock = threading.Lock()
_evictions_since_cache_clear = 0


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


def _clear_kernel_cache():
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


@contextlib.contextmanager
def borrow_network(spec, loss, optimizer_spec, device, jit_compile=False):
    """Lend a compiled network for ``spec`` on ``device``, built only if none is idle.

    The network is the borrower's alone until the block exits; its weights are whatever the
    previous borrower left, so callers always ``reset`` or ``load`` first.
    """
    global _evictions_since_cache_clear
    key = (spec, loss, optimizer_spec, device, jit_compile)
    with _pool_lock:
        idle = _pool.get(key)
        network = idle.pop() if idle else None
        if idle is not None and not idle:  # the eviction below expects no empty entries
            del _pool[key]
    with tf.device(device):
        if network is None:
            network = CompiledNetwork(spec, loss, optimizer_spec, device, jit_compile=jit_compile)
        yield network
    with _pool_lock:
        _pool.setdefault(key, []).append(network)
        _pool.move_to_end(key)
        while sum(len(v) for v in _pool.values()) > _POOL_SIZE:
            oldest = next(iter(_pool))
            _pool[oldest].pop(0)
            if not _pool[oldest]:
                del _pool[oldest]
            _evictions_since_cache_clear += 1
        # Once per pool's worth of evictions: rebuilding the survivors' kernels costs time.
        clear_cache = _evictions_since_cache_clear >= _POOL_SIZE
        if clear_cache:
            _evictions_since_cache_clear = 0
    if clear_cache:
        _clear_kernel_cache()


def clear_network_pool():
    """Drop every pooled network and free what it held (graphs, weights, GPU memory).

    Fitted estimators keep working: their state is numpy, and the next fit or predict builds
    the network it needs again.
    """
    global _evictions_since_cache_clear
    with _pool_lock:
        _pool.clear()
        _evictions_since_cache_clear = 0
    gc.collect()  # networks are reference cycles (traced functions hold their methods)
    _clear_kernel_cache()


# --- the epoch loop --------------------------------------------------------------------------


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
    interrupted: bool = False


@dataclasses.dataclass
class Validation:
    data: TrainingData
    score: object  # callable: logits -> float, higher is better


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite."""


_DIVERGED_ADVICE = (
    "Lower learning_rate_init, scale the features (StandardScaler), or add regularization (alpha)."
)


def train(network, data, config, state, rng, validation=None):
    """Run up to ``config.max_epochs`` epochs of ``network`` on ``data``, updating ``state``.

    Early stopping follows scikit-learn's MLP: an epoch is "no improvement" when the
    validation score (with ``validation``) or else the training loss fails to beat the best by
    ``tol``; after more than ``n_iter_no_change`` of those in a row, training stops, or with
    the "adaptive" schedule the learning rate is divided by 5 first. With ``validation``, the
    weights of the best-scoring epoch are restored at the end.
    """
    if state.learning_rate is None:
        state.learning_rate = config.learning_rate_init
    network.learning_rate = state.learning_rate
    callbacks = keras.callbacks.CallbackList(
        list(config.callbacks), model=network.model, epochs=config.max_epochs, verbose=0
    )
    progress = (
        keras.utils.Progbar(config.max_epochs, verbose=config.verbose, unit_name="epoch")
        if config.verbose
        else None
    )
    network.model.stop_training = False
    best_weights, no_improvement = None, 0
    state.converged = False
    state.interrupted = False
    callbacks.on_train_begin()
    try:
        for epoch in range(config.max_epochs):
            callbacks.on_epoch_begin(epoch)
            order = (
                rng.permutation(data.n_samples) if config.shuffle else np.arange(data.n_samples)
            )
            loss = network.train_epoch(data, order, config.batch_size)
            if not math.isfinite(loss):
                raise NonFiniteLossError(
                    f"The training loss became {loss} at epoch {state.n_iter + 1}: the weights "
                    f"diverged. {_DIVERGED_ADVICE}"
                )
            state.n_iter += 1
            state.t += data.n_samples
            state.loss = loss
            state.loss_curve.append(loss)
            logs = {"loss": loss}
            if validation is not None:
                val_loss, val_logits = network.evaluate(validation.data)
                score = float(validation.score(val_logits))
                state.validation_scores.append(score)
                logs["val_loss"] = val_loss
                logs[f"val_{config.score_name}"] = score
                improved = score >= state.best_validation_score + config.tol
                if score > state.best_validation_score:
                    state.best_validation_score = score
                    best_weights = network.weights()
            else:
                improved = loss <= state.best_loss - config.tol
                state.best_loss = min(state.best_loss, loss)
            no_improvement = 0 if improved else no_improvement + 1

            state.learning_rate = network.learning_rate  # a callback may have changed it
            logs["learning_rate"] = state.learning_rate
            for name, value in logs.items():
                state.history.setdefault(name, []).append(value)
            callbacks.on_epoch_end(epoch, logs)
            if progress is not None:
                progress.update(epoch + 1, values=list(logs.items()))

            if config.learning_rate_schedule == "invscaling" and config.learning_rate_init:
                state.learning_rate = config.learning_rate_init / (state.t + 1) ** config.power_t
            if no_improvement > config.n_iter_no_change:
                if config.learning_rate_schedule != "adaptive" or state.learning_rate <= 1e-6:
                    state.converged = True
                    break
                state.learning_rate /= 5.0
                no_improvement = 0
            network.learning_rate = state.learning_rate
            if network.model.stop_training:
                state.converged = True
                break
    except KeyboardInterrupt:
        state.interrupted = True
    # The best validation epoch's weights go back before the callbacks end, so that a
    # callback restoring its own best (EarlyStopping(restore_best_weights=True)) has the
    # last word.
    if best_weights is not None:
        network.model.set_weights(best_weights)
    callbacks.on_train_end()
    if progress is not None and not state.converged:
        progress.update(config.max_epochs, finalize=True)
    # An epoch's loss is measured before its updates: the last update can diverge unseen.
    if not all(bool(tf.reduce_all(tf.math.is_finite(v.value))) for v in network.model.weights):
        raise NonFiniteLossError(
            f"The weights became NaN or infinite in the last update (epoch {state.n_iter}): "
            f"training diverged. {_DIVERGED_ADVICE}"
        )
    return state


def predict_logits(spec, loss, optimizer_spec, device, weights, x):
    """Logits of a fitted network for ``x``, reusing a pooled network for ``spec``."""
    with borrow_network(spec, loss, optimizer_spec, device) as network:
        network.model.set_weights(weights)
        return network.predict_logits(x)
