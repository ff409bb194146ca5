"""skdense: Keras dense networks as first-class scikit-learn estimators."""

import os

# TensorFlow's C++ logging (device probing, CUDA stubs) would otherwise print during a user's
# first fit. Only a default: a value the user set is kept, and nothing changes once
# TensorFlow is already imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from skdense import _persistence
from skdense._classifier import MLPClassifier, SoftmaxClassifier
from skdense._plotting import HistoryDisplay
from skdense._regressor import DenseRegressor, MLPRegressor
from skdense._training import NonFiniteLossError, clear_network_pool

__version__ = "0.1.0"

#: The skdense types to trust when loading a fitted estimator or pipeline with ``skops.io``:
#: ``skops.io.load(path, trusted=skdense.TRUSTED_TYPES)``. See docs/persistence.md.
TRUSTED_TYPES = _persistence.trusted_types([DenseRegressor, MLPClassifier, SoftmaxClassifier])

__all__ = [
    "TRUSTED_TYPES",
    "DenseRegressor",
    "HistoryDisplay",
    "MLPClassifier",
    "MLPRegressor",
    "NonFiniteLossError",
    "SoftmaxClassifier",
    "clear_network_pool",
]
