"""The training loop as users meet it: stopping, schedules, continuing, weights, callbacks."""

import itertools
import re
import warnings

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skdense import DenseRegressor, MLPClassifier, SoftmaxClassifier

# Fits trained for a few epochs on purpose (or, in scikit-learn's checks, on data no network
# fits in its default epochs) end in ConvergenceWarning; tests that expect it assert it.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _clf(**params):
    defaults = {"hidden_layer_sizes": (16,), "random_state": 0, "learning_rate_init": 0.01}
    return MLPClassifier(**{**defaults, **params})


# --- batches ----------------------------------------------------------------------------------


def test_each_epochs_order_is_scikit_learns_shuffle():
    import sklearn.utils

    from skdense._epoch_loop import reshuffled

    ours, theirs = np.arange(37) * 2, np.arange(37) * 2
    ours_stream, theirs_stream = np.random.RandomState(5), np.random.RandomState(5)
    for _ in range(4):
        ours = reshuffled(ours, ours_stream)
        theirs = sklearn.utils.shuffle(theirs, random_state=theirs_stream)
        np.testing.assert_array_equal(ours, theirs)
    assert ours_stream.randint(10**6) == theirs_stream.randint(10**6)  # same draws consumed


# --- stopping ---------------------------------------------------------------------------------


def test_max_iter_reached_warns_convergence(multiclass_data):
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        clf = _clf(max_iter=3).fit(*multiclass_data)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert clf.t_ == 3 * len(multiclass_data[0])


def test_training_loss_plateau_stops_without_warning(multiclass_data):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = _clf(max_iter=500, tol=1e-2, n_iter_no_change=3).fit(*multiclass_data)
    assert clf.n_iter_ < 500
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    # scikit-learn's rule: stop after n_iter_no_change + 1 epochs without a tol improvement
    best_epoch = int(np.argmin(np.array(clf.loss_curve_) + 1e-2 * np.arange(clf.n_iter_)))
    assert clf.n_iter_ - 1 - best_epoch >= 3


def test_early_stopping_scores_held_out_rows_and_restores_best(multiclass_data, monkeypatch):
    from skdense import _validation_split

    held_out = []

    def recording_split(*arrays, **options):
        parts = train_test_split(*arrays, **options)
        held_out.append((parts[1], parts[3]))
        return parts

    monkeypatch.setattr(_validation_split, "train_test_split", recording_split)
    X, y = multiclass_data
    clf = _clf(early_stopping=True, validation_fraction=0.2, max_iter=300, n_iter_no_change=5)
    clf.fit(X, y)
    scores = clf.validation_scores_
    assert len(scores) == clf.n_iter_ < 300
    assert clf.best_validation_score_ == max(scores)
    assert clf.best_loss_ is None
    assert clf.history_["val_accuracy"] == scores
    assert len(clf.history_["val_loss"]) == clf.n_iter_
    # the weights kept are the best epoch's: rescoring the held-out rows reproduces its score
    ((X_val, y_val),) = held_out
    assert len(y_val) == 60
    assert clf.score(X_val, y_val) == pytest.approx(clf.best_validation_score_)


