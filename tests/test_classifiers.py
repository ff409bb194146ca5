"""Classifier targets: label types, binary / multiclass / multilabel, probabilities, layouts."""

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdense import MLPClassifier, SoftmaxClassifier

# Fits trained for a few epochs on purpose (or, in scikit-learn's checks, on data no network
# fits in its default epochs) end in ConvergenceWarning; tests that expect it assert it.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _fast(Estimator, **params):
    defaults = {"max_iter": 60, "random_state": 0, "learning_rate_init": 0.01}
    if Estimator is MLPClassifier:
        defaults["hidden_layer_sizes"] = (16,)
    return Estimator(**{**defaults, **params})


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["cat", "dog", "emu"]),
        np.array([10, 20, 30]),
        np.array([-1.0, 0.0, 2.0]),
        np.array([True, False, True])[:2],
    ],
    ids=["strings", "ints", "floats", "bools"],
)
def test_any_label_type_round_trips(multiclass_data, labels):
    X, y = multiclass_data
    y_labels = labels[y % len(labels)]
    clf = _fast(MLPClassifier).fit(X, y_labels)
    assert set(clf.classes_) == set(labels)
    assert clf.predict(X).dtype == y_labels.dtype
    assert clf.score(X, y_labels) > 0.9


def test_pandas_series_and_categorical_labels(multiclass_data):
    X, y = multiclass_data
    names = np.array(["low", "mid", "high"])[y]
    series = pd.Series(names, name="level")
    categorical = pd.Series(pd.Categorical(names, categories=["low", "mid", "high"]))
    for target in (series, categorical):
        clf = _fast(SoftmaxClassifier).fit(X, target)
        assert sorted(clf.classes_) == ["high", "low", "mid"]
        assert set(clf.predict(X)) <= {"low", "mid", "high"}
        assert clf.score(X, target) > 0.9


def test_binary_uses_one_logistic_unit(binary_data):
    X, y = binary_data
    clf = _fast(MLPClassifier).fit(X, y)
    assert clf.n_outputs_ == 1
    assert clf.out_activation_ == "logistic"
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_multiclass_uses_softmax(multiclass_data):
    X, y = multiclass_data
    clf = _fast(MLPClassifier).fit(X, y)
    assert clf.n_outputs_ == 3
    assert clf.out_activation_ == "softmax"
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), atol=1e-6)
    assert clf.score(X, y) > 0.9


def test_multilabel_indicator_targets(multiclass_data):
    X, y = multiclass_data
    Y = np.column_stack([y == 0, y == 1, X[:, 0] > 0]).astype(int)
    clf = _fast(MLPClassifier, max_iter=150).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    predicted = clf.predict(X)
    assert predicted.shape == Y.shape
    assert set(np.unique(predicted)) <= {0, 1}
    assert (predicted == Y).mean() > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and np.all((proba >= 0) & (proba <= 1))


def test_softmax_classifier_has_logistic_regression_layout(binary_data, multiclass_data):
    for (X, y), n_rows in ((binary_data, 1), (multiclass_data, 3)):
        X = StandardScaler().fit_transform(X)
        ours = _fast(SoftmaxClassifier, max_iter=100).fit(X, y)
        reference = LogisticRegression().fit(X, y)
        assert ours.coef_.shape == reference.coef_.shape == (n_rows, X.shape[1])
        assert ours.intercept_.shape == reference.intercept_.shape == (n_rows,)
        decision = ours.decision_function(X)
        assert decision.shape == reference.decision_function(X).shape
        # the decision function is the linear model the coefficients describe
        np.testing.assert_allclose(
            decision, np.squeeze(X @ ours.coef_.T + ours.intercept_), rtol=1e-4, atol=1e-4
        )
        assert ours.score(X, y) >= reference.score(X, y) - 0.03


