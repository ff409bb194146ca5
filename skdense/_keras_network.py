"""A user's Keras model on skdense's training core. No scikit-learn here.

A user's model reaches the core as plain data, a :class:`KerasArchitecture`: the model's
Keras configuration, its loss and its optimizer, each serialized to JSON by Keras. The pool
(:func:`skdense._pool.borrow`) keys networks by that record, with the layer names that
Keras numbers per process (``dense_7``) replaced by their positions, so that rebuilding the
same model (each fold of a grid search calls the build function again) reuses one compiled
network. Weights always travel separately, as numpy arrays.
"""

import contextlib
import json
import math

import keras
from keras import ops

from skdense import _keras_metrics, _runtime
from skdense._pool import borrow
from skdense._spec import KerasArchitecture, keras_array_warning_ignored
from skdense._training import TrainableNetwork

# Keras's optimizers whose update has no data-dependent branch: TensorFlow may run their
# steps on its single-threaded executor (see
# skdense._backends.tensorflow_compilation.step_executor).
_INLINE_SAFE_OPTIMIZERS = ("SGD", "Adam", "AdamW", "Nadam", "RMSprop", "Adagrad")


@contextlib.contextmanager
def keras_serialization():
    """The block in which skdense serializes Keras objects: numpy 2's ``__array__`` warning
    ignored (see :func:`~skdense._spec.keras_array_warning_ignored`), in the backend's
    :func:`serialization_scope` (on JAX: Keras kept from importing TensorFlow)."""
    with keras_array_warning_ignored(), _runtime.backend().serialization_scope():
        yield


def _json(obj, what):
    try:
        return json.dumps(keras.saving.serialize_keras_object(obj), sort_keys=True)
    except TypeError as error:
        raise TypeError(
            f"The {what} {obj!r} cannot be serialized to a Keras configuration ({error}); "
            "skdense stores fitted models as their configuration plus weights. Use Keras "
            "objects that implement get_config()."
        ) from error


def _layer_names(config, names=None):
    """``{layer name: "layer_<position>"}`` for every layer in ``config`` (from JSON), nested
    models' included, in the order the configuration lists them: a Sequential model's
    ``Input`` is in its configuration, though not in ``model.layers``."""
    names = {} if names is None else names
    if isinstance(config, dict):
        # A dict of inputs or outputs is keyed by its tensors' names (Keras warns otherwise):
        # they are the user's, so the same at each build, and stay.
        kept = {
            key
            for ports in ("input_layers", "output_layers")
            if isinstance(config.get(ports), dict)
            for key in config[ports]
        }
        for layer in config.get("layers") or ():
            name = layer.get("config", {}).get("name") if isinstance(layer, dict) else None
            if isinstance(name, str) and name not in names and name not in kept:
                names[name] = f"layer_{len(names)}"
        for value in config.values():
            _layer_names(value, names)
    elif isinstance(config, list):
        for item in config:
            _layer_names(item, names)
    return names


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


def architecture(
    model, loss, optimizer, n_features, n_targets, metrics="[]", ports=(None, (), ())
):
    """The :class:`KerasArchitecture` of a built ``model`` trained with ``loss`` (a Keras
    loss, or a list of one per output) and ``optimizer`` on ``n_targets`` columns of
    encoded targets, measured with ``metrics`` (serialized by
    :func:`skdense._keras_metrics.serialize`); ``ports`` are its ``(ModelInputs,
    ModelOutput records, loss weights)`` when it has several inputs or outputs."""
    with keras_serialization():
        return _architecture(model, loss, optimizer, n_features, n_targets, metrics, ports)


