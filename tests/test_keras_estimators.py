"""KerasClassifier and KerasRegressor: scikeras 0.13's interface on skdense's core."""

import concurrent.futures
import os
import pickle
import subprocess
import sys

import keras
import numpy as np
import pytest
from _keras_models import get_model, get_regressor
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skdense import KerasClassifier, KerasRegressor


def _classifier(**params):
    defaults = {"loss": "sparse_categorical_crossentropy", "hidden_layer_dim": 16}
    return KerasClassifier(get_model, **{**defaults, **params})


def test_quickstart_pattern_trains_a_multiclass_classifier(multiclass_data):
    X, y = multiclass_data
    clf = _classifier(epochs=20, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.85
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_features_in_ == 8
    assert len(clf.history_["loss"]) == 20
    assert clf.history_["loss"][-1] < 0.5 * clf.history_["loss"][0]
    assert clf.model_.layers[0].units == 16


def test_build_function_receives_meta_and_compile_kwargs(multiclass_data):
    X, y = multiclass_data
    received = {}

    def build(meta, compile_kwargs):
        received.update(meta=meta, compile_kwargs=compile_kwargs)
        model = get_model(8, meta)
        model.compile(**compile_kwargs)
        return model

    labels = np.array(["a", "b", "c"])[y]
    clf = KerasClassifier(
        build,
        loss="sparse_categorical_crossentropy",
        optimizer="sgd",
        optimizer__learning_rate=0.05,
        epochs=5,
        random_state=0,
    ).fit(X, labels)
    meta = received["meta"]
    assert meta["n_features_in_"] == 8 and meta["X_shape_"] == (300, 8)
    assert meta["n_classes_"] == 3 and meta["target_type_"] == "multiclass"
    np.testing.assert_array_equal(meta["classes_"], ["a", "b", "c"])
    optimizer = received["compile_kwargs"]["optimizer"]
    assert isinstance(optimizer, keras.optimizers.SGD)
    assert float(optimizer.get_config()["learning_rate"]) == pytest.approx(0.05)
    assert set(clf.predict(X)) <= {"a", "b", "c"}
    assert clf.score(X, labels) > 0.8


def test_a_compiled_model_trains_with_its_own_loss_and_optimizer(multiclass_data):
    X, y = multiclass_data

    def build(meta):
        model = get_model(8, meta)
        model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1))
        return model

    clf = KerasClassifier(build, epochs=5, random_state=0).fit(X, y)  # no loss= given
    assert isinstance(clf.model_.optimizer, keras.optimizers.SGD)
    assert clf.history_["learning_rate"] == pytest.approx([0.1] * 5)
    assert clf.score(X, y) > 0.8


def test_an_uncompiled_model_without_loss_is_an_error(multiclass_data):
    X, y = multiclass_data
    with pytest.raises(ValueError, match="no loss to train with"):
        KerasClassifier(get_model, hidden_layer_dim=4).fit(X, y)


def test_a_bare_subclassed_model_is_built_by_a_call_and_pickles(multiclass_data, recwarn):
    from _keras_layers import subclassed_classifier

    X, y = multiclass_data
    clf = KerasClassifier(
        subclassed_classifier, loss="sparse_categorical_crossentropy", epochs=20, random_state=0
    ).fit(X, y)
    assert clf.score(X, y) > 0.85
    assert type(clf.model_).__name__ == "TwoLayers"
    np.testing.assert_allclose(
        clf.model_.predict(X, verbose=0), clf.predict_proba(X), rtol=1e-5, atol=1e-6
    )
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # Keras warns when build() is called on a model without one; skdense calls the model.
    assert not [w for w in recwarn if "build()" in str(w.message)]


def test_a_model_instance_trains_from_its_weights_and_is_left_untouched(binary_data):
    X, y = binary_data
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    before = [w.copy() for w in model.get_weights()]
    clf = KerasClassifier(model, loss="binary_crossentropy", epochs=10).fit(X, y)
    for kept, now in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, now)
    assert not np.allclose(clf.model_.get_weights()[0], before[0])
    proba = clf.predict_proba(X)  # one sigmoid unit: two columns
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(X), (proba[:, 1] > 0.5).astype(int))


