"""Predictions of skdense's dense networks are numpy's forward pass, equal to Keras's."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

from skdense import DenseRegressor, MLPClassifier, _forward, _runtime, _training
from skdense._spec import ACTIVATIONS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _keras_logits(estimator, X):
    """The logits the backend's compiled predict function gives (the GPU path)."""
    with _runtime.device_scope("cpu") as device:
        return _training.predict_logits(
            estimator._network_spec,
            estimator._targets.loss,
            estimator._optimizer_spec(),
            device,
            estimator._network_weights,
            X.astype(np.float32),
        )


@pytest.mark.parametrize("batch_normalization", [False, True])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_numpy_logits_are_keras_logits(multiclass_data, activation, batch_normalization):
    X, y = multiclass_data
    clf = MLPClassifier(
        (16, 8),
        activation=activation,
        batch_normalization=batch_normalization,
        max_iter=3,
        random_state=0,
    ).fit(X, y)
    logits = clf._logits(X)
    np.testing.assert_allclose(logits, _keras_logits(clf, X), rtol=1e-5, atol=1e-5)
    # rows do not depend on the rows that come with them, and sparse input is the same
    np.testing.assert_array_equal(clf._logits(X[:3]), logits[:3])
    np.testing.assert_array_equal(clf._logits(sp.csr_matrix(X)), logits)


def test_regressor_predictions_are_keras_predictions(regression_data):
    X, y = regression_data
    reg = DenseRegressor((8, 4), max_iter=5, random_state=0).fit(X, np.c_[y, -y])
    keras_predictions = _keras_logits(reg, X)  # identity output: logits are predictions
    np.testing.assert_allclose(reg.predict(X), keras_predictions, rtol=1e-5, atol=1e-4)


def test_predicting_borrows_no_network(monkeypatch, binary_data):
    X, y = binary_data
    clf = MLPClassifier((8,), max_iter=2, random_state=0).fit(X, y)

    def refuse(*args, **kwargs):
        raise AssertionError("a float32 network on the CPU predicted through Keras")

    monkeypatch.setattr(_training, "predict_logits", refuse)
    clf.predict_proba(X)


def test_mixed_precision_predicts_through_keras(monkeypatch, binary_data):
    X, y = binary_data
    clf = MLPClassifier((8,), precision="mixed_bfloat16", max_iter=2, random_state=0).fit(X, y)

    def refuse(*args, **kwargs):
        raise AssertionError("numpy computed a mixed-precision network")

    monkeypatch.setattr(_forward, "logits", refuse)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.isfinite(proba).all()


_PREDICT_IN_A_FRESH_PROCESS = """
import pickle, sys
import numpy as np
clf, X, expected = pickle.load(open(sys.argv[1], "rb"))
np.testing.assert_array_equal(clf.predict_proba(X), expected)
np.testing.assert_array_equal(clf.predict(X), clf.classes_[expected.argmax(axis=1)])
loaded = [name for name in ("keras", "tensorflow", "jax") if name in sys.modules]
print("imported:", loaded)
"""


def test_a_loaded_estimator_predicts_without_importing_keras(tmp_path, multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((8,), max_iter=3, random_state=0).fit(X, y)
    path = tmp_path / "clf.pkl"
    path.write_bytes(pickle.dumps((clf, X, clf.predict_proba(X))))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_PREDICT_IN_A_FRESH_PROCESS), str(path)],
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "imported: []"
    assert result.stderr == ""
