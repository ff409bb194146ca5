"""How a fitted estimator becomes bytes and back. No Keras here: there is no Keras object to store.

A fitted skdense estimator holds numpy arrays, Python builtins, scikit-learn objects (the
label encoder) and instances of a few small skdense classes that hold data only: the network's
:class:`~skdense._spec.NetworkSpec` (for a user's Keras model, its
:class:`~skdense._spec.KerasArchitecture`: Keras's JSON configuration), the
:class:`~skdense._spec.TrainingState` and a target encoder from :mod:`skdense._targets`.
A ``KerasClassifier`` or ``KerasRegressor`` also holds its ``model`` parameter, the user's
build function, which skops stores by name and loads only when the caller trusts it. The
Keras network that trained it is borrowed from a pool and never part of the state. So:

* ``pickle`` and ``joblib`` store it with nothing special, and load it the way they load
  anything: by running whatever code the file names. Only for files you trust.
* ``skops.io`` stores the same state without pickle. Loading rebuilds objects only of types
  the caller trusts; scikit-learn's and numpy's are trusted by default, and
  :data:`skdense.TRUSTED_TYPES` lists skdense's, built by :func:`trusted_types` below.
"""

from skdense._keras_io import EncoderTargets, Layout, RoutedTargets
from skdense._spec import (
    InputSlot,
    KerasArchitecture,
    ModelInputs,
    ModelOutput,
    NetworkSpec,
    TrainingState,
)
from skdense._targets import (
    ClassTargets,
    KerasClassTargets,
    MultiOutputClassTargets,
    RegressionTargets,
)

# Every skdense class whose instances a fitted estimator's state may hold, besides the
# estimator itself. A new one must be added here (tests/test_skops.py checks it).
STATE_TYPES = (
    NetworkSpec,
    TrainingState,
    ClassTargets,
    RegressionTargets,
    KerasArchitecture,
    KerasClassTargets,
    # a user's Keras model with several inputs or outputs (skdense._keras_io)
    Layout,
    InputSlot,
    ModelInputs,
    ModelOutput,
    MultiOutputClassTargets,
    RoutedTargets,
    EncoderTargets,  # holds a scikeras target_encoder: the user's class, trusted by name
)

# Library types in that state that skops does not trust by default. ``X_dtype_`` and
# ``y_dtype_`` (scikeras's fitted attributes) are numpy dtypes, which skops rebuilds as the
# dtype of an empty array it reads with numpy's loader: no code from the file runs.
LIBRARY_TYPES = ("numpy.dtype",)


def type_name(cls):
    """The name skops gives a type: ``module.QualifiedName``."""
    return f"{cls.__module__}.{cls.__qualname__}"


def trusted_types(estimator_classes):
    """The skops type names to trust to load files holding these estimators.

    Each of these classes restores its state by setting attributes (scikit-learn's
    ``BaseEstimator.__setstate__`` for the estimators, plain attribute assignment for the
    rest): trusting them runs no code named by the file.
    """
    names = {type_name(cls) for cls in (*estimator_classes, *STATE_TYPES)}
    return tuple(sorted(names | set(LIBRARY_TYPES) | set(_FORMER_TYPE_NAMES)))


# Where state classes lived before skdense 0.2; files saved then name them so. Their modules
# still re-export them, so loading such a file finds the same classes.
_FORMER_TYPE_NAMES = ("skdense._network.NetworkSpec", "skdense._training.TrainingState")
