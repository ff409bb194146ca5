"""Shared fixtures: small data sets made in the tests, and Keras global state restored.

skdense is imported before anything that loads TensorFlow, as a user's script would, so that
its quieting of TensorFlow's C++ logging is in force for the silence tests.
"""

import os

# scikit-learn's array-API check runs only with this set before SciPy loads; without it the
# check skips.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest
from sklearn.datasets import make_classification, make_regression

import skdense  # noqa: F401


@pytest.fixture(autouse=True)
def _restore_keras_globals():
    """Tests may change Keras's global dtype policy; put it back afterwards."""
    import keras

    policy = keras.config.dtype_policy()
    yield
    keras.config.set_dtype_policy(policy)


@pytest.fixture(scope="session")
def binary_data():
    X, y = make_classification(
        n_samples=300, n_features=8, n_informative=5, class_sep=1.5, random_state=0
    )
    return X, y


@pytest.fixture(scope="session")
def multiclass_data():
    X, y = make_classification(
        n_samples=300,
        n_features=8,
        n_informative=6,
        n_classes=3,
        n_clusters_per_class=1,
        class_sep=2.0,
        random_state=0,
    )
    return X, y


@pytest.fixture(scope="session")
def regression_data():
    X, y = make_regression(n_samples=300, n_features=8, noise=5.0, random_state=0)
    return X, (y - y.mean()) / y.std()


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(0)
