"""Faults during a fit: divergence, interruption, and memory held across many fits.

Issue 5 ("hold up"): a failing fit leaves nothing half-trained behind, an interrupted fit
keeps the best weights so far, and networks do not pile up in the process.
"""

import gc
import math
import subprocess
import sys
import warnings
import weakref
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

import skdense
from skdense import DenseRegressor, MLPClassifier, NonFiniteLossError, _pool, _runtime

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# Features this large overflow the float32 loss (regression) or, after one SGD step, the
# logits (classification): the loss becomes inf or NaN in the first epoch.
HUGE = 1e20


def _diverging(estimator):
    return estimator.set_params(solver="sgd", learning_rate_init=1.0, max_iter=5)


@pytest.fixture
def empty_pool():
    skdense.clear_network_pool()
    yield
    skdense.clear_network_pool()


# --- a loss that becomes NaN or inf ------------------------------------------------------------


@pytest.mark.parametrize(
    "estimator, data", [(MLPClassifier((8,)), "binary"), (DenseRegressor((8,)), "regression")]
)
def test_diverging_fit_raises_and_leaves_estimator_unfitted(
    estimator, data, binary_data, regression_data
):
    X, y = binary_data if data == "binary" else regression_data
    estimator = _diverging(estimator)
    with pytest.raises(NonFiniteLossError, match="learning_rate_init") as caught:
        estimator.fit(X * HUGE, y)
    assert isinstance(caught.value, FloatingPointError)
    assert isinstance(caught.value, ValueError)  # what scikit-learn's MLP raises here
    # actionable: says when it happened and what to change
    assert "epoch 1" in str(caught.value)
    assert "StandardScaler" in str(caught.value)
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
    assert not hasattr(estimator, "n_features_in_")


def test_diverging_warm_start_keeps_previous_fit(binary_data):
    X, y = binary_data
    clf = _diverging(MLPClassifier((8,), warm_start=True, random_state=0))
    clf.set_params(learning_rate_init=0.01).fit(X, y)
    before = {name: value for name, value in vars(clf).items() if name.endswith("_")}
    proba = clf.predict_proba(X)
    with pytest.raises(NonFiniteLossError):
        clf.set_params(learning_rate_init=1.0).fit(X * HUGE, y)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    assert clf.n_iter_ == before["n_iter_"]
    assert clf.loss_curve_ == before["loss_curve_"]


def test_diverging_partial_fit_keeps_previous_fit(regression_data):
    X, y = regression_data
    reg = DenseRegressor((8,), random_state=0)
    for _ in range(3):
        reg.partial_fit(X, y)
    prediction, t = reg.predict(X), reg.t_
    with pytest.raises(NonFiniteLossError):
        reg.partial_fit(X * HUGE, y)
    np.testing.assert_array_equal(reg.predict(X), prediction)
    assert reg.t_ == t
    reg.partial_fit(X, y)  # and it goes on from there
    assert reg.t_ == t + X.shape[0]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_non_finite_loss_error_starts_with_scikit_learns_message():
    """Issue 12: code that catches scikit-learn's ValueError by its message catches ours."""
    from sklearn.neural_network import MLPRegressor as SklearnMLP

    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))  # inf once cast to float32
    y = rng.standard_normal(size=10)
    with pytest.raises(ValueError) as theirs, np.errstate(all="ignore"):
        SklearnMLP().fit(X, y)
    with pytest.raises(ValueError) as ours:
        DenseRegressor().fit(X, y)
    assert str(ours.value).startswith(str(theirs.value))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_diverging_fit_with_early_stopping_keeps_the_best_weights():
    """As scikit-learn's MLP: the diverged epoch scores NaN and the best weights stay
    (before, r2_score raised on the NaN predictions, or NonFiniteLossError ended the fit)."""
    from sklearn.datasets import load_iris
    from sklearn.neural_network import MLPRegressor as SklearnMLP

    X, y = load_iris(return_X_y=True)
    params = {
        "hidden_layer_sizes": 100,
        "activation": "identity",
        "solver": "sgd",
        "learning_rate_init": 1.0,
        "max_iter": 20,
        "early_stopping": True,
        "random_state": 0,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = SklearnMLP(**params).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="keeps the weights of the best validation"):
        ours = DenseRegressor(**params).fit(X, y)
    for estimator in (theirs, ours):
        assert math.isnan(estimator.validation_scores_[-1])
        assert isinstance(estimator.validation_scores_[-1], float)
        assert np.isfinite(estimator.best_validation_score_)
    assert not np.isfinite(ours.loss_curve_[-1])
    assert ours.n_iter_ < 20  # no update brings NaN weights back: it stops there
    assert all(np.isfinite(w).all() for w in ours.coefs_ + ours.intercepts_)
    assert np.isfinite(ours.predict(X)).all()


