"""Raw Keras as a peer: the network every peer trains, and the thinnest estimator around it;
and W6's build function, which skdense's and scikeras's ``KerasClassifier`` wrap.

``KerasDenseClassifier`` and ``KerasDenseRegressor`` are what a user writes to put a plain
Keras model into ``GridSearchCV`` or ``cross_val_score`` without scikeras: every ``fit``
builds and compiles a fresh model (as a hand-written loop over folds does) and calls the
default ``model.fit``. ``steps_per_execution`` is passed to ``compile``; ``"epoch"`` runs a
whole epoch per call, the most Keras itself offers against per-step overhead.
"""

import math

import keras
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin


def make_optimizer(solver, learning_rate):
    """Adam, or SGD with scikit-learn's defaults (momentum 0.9, Nesterov)."""
    if solver == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate)
    if solver == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9, nesterov=True)
    raise ValueError(f"solver must be 'adam' or 'sgd'; got {solver!r}")


def build_model(n_features, hidden_layer_sizes, task, n_classes, solver, learning_rate, **options):
    """A compiled dense network: ReLU hidden layers and the output layer ``task`` needs."""
    layers = [keras.Input(shape=(n_features,))]
    layers += [keras.layers.Dense(units, activation="relu") for units in hidden_layer_sizes]
    if task == "binary":
        layers.append(keras.layers.Dense(1, activation="sigmoid"))
        loss = "binary_crossentropy"
    elif task == "multiclass":
        layers.append(keras.layers.Dense(n_classes, activation="softmax"))
        loss = "sparse_categorical_crossentropy"
    else:
        layers.append(keras.layers.Dense(1))
        loss = "mean_squared_error"
    model = keras.Sequential(layers)
    model.compile(optimizer=make_optimizer(solver, learning_rate), loss=loss, **options)
    return model


def scikeras_model(hidden_layer_sizes, solver, learning_rate, meta):
    """The same network as a scikeras model function (compiled, so scikeras keeps it)."""
    target_type = meta["target_type_"]
    task = {"binary": "binary", "multiclass": "multiclass"}.get(target_type, "regression")
    return build_model(
        meta["n_features_in_"],
        hidden_layer_sizes,
        task,
        meta.get("n_classes_"),
        solver,
        learning_rate,
    )


def hidden_layer_network(hidden_units, meta):
    """W6's build function, shared by skdense's and scikeras's ``KerasClassifier``.

    Uncompiled: each wrapper compiles it with its ``optimizer`` and ``loss``. It lives in a
    module the worker processes import, as a user's build function lives in theirs.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(meta["n_features_in_"],)),
            keras.layers.Dense(hidden_units, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


class _KerasDense(BaseEstimator):
    """Build, compile and ``model.fit`` a fresh Keras network on each ``fit``."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        solver="adam",
        learning_rate=1e-3,
        epochs=10,
        batch_size=32,
        steps_per_execution=1,
        warm_start=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.solver = solver
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.steps_per_execution = steps_per_execution
        self.warm_start = warm_start

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float32)
        targets = self._encode(y)
        if not (self.warm_start and hasattr(self, "model_")):
            steps = self.steps_per_execution
            if steps == "epoch":
                steps = math.ceil(len(X) / self.batch_size)
            self.model_ = build_model(
                X.shape[1],
                self.hidden_layer_sizes,
                self._task,
                len(getattr(self, "classes_", ())),
                self.solver,
                self.learning_rate,
                steps_per_execution=steps,
            )
        self.model_.fit(X, targets, batch_size=self.batch_size, epochs=self.epochs, verbose=0)
        return self

    def _outputs(self, X):
        return self.model_.predict(np.asarray(X, dtype=np.float32), verbose=0)


class KerasDenseClassifier(ClassifierMixin, _KerasDense):
    """Raw Keras classifier: sigmoid output for two classes, softmax for more."""

    def _encode(self, y):
        classes, encoded = np.unique(y, return_inverse=True)
        if not (self.warm_start and hasattr(self, "classes_")):
            self.classes_ = classes
        return encoded.astype(np.float32 if len(self.classes_) == 2 else np.int32)

    @property
    def _task(self):
        return "binary" if len(self.classes_) == 2 else "multiclass"

    def predict(self, X):
        outputs = self._outputs(X)
        if outputs.shape[1] == 1:
            return self.classes_[(outputs[:, 0] > 0.5).astype(int)]
        return self.classes_[np.argmax(outputs, axis=1)]


class KerasDenseRegressor(RegressorMixin, _KerasDense):
    """Raw Keras regressor: one linear output, mean squared error."""

    _task = "regression"

    def _encode(self, y):
        return np.asarray(y, dtype=np.float32)

    def predict(self, X):
        return self._outputs(X)[:, 0]
