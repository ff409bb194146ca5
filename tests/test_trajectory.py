"""Parity pinned for good: from the same first weights, skdense follows scikit-learn's MLP.

Both estimators start from one set of weights and biases, see the rows in the same order
(``shuffle=False``) in the same batches, and train for 20 epochs; float32 input makes
scikit-learn compute in float32 too. Their ``loss_curve_`` must then agree to float32
rounding, epoch by epoch: any difference in the update rules (Adam's bias correction, SGD's
momentum and Nesterov step), in the loss (halved squared error, log-loss summed over labels)
or in how ``alpha`` is scaled (per batch, by its size) shows here as a drifting curve.

Setting the first weights is the one thing neither estimator offers publicly, so each is
fitted for one epoch with ``warm_start=True`` and then given the shared weights and a fresh
training state: scikit-learn's private counters, and skdense's stored weights and state.
"""

import itertools
import math

import numpy as np
import pytest
import sklearn.neural_network._multilayer_perceptron as sklearn_mlp
from sklearn.datasets import make_classification, make_multilabel_classification, make_regression
from sklearn.neural_network import MLPClassifier as SklearnClassifier
from sklearn.neural_network import MLPRegressor as SklearnRegressor
from sklearn.preprocessing import StandardScaler

from skdense import MLPClassifier, MLPRegressor, _validation_split
from skdense._spec import TrainingState, dense_layer_weights

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

EPOCHS = 20
HIDDEN = (8,)

SOLVERS = {
    "sgd": {"solver": "sgd", "momentum": 0.0, "learning_rate_init": 0.05},
    "momentum": {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": False},
    "nesterov": {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": True},
    "adam": {"solver": "adam", "learning_rate_init": 0.01},
}


def _task(name):
    """``(X, y, skdense class, scikit-learn class)`` for a target type, X float32."""
    if name == "regression":
        X, y = make_regression(n_samples=150, n_features=5, noise=1.0, random_state=0)
        y = (y - y.mean()) / y.std()
        pair = (MLPRegressor, SklearnRegressor)
    elif name == "multilabel":
        X, y = make_multilabel_classification(
            n_samples=150, n_features=5, n_classes=3, random_state=0
        )
        pair = (MLPClassifier, SklearnClassifier)
    else:
        X, y = make_classification(
            n_samples=150,
            n_features=5,
            n_informative=3,
            n_classes=2 if name == "binary" else 3,
            random_state=0,
        )
        pair = (MLPClassifier, SklearnClassifier)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    return X, y, *pair


def _first_weights(n_features, n_outputs):
    rng = np.random.default_rng(42)
    units = (n_features, *HIDDEN, n_outputs)
    coefs, intercepts = [], []
    for fan_in, fan_out in itertools.pairwise(units):
        bound = np.sqrt(6 / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        intercepts.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return coefs, intercepts


def _restart_sklearn(model, coefs, intercepts):
    model.coefs_ = [c.copy() for c in coefs]
    model.intercepts_ = [b.copy() for b in intercepts]
    model.loss_curve_, model.best_loss_ = [], np.inf
    model.validation_scores_, model.best_validation_score_ = [], -np.inf
    model._no_improvement_count, model.n_iter_, model.t_ = 0, 0, 0


def _restart_skdense(model, coefs, intercepts):
    weights = list(model._network_weights)
    kernels, biases = dense_layer_weights(model._network_spec)
    for k, b, coef, intercept in zip(kernels, biases, coefs, intercepts, strict=True):
        weights[k], weights[b] = coef.copy(), intercept.copy()
    model._network_weights = weights
    model._training_state = TrainingState()
    model._optimizer_state = (None, None)  # no moments: a fresh optimizer, as scikit-learn's


def _curves(task, solver, **extra):
    X, y, ours, theirs = _task(task)
    params = {
        "hidden_layer_sizes": HIDDEN,
        "batch_size": 32,  # 150 rows: four full batches and a partial one of 22
        "shuffle": False,
        "alpha": 1e-3,
        "learning_rate_init": 0.01,
        "tol": 0.0,
        "n_iter_no_change": EPOCHS,
        "early_stopping": False,
        "random_state": 0,
        "warm_start": True,
        **SOLVERS[solver],
        **extra,
    }
    fitted = {}
    for name, estimator, restart in (
        ("skdense", ours, _restart_skdense),
        ("sklearn", theirs, _restart_sklearn),
    ):
        model = estimator(max_iter=1, **params).fit(X, y)
        n_outputs = model.coefs_[-1].shape[1]
        restart(model, *_first_weights(X.shape[1], n_outputs))
        fitted[name] = model.set_params(max_iter=EPOCHS).fit(X, y)
    return fitted["skdense"], fitted["sklearn"]


@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel", "regression"])
def test_loss_curve_follows_scikit_learn(task, solver):
    ours, theirs = _curves(task, solver)
    assert len(ours.loss_curve_) == len(theirs.loss_curve_) == EPOCHS
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-4)
    for our_coef, their_coef in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(our_coef, their_coef, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize(
    "schedule",
    [
        {"learning_rate": "invscaling", "power_t": 0.5, "learning_rate_init": 0.5},
        # tol 0.02 on a loss falling by less: the rate is divided by 5 every third epoch
        {"learning_rate": "adaptive", "tol": 0.02, "n_iter_no_change": 2},
    ],
    ids=["invscaling", "adaptive"],
)
def test_learning_rate_schedules_follow_scikit_learn(schedule):
    # The rates every epoch trains with, not only the ones recorded: a rate that the loop
    # records but never hands to the optimizer shows here as a drifting curve.
    ours, theirs = _curves("multiclass", "momentum", **schedule)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-4)
    rates = ours.history_["learning_rate"]
    assert len(set(rates)) > 2  # the schedule did change the rate, more than once


def _last_rows_held_out(*arrays, test_size, **ignored):
    """``train_test_split``'s return value, holding out the last rows: one validation set for
    both estimators (each would draw its own from its own random stream)."""
    n_test = math.ceil(test_size * len(arrays[0]))
    return [part for a in arrays for part in (a[:-n_test], a[-n_test:])]


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel", "regression"])
def test_early_stopping_follows_scikit_learn(monkeypatch, task, solver):
    # The same validation rows for both; then the validation scores of every epoch, the
    # epoch training stops at and the best score must be scikit-learn's.
    monkeypatch.setattr(sklearn_mlp, "train_test_split", _last_rows_held_out)
    monkeypatch.setattr(_validation_split, "train_test_split", _last_rows_held_out)
    stopping = {"early_stopping": True, "validation_fraction": 0.2, "tol": 1e-3}
    ours, theirs = _curves(task, solver, n_iter_no_change=2, **stopping)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, atol=1e-5)
    assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_, abs=1e-5)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-4)


