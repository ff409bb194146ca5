"""What the network is made of: solvers, penalties, dropout, batch norm, initializers."""

import keras
import numpy as np
import pytest

from skdense import MLPClassifier, SoftmaxClassifier
from skdense._network import NetworkSpec, build_network, weight_roles

# Fits trained for a few epochs on purpose (or, in scikit-learn's checks, on data no network
# fits in its default epochs) end in ConvergenceWarning; tests that expect it assert it.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _layers(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop", "adagrad", "adamw", "nadam"])
def test_each_solver_trains(multiclass_data, solver):
    X, y = multiclass_data
    clf = MLPClassifier(
        (16,), solver=solver, learning_rate_init=0.05, max_iter=40, random_state=0
    ).fit(X, y)
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]
    assert clf.score(X, y) > 0.9


def test_sgd_momentum_and_nesterov_reach_the_keras_optimizer(multiclass_data):
    from skdense._spec import OptimizerSpec
    from skdense._training import build_optimizer

    spec = OptimizerSpec.from_params("sgd", 0.7, False, 0.9, 0.999, 1e-8)
    optimizer = build_optimizer(spec, learning_rate=0.1)
    assert isinstance(optimizer, keras.optimizers.SGD)
    assert optimizer.momentum == 0.7 and optimizer.nesterov is False
    # momentum matters: with and without it, SGD takes different paths
    X, y = multiclass_data
    params = {"solver": "sgd", "max_iter": 5, "random_state": 0, "learning_rate_init": 0.01}
    plain = MLPClassifier((8,), momentum=0.0, **params).fit(X, y)
    heavy = MLPClassifier((8,), momentum=0.9, **params).fit(X, y)
    assert heavy.loss_curve_[-1] < plain.loss_curve_[-1]


def test_integer_momentum_as_scikit_learn_writes_it(multiclass_data):
    """Keras's SGD refuses an int momentum; scikit-learn's docs and tests write momentum=0."""
    X, y = multiclass_data
    params = {"solver": "sgd", "max_iter": 3, "random_state": 0}
    for momentum in (0, 1):
        as_int = MLPClassifier((8,), momentum=momentum, **params).fit(X, y)
        as_float = MLPClassifier((8,), momentum=float(momentum), **params).fit(X, y)
        assert as_int.loss_curve_ == as_float.loss_curve_


def test_optimizer_instance_is_copied_and_its_learning_rate_used(multiclass_data):
    X, y = multiclass_data
    mine = keras.optimizers.RMSprop(learning_rate=0.02)
    clf = MLPClassifier((8,), solver=mine, max_iter=5, random_state=0).fit(X, y)
    assert int(mine.iterations.numpy()) == 0  # never trained itself
    assert clf.history_["learning_rate"][0] == pytest.approx(0.02)


def test_lbfgs_gets_a_clear_error(binary_data):
    with pytest.raises(ValueError, match=r"lbfgs.*not available.*adam"):
        MLPClassifier(solver="lbfgs").fit(*binary_data)


@pytest.mark.parametrize(
    "penalty, l1_ratio, expected",
    [("l2", 0.15, (0.0, 0.5)), ("l1", 0.15, (1.0, 0.0)), ("elasticnet", 0.3, (0.3, 0.35))],
)
def test_penalty_becomes_keras_regularizers(multiclass_data, penalty, l1_ratio, expected):
    X, y = multiclass_data
    clf = MLPClassifier(
        (8,), penalty=penalty, alpha=0.01, l1_ratio=l1_ratio, max_iter=3, random_state=0
    ).fit(X, y)
    for layer in _layers(clf.model_, keras.layers.Dense):
        config = layer.kernel_regularizer.get_config()
        assert config["l1"] == pytest.approx(0.01 * expected[0])
        assert config["l2"] == pytest.approx(0.01 * expected[1])
        assert layer.bias_regularizer is None


def test_no_penalty_means_no_regularizer(multiclass_data):
    clf = MLPClassifier((8,), penalty=None, max_iter=2, random_state=0).fit(*multiclass_data)
    assert all(
        layer.kernel_regularizer is None for layer in _layers(clf.model_, keras.layers.Dense)
    )