def test_validation_split_is_shuffled_not_the_last_rows():
    """Keras's validation_split takes the last rows: on sorted data a class goes missing."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-2, 1, (100, 2)), rng.normal(2, 1, (100, 2))])
    y = np.repeat([0, 1], 100)  # sorted by class
    clf = _clf(early_stopping=True, validation_fraction=0.2, max_iter=20, n_iter_no_change=100)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert max(clf.validation_scores_) > 0.9  # a last-rows split would hold class 1 only


def test_infinite_patience_tracks_validation_every_epoch(multiclass_data):
    with pytest.warns(ConvergenceWarning):
        clf = _clf(early_stopping=True, n_iter_no_change=np.inf, max_iter=15)
        clf.fit(*multiclass_data)
    assert len(clf.history_["val_loss"]) == 15


def test_adaptive_schedule_divides_learning_rate_by_five(multiclass_data):
    clf = _clf(solver="sgd", learning_rate="adaptive", tol=0.5, n_iter_no_change=2, max_iter=30)
    clf.fit(*multiclass_data)
    rates = clf.history_["learning_rate"]
    assert rates[0] == pytest.approx(0.01)
    drops = [b / a for a, b in itertools.pairwise(rates) if b != a]
    assert drops and all(d == pytest.approx(0.2) for d in drops)


def test_invscaling_schedule(multiclass_data):
    X, y = multiclass_data
    with pytest.warns(ConvergenceWarning):
        clf = _clf(solver="sgd", learning_rate="invscaling", power_t=0.5, max_iter=4).fit(X, y)
    rates = clf.history_["learning_rate"]
    assert rates[1] == pytest.approx(0.01 / (len(X) + 1) ** 0.5, rel=1e-5)
    assert rates[3] == pytest.approx(0.01 / (3 * len(X) + 1) ** 0.5, rel=1e-5)


def test_schedules_start_from_an_optimizer_instances_own_rate(multiclass_data):
    X, y = multiclass_data
    solver = keras.optimizers.SGD(learning_rate=0.05)
    with pytest.warns(ConvergenceWarning):
        clf = _clf(solver=solver, learning_rate="invscaling", power_t=0.5, max_iter=2).fit(X, y)
    rates = clf.history_["learning_rate"]
    assert rates[0] == pytest.approx(0.05)  # not learning_rate_init's 0.01
    assert rates[1] == pytest.approx(0.05 / (len(X) + 1) ** 0.5, rel=1e-5)


def test_an_optimizer_with_its_own_schedule_is_left_to_it(multiclass_data):
    X, y = multiclass_data
    schedule = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=1, decay_rate=0.9)
    with pytest.warns(ConvergenceWarning):
        clf = _clf(solver=keras.optimizers.SGD(schedule), learning_rate="invscaling", max_iter=3)
        clf.fit(X, y)
    rates = clf.history_["learning_rate"]
    assert rates[0] < 0.05 and rates[2] < rates[1] < rates[0]  # decayed per step by Keras


# --- continuing ---------------------------------------------------------------------------------


def test_warm_start_continues_the_same_network(multiclass_data):
    X, y = multiclass_data
    clf = _clf(max_iter=5, warm_start=True, tol=0.0, n_iter_no_change=1000)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    first_curve = list(clf.loss_curve_)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.loss_curve_[:5] == first_curve and len(clf.loss_curve_) == 10
    assert clf.t_ == 10 * len(X)
    assert clf.loss_curve_[5] < first_curve[0]  # started from the trained weights
    cold = _clf(max_iter=5).set_params(warm_start=False)
    with pytest.warns(ConvergenceWarning):
        cold.fit(X, y)
    assert cold.loss_curve_ == first_curve  # without warm start: anew, same seed, same path


def test_warm_start_with_another_solver_keeps_the_weights_not_the_moments(multiclass_data):
    X, y = multiclass_data
    clf = _clf(max_iter=5, warm_start=True, tol=0.0, n_iter_no_change=1000)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    trained_loss = clf.loss_curve_[-1]
    for solver in ("sgd", keras.optimizers.RMSprop(learning_rate=0.001)):
        clf.set_params(solver=solver, max_iter=1)
        with pytest.warns(ConvergenceWarning):
            clf.fit(X, y)
        assert clf.loss_curve_[-1] < 0.5 * (trained_loss + clf.loss_curve_[0])  # not anew


def test_warm_start_fit_starts_from_the_new_learning_rate_init(multiclass_data):
    X, y = multiclass_data
    clf = _clf(solver="sgd", learning_rate="adaptive", tol=10.0, n_iter_no_change=1)
    clf.set_params(warm_start=True, max_iter=6).fit(X, y)
    assert clf.history_["learning_rate"][-1] < 0.01  # the adaptive schedule lowered it
    clf.set_params(learning_rate_init=0.002, max_iter=1)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.history_["learning_rate"][-1] == pytest.approx(0.002)


def test_warm_start_rejects_a_changed_architecture(multiclass_data):
    clf = _clf(max_iter=2, warm_start=True).fit(*multiclass_data)
    clf.set_params(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="architecture changed"):
        clf.fit(*multiclass_data)


def test_partial_fit_needs_classes_first_and_then_continues(multiclass_data):
    X, y = multiclass_data
    clf = _clf()
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:100], y[:100], classes=[0, 1, 2])
    assert clf.n_iter_ == 1 and clf.t_ == 100
    for _ in range(20):
        clf.partial_fit(X, y)
    assert clf.t_ == 100 + 20 * len(X)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.score(X, y) > 0.9


def test_partial_fit_learns_a_class_absent_from_the_first_chunk(multiclass_data):
    X, y = multiclass_data
    clf = _clf()
    first = y != 2
    clf.partial_fit(X[first], y[first], classes=np.array([0, 1, 2]))
    assert clf.predict_proba(X).shape == (len(X), 3)
    for _ in range(15):
        clf.partial_fit(X, y)
    assert (clf.predict(X[y == 2]) == 2).mean() > 0.8


def test_partial_fit_regressor(regression_data):
    X, y = regression_data
    reg = DenseRegressor((16,), random_state=0, learning_rate_init=0.01)
    for _ in range(30):
        reg.partial_fit(X, y)
    assert reg.score(X, y) > 0.8


# --- weights ---------------------------------------------------------------------------------


def test_class_weight_shifts_decisions_towards_the_weighted_class(binary_data):
    X, y = binary_data
    plain = _clf(max_iter=30).fit(X, y)
    weighted = _clf(max_iter=30, class_weight={0: 1.0, 1: 20.0}).fit(X, y)
    assert (weighted.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


def test_balanced_class_weight_helps_the_minority(rng):
    X = rng.normal(size=(600, 2))
    y = (X[:, 0] > 1.3).astype(int)  # ~10% positives
    X[:, 0] += rng.normal(scale=0.8, size=600)  # and overlapping
    plain = SoftmaxClassifier(max_iter=50, random_state=0).fit(X, y)
    balanced = SoftmaxClassifier(max_iter=50, random_state=0, class_weight="balanced").fit(X, y)
    recall = {name: est.predict(X)[y == 1].mean() for name, est in [("p", plain), ("b", balanced)]}
    assert recall["b"] > recall["p"]


def test_sample_weight_zero_ignores_samples(binary_data):
    X, y = binary_data
    flipped = 1 - y
    X_all, y_all = np.vstack([X, X]), np.concatenate([y, flipped])
    weights = np.concatenate([np.ones(len(y)), np.zeros(len(y))])
    clf = _clf(max_iter=40).fit(X_all, y_all, sample_weight=weights)
    assert clf.score(X, y) > 0.9  # the flipped half, weighted 0, did not count


def test_sample_weight_of_ones_equals_no_weights(binary_data):
    X, y = binary_data
    plain = _clf(max_iter=5).fit(X, y)
    ones = _clf(max_iter=5).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(plain.predict_proba(X), ones.predict_proba(X))


# --- callbacks -------------------------------------------------------------------------------


def test_keras_early_stopping_callback_stops_and_restores(multiclass_data):
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=2, restore_best_weights=True
    )
    clf = _clf(
        callbacks=[stopper], early_stopping=True, n_iter_no_change=np.inf, max_iter=300
    ).fit(*multiclass_data)
    assert clf.n_iter_ < 300
    assert stopper.stopped_epoch == clf.n_iter_ - 1


def test_model_checkpoint_writes_a_loadable_model(multiclass_data, tmp_path):
    X, y = multiclass_data
    path = tmp_path / "best.keras"
    checkpoint = keras.callbacks.ModelCheckpoint(
        path, monitor="val_accuracy", mode="max", save_best_only=True
    )
    clf = _clf(callbacks=[checkpoint], early_stopping=True, n_iter_no_change=3, max_iter=50)
    clf.fit(X, y)
    restored = keras.models.load_model(path)
    # the checkpoint holds the best-scoring epoch, which early stopping also restored
    np.testing.assert_allclose(restored.predict(X, verbose=0), clf.predict_proba(X), atol=1e-5)


class _RecordWeights(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


@pytest.mark.parametrize("params", [{}, {"dropout": 0.2, "batch_normalization": True}])
def test_callbacks_see_each_epochs_weights(multiclass_data, params):
    # JAX's engine keeps the weights on the device between epochs; a callback must still see
    # the weights of the epoch just trained, as the same fit stopped there ends with.
    record = _RecordWeights()
    _clf(max_iter=3, callbacks=[record], **params).fit(*multiclass_data)
    for epochs, seen in enumerate(record.weights, start=1):
        stopped_there = _clf(max_iter=epochs, **params).fit(*multiclass_data)
        for got, expected in zip(seen, stopped_there.model_.get_weights(), strict=True):
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(record.weights[0][0], record.weights[-1][0])


def test_learning_rate_scheduler_callback(multiclass_data):
    def schedule(epoch, rate):
        return 0.1 if epoch < 2 else 0.001

    scheduler = keras.callbacks.LearningRateScheduler(schedule)
    with pytest.warns(ConvergenceWarning):
        clf = _clf(callbacks=[scheduler], max_iter=4).fit(*multiclass_data)
    assert clf.history_["learning_rate"] == pytest.approx([0.1, 0.1, 0.001, 0.001])


def test_reduce_lr_on_plateau_callback_lowers_the_next_epochs_rate(multiclass_data):
    X, y = multiclass_data
    # min_delta larger than any loss: every epoch after the first (which sets Keras's best) is
    # a plateau, and halves the rate the next epoch trains with
    plateau = keras.callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=0, min_delta=10.0
    )
    clf = _clf(max_iter=4, callbacks=[plateau], learning_rate_init=0.01).fit(X, y)
    np.testing.assert_allclose(clf.history_["learning_rate"], [0.01, 0.01, 0.005, 0.0025])


def test_tensorboard_callback_writes_logs(multiclass_data, tmp_path):
    board = keras.callbacks.TensorBoard(log_dir=tmp_path)
    with pytest.warns(ConvergenceWarning):
        _clf(callbacks=[board], max_iter=2).fit(*multiclass_data)
    assert any(path.name.startswith("events.out") for path in tmp_path.rglob("*"))


def test_callbacks_survive_clone(multiclass_data):
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=10.0)
    clf = _clf(callbacks=[stopper], max_iter=50)
    copy = clone(clf)
    assert copy.callbacks[0] is not stopper
    assert isinstance(copy.callbacks[0], keras.callbacks.EarlyStopping)
    copy.fit(*multiclass_data)
    assert copy.n_iter_ == 2  # min_delta=10 is never met: stops after patience


# --- determinism and silence ------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{}, {"dropout": 0.3}, {"batch_normalization": True}, {"early_stopping": True}],
    ids=["plain", "dropout", "batchnorm", "early_stopping"],
)
def test_random_state_makes_fits_identical(multiclass_data, params):
    X, y = multiclass_data
    first = _clf(max_iter=8, **params).fit(X, y)
    second = _clf(max_iter=8, **params).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert first.loss_curve_ == second.loss_curve_
    other = _clf(max_iter=8, **{**params, "random_state": 1}).fit(X, y)
    assert other.loss_curve_ != first.loss_curve_


@pytest.mark.parametrize("params", [{}, {"dropout": 0.3, "batch_normalization": True}])
def test_executor_choice_does_not_change_the_fit(multiclass_data, monkeypatch, params):
    # Small steps run inline, large ones on the inter-op pool: the same graph either way.
    from skdense import _runtime

    X, y = multiclass_data
    inline = _clf(max_iter=5, **params).fit(X, y)
    monkeypatch.setattr(_runtime, "PARALLEL_STEP_WORK", 0)  # every step on the pool
    pooled = _clf(max_iter=5, **params).fit(X, y)
    np.testing.assert_allclose(pooled.loss_curve_, inline.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(pooled.predict_proba(X), inline.predict_proba(X), rtol=1e-5)


def test_quiet_by_default(multiclass_data, capfd):
    X, y = multiclass_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = _clf(max_iter=3).fit(X, y)
        clf.predict(X)
        clf.predict_proba(X)
        clf.partial_fit(X, y)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def _verbose_lines(Estimator, X, y, capfd, **params):
    """What a verbose fit prints, numbers replaced by "#", for comparing with scikit-learn."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator = Estimator(verbose=True, random_state=0, **params).fit(X, y)
    out = capfd.readouterr().out
    return estimator, out, [re.sub(r"-?\d+(\.\d+)?", "#", line) for line in out.splitlines()]