def test_early_stopping_fit_diverging_before_any_finite_score_raises_and_stays_unfitted(
    binary_data,
):
    X, y = binary_data
    clf = _diverging(MLPClassifier((8,), early_stopping=True))
    with pytest.raises(NonFiniteLossError, match="weights"):
        clf.fit(X * HUGE, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


class _PoisonWeights(keras.callbacks.Callback):
    """Set every weight to NaN after the last epoch, whose loss was still finite."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.params["epochs"] - 1:
            self.model.set_weights([np.full_like(w, np.nan) for w in self.model.get_weights()])


def test_non_finite_weights_after_the_last_update_are_caught(binary_data):
    # The epoch loss is computed before each update, so the last update of a fit can diverge
    # with every reported loss finite; the weights themselves are checked at the end.
    X, y = binary_data
    clf = MLPClassifier((8,), max_iter=2, callbacks=[_PoisonWeights()])
    with pytest.raises(NonFiniteLossError, match="weights"):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


# --- KeyboardInterrupt ---------------------------------------------------------------------------


class _InterruptAt(keras.callbacks.Callback):
    """Raise KeyboardInterrupt at the end of epoch ``epoch``, as Ctrl-C would, recording the
    validation score and weights of every epoch up to it; ``spoil`` zeroes the weights first,
    so that keeping the best earlier weights shows."""

    def __init__(self, epoch, spoil=False):
        super().__init__()
        self.epoch, self.spoil = epoch, spoil
        self.scores, self.weights = [], []

    def on_epoch_end(self, epoch, logs=None):
        self.scores.append(logs.get("val_accuracy"))
        self.weights.append(self.model.get_weights())
        if epoch == self.epoch:
            if self.spoil:
                self.model.set_weights([np.zeros_like(w) for w in self.model.get_weights()])
            raise KeyboardInterrupt


@pytest.mark.parametrize("k", [0, 3])
def test_keyboard_interrupt_keeps_weights_so_far(k, binary_data):
    X, y = binary_data
    interrupt = _InterruptAt(k)
    clf = MLPClassifier((8,), max_iter=50, random_state=0, callbacks=[interrupt])
    with pytest.warns(UserWarning, match="interrupted by user"):
        clf.fit(X, y)
    check_is_fitted(clf)
    assert clf.n_iter_ == k + 1
    assert len(clf.loss_curve_) == k + 1
    assert clf.predict(X).shape == y.shape
    # without validation, the weights are those reached at the interruption
    for kept, recorded in zip(clf.model_.get_weights(), interrupt.weights[k], strict=True):
        np.testing.assert_array_equal(kept, recorded)


def test_keyboard_interrupt_with_early_stopping_keeps_best_validation_weights(binary_data):
    X, y = binary_data
    interrupt = _InterruptAt(5, spoil=True)
    clf = MLPClassifier(
        (8,),
        max_iter=50,
        early_stopping=True,
        learning_rate_init=0.05,
        random_state=0,
        callbacks=[interrupt],
    )
    with pytest.warns(UserWarning, match="best on validation"):
        clf.fit(X, y)
    assert clf.n_iter_ == 6
    best = int(np.argmax(interrupt.scores))  # the first epoch reaching the best score
    assert clf.best_validation_score_ == interrupt.scores[best]
    for kept, recorded in zip(clf.model_.get_weights(), interrupt.weights[best], strict=True):
        np.testing.assert_array_equal(kept, recorded)
    assert clf.score(X, y) > 0.7


class _InterruptBeforeTraining(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        raise KeyboardInterrupt


def test_keyboard_interrupt_before_the_first_epoch_leaves_estimator_unchanged(binary_data):
    X, y = binary_data
    clf = MLPClassifier((8,), callbacks=[_InterruptBeforeTraining()])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    assert not hasattr(clf, "n_features_in_")


# --- memory across many fits -----------------------------------------------------------------


def _pooled():
    return [network for idle in _pool._pool.values() for network in idle]


def test_network_pool_never_exceeds_its_cap(empty_pool, monkeypatch, regression_data):
    X, y = regression_data
    monkeypatch.setattr(_pool, "_POOL_SIZE", 3)
    seen = []
    for width in range(1, 8):  # more architectures than the pool holds
        DenseRegressor((width,), max_iter=1).fit(X, y)
        assert len(_pooled()) <= 3
        seen += [weakref.ref(network) for network in _pooled()]
    gc.collect()
    alive = {id(ref()) for ref in seen if ref() is not None}
    assert len(alive) <= 3, "evicted networks are still referenced somewhere"


def test_kernel_cache_is_cleared_once_per_pool_of_evictions(
    empty_pool, monkeypatch, regression_data
):
    # TensorFlow's eager kernel cache keeps entries for every network ever built.
    X, y = regression_data
    monkeypatch.setattr(_pool, "_POOL_SIZE", 2)
    clears = []
    monkeypatch.setattr(_runtime.backend(), "clear_caches", lambda: clears.append(True))
    for width in range(1, 7):  # two fill the pool, four evict
        DenseRegressor((width,), max_iter=1).fit(X, y)
    assert len(clears) == 2


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="TensorFlow's gradient registry; JAX keeps no process-wide record of traced steps",
)
def test_evicted_networks_release_their_traced_graphs(empty_pool, regression_data):
    """Non-regression: Keras's cross-replica gradient sum registered a custom gradient in
    TensorFlow's global registry for every traced training step, keeping each evicted
    network's graph alive (~2 MiB per network built in benchmarks/memory_soak.py)."""
    X, y = regression_data
    DenseRegressor((3,), max_iter=1).fit(X, y)
    (network,) = _pooled()
    graphs = [weakref.ref(graph) for graph in network.engine.traced_graphs()]
    assert graphs
    del network
    skdense.clear_network_pool()
    assert all(graph() is None for graph in graphs)


def test_clear_network_pool_frees_pooled_networks(empty_pool, binary_data):
    X, y = binary_data
    clf = MLPClassifier((8,), max_iter=1).fit(X, y)
    (network,) = _pooled()
    ref = weakref.ref(network)
    del network
    skdense.clear_network_pool()
    assert ref() is None
    assert clf.predict(X).shape == y.shape  # the fitted estimator needs no pooled network


def _framework_objects(value, seen=None):
    """Every TensorFlow, JAX or Keras object reachable from ``value`` through plain containers."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, tf.Variable | tf.Tensor | tf.Module | keras.Model | keras.Layer):
        return [value]
    module = type(value).__module__
    if module.startswith(("tensorflow", "keras", "jax", "jaxlib")):
        return [value]
    if isinstance(value, dict):
        children = list(value.values())
    elif isinstance(value, list | tuple | set):
        children = list(value)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        children = list(vars(value).values())
    else:
        children = []
    return [found for child in children for found in _framework_objects(child, seen)]


def test_fitted_state_holds_no_framework_objects(binary_data):
    # So deleting an estimator frees no GPU memory: it never held any; the pool does.
    X, y = binary_data
    clf = MLPClassifier((8,), max_iter=2, early_stopping=True).fit(X, y)
    assert _framework_objects(vars(clf)) == []


def test_deleted_estimator_leaves_nothing_behind(binary_data):
    X, y = binary_data
    clf = MLPClassifier((8,), max_iter=2).fit(X, y)
    model = weakref.ref(clf.model_)  # the cached standalone Keras model goes with it
    estimator = weakref.ref(clf)
    del clf
    gc.collect()
    assert estimator() is None
    assert model() is None


def test_memory_soak_script_runs():
    """The soak benchmark runs as a maintainer runs it (tiny here; the figure comes from the
    full run recorded in benchmarks/results/memory_soak.md)."""
    done = subprocess.run(
        [sys.executable, "benchmarks/memory_soak.py", "--fits", "4", "--warmup", "2"],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "after    4 fits: RSS" in done.stdout
    assert "growth from fit 2 to fit 4" in done.stdout
