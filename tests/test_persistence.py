"""Pickle and joblib: weights, not graphs; loadable in a process that never imported skdense."""

import io
import pickle
import pickletools
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdense import DenseRegressor, MLPClassifier, SoftmaxClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _modules_in_pickle(payload):
    modules = set()
    for opcode, arg, _ in pickletools.genops(io.BytesIO(payload)):
        if opcode.name in ("GLOBAL", "STACK_GLOBAL") or opcode.name.endswith("UNICODE"):
            if isinstance(arg, str):
                modules.add(arg.split(" ")[0].split(".")[0])
    return modules


@pytest.mark.parametrize(
    "estimator",
    [
        MLPClassifier((8,), batch_normalization=True, dropout=0.1, max_iter=5, random_state=0),
        SoftmaxClassifier(max_iter=5, random_state=0),
        DenseRegressor((8,), max_iter=5, random_state=0),
    ],
    ids=["mlp", "softmax", "regressor"],
)
def test_pickle_holds_weights_not_tensorflow_objects(estimator, multiclass_data):
    X, y = multiclass_data
    estimator.fit(X, y)
    payload = pickle.dumps(estimator)
    modules = _modules_in_pickle(payload)
    assert not modules & {"tensorflow", "keras"}, modules
    restored = pickle.loads(payload)
    np.testing.assert_array_equal(restored.predict(X), estimator.predict(X))


def test_joblib_pipeline_loads_in_a_fresh_process(multiclass_data, tmp_path):
    X, y = multiclass_data
    names = np.array(["a", "b", "c"])[y]
    pipe = make_pipeline(
        StandardScaler(),
        MLPClassifier((8,), batch_normalization=True, max_iter=10, random_state=0),
    ).fit(X, names)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", pipe.predict_proba(X))
    script = textwrap.dedent(
        f"""
        import sys
        import joblib, numpy as np
        assert "skdense" not in sys.modules
        pipe = joblib.load({str(tmp_path / "pipe.joblib")!r})
        X = np.load({str(tmp_path / "X.npy")!r})
        expected = np.load({str(tmp_path / "expected.npy")!r})
        np.testing.assert_array_equal(pipe.predict_proba(X), expected)
        print(sorted(str(label) for label in set(pipe.predict(X))))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['a', 'b', 'c']"


def test_unpickled_estimator_can_continue_training(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((8,), max_iter=3, warm_start=True, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    clf.fit(X, y)
    restored.fit(X, y)  # optimizer state travelled with the weights
    assert restored.loss_curve_ == clf.loss_curve_


def test_model_is_rebuilt_from_weights(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((8,), max_iter=3, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    model = restored.model_
    assert model is restored.model_  # cached
    np.testing.assert_allclose(model.predict(X, verbose=0), clf.predict_proba(X), atol=1e-6)


def test_device_is_a_setting_not_fitted_state(multiclass_data):
    """What a GPU fit leaves is numpy weights: the file predicts wherever it is loaded."""
    X, y = multiclass_data
    clf = MLPClassifier((8,), max_iter=3, random_state=0, device="auto").fit(X, y)
    payload = pickle.dumps(clf)
    assert b"GPU" not in payload and b"/device:" not in payload
    restored = pickle.loads(payload).set_params(device="cpu")
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
