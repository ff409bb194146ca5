"""Why scikit-learn's check_sample_weight_equivalence_* checks are expected to fail.

The checks fit once with integer sample weights and once with each sample repeated that many
times, then compare predictions at ``rtol=1e-7``. Two facts, each pinned below:

* The weighting itself is exact: with one batch per epoch (the checks' 15 samples fit in the
  default batch), the weighted and the repeated fit reach the same network up to float32
  rounding (~1e-7 absolute), which is still above the checks' tolerance.
* With mini-batches no weighting can match repetition: repeating samples changes how many
  batches an epoch has and which samples share a batch, so the optimizer takes different
  steps. The two fits then differ by orders of magnitude more than rounding.
"""

import numpy as np
import pytest

from skdense import DenseRegressor, MLPClassifier, SoftmaxClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = {
    "softmax": lambda **p: SoftmaxClassifier(**p),
    "mlp": lambda **p: MLPClassifier((32,), **p),
    "regressor": lambda **p: DenseRegressor((32,), **p),
}


def _weighted_and_repeated(make, batch_size):
    """The checks' own data: 15 samples, integer weights 0-4."""
    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15)
    weights = rng.randint(0, 5, size=15)
    params = {"random_state": 0, "batch_size": batch_size, "shuffle": False, "max_iter": 100}
    weighted = make(**params).fit(X, y, sample_weight=weights)
    repeated = make(**params).fit(X.repeat(weights, axis=0), y.repeat(weights))
    method = "predict_proba" if hasattr(weighted, "predict_proba") else "predict"
    return getattr(weighted, method)(X), getattr(repeated, method)(X)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_full_batch_weights_equal_repetition_up_to_float32_rounding(name):
    # batch_size beyond the sample count: one full batch per epoch, as scikit-learn warns.
    with pytest.warns(UserWarning, match=r"larger than the \d+ training samples"):
        weighted, repeated = _weighted_and_repeated(ESTIMATORS[name], batch_size=200)
    np.testing.assert_allclose(weighted, repeated, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_mini_batches_make_weights_and_repetition_differ(name):
    weighted, repeated = _weighted_and_repeated(ESTIMATORS[name], batch_size=4)
    assert np.abs(weighted - repeated).max() > 1e-3