def _architecture(model, loss, optimizer, n_features, n_targets, metrics, ports):
    model_config = _json(model, "model")
    names = {model.name: "model", **_layer_names(json.loads(model_config))}
    canonical = json.dumps(_canonical_names(json.loads(model_config), names), sort_keys=True)
    config = optimizer.get_config()
    rate = config.get("learning_rate")
    learning_rate = None if isinstance(rate, dict) else float(rate)
    if learning_rate is not None:
        config.pop("learning_rate")
    config.pop("name", None)
    optimizer_key = json.dumps([type(optimizer).__name__, config], sort_keys=True, default=repr)
    inputs, outputs, loss_weights = ports
    if isinstance(loss, list):
        serialized_loss = json.dumps([json.loads(_json(item, "loss")) for item in loss])
    else:
        serialized_loss = _json(loss, "loss")
    return KerasArchitecture(
        model=canonical,
        loss=serialized_loss,
        optimizer=optimizer_key,
        n_features=int(n_features),
        n_targets=int(n_targets),
        model_config=model_config,
        optimizer_config=_json(optimizer, "optimizer"),
        learning_rate=learning_rate,
        metrics=metrics,
        inputs=inputs,
        outputs=tuple(outputs),
        loss_weights=tuple(loss_weights),
        output_layer_names=tuple(
            (names[name], name)
            for name in (getattr(model, "output_names", None) or ())
            if name in names
        ),
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


class KerasNetwork(TrainableNetwork):
    """A pooled network for a user's model: trained on the model's own outputs."""

    def __init__(self, architecture, device="/CPU:0"):
        self.architecture = architecture
        self.device = device
        self.model = deserialize(architecture.model)
        # A subclassed model (no ``inputs``) has no output shape until called symbolically.
        wrapped = (
            architecture.inputs is not None
            or architecture.outputs
            or getattr(self.model, "inputs", None) is None
        )
        self.training_model = packed_model(self.model, architecture) if wrapped else self.model
        self.optimizer = optimizer = deserialize(architecture.optimizer_config)
        self._unreduced_losses = [unreduced(loss) for loss in losses(architecture)]
        self._loss_weights = architecture.loss_weights or (1.0,) * len(self._unreduced_losses)
        self.n_features = architecture.n_features
        self.n_outputs = math.prod(self.training_model.output_shape[1:])
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
        outputs = ops.cast(outputs, "float32")
        if not self.architecture.outputs:
            return _per_row(self._unreduced_losses[0](y, outputs))
        # Several outputs: Keras's total, each output's loss times its weight, row by row.
        total, start = 0.0, 0
        for output, loss, weight in zip(
            self.architecture.outputs, self._unreduced_losses, self._loss_weights, strict=True
        ):
            predicted = ops.reshape(outputs[:, start : start + output.size], (-1, *output.shape))
            start += output.size
            target = y[:, output.target_start : output.target_stop]
            if output.target_stop - output.target_start == output.size:
                target = ops.reshape(target, (-1, *output.shape))
            total = total + weight * _per_row(loss(target, predicted))
        return total

    def structured(self, y, outputs):
        """Encoded targets and packed outputs (numpy) as lists, one entry per model output
        (as Keras's metrics take them), or as they are for one output."""
        if not self.architecture.outputs:
            return y, outputs
        ys, predictions, start = [], [], 0
        for output in self.architecture.outputs:
            ys.append(y[:, output.target_start : output.target_stop])
            predictions.append(outputs[:, start : start + output.size].reshape(-1, *output.shape))
            start += output.size
        return ys, predictions

    def batch_loss(self, y, outputs, sample_weight, penalties=()):
        """The weighted mean of the model's loss over the batch, plus its regularization
        penalties as Keras adds them (unscaled)."""
        total = ops.sum(self.per_sample_loss(y, outputs) * sample_weight)
        loss = ops.divide_no_nan(total, ops.sum(sample_weight))
        if penalties:
            loss = loss + ops.sum(ops.stack([ops.cast(p, "float32") for p in penalties]))
        return loss


def _per_row(losses):
    """Per-row losses; a loss per time step or position becomes their mean, as in Keras."""
    if len(losses.shape) > 1:
        losses = ops.mean(ops.reshape(losses, (ops.shape(losses)[0], -1)), axis=1)
    return losses


def losses(architecture):
    """The architecture's losses as Keras objects: one per output, or the one loss."""
    config = json.loads(architecture.loss)
    items = config if isinstance(config, list) else [config]
    return [keras.losses.get(item) for item in items]


def packed_model(model, architecture):
    """A functional model around the user's ``model``: the packed matrix of all its inputs
    in (sliced and reshaped into them), all its outputs out, flattened side by side. It
    shares the user's layers and variables, so training it trains them."""
    packed = keras.Input((architecture.n_features,))
    inputs = architecture.inputs
    if inputs is None:
        arguments = packed
    else:
        tensors = [ops.reshape(packed[:, s.start : s.stop], (-1, *s.shape)) for s in inputs.slots]
        if inputs.call == "dict":
            arguments = {slot.key: t for slot, t in zip(inputs.slots, tensors, strict=True)}
        else:
            arguments = tensors[0] if inputs.call == "tensor" else tensors
    outputs = [
        ops.reshape(o, (-1, math.prod(o.shape[1:]))) for o in keras.tree.flatten(model(arguments))
    ]
    return keras.Model(packed, outputs[0] if len(outputs) == 1 else ops.concatenate(outputs, 1))


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


def standalone_model(architecture, weights):
    """``model_``: a new Keras model from the user's configuration and ``weights``, compiled
    with its loss and optimizer so that ``evaluate`` and ``fit`` work on it."""
    model = deserialize(architecture.model_config)
    model.set_weights(weights)
    model_losses = losses(architecture)
    model.compile(
        loss=model_losses if architecture.outputs else model_losses[0],
        loss_weights=list(architecture.loss_weights) or None,
        optimizer=deserialize(architecture.optimizer_config),
        metrics=_keras_metrics.deserialize(architecture.metrics),
    )
    return model