@pytest.mark.parametrize(
    "params",
    [
        {"n_iter_no_change": 2, "tol": 10.0},
        {"early_stopping": True, "n_iter_no_change": 2, "tol": 10.0},
        {"solver": "sgd", "learning_rate": "adaptive", "n_iter_no_change": 1, "tol": 10.0},
        {"max_iter": 3},
    ],
    ids=["training-loss", "early-stopping", "adaptive", "max-iter"],
)
def test_verbose_prints_scikit_learns_lines(multiclass_data, capfd, params):
    """Issue 12: the lines of scikit-learn's MLP, once per epoch, and no progress bar."""
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    X, y = multiclass_data
    params = {"hidden_layer_sizes": (8,), "max_iter": 40, **params}
    ours, out, lines = _verbose_lines(MLPClassifier, X, y, capfd, **params)
    theirs, _, their_lines = _verbose_lines(SklearnMLP, X, y, capfd, **params)
    # tol is out of reach, so both stop at the same epoch: the same lines, stopping included
    assert ours.n_iter_ == theirs.n_iter_
    assert lines == their_lines
    assert sum(line.startswith("Iteration") for line in lines) == ours.n_iter_
    assert not re.search("[\r\b\x1b]", out)
    ours.predict(X)
    assert capfd.readouterr().out == ""


