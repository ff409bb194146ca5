"""A user's Keras model on skdense's training core. No scikit-learn here.

A user's model reaches the core as plain data, a :class:`KerasArchitecture`: the model's
Keras configuration, its loss and its optimizer, each serialized to JSON by Keras. The pool
(:func:`skdense._pool.borrow`) keys networks by that record, with the layer names that
Keras numbers per process (``dense_7``) replaced by their positions, so that rebuilding the
same model (each fold of a grid search calls the build function again) reuses one compiled
network. Weights always travel separately, as numpy arrays.
"""

import contextlib
import inspect
import json
import math
import random

import keras
import numpy as np
from keras import ops

from skdense import _keras_metrics, _runtime
from skdense._pool import BUILD_LOCK, borrow
from skdense._spec import KerasArchitecture
from skdense._training import TrainableNetwork

# Keras's optimizers whose update has no data-dependent branch: TensorFlow may run their
# steps on its single-threaded executor (see skdense._backends.tensorflow.step_executor).
_INLINE_SAFE_OPTIMIZERS = ("SGD", "Adam", "AdamW", "Nadam", "RMSprop", "Adagrad")


def _json(obj, what):
    try:
        return json.dumps(keras.saving.serialize_keras_object(obj), sort_keys=True)
    except TypeError as error:
        raise TypeError(
            f"The {what} {obj!r} cannot be serialized to a Keras configuration ({error}); "
            "skdense stores fitted models as their configuration plus weights. Use Keras "
            "objects that implement get_config()."
        ) from error


def _canonical_names(config, names):
    """``config`` (from JSON) with each layer name in ``names`` replaced by its position."""
    if isinstance(config, dict):
        return {
            key: names.get(value, value)
            if key == "name" and isinstance(value, str)
            else _canonical_names(value, names)
            for key, value in config.items()
        }
    if isinstance(config, list):
        # [layer name, node index, tensor index]: a functional model's connections
        if config and isinstance(config[0], str) and all(isinstance(i, int) for i in config[1:]):
            return [names.get(config[0], config[0]), *config[1:]]
        return [_canonical_names(item, names) for item in config]
    return config


def architecture(model, loss, optimizer, n_features, n_targets, metrics="[]"):
    """The :class:`KerasArchitecture` of a built ``model`` trained with ``loss`` and
    ``optimizer`` (Keras objects) on ``n_targets`` columns of encoded targets, measured with
    ``metrics`` (serialized by :func:`skdense._keras_metrics.serialize`)."""
    model_config = _json(model, "model")
    names = {
        model.name: "model",
        **{layer.name: f"layer_{i}" for i, layer in enumerate(model.layers)},
    }
    canonical = json.dumps(_canonical_names(json.loads(model_config), names), sort_keys=True)
    config = optimizer.get_config()
    rate = config.get("learning_rate")
    learning_rate = None if isinstance(rate, dict) else float(rate)
    if learning_rate is not None:
        config.pop("learning_rate")
    config.pop("name", None)
    optimizer_key = json.dumps([type(optimizer).__name__, config], sort_keys=True, default=repr)
    return KerasArchitecture(
        model=canonical,
        loss=_json(loss, "loss"),
        optimizer=optimizer_key,
        n_features=int(n_features),
        n_targets=int(n_targets),
        model_config=model_config,
        optimizer_config=_json(optimizer, "optimizer"),
        learning_rate=learning_rate,
        metrics=metrics,
    )


def values(variables):
    """Keras variables' values as numpy arrays (see ``_training._values``)."""
    return _runtime.backend().values(variables)


def deserialize(serialized):
    """A Keras object from JSON written by :func:`architecture`."""
    try:
        return keras.saving.deserialize_keras_object(json.loads(serialized))
    except TypeError as error:
        if "Could not locate" not in str(error):
            raise
        # Keras finds a custom class only once its registering module has run, and never
        # imports one itself (nor does skdense: a file's contents must not choose imports).
        raise TypeError(
            "The model uses a custom Keras class or function that is not registered in this "
            "process. Import the module that defines it, decorated with "
            "@keras.saving.register_keras_serializable(package=...), before fitting, "
            f"predicting or loading. Keras says: {error}"
        ) from None


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):  # a nested model
            yield from _all_layers(layer)


