"""The training core: compiled networks and their pool. No scikit-learn here.

Speed comes from two choices, both hidden behind :func:`borrow_network` and
:func:`skdense._epoch_loop.train`:

* one compiled call runs all the full mini-batches of an epoch as a ``[n_batches, batch]``
  block (static shapes, which is what lets XLA compile it), with the data resident on the
  device, so Python and dispatch overhead is paid per epoch instead of per step;
* built and compiled networks are pooled per architecture, so refitting the same architecture
  (cross-validation folds, a grid search, ``warm_start``) re-initialises weights and optimizer
  state instead of rebuilding and recompiling.

What differs between Keras backends (the compiled epoch and predict, devices, threads) lives
in :mod:`skdense._backends`; everything here is written once.
"""

import contextlib
import dataclasses

import keras
import numpy as np
import scipy.sparse as sp

from skdense import _forward, _losses, _pool, _runtime
from skdense._network import build_network, initial_weights, reseed_dropout
from skdense._pool import clear_network_pool  # noqa: F401 - skdense.clear_network_pool calls it here
from skdense._spec import (  # noqa: F401 - re-exported: older pickles and callers name them here
    SOLVERS,
    NonFiniteLossError,
    OptimizerSpec,
    TrainingConfig,
    TrainingData,
    TrainingState,
    Validation,
    optimizer_config,
)

# A sparse block is densified at most this many cells at a time (float32: 64 MiB).
_SPARSE_BLOCK_CELLS = 16 * 2**20
_OPTIMIZERS = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "Nadam",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
}


def build_optimizer(optimizer_spec, learning_rate=1e-3):
    """A new Keras optimizer for ``optimizer_spec``; a user's instance is copied, never trained."""
    if optimizer_spec.instance is not None:
        instance = optimizer_spec.instance
        return type(instance).from_config(optimizer_config(instance))
    optimizer_class = getattr(keras.optimizers, _OPTIMIZERS[optimizer_spec.name])
    return optimizer_class(learning_rate=learning_rate, **dict(optimizer_spec.options))


# --- data ------------------------------------------------------------------------------------


def _batches(order, batch_size, n_rows, exact_last_batch, capacity=0):
    """The epoch's batches of row indices: ``(block, rows, rest)``.

    ``block`` is ``[n_batches, batch_size]``, ``rows`` the number of real rows in each of the
    batches to run and ``rest`` the rows left for a batch of their own. By default the last,
    partial batch joins the block, filled up with the zero-weight padding rows ``n_rows`` and
    on (see :meth:`TrainingData.resident`): its loss and gradients are exactly those of the
    rows alone, because a batch's loss is the weighted mean over its rows. Batch
    normalization's statistics would see the padding, so ``exact_last_batch`` runs that batch
    alone, at its true size. The block then grows to ``capacity`` batches with batches that
    are never run (``len(rows)`` of them are), which keeps its shape that of the resident data.
    """
    n_full = len(order) // batch_size * batch_size
    rest = np.ascontiguousarray(order[n_full:], dtype=np.int32)
    if exact_last_batch or not rest.size:
        block = np.ascontiguousarray(order[:n_full], dtype=np.int32).reshape(-1, batch_size)
        rows = np.full(len(block), batch_size)
    else:
        padding = np.arange(n_rows, n_rows + batch_size - rest.size, dtype=np.int32)
        block = np.concatenate([order, padding]).astype(np.int32).reshape(-1, batch_size)
        rows = np.full(len(block), batch_size)
        rows[-1], rest = rest.size, rest[:0]
    unused = np.zeros((max(0, capacity - len(block)), batch_size), dtype=np.int32)
    return np.concatenate([block, unused]), rows, rest


