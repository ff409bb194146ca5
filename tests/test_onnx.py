"""ONNX export: onnxruntime predicts what skdense predicts, without TensorFlow.

Labels must be equal; probabilities and regression predictions equal to 1e-5 (the network
computes in float32 both ways; skdense turns its float32 logits into float64 probabilities).
"""

import subprocess
import sys
import textwrap

import numpy as np
import onnxruntime
import pytest
import skl2onnx
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skdense import DenseRegressor, MLPClassifier, MLPRegressor, SoftmaxClassifier
from skdense._network import ACTIVATIONS
from skdense.datasets import load_auto_mpg
from skdense.onnx import register_converters, to_onnx

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}
NO_ZIPMAP = {"zipmap": False}


def _session(onnx_model):
    return onnxruntime.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def _float32(X):
    return np.asarray(X, dtype=np.float32)


def assert_classifier_matches(classifier, X):
    """onnxruntime's labels equal ``predict`` and its probabilities ``predict_proba``."""
    X = _float32(X)
    labels, probabilities = _session(to_onnx(classifier, X[:1], options=NO_ZIPMAP)).run(
        None, {"X": X}
    )
    np.testing.assert_array_equal(labels, classifier.predict(X))
    np.testing.assert_allclose(probabilities, classifier.predict_proba(X), **TOLERANCE)


def assert_regressor_matches(regressor, X):
    X = _float32(X)
    (predictions,) = _session(to_onnx(regressor, X[:1])).run(None, {"X": X})
    assert predictions.shape == (len(X), regressor.n_outputs_)
    expected = regressor.predict(X).reshape(len(X), -1)
    np.testing.assert_allclose(predictions, expected, **TOLERANCE)


# --- classifiers ----------------------------------------------------------------------------


@pytest.mark.parametrize("estimator_class", [SoftmaxClassifier, MLPClassifier])
@pytest.mark.parametrize("data", ["binary_data", "multiclass_data"])
def test_classifier_labels_and_probabilities_match(estimator_class, data, request):
    X, y = request.getfixturevalue(data)
    classifier = estimator_class(max_iter=5, random_state=0).fit(_float32(X), y)
    assert_classifier_matches(classifier, X)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_matches(activation, multiclass_data):
    X, y = multiclass_data
    classifier = MLPClassifier((6, 5), activation=activation, max_iter=5, random_state=0).fit(
        _float32(X), y
    )
    assert_classifier_matches(classifier, X)


@pytest.mark.parametrize("data", ["binary_data", "multiclass_data"])
def test_batch_normalization_and_dropout_match(data, request):
    X, y = request.getfixturevalue(data)
    classifier = MLPClassifier(
        (8, 6), batch_normalization=True, dropout=0.3, max_iter=5, random_state=0
    ).fit(_float32(X), y)
    assert_classifier_matches(classifier, X)


def test_multilabel_indicator_matches(multiclass_data):
    X, y = multiclass_data
    Y = np.column_stack([y == 0, y == 1, X[:, 0] > 0]).astype(int)
    classifier = MLPClassifier((8,), max_iter=5, random_state=0).fit(_float32(X), Y)
    labels, _ = _session(to_onnx(classifier, _float32(X[:1]), options=NO_ZIPMAP)).run(
        None, {"X": _float32(X)}
    )
    assert labels.shape == Y.shape
    assert_classifier_matches(classifier, X)


@pytest.mark.parametrize(
    "classes", [np.array(["cat", "dog", "emu"]), np.array([-1.0, 0.0, 7.0]), np.array([3, 9])]
)
def test_labels_of_any_type_match(classes, multiclass_data):
    X, y = multiclass_data
    labels = classes[y % len(classes)]
    classifier = MLPClassifier((6,), max_iter=5, random_state=0).fit(_float32(X), labels)
    assert_classifier_matches(classifier, X)


def test_default_zipmap_outputs_one_dict_per_row(multiclass_data):
    X, y = multiclass_data
    X = _float32(X)
    classifier = MLPClassifier((6,), max_iter=5, random_state=0).fit(X, y)
    labels, probabilities = _session(to_onnx(classifier, X[:1])).run(None, {"X": X})
    np.testing.assert_array_equal(labels, classifier.predict(X))
    assert list(probabilities[0]) == classifier.classes_.tolist()
    as_array = np.array([[row[c] for c in classifier.classes_] for row in probabilities])
    np.testing.assert_allclose(as_array, classifier.predict_proba(X), **TOLERANCE)


def test_zipmap_columns_and_class_labels_options(binary_data):
    X, y = binary_data
    X = _float32(X)
    classifier = SoftmaxClassifier(max_iter=5, random_state=0).fit(X, np.array(["no", "yes"])[y])
    label, no, yes = _session(to_onnx(classifier, X[:1], options={"zipmap": "columns"})).run(
        None, {"X": X}
    )
    np.testing.assert_array_equal(label, classifier.predict(X))
    probabilities = np.column_stack([no, yes])
    np.testing.assert_allclose(probabilities, classifier.predict_proba(X), **TOLERANCE)
    options = {"zipmap": False, "output_class_labels": True}
    *_, classes = _session(to_onnx(classifier, X[:1], options=options)).run(None, {"X": X})
    np.testing.assert_array_equal(classes, classifier.classes_)