def _is_keras_class(cls):
    return cls.__module__ == "keras" or cls.__module__.startswith("keras.")


def check_serializable_layers(model):
    """Raise a ``TypeError`` naming each custom layer class of ``model`` that Keras could
    not rebuild from the model's configuration, which is how skdense trains, predicts and
    stores it."""
    unregistered = sorted(
        {
            f"{cls.__module__}.{cls.__qualname__}"
            for cls in (type(layer) for layer in [model, *_all_layers(model)])
            if not _is_keras_class(cls)
            and keras.saving.get_registered_object(keras.saving.get_registered_name(cls))
            is not cls
        }
    )
    if unregistered:
        raise TypeError(
            f"The model uses custom Keras classes that are not registered: "
            f"{', '.join(unregistered)}. skdense rebuilds the model from its configuration "
            "(to train it, and when a fitted estimator is loaded), which Keras can do only "
            "for registered classes: decorate each with "
            "@keras.saving.register_keras_serializable(package=...), in a module that is "
            "imported wherever the estimator is loaded, and give it get_config() when its "
            "constructor takes arguments."
        )


def model_sizes(model):
    """``(input features, output units)`` of a built model; ``None`` for a size that its
    shapes do not fix (several inputs, unknown dimensions, a subclassed model)."""

    def size(shape):
        if not isinstance(shape, tuple) or any(d is None for d in shape[1:]):
            return None  # a list of shapes (several inputs or outputs), or unknown
        return math.prod(shape[1:])

    def shape(name):
        try:
            return getattr(model, name, None)
        except (ValueError, RuntimeError):  # Keras raises for a model it cannot tell
            return None

    return size(shape("input_shape")), size(shape("output_shape"))


class KerasNetwork(TrainableNetwork):
    """A pooled network for a user's model: trained on the model's own outputs."""

    def __init__(self, architecture, device="/CPU:0"):
        self.architecture = architecture
        self.device = device
        self.model = deserialize(architecture.model)
        self.training_model = self.model
        self.optimizer = optimizer = deserialize(architecture.optimizer_config)
        self._unreduced_loss = unreduced(keras.losses.get(json.loads(architecture.loss)))
        self.n_features = architecture.n_features
        self.n_outputs = math.prod(self.model.output_shape[1:])
        self.n_weights = sum(math.prod(v.shape) for v in self.model.trainable_weights)
        layers = list(_all_layers(self.model))
        self.exact_last_batch = any(
            isinstance(layer, keras.layers.BatchNormalization) for layer in layers
        )
        self.scales_loss = self.model.dtype_policy.name == "mixed_float16"
        if self.scales_loss:
            self.optimizer = keras.optimizers.LossScaleOptimizer(self.optimizer)
        self.inline_safe = (
            type(optimizer).__name__ in _INLINE_SAFE_OPTIMIZERS
            and not self.scales_loss
            and all(type(layer).__module__.startswith("keras.") for layer in layers)
        )
        self._set_up()

    def per_sample_loss(self, y, outputs):
        y = ops.reshape(y, (-1, self.architecture.n_targets))
        losses = self._unreduced_loss(y, ops.cast(outputs, "float32"))
        if len(losses.shape) > 1:  # per time step or position: their mean, as Keras takes
            losses = ops.mean(ops.reshape(losses, (ops.shape(losses)[0], -1)), axis=1)
        return losses

    def batch_loss(self, y, outputs, sample_weight, penalties=()):
        """The weighted mean of the model's loss over the batch, plus its regularization
        penalties as Keras adds them (unscaled)."""
        total = ops.sum(self.per_sample_loss(y, outputs) * sample_weight)
        loss = ops.divide_no_nan(total, ops.sum(sample_weight))
        if penalties:
            loss = loss + ops.sum(ops.stack([ops.cast(p, "float32") for p in penalties]))
        return loss


