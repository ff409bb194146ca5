"""KerasClassifier's and KerasRegressor's ``metrics``: measured each epoch, logged under
Keras's names, routed with ``metrics__*`` as scikeras routes them."""

import keras
import pytest
from _keras_models import get_model, get_regressor
from sklearn.metrics import mean_absolute_error, roc_auc_score

from skdense import KerasClassifier, KerasRegressor


def _classifier(**params):
    defaults = {"loss": "sparse_categorical_crossentropy", "hidden_layer_dim": 8}
    return KerasClassifier(get_model, **{**defaults, **params})


def test_metrics_are_logged_each_epoch_on_training_and_validation_rows(multiclass_data):
    X, y = multiclass_data
    clf = _classifier(metrics=["accuracy"], validation_split=0.2, epochs=4, random_state=0)
    clf.fit(X, y)
    for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(clf.history_[name]) == 4, name
    assert all(0.0 <= a <= 1.0 for a in clf.history_["accuracy"] + clf.history_["val_accuracy"])
    clf.partial_fit(X, y)  # the metrics are part of the fitted model: they continue
    assert len(clf.history_["accuracy"]) == 5


def test_training_metric_is_measured_with_the_weights_the_epoch_ended_on(multiclass_data):
    X, y = multiclass_data
    clf = _classifier(metrics=["accuracy", "acc"], epochs=3, random_state=0).fit(X, y)
    assert clf.history_["accuracy"][-1] == pytest.approx(clf.score(X, y))
    assert clf.history_["acc"] == clf.history_["accuracy"]  # a string names its metric
    assert "val_accuracy" not in clf.history_


def test_metric_classes_take_metrics_parameters_shared_and_by_position(multiclass_data):
    X, y = multiclass_data
    top_k = keras.metrics.SparseTopKCategoricalAccuracy
    clf = _classifier(
        metrics=["accuracy", top_k, top_k],
        metrics__k=3,  # every class: three classes are always in the top three
        metrics__1__k=1,  # the first top-k only: accuracy
        metrics__1__name="top_1",
        epochs=2,
        random_state=0,
    ).fit(X, y)
    assert clf.history_["top_1"] == pytest.approx(clf.history_["accuracy"])
    assert clf.history_["sparse_top_k_categorical_accuracy"] == [1.0, 1.0]


def test_build_function_receives_metrics_made_from_their_classes(multiclass_data):
    X, y = multiclass_data
    received = []

    def build(meta, compile_kwargs):
        received.extend(compile_kwargs["metrics"])
        return get_model(4, meta)

    KerasClassifier(
        build,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy],
        metrics__k=2,
    ).fit(X, y)
    assert received[0] == "accuracy"
    assert isinstance(received[1], keras.metrics.SparseTopKCategoricalAccuracy)
    assert received[1].get_config()["k"] == 2


def test_a_metric_instance_is_measured_on_a_copy(binary_data):
    X, y = binary_data
    auc = keras.metrics.AUC(name="auc")

    def build(meta):
        return keras.Sequential(
            [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1, activation="sigmoid")]
        )

    clf = KerasClassifier(
        build, loss="binary_crossentropy", metrics=[auc], epochs=3, random_state=0
    ).fit(X, y)
    expected = roc_auc_score(y, clf.predict_proba(X)[:, 1])
    assert clf.history_["auc"][-1] == pytest.approx(expected, abs=0.02)  # 200 thresholds
    assert float(auc.result()) == 0.0  # the user's object measured nothing


def test_a_compiled_model_brings_its_own_metrics(multiclass_data):
    X, y = multiclass_data

    def build(meta):
        model = get_model(8, meta)
        model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    clf = KerasClassifier(build, epochs=2, validation_split=0.2, random_state=0).fit(X, y)
    assert len(clf.history_["accuracy"]) == len(clf.history_["val_accuracy"]) == 2
    assert "accuracy" in clf.model_.evaluate(X, y, verbose=0, return_dict=True)


def test_early_stopping_monitors_a_validation_metric(multiclass_data):
    X, y = multiclass_data
    # mode="auto": Keras finds the metric's direction in the model's compiled metrics
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1, min_delta=1.0)
    clf = _classifier(
        metrics=["accuracy"], validation_split=0.2, callbacks=[stop], epochs=50, random_state=0
    ).fit(X, y)
    assert len(clf.history_["val_accuracy"]) == 2


def test_regressor_metrics_and_early_stopping_on_them(regression_data):
    X, y = regression_data
    stop = keras.callbacks.EarlyStopping(monitor="val_mae", patience=2, min_delta=1e6)
    reg = KerasRegressor(
        get_regressor,
        loss="mse",
        metrics=["mae", keras.metrics.RootMeanSquaredError],
        validation_split=0.2,
        callbacks=[stop],
        epochs=50,
        random_state=0,
    ).fit(X, y)
    assert len(reg.history_["mae"]) == 3
    assert set(reg.history_) >= {"val_mae", "root_mean_squared_error", "val_r2"}
    no_split = KerasRegressor(
        get_regressor, loss="mse", metrics=["mae"], epochs=2, random_state=0
    ).fit(X, y)
    expected = mean_absolute_error(y, no_split.predict(X))
    assert no_split.history_["mae"][-1] == pytest.approx(expected, rel=1e-5)


def test_without_metrics_nothing_more_is_logged(multiclass_data):
    X, y = multiclass_data
    clf = _classifier(metrics=["accuracy"], epochs=1, random_state=0).fit(X, y)
    clf.set_params(metrics=None).fit(X, y)  # the same pooled network: its metrics go
    assert set(clf.history_) == {"loss", "learning_rate"}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"metrics": ["accuracy"], "metrics__k": 2}, "only metrics given as classes"),
        (
            {"metrics": [keras.metrics.AUC], "metrics__0__nope": 1},
            "'metrics__0__nope' is not an argument of AUC(",
        ),
        ({"metrics": ["accuracy"], "metrics__3__k": 1}, "no metric at position 3"),
        ({"metrics": ["accuracy"], "metrics__0__k": 1}, "'accuracy', is not a class"),
    ],
)
def test_a_metrics_parameter_nothing_takes_is_an_error(multiclass_data, params, named):
    X, y = multiclass_data
    with pytest.raises(ValueError, match="not used by anything") as error:
        _classifier(**params).fit(X, y)
    assert named in str(error.value)