def _sparse_block_rows(n_features, rows_per_batch):
    """Rows of a sparse matrix to densify at a time: a whole number of batches, ~64 MiB."""
    batches = max(1, _SPARSE_BLOCK_CELLS // max(1, n_features * rows_per_batch))
    return batches * rows_per_batch


# --- the compiled network --------------------------------------------------------------------


def _values(variables):
    """Copies of Keras variables' values as numpy arrays.

    Read by the backend: Keras's own ``get_weights()`` go through an ``__array__`` that
    numpy 2 warns about on both backends.
    """
    return _runtime.backend().values(variables)


class TrainableNetwork:
    """What the backends' engines and :func:`train` run: a built Keras model, its optimizer,
    its loss and the engine's compiled functions. Not for direct use: a subclass builds them.

    A subclass's ``__init__`` sets these, then calls :meth:`_set_up`:

    * ``model`` (what callbacks see) and ``training_model`` (what the loss is computed on:
      the logits model for skdense's networks, a user's model itself otherwise);
    * ``optimizer``, ``device``, ``scales_loss`` (``mixed_float16`` loss scaling) and
      ``inline_safe`` (whether TensorFlow may run its steps on the single-threaded executor);
    * ``n_features``, ``n_outputs``, ``n_weights`` (trainable weights, for the engines'
      estimates of the work per step) and ``exact_last_batch`` (run the last, partial batch
      alone rather than padded: batch statistics would see the padding);
    * :meth:`batch_loss`, which the compiled step calls, and :meth:`weight_penalties`, which
      it adds to the penalties Keras's layers report; ``runtime_variables``, the Keras
      variables the step reads besides the model's and the optimizer's (JAX's engine passes
      their values in, as it passes the weights).
    """

    runtime_variables = ()
    # What decides the compiled step besides the arguments' shapes, as plain text; None where
    # code outside skdense does (a user's model or optimizer). See _backends/jax_store.py.
    compiled_identity = None

    def _set_up(self):
        self.optimizer.build(self.training_model.trainable_variables)
        # Callbacks such as LearningRateScheduler reach the optimizer through the model;
        # compiling only attaches it (nothing is traced).
        self.model.compile(optimizer=self.optimizer)
        self._initial_optimizer_state = _values(self.optimizer.variables)  # no engine yet
        # A Keras schedule computes the rate each step; only a variable can be set.
        self._learning_rate_is_variable = isinstance(self.optimizer.learning_rate, keras.Variable)
        self.predict_rows = _forward.block_rows(self.n_features)
        self.fits = 0  # fits this network has served: they share its compiled functions
        self.engine = _runtime.backend().Engine(self)

    def batch_loss(self, y, outputs, sample_weight, penalties=()):
        """A batch's training loss from ``training_model``'s ``outputs``, in ``keras.ops``:
        zero-weight rows (the padding of a partial batch) must change nothing."""
        raise NotImplementedError

    def per_sample_loss(self, y, outputs):
        """The loss of each row, without penalties, in ``keras.ops``."""
        raise NotImplementedError

    def weight_penalty_terms(self, trainable, runtime_values):
        """Penalties on ``trainable`` (``training_model``'s trainable weights or their values)
        given ``runtime_values`` (those of ``runtime_variables``), in ``keras.ops``: one array
        per penalized weight, each element the penalty on that element of the weight."""
        return []

    def weight_penalties(self, trainable, runtime_values):
        """The penalties of :meth:`weight_penalty_terms`, one sum per penalized weight."""
        return [keras.ops.sum(t) for t in self.weight_penalty_terms(trainable, runtime_values)]

    def evaluate(self, data):
        """``(weighted mean loss without penalties, outputs)`` on ``data``."""
        outputs = self.predict_logits(data.x)
        per_sample = keras.ops.convert_to_numpy(self.per_sample_loss(data.y, outputs))
        weight_sum = float(np.sum(data.sample_weight))
        loss_sum = float(np.dot(per_sample.astype(np.float64), data.sample_weight))
        return (loss_sum / weight_sum if weight_sum else 0.0), outputs

    # state ------------------------------------------------------------------------------

    def load(self, weights, optimizer_state, random_state, samples_seen=0):
        self.engine.sync_variables()
        self.model.set_weights(weights)
        reseed_dropout(self.model, random_state, samples_seen)
        if optimizer_state is None:
            optimizer_state = self._initial_optimizer_state
        self.set_optimizer_state(optimizer_state)

    def sync_variables(self):
        """Write what training left on the device into the Keras variables (JAX's engine
        keeps it there between epochs): before anything else reads or sets them."""
        self.engine.sync_variables()

    def weights(self):
        """The model's weights as numpy arrays, in ``get_weights()`` order."""
        self.engine.sync_variables()
        return _values(self.model.weights)

    def optimizer_state(self):
        self.engine.sync_variables()
        return _values(self.optimizer.variables)

    def set_optimizer_state(self, values):
        self.engine.sync_variables()
        for variable, value in zip(self.optimizer.variables, values, strict=True):
            variable.assign(value)

    def weights_are_finite(self):
        return all(np.isfinite(w).all() for w in self.weights())

    @property
    def learning_rate_is_variable(self):
        """Whether the optimizer's rate is a variable (changed only when set), not a
        schedule (which changes with every step)."""
        return self._learning_rate_is_variable

    @property
    def learning_rate(self):
        self.engine.sync_variables()
        rate = self.optimizer.learning_rate
        if isinstance(rate, keras.Variable):
            return float(_values([rate])[0])
        return float(keras.ops.convert_to_numpy(rate))

    @learning_rate.setter
    def learning_rate(self, value):
        # Set once per epoch: a new value only. From numpy: JAX compiles a program to
        # convert a Python number. (The getter writes back what training left first.)
        if self._learning_rate_is_variable and np.float32(value) != np.float32(self.learning_rate):
            self.optimizer.learning_rate = np.asarray(value, dtype=np.float32)

    # running ----------------------------------------------------------------------------

    def train_epoch(self, data, order, batch_size, compilation=False):
        """One pass over ``data`` in the row ``order`` given; returns the mean batch loss.

        ``compilation`` is the backend's choice of how to compile the epoch
        (``engine.choose_compilation``): XLA or not on TensorFlow; on JAX, XLA's options.

        Dense data is resident on the device for the whole fit; sparse data streams through
        in dense blocks of whole batches.
        """
        if not sp.issparse(data.x):
            arrays = data.resident(self.engine, batch_size)
            n_rows = data.n_samples
            return self._train_rows(arrays, order, batch_size, n_rows, compilation) / len(order)
        total = 0.0
        step = _sparse_block_rows(self.n_features, batch_size)
        for start in range(0, len(order), step):
            rows = order[start : start + step]
            part = TrainingData(data.x[rows].toarray(), data.y[rows], data.sample_weight[rows])
            arrays = part.resident(self.engine, batch_size)
            order_in_block = np.arange(len(rows))
            total += self._train_rows(arrays, order_in_block, batch_size, len(rows), compilation)
        return total / len(order)

    def _train_rows(self, arrays, order, batch_size, n_rows, compilation):
        """Train on the rows ``order`` of ``arrays``; the sum over batches of loss x rows."""
        capacity = arrays[2].shape[0] // batch_size  # the weights: padded, unlike large x
        block, rows, rest = _batches(order, batch_size, n_rows, self.exact_last_batch, capacity)
        total = 0.0
        if rows.size:
            losses, penalty = self.engine.train_batches(arrays, block, rows, compilation)
            total += float(np.dot(losses, rows)) + penalty
        if rest.size:
            total += self.engine.train_rows(arrays, rest) * rest.size
        return total

    def predict_logits(self, x):
        """``training_model``'s outputs (logits, for skdense's networks) for every row of
        ``x`` (dense or sparse), as a float32 numpy array.

        Rows go through the network in zero-padded blocks of one fixed size: float32 kernels
        pick their blocking by the number of rows, so a fixed size is what makes a row's
        prediction independent of which other rows came with it.
        """
        return _forward.in_blocks(x, self.n_features, self.n_outputs, self.engine.predict_block)


class CompiledNetwork(TrainableNetwork):
    """skdense's own network for a :class:`NetworkSpec`, trained on its logits."""

    def __init__(self, spec, loss, optimizer_spec, device="/CPU:0"):
        self.spec = spec
        self.loss = loss
        self.device = device
        self.n_features, self.n_outputs = spec.n_features, spec.n_outputs
        self.n_weights = spec.n_weights
        self.exact_last_batch = spec.batch_normalization
        # Weights are always set before training (reset or load): no random draw at build.
        self.model, self.logits_model = build_network(spec, draw_weights=False, regularized=False)
        self.training_model = self.logits_model
        # The L1 and L2 strengths live in a variable, set per fit (set_penalty), so a search
        # over alpha trains one compiled network; the spec only says which penalties exist.
        self._penalized = (bool(spec.l1), bool(spec.l2))
        self.penalty_strengths = keras.Variable(  # from numpy: JAX compiles nothing to place it
            np.array([spec.l1, spec.l2], dtype=np.float32),
            dtype="float32",
            trainable=False,
            name="penalty_strengths",
        )
        self.runtime_variables = (self.penalty_strengths,)
        self._kernels = [
            i
            for i, variable in enumerate(self.training_model.trainable_variables)
            if variable.path.endswith("kernel")
        ]
        self.optimizer = build_optimizer(optimizer_spec)
        # float16 gradients underflow without loss scaling; bfloat16 has float32's range.
        self.scales_loss = spec.dtype_policy == "mixed_float16"
        if self.scales_loss:
            self.optimizer = keras.optimizers.LossScaleOptimizer(self.optimizer)
        # Only graphs made of skdense's own solvers are known to run on TensorFlow's
        # single-threaded executor; a user's optimizer may branch.
        self.inline_safe = optimizer_spec.instance is None and not self.scales_loss
        if optimizer_spec.instance is None:
            self.compiled_identity = repr((spec, loss, optimizer_spec, device))
        self._set_up()

    def batch_loss(self, y, outputs, sample_weight, penalties=()):
        return _losses.batch_loss(self.loss, y, outputs, sample_weight, penalties)

    def set_penalty(self, l1, l2):
        """This fit's strengths of the penalties the spec names (see ``NetworkSpec``)."""
        if (bool(l1), bool(l2)) != self._penalized:
            raise ValueError(f"network built for penalties {self._penalized}, got {(l1, l2)}")
        self.engine.sync_variables()
        self.penalty_strengths.assign(np.array([l1, l2], dtype=np.float32))

    def weight_penalty_terms(self, trainable, runtime_values):
        # Keras's L1L2 regularizer on each kernel: l1 * |w| + l2 * w^2, element by element.
        if not any(self._penalized):
            return []
        (strengths,) = runtime_values
        terms = []
        for i in self._kernels:
            kernel = keras.ops.cast(trainable[i], "float32")
            parts = []
            if self._penalized[0]:
                parts.append(strengths[0] * keras.ops.abs(kernel))
            if self._penalized[1]:
                parts.append(strengths[1] * keras.ops.square(kernel))
            terms.append(parts[0] if len(parts) == 1 else parts[0] + parts[1])
        return terms

    def reset(self, random_state):
        """Fresh weights and optimizer state, drawn from ``random_state`` (a RandomState)."""
        self.engine.sync_variables()
        self.model.set_weights(initial_weights(self.model, self.spec, random_state))
        reseed_dropout(self.model, random_state)
        self.set_optimizer_state(self._initial_optimizer_state)

    def per_sample_loss(self, y, outputs):
        return _losses.per_sample_loss(self.loss, y, outputs)


# --- lending compiled networks ---------------------------------------------------------------


@contextlib.contextmanager
def borrow_network(spec, loss, optimizer_spec, device):
    """Lend a compiled network for ``spec`` on ``device``, built only if none is idle.

    Call it inside :func:`skdense._runtime.device_scope` for ``device``. The network is the
    borrower's alone until the block exits; its weights are whatever the previous borrower
    left, so callers always ``reset`` or ``load`` first.
    """
    # Networks that differ only in the strengths of their penalties share one: the pooled
    # network is built for unit strengths of the penalties the spec has, and told this fit's.
    pooled = dataclasses.replace(spec, l1=float(bool(spec.l1)), l2=float(bool(spec.l2)))
    key = (pooled, loss, optimizer_spec, device)
    with _pool.borrow(
        key, lambda: CompiledNetwork(pooled, loss, optimizer_spec, device)
    ) as network:
        network.set_penalty(spec.l1, spec.l2)
        yield network


def predict_logits(spec, loss, optimizer_spec, device, weights, x):
    """Logits of a fitted network for ``x``, reusing a pooled network for ``spec``."""
    with borrow_network(spec, loss, optimizer_spec, device) as network:
        network.model.set_weights(weights)
        return network.predict_logits(x)