def unreduced(loss):
    """``loss`` (a Keras loss function or ``Loss``) as a function returning one value per
    sample, which the caller weights."""
    if isinstance(loss, keras.losses.Loss):
        config = {**loss.get_config(), "reduction": None}
        per_sample = type(loss).from_config(config)
        return lambda y, outputs: per_sample(y, outputs)
    return loss


@contextlib.contextmanager
def borrow_keras_network(architecture, device):
    """Lend the pooled network for ``architecture`` on ``device`` (see ``borrow``)."""
    with borrow(("keras", architecture, device), lambda: KerasNetwork(architecture, device)) as n:
        yield n


@contextlib.contextmanager
def seeded(seed):
    """Python's and numpy's global random streams seeded with ``seed`` inside the block and
    restored after it: Keras draws the seeds of initializers and dropout layers created
    without one from Python's stream, so a build function then builds the same model."""
    # One build at a time (see BUILD_LOCK): fits on threads would otherwise draw from each
    # other's seeded streams.
    with BUILD_LOCK:
        python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
        random.seed(seed)
        np.random.seed(seed)  # noqa: NPY002 - build functions may draw from it
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)  # noqa: NPY002


# --- a fit's Keras objects from the estimator's parameters -----------------------------------


def optimizer_class(optimizer):
    """The Keras optimizer class named or given by ``optimizer`` (``None``: an instance)."""
    if isinstance(optimizer, str):
        return type(keras.optimizers.get(optimizer))
    return optimizer if isinstance(optimizer, type) else None


def make_optimizer(optimizer, options):
    """A new optimizer from a name, class or instance, with ``optimizer__*`` ``options``."""
    cls = optimizer_class(optimizer)
    if cls is None:  # an instance: a copy, never the user's object, which would be trained
        return type(optimizer).from_config({**optimizer.get_config(), **options})
    return cls(**options)


def loss_class(loss):
    """The Keras ``Loss`` class named or given by ``loss`` (``None``: an instance or a
    function, which take no options)."""
    if isinstance(loss, type):
        return loss
    if not isinstance(loss, str):
        return None
    found = keras.losses.get(loss)
    if isinstance(found, keras.losses.Loss):
        return type(found)
    # A loss function's name, as "sparse_categorical_crossentropy": its class's, unspaced.
    classes = {
        name.lower(): obj
        for name, obj in vars(keras.losses).items()
        if isinstance(obj, type) and issubclass(obj, keras.losses.Loss)
    }
    return classes.get(found.__name__.replace("_", ""))


def make_loss(loss, options):
    """A Keras loss from a name, class, instance or function, with ``loss__*`` ``options``."""
    cls = loss_class(loss)
    if cls is not None:
        return cls(**options)
    return keras.losses.get(loss) if isinstance(loss, str) else loss


def make_callbacks(callbacks, options):
    """Callback instances as given, classes made with the ``callbacks__*`` ``options`` that
    they declare."""
    made = []
    for callback in callbacks or ():
        if isinstance(callback, type):
            names = inspect.signature(callback).parameters
            callback = callback(**{k: v for k, v in options.items() if k in names})
        made.append(callback)
    return made


def prepared_model(model, n_features):
    """``(model, loss, optimizer, metrics)`` of a build function's model: built for
    ``n_features`` inputs, and with its own loss, optimizer and serialized metrics (``None``
    when it has none) when the build function compiled it."""
    if not model.built:
        model.build((None, n_features))
    if getattr(model, "compiled", False) and model.loss is not None:
        metrics = model.get_compile_config().get("metrics")
        metrics = json.dumps(metrics, sort_keys=True) if metrics else None
        return model, make_loss(model.loss, {}), model.optimizer, metrics
    return model, None, None, None


def standalone_model(architecture, weights):
    """``model_``: a new Keras model from the user's configuration and ``weights``, compiled
    with its loss and optimizer so that ``evaluate`` and ``fit`` work on it."""
    model = deserialize(architecture.model_config)
    model.set_weights(weights)
    model.compile(
        loss=keras.losses.get(json.loads(architecture.loss)),
        optimizer=deserialize(architecture.optimizer_config),
        metrics=_keras_metrics.deserialize(architecture.metrics),
    )
    return model
