"""Streaming: ``partial_fit`` over chunks learns as well as ``fit`` on the whole data."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skdense import DenseRegressor, MLPClassifier, SoftmaxClassifier

N_EPOCHS = 25
CHUNK_ROWS = 100


def _streamed(estimator, X, y, **first_call):
    """``N_EPOCHS`` passes over ``X, y`` in chunks, one ``partial_fit`` call per chunk."""
    for _ in range(N_EPOCHS):
        for start in range(0, len(X), CHUNK_ROWS):
            chunk = slice(start, start + CHUNK_ROWS)
            estimator.partial_fit(X[chunk], y[chunk], **first_call)
            first_call = {}
    return estimator


@pytest.mark.parametrize(
    "estimator",
    [
        SoftmaxClassifier(learning_rate_init=0.01, random_state=0),
        MLPClassifier((16,), learning_rate_init=0.01, random_state=0),
    ],
    ids=["SoftmaxClassifier", "MLPClassifier"],
)
def test_chunked_partial_fit_classifies_as_well_as_fit(estimator):
    X, y = make_classification(
        n_samples=800, n_features=10, n_informative=6, n_classes=3, random_state=0
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=200, random_state=0)
    whole = clone(estimator).set_params(max_iter=N_EPOCHS, batch_size=CHUNK_ROWS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole_score = whole.fit(X_train, y_train).score(X_test, y_test)
    streamed = _streamed(clone(whole), X_train, y_train, classes=np.unique(y))
    assert streamed.n_iter_ == 1 and streamed.t_ == N_EPOCHS * len(X_train)
    assert whole_score > 0.6  # both learned something: the comparison is not between failures
    assert streamed.score(X_test, y_test) == pytest.approx(whole_score, abs=0.05)


def test_chunked_partial_fit_regresses_as_well_as_fit():
    X, y = make_regression(n_samples=800, n_features=10, noise=10.0, random_state=0)
    y = (y - y.mean()) / y.std()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=200, random_state=0)
    estimator = DenseRegressor(
        (16,), learning_rate_init=0.01, max_iter=N_EPOCHS, batch_size=CHUNK_ROWS, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole_score = estimator.fit(X_train, y_train).score(X_test, y_test)
    streamed = _streamed(clone(estimator), X_train, y_train)
    assert whole_score > 0.8
    assert streamed.score(X_test, y_test) == pytest.approx(whole_score, abs=0.05)
