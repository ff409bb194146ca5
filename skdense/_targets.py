"""Targets <-> what the network trains on and outputs. No Keras here.

Each encoder turns ``y`` into a 2-D float32 array for the training loop, names the loss and the
output activation, and turns the network's logits back into predictions. Classifiers use
scikit-learn's label utilities, so labels may be of any type (strings, pandas categoricals).
Probabilities and predictions come in the dtype of the logits they are given (the estimator
casts them to scikit-learn's output dtype); they are computed in float64.
"""

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target


def class_weighted(sample_weight, class_weight, y):
    """``sample_weight`` (float32) times each row's ``class_weight`` (a dict or "balanced",
    as scikit-learn's ``compute_sample_weight`` takes it; None leaves it as it is)."""
    if class_weight is None:
        return sample_weight
    return sample_weight * compute_sample_weight(class_weight, y).astype(np.float32)


def _label_encoding(y, kind, classes=None):
    """``(kind, classes_, encoder)`` for class labels ``y`` of ``type_of_target`` ``kind``.

    ``classes`` (``partial_fit``'s) fixes the classes and so the kind: two classes are binary
    even if the first chunk holds one. Multilabel indicator columns are their own classes.
    """
    if kind == "multilabel-indicator":
        return kind, np.arange(y.shape[1]), None
    encoder = LabelEncoder().fit(np.ravel(y) if classes is None else classes)
    if classes is not None:
        kind = "binary" if len(encoder.classes_) <= 2 else "multiclass"
    return kind, encoder.classes_, encoder


class ClassTargets:
    """Binary, multiclass or multilabel targets.

    Binary targets train one logistic unit, multiclass targets a softmax over classes (with
    integer labels, so no one-hot matrix is ever built), multilabel indicator matrices one
    logistic unit per label. A single class (``one_class_allowed``, as scikit-learn's
    ``MLPClassifier`` allows) trains one logistic unit towards 0 and always predicts it.
    """

    score_name = "accuracy"

    def __init__(self, y, classes=None, one_class_allowed=False):
        check_classification_targets(y)
        self.kind = type_of_target(y)
        self.kind, self.classes_, self._encoder = _label_encoding(y, self.kind, classes)
        if self.one_class and not one_class_allowed:
            raise ValueError(
                "The number of classes has to be greater than one; got "
                f"{len(self.classes_)} class: {self.classes_[0]!r}."
            )

    @property
    def one_class(self):
        return len(self.classes_) == 1 and self.kind != "multilabel-indicator"

    @property
    def n_outputs(self):
        return 1 if self.kind == "binary" else len(self.classes_)

    @property
    def loss(self):
        return "categorical_crossentropy" if self.kind == "multiclass" else "binary_crossentropy"

    @property
    def out_activation(self):
        return "softmax" if self.kind == "multiclass" else "logistic"

    def check_compatible(self, y, warm_start_fit=False):
        """Raise when ``y`` (from ``partial_fit`` or a warm start) has unknown labels; a
        warm-started ``fit`` needs exactly the classes of the previous one, as in
        scikit-learn (``partial_fit`` chunks may lack some)."""
        if self.kind == "multilabel-indicator":
            if type_of_target(y) != "multilabel-indicator" or y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y must be a multilabel indicator matrix with {len(self.classes_)} columns, "
                    "as in the first fit."
                )
            return
        labels = np.unique(np.ravel(y))
        if warm_start_fit and set(labels) != set(self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit. Previously got {self.classes_}, `y` has {labels}"
            )
        unseen = np.setdiff1d(labels, self.classes_)
        if unseen.size:
            raise ValueError(
                f"y contains labels not seen in the first fit: {unseen.tolist()}; expected a "
                f"subset of classes_ {self.classes_.tolist()}. Pass every label to the first "
                "partial_fit call with `classes=`."
            )

    def encode(self, y):
        if self.kind == "multilabel-indicator":
            return np.asarray(y, dtype=np.float32)
        return self._encoder.transform(np.ravel(y)).astype(np.float32)[:, None]

    def proba(self, logits):
        return self._in_dtype_of(logits, self._proba(logits.astype(np.float64)))

    def _proba(self, logits):
        if self.one_class:
            return np.ones((len(logits), 1))
        if self.kind == "multiclass":
            return softmax(logits, axis=1)
        if self.kind == "binary":
            positive = expit(logits[:, 0])
            return np.column_stack([1.0 - positive, positive])
        return expit(logits)

    def log_proba(self, logits):
        return self._in_dtype_of(logits, self._log_proba(logits.astype(np.float64)))

    def _log_proba(self, logits):
        if self.one_class:
            return np.zeros((len(logits), 1))
        if self.kind == "multiclass":
            return log_softmax(logits, axis=1)
        if self.kind == "binary":
            return np.column_stack([log_expit(-logits[:, 0]), log_expit(logits[:, 0])])
        return log_expit(logits)

    @staticmethod
    def _in_dtype_of(logits, values):
        return values.astype(logits.dtype, copy=False)

    def decision(self, logits):
        return logits[:, 0] if self.kind == "binary" else logits

    def predict(self, logits):
        if self.kind == "multilabel-indicator":
            return (logits > 0).astype(int)
        if self.one_class:
            return np.repeat(self.classes_, len(logits))
        if self.kind == "binary":
            indices = (logits[:, 0] > 0).astype(int)
        else:
            indices = np.argmax(logits, axis=1)
        return self.classes_[indices]

    def score(self, logits, y, sample_weight=None):
        """Accuracy; NaN when the logits are not finite (a diverged network), which
        scikit-learn's MLP records as a validation score too and never takes as the best."""
        if not np.isfinite(logits).all():
            return np.nan
        return accuracy_score(y, self.predict(logits), sample_weight=sample_weight)