def test_one_hot_targets_for_categorical_crossentropy(multiclass_data):
    X, y = multiclass_data
    clf = _classifier(loss="categorical_crossentropy", epochs=10, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.8
    assert clf._architecture.n_targets == 3  # trained on one-hot rows


def test_routed_parameters_through_get_params_set_params_and_clone(multiclass_data):
    X, y = multiclass_data
    clf = KerasClassifier(
        get_model, loss="sparse_categorical_crossentropy", model__hidden_layer_dim=8
    )
    clf.set_params(optimizer__learning_rate=0.01, model__hidden_layer_dim=4)
    params = clf.get_params()
    assert params["model__hidden_layer_dim"] == 4
    assert params["optimizer__learning_rate"] == 0.01
    copy = clone(clf)
    assert copy.get_params()["model__hidden_layer_dim"] == 4
    copy.fit(X, y)
    assert copy.model_.layers[0].units == 4
    assert copy.history_["learning_rate"] == pytest.approx([0.01])
    with pytest.raises(ValueError, match="Invalid parameter 'nonsense'"):
        clf.set_params(nonsense=1)


def test_grid_search_over_model_and_optimizer_parameters(multiclass_data):
    X, y = multiclass_data
    clf = KerasClassifier(
        get_model, loss="sparse_categorical_crossentropy", epochs=3, random_state=0
    )
    grid = {"model__hidden_layer_dim": [4, 8], "optimizer__learning_rate": [1e-3, 1e-2]}
    search = GridSearchCV(clf, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert set(search.best_params_) == set(grid)
    best = search.best_estimator_
    assert best.model_.layers[0].units == search.best_params_["model__hidden_layer_dim"]
    # a higher learning rate learns more in 3 epochs, at either width
    scores = dict(
        zip(
            map(str, search.cv_results_["params"]),
            search.cv_results_["mean_test_score"],
            strict=True,
        )
    )
    for units in (4, 8):
        fast = scores[str({"model__hidden_layer_dim": units, "optimizer__learning_rate": 1e-2})]
        slow = scores[str({"model__hidden_layer_dim": units, "optimizer__learning_rate": 1e-3})]
        assert fast > slow


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"unitz": 3}, ["'unitz'", "get_model(hidden_layer_dim, meta)"]),
        ({"model__unitz": 3}, ["'model__unitz'", "get_model(hidden_layer_dim, meta)"]),
        ({"optimizer__learnin_rate": 0.1}, ["'optimizer__learnin_rate'", "RMSprop("]),
        ({"fit__epoch": 2}, ["'fit__epoch'", "epochs"]),
        ({"optimiser__learning_rate": 0.1}, ["'optimiser__learning_rate'", "optimizer__"]),
    ],
)
def test_a_parameter_nothing_uses_is_an_error_naming_it(multiclass_data, params, named):
    X, y = multiclass_data
    with pytest.raises(ValueError, match="not used by anything") as error:
        _classifier(**params).fit(X, y)
    for text in named:
        assert text in str(error.value)
    assert not hasattr(_classifier(**params), "classes_")


def test_class_weight_is_sample_weight_by_class(binary_data):
    X, y = binary_data
    weights = {0: 1.0, 1: 5.0}
    by_class = _classifier(class_weight=weights, epochs=3, random_state=0).fit(X, y)
    by_sample = _classifier(epochs=3, random_state=0).fit(
        X, y, sample_weight=np.where(y == 1, 5.0, 1.0)
    )
    unweighted = _classifier(epochs=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(by_class.predict_proba(X), by_sample.predict_proba(X), rtol=1e-6)
    assert by_class.predict_proba(X)[:, 1].mean() > unweighted.predict_proba(X)[:, 1].mean()


def test_zero_sample_weights_drop_rows(binary_data):
    """A full batch with zero-weight rows trains as the batch without them."""
    X, y = binary_data
    weight = np.r_[np.ones(150), np.zeros(150)]
    full = dict(batch_size=-1, shuffle=False, epochs=5, random_state=0)
    weighted = _classifier(**full).fit(X, y, sample_weight=weight)
    subset = _classifier(**full).fit(X[:150], y[:150])
    np.testing.assert_allclose(
        weighted.predict_proba(X), subset.predict_proba(X), rtol=1e-4, atol=1e-6
    )


def test_early_stopping_callback_with_validation_split(multiclass_data):
    X, y = multiclass_data
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)
    clf = _classifier(
        callbacks=[stop],
        validation_split=0.2,
        epochs=500,
        random_state=0,
        optimizer__learning_rate=0.01,
    ).fit(X, y)
    n_epochs = len(clf.history_["loss"])
    assert 2 < n_epochs < 500
    assert len(clf.history_["val_loss"]) == n_epochs
    assert len(clf.history_["val_accuracy"]) == n_epochs


def test_callback_classes_take_callbacks_parameters(multiclass_data):
    X, y = multiclass_data
    clf = _classifier(
        callbacks=[keras.callbacks.EarlyStopping],
        callbacks__monitor="loss",
        callbacks__min_delta=10.0,  # no epoch improves this much: stops after patience
        callbacks__patience=1,
        epochs=50,
    ).fit(X, y)
    assert len(clf.history_["loss"]) == 2


def test_warm_start_continues_training(multiclass_data):
    X, y = multiclass_data
    clf = _classifier(epochs=3, warm_start=True, random_state=0).fit(X, y)
    first = clf.history_["loss"]
    clf.fit(X, y)
    assert len(clf.history_["loss"]) == 6 and clf.history_["loss"][:3] == first
    assert clf.history_["loss"][3] < first[0]  # not a fresh start
    cold = _classifier(epochs=3, random_state=0).fit(X, y)
    cold.fit(X, y)
    assert cold.history_["loss"] == pytest.approx(first)  # rebuilt from the same seed


