"""skdense: Keras dense networks as first-class scikit-learn estimators."""

import importlib

from skdense import _quiet

# The first import of Keras loads TensorFlow, whose native start-up logging _quiet filters.
# It must run before any other skdense module imports Keras (the lazy backend will own it).
_quiet.import_quietly("keras")

from skdense import _persistence
from skdense._classifier import MLPClassifier, SoftmaxClassifier
from skdense._plotting import HistoryDisplay
from skdense._regressor import DenseRegressor, MLPRegressor
from skdense._training import NonFiniteLossError, clear_network_pool

__version__ = "0.1.0"

#: The skdense types to trust when loading a fitted estimator or pipeline with ``skops.io``:
#: ``skops.io.load(path, trusted=skdense.TRUSTED_TYPES)``. See docs/persistence.md.
TRUSTED_TYPES = _persistence.trusted_types(
    [DenseRegressor, MLPClassifier, MLPRegressor, SoftmaxClassifier]
)

__all__ = [
    "TRUSTED_TYPES",
    "DenseRegressor",
    "HistoryDisplay",
    "MLPClassifier",
    "MLPRegressor",
    "NonFiniteLossError",
    "SoftmaxClassifier",
    "clear_network_pool",
    "datasets",
]

# Submodules loaded on first access, as scikit-learn does: ``import skdense`` then
# ``skdense.datasets.load_auto_mpg()`` works without ``import skdense.datasets``.
_LAZY_SUBMODULES = ("datasets",)


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"skdense.{name}")
    raise AttributeError(f"module 'skdense' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_LAZY_SUBMODULES})