def test_softmax_classifier_has_no_hidden_layers(multiclass_data):
    X, y = multiclass_data
    clf = _fast(SoftmaxClassifier).fit(X, y)
    assert clf.n_layers_ == 2
    assert len(clf.coefs_) == 1
    assert "hidden_layer_sizes" not in clf.get_params()


# --- scikit-learn's behaviour, side by side (issue 12) -------------------------------------------


@pytest.mark.parametrize("fit_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("predict_dtype", [np.float32, np.float64])
def test_weights_and_probabilities_take_scikit_learns_dtypes(
    multiclass_data, fit_dtype, predict_dtype
):
    """Before, coefs_ were float32 and probabilities float64 whatever the input."""
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    X, y = multiclass_data

    def dtypes(Estimator):
        clf = Estimator((4,), max_iter=2, random_state=0).fit(X.astype(fit_dtype), y)
        X_new = X.astype(predict_dtype)
        outputs = (clf.predict_proba(X_new).dtype, clf.predict_log_proba(X_new).dtype)
        return {w.dtype for w in clf.coefs_ + clf.intercepts_}, outputs

    ours = dtypes(MLPClassifier)
    assert ours == dtypes(SklearnMLP)
    assert ours == ({np.dtype(fit_dtype)}, (np.result_type(fit_dtype, predict_dtype),) * 2)


def test_a_single_class_fits_and_is_predicted_as_in_scikit_learn(binary_data):
    """Before, MLPClassifier raised for one class; scikit-learn's fits and predicts it."""
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    X, _ = binary_data
    y = np.full(len(X), "only")
    theirs = SklearnMLP((4,), max_iter=5, random_state=0).fit(X, y)
    ours = _fast(MLPClassifier).fit(X, y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.score(X, y) == theirs.score(X, y) == 1.0
    assert (ours.n_outputs_, ours.out_activation_) == (theirs.n_outputs_, theirs.out_activation_)
    # one column per class of classes_ (scikit-learn's has a second, for no class)
    np.testing.assert_array_equal(ours.predict_proba(X), np.ones((len(X), 1)))
    np.testing.assert_array_equal(ours.predict_log_proba(X), np.zeros((len(X), 1)))
    ours.partial_fit(X, y)
    assert set(_fast(MLPClassifier).partial_fit(X, y, classes=["only"]).predict(X)) == {"only"}


def test_softmax_classifier_refuses_a_single_class_as_logistic_regression(binary_data):
    X, _ = binary_data
    y = np.zeros(len(X))
    with pytest.raises(ValueError, match="2 classes"):
        LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="greater than one"):
        _fast(SoftmaxClassifier).fit(X, y)


def _stop_warnings(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]


def test_a_fit_that_stops_while_its_loss_rises_says_so():
    # Raw wine (proline in the hundreds): the steps overshoot, the loss climbs off its best
    # and the no-improvement rule stops the fit; that must not happen silently.
    X, y = load_wine(return_X_y=True)
    clf = SoftmaxClassifier(random_state=0)
    messages = _stop_warnings(lambda: clf.fit(X, y))
    assert any("the loss was rising" in m and "StandardScaler" in m for m in messages)
    assert clf.loss_curve_[-1] > 1.1 * min(clf.loss_curve_)


def test_a_fit_that_settles_gives_no_rising_loss_warning():
    X, y = load_wine(return_X_y=True)
    clf = make_pipeline(StandardScaler(), SoftmaxClassifier(random_state=0))
    assert not any("rising" in m for m in _stop_warnings(lambda: clf.fit(X, y)))


def test_partial_fit_takes_its_arguments_in_scikit_learns_order(binary_data):
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    X, y = binary_data
    ours = list(inspect.signature(MLPClassifier.partial_fit).parameters)
    assert ours == list(inspect.signature(SklearnMLP.partial_fit).parameters)
    clf = MLPClassifier((4,), random_state=0).partial_fit(X, y, None, np.unique(y))
    np.testing.assert_array_equal(clf.classes_, np.unique(y))