def test_double_input_is_computed_in_float32(binary_data):
    X, y = binary_data
    classifier = MLPClassifier((6,), max_iter=5, random_state=0).fit(X, y)
    session = _session(to_onnx(classifier, X[:1], options=NO_ZIPMAP))
    assert session.get_inputs()[0].type == "tensor(double)"
    labels, probabilities = session.run(None, {"X": X})
    np.testing.assert_array_equal(labels, classifier.predict(X))
    np.testing.assert_allclose(probabilities, classifier.predict_proba(X), **TOLERANCE)


# --- regressors -----------------------------------------------------------------------------


@pytest.mark.parametrize("estimator_class", [DenseRegressor, MLPRegressor])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_regressor_predictions_match(estimator_class, n_outputs, regression_data):
    X, y = regression_data
    Y = y if n_outputs == 1 else np.column_stack([y, -y, y**2])
    regressor = estimator_class((8,), max_iter=5, random_state=0).fit(_float32(X), Y)
    assert_regressor_matches(regressor, X)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_matches_in_a_regressor(activation, regression_data):
    X, y = regression_data
    regressor = DenseRegressor(
        (6,), activation=activation, batch_normalization=True, max_iter=5, random_state=0
    ).fit(_float32(X), y)
    assert_regressor_matches(regressor, X)


def test_poisson_exp_output_matches(regression_data):
    X, y = regression_data
    regressor = DenseRegressor((8,), loss="poisson", max_iter=5, random_state=0)
    regressor.fit(_float32(X), np.exp(y))
    assert regressor.out_activation_ == "exp"
    assert_regressor_matches(regressor, X)


# --- pipelines, errors, imports -------------------------------------------------------------


def _auto_mpg_pipeline():
    cars = load_auto_mpg(as_frame=True).frame
    X, y = cars.drop(columns="mpg"), cars["mpg"]
    numeric = [column for column in X.columns if column != "origin"]
    pipeline = make_pipeline(
        ColumnTransformer(
            [("numeric", StandardScaler(), numeric), ("origin", OneHotEncoder(), ["origin"])]
        ),
        DenseRegressor((16, 8), max_iter=5, random_state=0),
    )
    return pipeline.fit(X, y), X


def _column_feed(X):
    """onnxruntime's input for a model converted from a DataFrame: one (n, 1) array a column."""
    return {
        name: column.to_numpy(dtype=str if column.dtype == "category" else None).reshape(-1, 1)
        for name, column in X.items()
    }


def test_auto_mpg_column_transformer_pipeline_matches():
    pipeline, X = _auto_mpg_pipeline()
    session = _session(to_onnx(pipeline, X[:1]))
    assert [i.name for i in session.get_inputs()] == list(X.columns)
    (predictions,) = session.run(None, _column_feed(X))
    np.testing.assert_allclose(predictions[:, 0], pipeline.predict(X), **TOLERANCE)


def test_classifier_pipeline_converts_through_skl2onnx_directly(multiclass_data):
    X, y = multiclass_data
    X = _float32(X)
    pipeline = make_pipeline(StandardScaler(), MLPClassifier((6,), max_iter=5, random_state=0))
    pipeline.fit(X, y)
    register_converters()
    onnx_model = skl2onnx.to_onnx(pipeline, X[:1], options={MLPClassifier: NO_ZIPMAP})
    labels, probabilities = _session(onnx_model).run(None, {"X": X})
    np.testing.assert_array_equal(labels, pipeline.predict(X))
    np.testing.assert_allclose(probabilities, pipeline.predict_proba(X), **TOLERANCE)


@pytest.mark.parametrize(
    "estimator", [MLPClassifier(), make_pipeline(StandardScaler(), DenseRegressor())]
)
def test_unfitted_estimator_raises_not_fitted(estimator):
    with pytest.raises(NotFittedError, match="instance is not fitted"):
        to_onnx(estimator, np.zeros((1, 3), dtype=np.float32))


def test_import_skdense_does_not_import_skl2onnx():
    script = textwrap.dedent(
        """
        import sys
        import skdense
        loaded = sorted({"skl2onnx", "onnx", "onnxruntime"} & set(sys.modules))
        print(loaded)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# Installed before anything else: any import of these packages fails, as in a container that
# does not have them.
BLOCK_FRAMEWORKS = """
import importlib.abc
import sys

BLOCKED = {"tensorflow", "keras", "jax", "jaxlib", "sklearn", "skdense", "skl2onnx"}

class BlockFrameworks(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked in this test")
        return None

sys.meta_path.insert(0, BlockFrameworks())
"""


def test_saved_model_predicts_where_tensorflow_keras_and_jax_cannot_import(tmp_path):
    pipeline, X = _auto_mpg_pipeline()
    path = tmp_path / "auto_mpg.onnx"
    path.write_bytes(to_onnx(pipeline, X[:1]).SerializeToString())
    np.savez(tmp_path / "rows.npz", **{k: v for k, v in _column_feed(X).items()})
    script = BLOCK_FRAMEWORKS + textwrap.dedent(
        f"""
        import numpy as np
        import onnxruntime

        for name in ("tensorflow", "keras", "jax"):
            try:
                __import__(name)
            except ImportError:
                pass
            else:
                raise SystemExit(name + " imported")
        rows = dict(np.load({str(tmp_path / "rows.npz")!r}))
        session = onnxruntime.InferenceSession({str(path)!r})
        (predictions,) = session.run(None, rows)
        np.save({str(tmp_path / "predictions.npy")!r}, predictions)
        print(sorted(m for m in ("tensorflow", "keras", "jax") if m in sys.modules))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    predictions = np.load(tmp_path / "predictions.npy")
    np.testing.assert_allclose(predictions[:, 0], pipeline.predict(X), **TOLERANCE)