class RegressionTargets:
    """Single- or multi-output real targets; the Poisson loss predicts through ``exp``."""

    score_name = "r2"

    def __init__(self, y, loss):
        self.n_outputs = 1 if y.ndim == 1 else y.shape[1]
        self.loss = loss
        self.out_activation = "exp" if loss == "poisson" else "identity"
        if loss == "poisson" and np.any(np.asarray(y) < 0):
            raise ValueError("loss='poisson' requires non-negative y (counts or rates).")

    def check_compatible(self, y, warm_start_fit=False):
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != self.n_outputs:
            raise ValueError(
                f"y has {n_outputs} output(s) but the network was fitted with {self.n_outputs}."
            )

    def encode(self, y):
        return np.asarray(y, dtype=np.float32).reshape(len(y), -1)

    def predict(self, logits, ravel):
        values = logits
        if self.out_activation == "exp":
            values = np.exp(logits.astype(np.float64)).astype(logits.dtype)
        return values[:, 0] if ravel else values

    def score(self, logits, y, sample_weight=None):
        """R²; NaN when the logits are not finite, as :meth:`ClassTargets.score`."""
        if not np.isfinite(logits).all():
            return np.nan
        return r2_score(
            y, self.predict(logits, ravel=np.ndim(y) == 1), sample_weight=sample_weight
        )


def is_categorical_crossentropy(loss):
    """Whether a ``loss`` parameter (name, class, instance or function) is Keras's
    categorical cross-entropy, which takes one-hot targets (scikeras's rule)."""
    name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
    return name in ("categorical_crossentropy", "CategoricalCrossentropy")


class KerasClassTargets:
    """Class labels for a user's Keras model, encoded as scikeras encodes them.

    Binary and multiclass labels train as integer class indices (one column), or one-hot
    (``one_hot``, for a categorical cross-entropy loss); multilabel indicator matrices as
    they are. The model's outputs are probabilities: one sigmoid unit for two classes gives
    the positive class's, which :meth:`proba` completes to two columns.
    """

    score_name = "accuracy"

    def __init__(self, y, one_hot=False, classes=None):
        check_classification_targets(y)
        self.kind = type_of_target(y)
        if self.kind not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                f"Unknown label type: {self.kind!r}. KerasClassifier takes binary, multiclass "
                "or multilabel-indicator targets."
            )
        self.kind, self.classes_, self._encoder = _label_encoding(y, self.kind, classes)
        self.one_hot = bool(one_hot) and self.kind != "multilabel-indicator"

    def metadata(self):
        """What a build function's ``meta`` learns about the targets (scikeras's names)."""
        return {
            "classes_": self.classes_,
            "n_classes_": len(self.classes_),
            "n_outputs_": 1,
            "n_outputs_expected_": 1,
            "target_type_": self.kind,
        }

    check_compatible = ClassTargets.check_compatible

    def encode(self, y):
        if self.kind == "multilabel-indicator":
            return np.asarray(y, dtype=np.float32)
        indices = self._encoder.transform(np.ravel(y))
        if self.one_hot:
            return np.eye(len(self.classes_), dtype=np.float32)[indices]
        return indices.astype(np.float32)[:, None]

    def proba(self, outputs):
        outputs = outputs.reshape(len(outputs), -1)
        if self.kind == "binary" and outputs.shape[1] == 1:
            return np.column_stack([1.0 - outputs[:, 0], outputs[:, 0]])
        return outputs

    def predict(self, outputs):
        proba = self.proba(outputs)
        if self.kind == "multilabel-indicator":
            return (proba > 0.5).astype(int)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, outputs, y, sample_weight=None):
        """Accuracy; NaN for outputs that are not finite, as :meth:`ClassTargets.score`."""
        if not np.isfinite(outputs).all():
            return np.nan
        return accuracy_score(y, self.predict(outputs), sample_weight=sample_weight)

    def output_sizes(self):
        """``(allowed numbers of output units, what the targets need, in words)``."""
        n_classes = len(self.classes_)
        if self.kind == "multilabel-indicator":
            return (n_classes,), f"{n_classes} units, one per label"
        if self.kind == "binary" and not self.one_hot:
            return (1, 2), "1 sigmoid unit or 2 softmax units, for the 2 classes"
        return (n_classes,), f"{n_classes} units, one per class ({n_classes} classes)"


