"""What every estimator's fit and predict share: input checks, seeds, failure guards and the
warnings a fit ends with.

No Keras here: these only look at the estimator, its input and its training state.
"""

import contextlib
import functools
import math
import os
import sys
import warnings

import numpy as np
import sklearn.base
from sklearn.base import is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

#: Input dtypes kept as they are (anything else becomes float64), as scikit-learn's MLP does.
FLOAT_DTYPES = (np.float32, np.float64)

_OWN_FILES = (os.path.dirname(__file__), sklearn.base.__file__)  # the latter: _fit_context


def caller_stacklevel():
    """The ``stacklevel`` that points a warning at the first frame outside skdense (and
    scikit-learn's fit wrapper), for the function calling this one."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_OWN_FILES):
        frame, level = frame.f_back, level + 1
    return level


@contextlib.contextmanager
def numeric_input():
    """Turn numpy's bare "could not convert string to float" into advice on what to do."""
    try:
        yield
    except (TypeError, ValueError) as error:
        message = str(error)
        if "could not convert" not in message and "float() argument" not in message:
            raise
        # The same exception type: scikit-learn's contract (and users' except clauses)
        # expect TypeError for objects such as dicts and ValueError for strings.
        raise type(error)(
            f"skdense estimators need numeric input, but converting it to float failed: "
            f"{message}. Encode text and categorical features first (OneHotEncoder or "
            "OrdinalEncoder, in a ColumnTransformer for mixed columns)."
        ) from error


def validated_training_data(estimator, X, y, reset):
    """``X, y`` checked by scikit-learn's ``validate_data`` for a fit: float32 kept, CSR
    sparse accepted, several outputs allowed, numeric ``y`` for regressors."""
    with numeric_input():
        return validate_data(
            estimator,
            X,
            y,
            reset=reset,
            accept_sparse="csr",
            dtype=FLOAT_DTYPES,
            multi_output=True,
            y_numeric=is_regressor(estimator),
        )


def validated_input(estimator, X):
    """``X`` checked for predicting with a fitted ``estimator`` (its feature count and names)."""
    with numeric_input():
        return validate_data(estimator, X, reset=False, accept_sparse="csr", dtype=FLOAT_DTYPES)


def fit_seed_sequence(random_state, t):
    """The ``numpy.random.SeedSequence`` a fit draws its seeds from: fixed by
    ``random_state``, and different for each continued fit (``t``: samples seen so far)."""
    entropy = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.SeedSequence(int(entropy), spawn_key=(t,))


def random_state_from(seed_sequence):
    """A ``numpy.random.RandomState`` seeded from ``seed_sequence``."""
    return np.random.RandomState(seed_sequence.generate_state(1)[0])


def rose_after_its_best(loss_curve, tol):
    """Whether the training loss ended clearly above its best: the steps overshoot.

    Adam and momentum wander around a minimum by a little; a loss 10% (and ``tol``) above
    its best at the end of a plateau is an optimizer climbing out of it, which scikit-learn's
    stopping rule (no improvement on the best for ``n_iter_no_change`` epochs) would
    otherwise end silently.
    """
    finite = [loss for loss in loss_curve if math.isfinite(loss)]
    if not finite:
        return False
    best = min(finite)
    return finite[-1] > best + max(tol, 0.1 * abs(best))


def unchanged_on_failure(fit):
    """Leave the estimator exactly as it was when ``fit`` raises (interruptions included).

    Validation sets ``n_features_in_`` before training starts; without this, a fit that fails
    later would leave an unfitted estimator looking fitted, or a fitted one inconsistent.
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        before = dict(self.__dict__)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    return wrapper


def warn_about_stop(estimator, state, incremental):
    """The warning, if any, that ends a fit: divergence kept at bay, an interruption, a loss
    that rose before the stop, or ``max_iter`` reached (scikit-learn's message)."""
    if state.diverged:  # only early stopping survives it: see _epoch_loop.train
        warnings.warn(
            f"The training loss became {state.loss} at epoch {state.n_iter} and training "
            "stopped there; the estimator keeps the weights of the best validation score. "
            "Lower learning_rate_init or scale the features (StandardScaler).",
            ConvergenceWarning,
            stacklevel=caller_stacklevel(),
        )
    elif state.interrupted:
        warnings.warn(
            "Training interrupted by user; the estimator keeps the weights reached so far"
            + (" (the best on validation)." if estimator.early_stopping else "."),
            UserWarning,
            stacklevel=caller_stacklevel(),
        )
    elif state.plateaued and rose_after_its_best(state.loss_curve, estimator.tol):
        best = min(state.loss_curve)
        warnings.warn(
            f"Training stopped at epoch {state.n_iter} because the loss had not improved "
            f"for {estimator.n_iter_no_change} epochs, but the loss was rising: "
            f"{state.loss_curve[-1]:.4g} at the end against {best:.4g} at epoch "
            f"{state.loss_curve.index(best) + 1}. The steps are too large for these "
            "features: scale them (StandardScaler) or lower learning_rate_init.",
            ConvergenceWarning,
            stacklevel=caller_stacklevel(),
        )
    elif not incremental and not state.converged and state.n_iter >= estimator.max_iter:
        warnings.warn(
            f"Stochastic Optimizer: Maximum iterations ({estimator.max_iter}) reached and the "
            "optimization hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=caller_stacklevel(),
        )