def test_many_architectures_stay_quiet(multiclass_data, capfd, caplog):
    """Non-regression: after ~5 pooled networks had traced, TensorFlow logged a "retracing"
    warning, counting traces per code object across networks that each trace once."""
    X, y = multiclass_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for units in range(1, 10):
            MLPClassifier((units,), max_iter=1, random_state=0).fit(X, y).predict(X)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
    assert not [record for record in caplog.records if record.name == "tensorflow"]


def test_warnings_point_at_the_callers_line(multiclass_data):
    with pytest.warns(ConvergenceWarning) as record:
        _clf(max_iter=1).fit(*multiclass_data)
    assert record[0].filename == __file__
    with pytest.warns(UserWarning, match="batch_size") as record:
        _clf(max_iter=1, batch_size=10_000).partial_fit(*multiclass_data, classes=[0, 1, 2])
    assert record[0].filename == __file__


def test_a_callback_restoring_its_own_best_weights_has_the_last_word(multiclass_data):
    X, y = multiclass_data
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=3, restore_best_weights=True
    )
    clf = _clf(
        hidden_layer_sizes=(64,),
        callbacks=[stopper],
        early_stopping=True,
        n_iter_no_change=np.inf,
        max_iter=200,
    ).fit(X, y)
    for kept, best in zip(clf._network_weights, stopper.best_weights, strict=True):
        np.testing.assert_array_equal(kept, best)