def multioutput_accuracy(y, y_pred, sample_weight=None):
    """The mean over columns of the accuracy of each (scikit-learn's ``accuracy_score``
    takes no multiclass-multioutput targets)."""
    y, y_pred = np.asarray(y), np.asarray(y_pred)
    if y.ndim == 1 or type_of_target(y) != "multiclass-multioutput":
        return accuracy_score(y, y_pred, sample_weight=sample_weight)
    return float(
        np.mean(
            [
                accuracy_score(y[:, j], y_pred[:, j], sample_weight=sample_weight)
                for j in range(y.shape[1])
            ]
        )
    )


class MultiOutputClassTargets:
    """Several classification targets, one column of ``y`` each (multiclass-multioutput),
    for a model with one output per target; each column is encoded as
    :class:`KerasClassTargets` encodes one (``one_hot`` per column). Probabilities come as
    a list, one array per output, as scikit-learn's multi-output classifiers give them."""

    score_name = "accuracy"
    kind = "multiclass-multioutput"

    def __init__(self, y, one_hot, classes=None):
        one_hot = list(one_hot) if isinstance(one_hot, list | tuple) else [one_hot] * y.shape[1]
        classes = classes if classes is not None else [None] * y.shape[1]
        self.outputs = [
            KerasClassTargets(y[:, j], one_hot[j], classes[j]) for j in range(y.shape[1])
        ]
        self.classes_ = [target.classes_ for target in self.outputs]
        self.output_widths = None  # units per output, in target order: set once built

    def metadata(self):
        return {
            "classes_": self.classes_,
            "n_classes_": [len(c) for c in self.classes_],
            "n_outputs_": len(self.outputs),
            "n_outputs_expected_": len(self.outputs),
            "target_type_": self.kind,
        }

    def group_widths(self):
        """Encoded columns per target (one class index, or one-hot)."""
        return [len(t.classes_) if t.one_hot else 1 for t in self.outputs]

    def check_compatible(self, y, warm_start_fit=False):
        if y.ndim != 2 or y.shape[1] != len(self.outputs):
            raise ValueError(f"y must have {len(self.outputs)} columns, as in the first fit.")
        for j, target in enumerate(self.outputs):
            target.check_compatible(y[:, j], warm_start_fit)

    def encode(self, y):
        return np.concatenate([t.encode(y[:, j]) for j, t in enumerate(self.outputs)], axis=1)

    def proba(self, outputs):
        stops = np.cumsum(self.output_widths)
        return [
            target.proba(outputs[:, stop - width : stop])
            for target, width, stop in zip(self.outputs, self.output_widths, stops, strict=True)
        ]

    def predict(self, outputs):
        stops = np.cumsum(self.output_widths)
        return np.column_stack(
            [
                target.predict(outputs[:, stop - width : stop])
                for target, width, stop in zip(
                    self.outputs, self.output_widths, stops, strict=True
                )
            ]
        )

    def output_sizes(self):
        return [target.output_sizes() for target in self.outputs]

    def score(self, outputs, y, sample_weight=None):
        """The mean accuracy over outputs; NaN for outputs that are not finite."""
        if not np.isfinite(outputs).all():
            return np.nan
        return multioutput_accuracy(y, self.predict(outputs), sample_weight)