def test_l1_gives_sparser_weights_than_l2(rng):
    X = rng.normal(size=(400, 30))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)  # 28 useless features
    # alpha is per sample (scikit-learn's meaning), so it needs to be large to bite here
    params = {"alpha": 5.0, "max_iter": 150, "random_state": 0, "learning_rate_init": 0.01}
    l1 = SoftmaxClassifier(penalty="l1", **params).fit(X, y)
    l2 = SoftmaxClassifier(penalty="l2", **params).fit(X, y)
    useless_l1 = np.abs(l1.coef_[0, 2:]).mean()
    useless_l2 = np.abs(l2.coef_[0, 2:]).mean()
    assert useless_l1 < 0.1 * useless_l2
    assert l1.score(X, y) > 0.95


def test_alpha_shrinks_weights(multiclass_data):
    X, y = multiclass_data
    params = {"max_iter": 60, "random_state": 0}
    small = MLPClassifier((16,), alpha=1e-5, **params).fit(X, y)
    large = MLPClassifier((16,), alpha=5.0, **params).fit(X, y)
    assert np.linalg.norm(large.coefs_[0]) < np.linalg.norm(small.coefs_[0])


def test_dropout_and_batch_normalization_are_in_the_model(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier(
        (16, 8), dropout=(0.3, 0.1), batch_normalization=True, max_iter=5, random_state=0
    ).fit(X, y)
    dropout = _layers(clf.model_, keras.layers.Dropout)
    assert [layer.rate for layer in dropout] == [0.3, 0.1]
    assert len(_layers(clf.model_, keras.layers.BatchNormalization)) == 2
    hidden = [layer for layer in _layers(clf.model_, keras.layers.Dense) if layer.name != "output"]
    assert all(not layer.use_bias for layer in hidden)  # beta replaces the bias
    assert clf.n_layers_ == 4 and len(clf.coefs_) == 3
    # batch norm learnt running statistics during training
    moving_mean = clf.model_.get_layer("batch_norm_1").moving_mean.numpy()
    assert np.any(moving_mean != 0)


def test_single_dropout_rate_applies_to_every_hidden_layer(multiclass_data):
    clf = MLPClassifier((8, 8, 8), dropout=0.2, max_iter=2, random_state=0).fit(*multiclass_data)
    assert [layer.rate for layer in _layers(clf.model_, keras.layers.Dropout)] == [0.2] * 3


def test_dropout_changes_training_but_not_prediction(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((32,), dropout=0.5, max_iter=20, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    plain = MLPClassifier((32,), max_iter=20, random_state=0).fit(X, y)
    assert clf.loss_curve_ != plain.loss_curve_


@pytest.mark.parametrize("activation, factor", [("relu", 6.0), ("tanh", 6.0), ("logistic", 2.0)])
def test_auto_initializer_is_scikit_learns_scheme(multiclass_data, activation, factor):
    # scikit-learn's _init_coef: kernels and biases uniform in +-sqrt(factor / (fan_in +
    # fan_out)) on every layer; learning_rate_init=1e-9 leaves them as drawn.
    clf = MLPClassifier(
        (400,), activation=activation, max_iter=1, learning_rate_init=1e-9, random_state=0
    ).fit(*multiclass_data)
    for kernel, bias in zip(clf.coefs_, clf.intercepts_, strict=True):
        bound = np.sqrt(factor / sum(kernel.shape))
        for weights in (kernel, bias):
            assert 0 < np.abs(weights).max() <= bound
        large = [w for w in (kernel, bias) if w.size >= 400]  # the output bias has 3 values
        for weights in large:  # drawn over the whole interval, centred
            assert np.abs(weights).max() > 0.95 * bound
            assert abs(weights.mean()) < 0.1 * bound
    hidden = clf.model_.get_layer("hidden_1")
    assert type(hidden.kernel_initializer).__name__ == "GlorotUniform"


def test_first_epoch_starts_near_chance_like_scikit_learn(multiclass_data):
    # He-uniform on the output layer used to start a 3-class fit at a loss of 2.2-2.8
    # (ln 3 = 1.10); scikit-learn's scheme starts near chance.
    from sklearn.neural_network import MLPClassifier as SklearnMLP
    from sklearn.preprocessing import StandardScaler

    X, y = multiclass_data
    X = StandardScaler().fit_transform(X)
    first = {}
    for name, estimator in (("skdense", MLPClassifier), ("sklearn", SklearnMLP)):
        first[name] = np.median(
            [
                estimator(max_iter=1, random_state=seed).fit(X, y).loss_curve_[0]
                for seed in range(5)
            ]
        )
    assert first["skdense"] < 1.3
    assert abs(first["skdense"] - first["sklearn"]) < 0.1, first


def test_a_named_initializer_leaves_the_biases_at_zero(multiclass_data):
    clf = MLPClassifier(
        (16,), kernel_initializer="he_uniform", max_iter=1, learning_rate_init=1e-9
    ).fit(*multiclass_data)
    assert all(np.abs(bias).max() < 1e-6 for bias in clf.intercepts_)
    assert type(clf.model_.get_layer("hidden_1").kernel_initializer).__name__ == "HeUniform"


def test_named_initializer_draws_from_its_distribution(multiclass_data):
    clf = MLPClassifier(
        (500,), kernel_initializer="zeros", max_iter=1, learning_rate_init=1e-9, random_state=0
    )
    clf.fit(*multiclass_data)
    assert np.abs(clf.coefs_[0]).max() < 1e-6


def test_weight_roles_match_the_built_model():
    for batch_norm in (False, True):
        spec = NetworkSpec(
            n_features=3,
            hidden_layer_sizes=(4, 5),
            dropout=(0.0, 0.1),
            batch_normalization=batch_norm,
            n_outputs=2,
        )
        model, _ = build_network(spec)
        paths = [w.path.split("/")[-2:] for w in model.weights]
        assert [tuple(p) for p in paths] == weight_roles(spec)


def test_keras_activations_are_accepted(multiclass_data):
    for activation in ("elu", "selu", "leaky_relu", "logistic", "identity"):
        clf = MLPClassifier((8,), activation=activation, max_iter=2, random_state=0)
        clf.fit(*multiclass_data)
        assert clf.model_.get_layer("activation_1").get_config()["activation"] in (
            activation,
            "sigmoid",
            "linear",
        )


@pytest.mark.parametrize("precision", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_trains_with_float32_outputs(multiclass_data, precision):
    X, y = multiclass_data
    clf = MLPClassifier(
        (16,), precision=precision, max_iter=40, learning_rate_init=0.01, random_state=0
    ).fit(X, y)
    hidden = clf.model_.get_layer("hidden_1")
    assert hidden.compute_dtype == precision.split("_")[1]
    assert hidden.kernel.dtype == "float32"  # weights stay float32
    assert clf.model_.get_layer("output").compute_dtype == "float32"
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64  # X is float64: outputs and coefs_ follow it
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(X, y) > 0.9
    assert all(w.dtype == np.float64 for w in clf.coefs_)


def test_mixed_float16_scales_the_loss(multiclass_data):
    from skdense._training import CompiledNetwork, OptimizerSpec

    spec = NetworkSpec(
        n_features=8, hidden_layer_sizes=(4,), dropout=(0.0,), dtype_policy="mixed_float16"
    )
    network = CompiledNetwork(spec, "squared_error", OptimizerSpec("adam"))
    assert isinstance(network.optimizer, keras.optimizers.LossScaleOptimizer)


def test_pool_evicts_past_a_key_whose_networks_are_all_borrowed(monkeypatch):
    # Regression: borrowing a key's last idle network left an empty entry first in line, and
    # the next eviction failed on it ("pop from empty list") in whichever fit came next.
    from skdense import _pool
    from skdense._training import OptimizerSpec, borrow_network, clear_network_pool

    clear_network_pool()
    monkeypatch.setattr(_pool, "_POOL_SIZE", 1)
    specs = [NetworkSpec(2, (units,), dropout=(0.0,)) for units in (1, 2, 3)]
    adam = OptimizerSpec("adam")

    def borrow(spec):
        return borrow_network(spec, "squared_error", adam, "/CPU:0")

    with borrow(specs[0]) as first:
        pass
    with borrow(specs[0]) as again, borrow(specs[1]), borrow(specs[2]):
        assert again is first  # the pooled network was lent
    with _pool._pool_lock:
        pooled = [network for networks in _pool._pool.values() for network in networks]
    assert len(pooled) == 1
    clear_network_pool()
