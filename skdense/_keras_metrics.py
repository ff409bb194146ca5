"""A user's Keras ``metrics``, measured after each epoch. No scikit-learn here.

Keras updates its compiled metrics batch by batch inside the training step; skdense's
compiled epoch computes the loss only, so that one compiled epoch serves every metric list.
Each metric is therefore measured once per epoch, with the weights the epoch ended on and the
model in inference mode: on the training rows by one extra prediction pass, and on the
validation rows from the predictions the loop already makes for ``val_loss``. As Keras's
``metrics`` (not its ``weighted_metrics``), they ignore sample weights.

Metrics are named as Keras names them in ``history``: a string by itself (``"acc"`` stays
``acc``), an object by its ``name``, a function by its ``__name__``.
"""

import json

import keras
import numpy as np


def serialize(metrics):
    """The ``metrics`` list (strings, ``keras.metrics.Metric`` instances or functions) as
    JSON: strings as they are, objects as their Keras configuration."""
    items = []
    for metric in metrics or ():
        if isinstance(metric, str):
            items.append(metric)
            continue
        try:
            items.append(keras.saving.serialize_keras_object(metric))
        except TypeError as error:
            raise TypeError(
                f"The metric {metric!r} cannot be serialized to a Keras configuration "
                f"({error}). Pass metrics by name, as keras.metrics objects, or as functions "
                "decorated with @keras.saving.register_keras_serializable(package=...)."
            ) from error
    return json.dumps(items, sort_keys=True)


def deserialize(serialized):
    """The metrics list written by :func:`serialize`, objects rebuilt (``None`` if empty):
    what ``keras.Model.compile`` takes (a dict there would mean metrics by output)."""
    items = [
        item if isinstance(item, str) else keras.saving.deserialize_keras_object(item)
        for item in json.loads(serialized)
    ]
    return items or None


def instantiate(metrics, shared_options, options_by_position):
    """``metrics`` with each class made with its ``metrics__*`` options (scikeras's routing:
    ``shared_options`` go to every class, ``options_by_position[i]`` to the ``i``-th) and
    each instance copied, so that measuring never changes the user's object."""
    made = []
    for position, metric in enumerate(metrics or ()):
        if isinstance(metric, type):
            metric = metric(**{**shared_options, **options_by_position.get(position, {})})
        elif isinstance(metric, keras.metrics.Metric):
            metric = type(metric).from_config(metric.get_config())
        made.append(metric)
    return made


class EpochMetrics:
    """Measures serialized ``metrics`` (see :func:`serialize`) on a network's outputs.

    Made per fit, inside its device scope, for the network it borrowed: the metrics are
    compiled into the network's model, as Keras's ``fit`` has them, so that Keras resolves
    ``"accuracy"`` by the shapes of targets and outputs, names them, and callbacks that
    look for a metric in the model (``EarlyStopping``'s ``mode="auto"``) find it. Compiling
    only attaches metrics and the network's own optimizer: nothing is traced. Each
    measurement starts from reset states, so a value is that of the rows given alone.
    """

    def __init__(self, serialized, network):
        self.model = network.model
        self.network = network
        self.n_targets = network.architecture.n_targets
        self.metrics = deserialize(serialized)
        # Also with no metrics: the pooled model may hold the previous fit's.
        self.model.compile(optimizer=network.optimizer, metrics=self.metrics)

    def __bool__(self):
        return bool(self.metrics)

    def _measure(self, y, outputs, prefix):
        y = np.asarray(y).reshape(len(y), self.n_targets)
        y, outputs = self.network.structured(y, outputs)  # one entry per model output
        self.model.reset_metrics()
        results = self.model.compute_metrics(None, y, outputs)
        return {
            prefix + self._user_name(name): float(keras.ops.convert_to_numpy(value))
            for name, value in results.items()
            if name != "loss"  # the loss tracker of Keras's own loop, unused here
        }

    def _user_name(self, name):
        """A per-output metric's name (``layer_3_mae``) with the output layer's own name
        (``price_mae``), as the user's model names it."""
        for position_name, user_name in self.network.architecture.output_layer_names:
            if name.startswith(position_name + "_"):
                return user_name + name[len(position_name) :]
        return name

    def __call__(self, network, data, validation=None):
        """``{name: value}`` on the training ``data`` and, given ``(validation data, its
        outputs)``, ``{val_name: value}`` on the validation rows."""
        logs = self._measure(data.y, network.predict_logits(data.x), "")
        if validation is not None:
            validation_data, outputs = validation
            logs.update(self._measure(validation_data.y, outputs, "val_"))
        return logs
