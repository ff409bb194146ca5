"""Hyperparameter search on a real Dask cluster: two worker processes on the loopback interface.

Each search runs twice, sequentially in this process and on the cluster through joblib's Dask
backend; with fixed seeds both must pick the same candidate with the same fold scores.
"""

import warnings

import distributed
import joblib
import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdense import DenseRegressor, MLPClassifier, SoftmaxClassifier


@pytest.fixture(scope="module")
def dask_client():
    """A two-process cluster (one thread each) started for this module and closed after it."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _search_both_ways(estimator, grid, X, y, **search_options):
    """The same GridSearchCV run sequentially here, then on the cluster."""
    search = GridSearchCV(estimator, grid, **search_options)
    # Tiny budgets on purpose; scikit-learn forwards this filter to the workers.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sequential = search.fit(X, y).cv_results_, search.best_params_
        with joblib.parallel_backend("dask"):
            search.set_params(n_jobs=-1).fit(X, y)
    return sequential, (search.cv_results_, search.best_params_)


def _assert_same_search(sequential, distributed_run, n_splits):
    (results, best), (dask_results, dask_best) = sequential, distributed_run
    assert dask_best == best
    for split in range(n_splits):
        key = f"split{split}_test_score"
        np.testing.assert_allclose(dask_results[key], results[key], rtol=1e-4)


def test_pipeline_grid_search_on_dask_matches_sequential(dask_client, binary_data):
    X, y = binary_data
    pipeline = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=15, random_state=0))
    grid = {
        "mlpclassifier__learning_rate_init": [1e-4, 3e-2],
        "mlpclassifier__hidden_layer_sizes": [(2,), (8,)],
    }
    sequential, on_dask = _search_both_ways(pipeline, grid, X, y, cv=3, scoring="neg_log_loss")
    _assert_same_search(sequential, on_dask, n_splits=3)
    assert on_dask[1]["mlpclassifier__learning_rate_init"] == 3e-2  # a real winner, not a tie
    # The workers sized TensorFlow to their one-thread share at their first fit (0 would be
    # TensorFlow's whole-machine default: a worker that ran no fit, or sizing that is broken).
    if keras.backend.backend() == "tensorflow":
        threads = dask_client.run(tf.config.threading.get_intra_op_parallelism_threads)
        assert 1 in set(threads.values()) and set(threads.values()) <= {0, 1}


@pytest.mark.parametrize(
    ("estimator", "grid"),
    [
        (SoftmaxClassifier(max_iter=10, random_state=0), {"alpha": [1e-4, 10.0]}),
        (DenseRegressor((8,), max_iter=10, random_state=0), {"learning_rate_init": [1e-4, 3e-2]}),
    ],
    ids=["SoftmaxClassifier", "DenseRegressor"],
)
def test_every_estimator_searches_on_dask(
    dask_client, regression_data, binary_data, estimator, grid
):
    X, y = regression_data if isinstance(estimator, DenseRegressor) else binary_data
    sequential, on_dask = _search_both_ways(estimator, grid, X, y, cv=2)
    _assert_same_search(sequential, on_dask, n_splits=2)