def test_partial_fit_trains_one_epoch_per_call(multiclass_data):
    X, y = multiclass_data
    clf = _classifier(random_state=0)
    first = y < 2
    clf.partial_fit(X[first], y[first], classes=[0, 1, 2])
    for _ in range(4):
        clf.partial_fit(X, y)
    assert len(clf.history_["loss"]) == 5
    assert clf.predict_proba(X).shape == (len(X), 3)
    assert clf.history_["loss"][-1] < clf.history_["loss"][1]
    with pytest.raises(ValueError, match="labels not seen"):
        clf.partial_fit(X[:5], np.full(5, 7))


def test_regressor(regression_data):
    X, y = regression_data
    reg = KerasRegressor(
        get_regressor,
        loss="mse",
        optimizer="adam",
        optimizer__learning_rate=0.01,
        model__units=32,
        epochs=30,
        random_state=0,
    ).fit(X, y)
    assert reg.predict(X).shape == (len(X),)
    assert reg.score(X, y) > 0.9
    assert reg.model_.layers[0].units == 32
    two = np.column_stack([y, -y])
    assert reg.fit(X, two).predict(X).shape == (len(X), 2)


def test_random_state_makes_fits_reproducible(multiclass_data):
    X, y = multiclass_data
    params = dict(epochs=3, validation_split=0.2, random_state=0)
    a = _classifier(**params).fit(X, y).predict_proba(X)
    b = _classifier(**params).fit(X, y).predict_proba(X)
    c = _classifier(**{**params, "random_state": 1}).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_fit_and_predict_are_quiet(multiclass_data, capfd):
    X, y = multiclass_data
    _classifier(epochs=2).fit(X, y).predict(X)
    captured = capfd.readouterr()
    assert captured.out == ""


def test_pickle_holds_no_keras_object_and_loads_in_a_fresh_process(multiclass_data, tmp_path):
    X, y = multiclass_data
    clf = _classifier(epochs=5, random_state=0).fit(X, y)
    path = tmp_path / "clf.pkl"
    path.write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "X.npy", X)
    script = (
        "import os, pickle, sys, numpy as np\n"
        f"os.chdir({str(tmp_path)!r})\n"
        "clf = pickle.loads(open('clf.pkl', 'rb').read())\n"
        "assert 'keras' not in sys.modules, 'unpickling imported Keras'\n"
        "np.save('proba.npy', clf.predict_proba(np.load('X.npy')))\n"
        "print(type(clf.model_).__name__)\n"
    )
    here = os.path.dirname(__file__)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.path.dirname(here), here])}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("Sequential")
    np.testing.assert_allclose(np.load(tmp_path / "proba.npy"), clf.predict_proba(X), rtol=1e-6)


def test_fits_on_threads_build_the_same_seeded_model(multiclass_data):
    # A Dask worker fits on threads: each build must see its own seeded random streams.
    X, y = multiclass_data
    model = _classifier(epochs=3, random_state=0)
    expected = clone(model).fit(X, y).predict_proba(X)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        fitted = list(pool.map(lambda _: clone(model).fit(X, y), range(4)))
    for clf in fitted:
        np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-6)


def test_rebuilt_models_share_one_pooled_network_and_trace(multiclass_data):
    """Each fit calls the build function again; the new model's layer names (the
    Sequential's Input too) differ per build, yet it is the same architecture: one network
    and one traced epoch serve every fit of a search over learning rates."""
    from skdense import _pool, _training

    X, y = multiclass_data
    _training.clear_network_pool()
    for learning_rate in (1e-3, 1e-2, 1e-3):
        _classifier(optimizer="adam", optimizer__learning_rate=learning_rate, epochs=2).fit(X, y)
    (networks,) = _pool._pool.values()
    (network,) = networks
    assert network.fits == 3
    assert network.engine.epoch_programs == 1


def test_an_estimator_saved_before_input_columns_existed_loads_and_trains(multiclass_data):
    """What an earlier skdense pickled: no input_columns parameter, no input layout."""
    X, y = multiclass_data
    clf = _classifier(epochs=2, random_state=0).fit(X, y)
    state = clf.__getstate__()
    for name in ("input_columns", "_input_source", "_input_layout", "_target_groups"):
        del state[name]
    old = KerasClassifier.__new__(KerasClassifier)
    old.__setstate__(state)
    assert old.get_params()["input_columns"] is None
    np.testing.assert_array_equal(old.predict_proba(X), clf.predict_proba(X))
    assert len(old.partial_fit(X, y).history_["loss"]) == 3  # 2 epochs, then 1 more
    assert clone(old).get_params() == clone(clf).get_params()
