"""Hyperparameter search on one machine: joblib's process pool, and budget-aware halving with
epochs (``max_iter``) as the resource."""

import warnings

import joblib
import keras
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, HalvingRandomSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdense import MLPClassifier


def _fit_and_report_threads():
    """Fit a tiny network, then say how TensorFlow's threads were sized in this process."""
    import tensorflow as tf

    from skdense import SoftmaxClassifier

    X = np.random.default_rng(0).normal(size=(20, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        SoftmaxClassifier(max_iter=2).fit(X, X[:, 0] > 0)
    return tf.config.threading.get_intra_op_parallelism_threads()


def test_grid_search_with_loky_processes_matches_sequential(binary_data):
    X, y = binary_data
    pipeline = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=15, random_state=0))
    grid = {"mlpclassifier__learning_rate_init": [1e-4, 3e-2]}
    search = GridSearchCV(pipeline, grid, cv=2, scoring="neg_log_loss")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sequential = search.fit(X, y).cv_results_
        parallel = search.set_params(n_jobs=2).fit(X, y).cv_results_
    assert parallel["rank_test_score"].tolist() == sequential["rank_test_score"].tolist()
    for split in range(2):
        key = f"split{split}_test_score"
        np.testing.assert_allclose(parallel[key], sequential[key], rtol=1e-4)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="TensorFlow's thread pools; JAX has none to size",
)
def test_loky_workers_size_tensorflow_to_their_share(monkeypatch):
    # joblib gives each of n_jobs workers cpu_count() // n_jobs threads through
    # OMP_NUM_THREADS unless the parent set it; SKDENSE_NUM_THREADS would override both.
    monkeypatch.delenv("SKDENSE_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    share = max(1, joblib.cpu_count() // 2)
    report = joblib.delayed(_fit_and_report_threads)
    threads = joblib.Parallel(n_jobs=2)(report() for _ in range(2))
    assert threads == [share, share]


@pytest.mark.parametrize("search_class", [HalvingGridSearchCV, HalvingRandomSearchCV])
def test_halving_search_spends_epochs_on_the_promising_candidates(binary_data, search_class):
    X, y = binary_data
    # n_iter_no_change=inf: every fit trains exactly the epochs it is given.
    estimator = MLPClassifier((8,), n_iter_no_change=np.inf, random_state=0)
    grid = {"learning_rate_init": [1e-5, 1e-4, 1e-2, 3e-2]}
    options = {"n_candidates": 4} if search_class is HalvingRandomSearchCV else {}
    search = search_class(
        estimator,
        grid,
        resource="max_iter",
        min_resources=4,
        max_resources=16,
        factor=2,
        cv=2,
        random_state=0,
        **options,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.n_resources_ == [4, 8, 16]
    assert search.n_candidates_ == [4, 2, 1]
    assert search.best_params_["learning_rate_init"] >= 1e-2  # the fast learners survived
    assert search.best_params_["max_iter"] == 16
    assert search.best_estimator_.n_iter_ == 16  # the budget really is the number of epochs