# --- the same random_state: the same fit, with nothing set by hand -------------------------------


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("solver", ["momentum", "adam"])
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel", "regression"])
def test_same_random_state_gives_scikit_learns_fit(task, solver, early_stopping):
    # skdense draws from random_state in scikit-learn's order (first kernels and biases, then
    # the validation split, then one reshuffle per epoch), so a user who swaps the import and
    # keeps random_state gets scikit-learn's network: same batches, same curves, same stop.
    X, y, ours, theirs = _task(task)
    params = {
        "hidden_layer_sizes": HIDDEN,
        "batch_size": 32,
        "max_iter": EPOCHS,
        "early_stopping": early_stopping,
        "random_state": 7,
        **SOLVERS[solver],
    }
    ours, theirs = ours(**params).fit(X, y), theirs(**params).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-4)
    if early_stopping:  # R² near or below 0 magnifies float32 rounding: hence atol 1e-4
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, atol=1e-4)
    for our_coef, their_coef in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(our_coef, their_coef, rtol=1e-3, atol=1e-5)
    if task == "regression":
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-3, atol=1e-4)
    else:
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-4)


def test_same_random_state_gives_scikit_learns_fit_on_float64_input():
    # scikit-learn then computes in float64, skdense in float32: the same fit to float32
    # rounding, compounded over the epochs.
    X, y = make_regression(n_samples=200, n_features=6, noise=1.0, random_state=1)
    y = (y - y.mean()) / y.std()
    params = {"hidden_layer_sizes": (16,), "max_iter": 50, "random_state": 3}
    ours, theirs = MLPRegressor(**params).fit(X, y), SklearnRegressor(**params).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-4)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-3, atol=1e-4)
