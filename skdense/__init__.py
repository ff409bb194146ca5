"""skdense: Keras dense networks as first-class scikit-learn estimators."""

import importlib

from skdense import _persistence, _quiet
from skdense._classifier import MLPClassifier, SoftmaxClassifier
from skdense._keras_classifier import KerasClassifier
from skdense._keras_regressor import KerasRegressor
from skdense._plotting import HistoryDisplay
from skdense._regressor import DenseRegressor, MLPRegressor
from skdense._spec import NonFiniteLossError

# What TensorFlow logs after start-up; Keras itself loads quietly at the first fit
# (_runtime.load_keras). Workers inherit the variable.
_quiet.set_logging_defaults()

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
#: ``skops.io.load(path, trusted=skdense.TRUSTED_TYPES)``; a KerasClassifier's or
#: KerasRegressor's build function must be trusted too. See docs/persistence.md.
TRUSTED_TYPES = _persistence.trusted_types(
    [
        DenseRegressor,
        KerasClassifier,
        KerasRegressor,
        MLPClassifier,
        MLPRegressor,
        SoftmaxClassifier,
    ]
)

__all__ = [
    "TRUSTED_TYPES",
    "DenseRegressor",
    "HistoryDisplay",
    "KerasClassifier",
    "KerasRegressor",
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
