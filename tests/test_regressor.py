"""Regression: single and multi-output targets and each loss."""

import numpy as np
import pytest

from skdense import DenseRegressor

# Fits trained for a few epochs on purpose (or, in scikit-learn's checks, on data no network
# fits in its default epochs) end in ConvergenceWarning; tests that expect it assert it.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _fast(**params):
    defaults = {
        "hidden_layer_sizes": (16,),
        "max_iter": 100,
        "random_state": 0,
        "learning_rate_init": 0.01,
    }
    return DenseRegressor(**{**defaults, **params})


def test_single_output_predicts_1d(regression_data):
    X, y = regression_data
    reg = _fast().fit(X, y)
    assert reg.predict(X).shape == (len(X),)
    assert reg.n_outputs_ == 1 and reg.out_activation_ == "identity"
    assert reg.score(X, y) > 0.9


def test_multi_output(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, -2 * y + 1])
    reg = _fast().fit(X, Y)
    assert reg.predict(X).shape == (len(X), 2)
    assert reg.n_outputs_ == 2
    assert reg.score(X, Y) > 0.9


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "huber"])
def test_each_loss_fits(regression_data, loss):
    X, y = regression_data
    reg = _fast(loss=loss).fit(X, y)
    assert reg.score(X, y) > 0.85
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]


def test_absolute_error_is_robust_to_outliers(regression_data):
    X, y = regression_data
    y_dirty = y.copy()
    y_dirty[:15] += 50.0  # 5% wild outliers
    clean = slice(15, None)
    squared = _fast(loss="squared_error").fit(X, y_dirty)
    absolute = _fast(loss="absolute_error").fit(X, y_dirty)
    error = {
        name: np.median(np.abs(est.predict(X[clean]) - y[clean]))
        for name, est in (("squared", squared), ("absolute", absolute))
    }
    assert error["absolute"] < error["squared"]


def test_poisson_predicts_positive_rates(rng):
    X = rng.normal(size=(400, 4))
    rate = np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1])
    y = rng.poisson(rate)
    reg = _fast(loss="poisson", max_iter=150).fit(X, y)
    assert reg.out_activation_ == "exp"
    predicted = reg.predict(X)
    assert np.all(predicted > 0)
    assert np.corrcoef(predicted, rate)[0, 1] > 0.8


def test_poisson_rejects_negative_targets(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="non-negative"):
        _fast(loss="poisson").fit(X, y)


@pytest.mark.parametrize("fit_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("predict_dtype", [np.float32, np.float64])
def test_weights_and_predictions_take_scikit_learns_dtypes(
    regression_data, fit_dtype, predict_dtype
):
    """Issue 12: before, coefs_ were float32 and predictions float64 whatever the input."""
    from sklearn.neural_network import MLPRegressor

    X, y = regression_data

    def dtypes(Estimator):
        reg = Estimator(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
        reg.fit(X.astype(fit_dtype), y)
        output = reg.predict(X.astype(predict_dtype)).dtype
        return {w.dtype for w in reg.coefs_ + reg.intercepts_}, output

    ours = dtypes(DenseRegressor)
    assert ours == dtypes(MLPRegressor)
    assert ours == ({np.dtype(fit_dtype)}, np.result_type(fit_dtype, predict_dtype))
