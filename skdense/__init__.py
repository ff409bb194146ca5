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
from skdense._spec import NonFiniteLossError

__version__ = "0.1.0"


def clear_network_pool():
    """Drop every pooled network and free the memory it held.

    skdense keeps built and compiled networks in a per-process pool, so that refitting an
    architecture (cross-validation folds, grid search candidates, ``warm_start``) reuses them
    instead of building and compiling again. Call this to give that memory back, for example
    in a long-lived process that has fitted many different architectures. Fitted estimators
    are unaffected: they hold their own weights.
    """
    import sys

    # Nothing to clear before the first fit, and no reason to load Keras to find that out.
    training = sys.modules.get("skdense._training")
    if training is not None:
        training.clear_network_pool()


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