# --- scikit-learn's errors (issue 12) -----------------------------------------------------------


def _sklearn_error(estimator, call):
    with pytest.raises(ValueError) as caught, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        call(estimator)
    return str(caught.value)


@pytest.mark.parametrize("Estimator", [MLPClassifier, DenseRegressor])
def test_partial_fit_refuses_early_stopping_as_scikit_learn(multiclass_data, Estimator):
    """Before, partial_fit silently trained without the validation split."""
    from sklearn import neural_network

    X, y = multiclass_data
    sklearn_estimator = getattr(neural_network, Estimator.__name__.replace("Dense", "MLP"))
    params = {"hidden_layer_sizes": (8,), "early_stopping": True, "max_iter": 5, "random_state": 0}
    ours = Estimator(**params).fit(X, y)
    theirs = sklearn_estimator(**params)
    theirs_message = _sklearn_error(theirs.fit(X, y), lambda e: e.partial_fit(X, y))
    with pytest.raises(ValueError, match=re.escape(theirs_message)):
        ours.partial_fit(X, y)
    ours.set_params(early_stopping=False).partial_fit(X, y)  # the parameter decides, as there


def test_warm_start_fit_with_other_classes_raises_scikit_learns_error(multiclass_data):
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    X, y = multiclass_data
    labels = np.array(["a", "b", "c"])[y]
    other_labels = np.where(labels == "c", "d", labels)
    for other in (other_labels, labels[y != 2]):  # a new class; a class missing
        rows = slice(None) if len(other) == len(X) else y != 2
        theirs = SklearnMLP((4,), warm_start=True, max_iter=2).fit(X, labels)
        message = _sklearn_error(theirs, lambda e: e.fit(X[rows], other))  # noqa: B023
        assert message.startswith("warm_start can only be used where `y` has the same classes")
        ours = _clf(hidden_layer_sizes=(4,), warm_start=True, max_iter=2).fit(X, labels)
        with pytest.raises(ValueError, match=re.escape(message)):
            ours.fit(X[rows], other)
    # partial_fit chunks may still miss classes
    ours.partial_fit(X[y != 2], labels[y != 2])


def test_a_class_too_small_to_stratify_is_named_as_the_user_wrote_it():
    X = np.arange(16, dtype=float).reshape(8, 2)
    y = np.array(["cat"] * 7 + ["dog"])
    with pytest.raises(ValueError, match=re.escape("Classes with too few members are: ['dog']")):
        _clf(early_stopping=True).fit(X, y)


def test_dropout_masks_do_not_repeat_across_partial_fits(multiclass_data, monkeypatch):
    # An int random_state restarts its stream at each partial_fit, as scikit-learn's does
    # (the same shuffle each call); the dropout seeds must still move on with the training.
    import keras

    from skdense import _network, _training

    seeds = []

    def recording_reseed(model, *args):
        _network.reseed_dropout(model, *args)
        layers = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
        seeds.append(
            [
                int(keras.ops.convert_to_numpy(layer.seed_generator.state.value)[0])
                for layer in layers
            ]
        )

    monkeypatch.setattr(_training, "reseed_dropout", recording_reseed)
    X, y = multiclass_data
    clf = MLPClassifier((8,), dropout=0.5, random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=np.unique(y))
    assert len(seeds) == 3 and len({tuple(s) for s in seeds}) == 3
    # and a fit from scratch with the same random_state repeats the first call's seeds
    MLPClassifier((8,), dropout=0.5, random_state=0, max_iter=1).fit(X, y)
    assert seeds[-1] == seeds[0]
