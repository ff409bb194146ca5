"""Keras models with several inputs or outputs: X as a dict or list of arrays, column groups
of one table (``input_columns``, in a Pipeline too), several targets (a 2-D y, a list or a
dict by output name), a loss and a weight per output, and scikeras's ``feature_encoder`` /
``target_encoder`` hooks with their documented code."""

import pickle

import keras
import numpy as np
import pandas as pd
import pytest
from _keras_models import binary_and_multiclass_heads, two_heads, wide_and_deep
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_blobs, make_regression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, LabelEncoder, StandardScaler

from skdense import KerasClassifier, KerasRegressor

WIDE, DEEP = slice(0, 3), slice(3, 8)


def _wide_and_deep(**params):
    defaults = {
        "loss": "sparse_categorical_crossentropy",
        "optimizer": "adam",
        "optimizer__learning_rate": 0.01,
        "epochs": 20,
        "random_state": 0,
    }
    return KerasClassifier(**{"model": wide_and_deep, **defaults, **params})


def test_dict_and_list_inputs_feed_the_model_inputs_by_name_and_position(multiclass_data):
    X, y = multiclass_data
    by_name = _wide_and_deep().fit({"deep": X[:, DEEP], "wide": X[:, WIDE]}, y)
    assert by_name.score({"wide": X[:, WIDE], "deep": X[:, DEEP]}, y) > 0.85
    assert by_name.n_features_in_ == 8 and by_name.input_shapes_ == {"deep": (5,), "wide": (3,)}
    # The model's inputs are [wide, deep]: the same arrays by position train the same model.
    by_position = _wide_and_deep().fit([X[:, WIDE], X[:, DEEP]], y)
    np.testing.assert_allclose(
        by_position.predict_proba([X[:, WIDE], X[:, DEEP]]),
        by_name.predict_proba({"wide": X[:, WIDE], "deep": X[:, DEEP]}),
        rtol=1e-5,
        atol=1e-6,
    )
    with pytest.raises(ValueError, match="was a dict of 2 arrays at fit"):
        by_name.predict([X[:, WIDE], X[:, DEEP]])
    with pytest.raises(ValueError, match=r"rows of shape \(4,\).*fitted on rows of shape \(5,\)"):
        by_name.predict({"wide": X[:, WIDE], "deep": X[:, 4:]})


def fixed_wide_and_deep(meta):
    return wide_and_deep({**meta, "input_shapes_": {"wide": (3,), "deep": (5,)}})


def test_the_model_input_x_lacks_is_named(multiclass_data):
    X, y = multiclass_data
    clf = _wide_and_deep(model=fixed_wide_and_deep)
    with pytest.raises(ValueError, match=r"no array for \['deep'\], no input for \['dep'\]"):
        clf.fit({"wide": X[:, WIDE], "dep": X[:, DEEP]}, y)
    with pytest.raises(ValueError, match=r"takes 2 inputs .* but X is one array"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match=r"input 'deep' takes rows of shape \(5,\)"):
        clf.fit({"wide": X[:, WIDE], "deep": X[:, 4:]}, y)
    with pytest.raises(ValueError, match="different numbers of rows"):
        clf.fit({"wide": X[:, WIDE], "deep": X[:-1, DEEP]}, y)


def test_input_columns_map_a_dataframe_in_a_pipeline_to_named_inputs(multiclass_data):
    X, y = multiclass_data
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(8)])
    scaled = ColumnTransformer(
        [("scaled", StandardScaler(), ["x0", "x1", "x2"])],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipeline = make_pipeline(
        scaled,
        _wide_and_deep(
            input_columns={"wide": ["x0", "x1", "x2"], "deep": ["x3", "x4", "x5", "x6", "x7"]}
        ),
    )
    assert cross_val_score(pipeline, frame, y, cv=3).mean() > 0.85
    # Positions and slices work on arrays, and train the same model as the names.
    by_names = _wide_and_deep(input_columns={"wide": ["x0", "x1", "x2"], "deep": DEEP})
    by_positions = _wide_and_deep(input_columns={"wide": [0, 1, 2], "deep": DEEP})
    np.testing.assert_allclose(
        by_names.fit(frame, y).predict_proba(frame),
        by_positions.fit(X, y).predict_proba(X),
        rtol=1e-5,
        atol=1e-6,
    )


def test_input_columns_errors_name_the_columns(multiclass_data):
    X, y = multiclass_data
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(8)])
    with pytest.raises(ValueError, match=r"names columns that X does not have: \['x9'\]"):
        _wide_and_deep(input_columns={"wide": ["x0", "x9"], "deep": DEEP}).fit(frame, y)
    with pytest.raises(ValueError, match="X has no column names"):
        _wide_and_deep(input_columns={"wide": ["x0"], "deep": DEEP}).fit(X, y)
    with pytest.raises(ValueError, match=r"names columns \[8\], but X has 8"):
        _wide_and_deep(input_columns={"wide": [0, 8], "deep": DEEP}).fit(X, y)


def _two_heads(**params):
    defaults = {"loss": "mse", "epochs": 30, "random_state": 0, "optimizer": "adam"}
    return KerasRegressor(two_heads, **{**defaults, **params})


@pytest.fixture(scope="module")
def two_targets():
    X, y = make_regression(n_samples=300, n_features=6, n_targets=2, noise=5.0, random_state=0)
    return X, (y - y.mean(axis=0)) / y.std(axis=0)


def test_several_outputs_take_a_2d_y_a_list_or_a_dict_by_output_name(two_targets):
    X, y = two_targets
    columns = _two_heads(optimizer__learning_rate=0.01).fit(X, y)
    assert columns.score(X, y) > 0.9 and columns.predict(X).shape == (300, 2)
    as_list = _two_heads(optimizer__learning_rate=0.01).fit(X, [y[:, 0], y[:, 1]])
    np.testing.assert_allclose(as_list.predict(X), columns.predict(X), rtol=1e-5, atol=1e-5)
    # By name: "second" comes first in the dict, so it is the first column of predict.
    by_name = _two_heads(optimizer__learning_rate=0.01).fit(
        X, {"second": y[:, 1], "first": y[:, 0]}
    )
    np.testing.assert_allclose(by_name.predict(X), columns.predict(X)[:, ::-1], atol=1e-5)
    with pytest.raises(ValueError, match=r"y holds targets for \['one', 'two'\]"):
        _two_heads().fit(X, {"one": y[:, 0], "two": y[:, 1]})
    with pytest.raises(ValueError, match=r"2 outputs of sizes \[1, 1\].* 3 columns"):
        _two_heads().fit(X, np.column_stack([y, y[:, 0]]))


def test_losses_and_loss_weights_per_output_give_keras_total_loss(two_targets):
    """With a zero learning rate and one batch, the epoch's loss is the loss of the initial
    weights, which Keras's own ``evaluate`` computes from the compiled losses and weights."""
    X, y = two_targets
    reg = _two_heads(
        loss=["mse", "mae"],
        compile__loss_weights=[1.0, 0.25],
        optimizer="sgd",
        optimizer__learning_rate=0.0,
        batch_size=-1,
        epochs=1,
    ).fit(X, y)
    total = reg.model_.evaluate(X, [y[:, 0], y[:, 1]], batch_size=len(X), verbose=0)[0]
    assert reg.history_["loss"][0] == pytest.approx(total, rel=1e-5)
    mse_only = _two_heads(
        loss={"first": "mse", "second": "mae"},
        compile__loss_weights={"second": 0.0},
        optimizer="sgd",
        optimizer__learning_rate=0.0,
        batch_size=-1,
        epochs=1,
    ).fit(X, y)
    first = np.mean((mse_only.predict(X)[:, 0] - y[:, 0]) ** 2)
    assert mse_only.history_["loss"][0] == pytest.approx(first, rel=1e-4)


def test_per_output_metrics_are_named_after_the_outputs(two_targets):
    X, y = two_targets
    reg = _two_heads(metrics=[["mae"], ["mae"]], validation_split=0.2, epochs=2).fit(X, y)
    assert {"first_mae", "second_mae", "val_first_mae", "val_second_mae"} <= set(reg.history_)
    with pytest.raises(ValueError, match="one entry per output"):
        _two_heads(metrics=["mae"], epochs=1).fit(X, y)


@pytest.fixture(scope="module")
def two_label_sets():
    X, y_cat = make_blobs(n_samples=300, centers=3, random_state=0)
    y_bin = np.where(y_cat == 0, "first", "other")
    return X, y_bin, y_cat


def test_a_classifier_with_one_output_per_target(two_label_sets):
    X, y_bin, y_cat = two_label_sets
    clf = KerasClassifier(
        binary_and_multiclass_heads,
        loss=["binary_crossentropy", "sparse_categorical_crossentropy"],
        optimizer="adam",
        epochs=30,
        validation_split=0.2,
        random_state=0,
    ).fit(X, [y_bin, y_cat])
    assert [list(c) for c in clf.classes_] == [["first", "other"], ["0", "1", "2"]]
    predicted = clf.predict(X)
    assert predicted.shape == (300, 2) and set(predicted[:, 0]) <= {"first", "other"}
    proba = clf.predict_proba(X)
    assert [p.shape for p in proba] == [(300, 2), (300, 3)]
    y = np.column_stack([y_bin, y_cat.astype(str)])
    expected = np.mean([accuracy_score(y[:, j], predicted[:, j]) for j in range(2)])
    assert clf.score(X, [y_bin, y_cat.astype(str)]) == pytest.approx(expected)
    assert expected > 0.9
    assert {"val_loss", "val_accuracy"} <= set(clf.history_)


def test_an_output_too_small_for_its_classes_is_a_clear_error(two_label_sets):
    X, y_bin, y_cat = two_label_sets

    def two_units_for_three_classes(meta):
        inputs = keras.Input((meta["n_features_in_"],))
        return keras.Model(
            inputs,
            [keras.layers.Dense(1, activation="sigmoid")(inputs), keras.layers.Dense(2)(inputs)],
        )

    clf = KerasClassifier(
        two_units_for_three_classes,
        loss=["binary_crossentropy", "sparse_categorical_crossentropy"],
    )
    with pytest.raises(ValueError, match=r"2 output units \(output 1\).*3 units, one per class"):
        clf.fit(X, [y_bin, y_cat])


# scikeras 0.13's documentation ("Data transformers"), with only the import changed.


class MultiOutputTransformer(BaseEstimator, TransformerMixin):
    def fit(self, y):
        y_bin, y_cat = y[:, 0], y[:, 1]
        self.bin_encoder_ = LabelEncoder()
        self.cat_encoder_ = LabelEncoder()
        self.bin_encoder_.fit(y_bin)
        self.cat_encoder_.fit(y_cat)
        self.n_classes_ = [self.bin_encoder_.classes_.size, self.cat_encoder_.classes_.size]
        self.n_outputs_expected_ = 2
        return self

    def transform(self, y):
        y_bin, y_cat = y[:, 0], y[:, 1]
        return [self.bin_encoder_.transform(y_bin), self.cat_encoder_.transform(y_cat)]

    def inverse_transform(self, y, return_proba=False):
        y_pred_proba = y
        if return_proba:
            return np.column_stack(y_pred_proba)
        y_pred_bin = (y_pred_proba[0] > 0.5).astype(int).reshape(-1)
        y_pred_cat = np.argmax(y_pred_proba[1], axis=1)
        y_pred_bin = self.bin_encoder_.inverse_transform(y_pred_bin)
        y_pred_cat = self.cat_encoder_.inverse_transform(y_pred_cat)
        return np.column_stack([y_pred_bin, y_pred_cat])

    def get_metadata(self):
        return {"n_classes_": self.n_classes_, "n_outputs_expected_": self.n_outputs_expected_}


class MultiOutputClassifier(KerasClassifier):
    def __init__(self, model=None, **kwargs):
        super().__init__(model=model, **kwargs)

    @property
    def target_encoder(self):
        return MultiOutputTransformer()

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        y_bin, y_cat = y_true[:, 0], y_true[:, 1]
        y_pred_bin, y_pred_cat = y_pred[:, 0], y_pred[:, 1]
        return np.mean([accuracy_score(y_bin, y_pred_bin), accuracy_score(y_cat, y_pred_cat)])


def get_clf_model(meta):
    inp = keras.layers.Input(shape=(meta["n_features_in_"],))
    x1 = keras.layers.Dense(100, activation="relu")(inp)
    out_bin = keras.layers.Dense(1, activation="sigmoid")(x1)
    out_cat = keras.layers.Dense(meta["n_classes_"][1], activation="softmax")(x1)
    model = keras.Model(inputs=inp, outputs=[out_bin, out_cat])
    model.compile(loss=["binary_crossentropy", "sparse_categorical_crossentropy"])
    return model


def test_scikeras_target_encoder_for_several_outputs(two_label_sets):
    X, y_bin, y_cat = two_label_sets
    y = np.column_stack([y_bin == "first", y_cat]).astype(int)
    clf = MultiOutputClassifier(model=get_clf_model, verbose=0, random_state=0, epochs=20)
    assert clf.fit(X, y).score(X, y) > 0.9
    assert clf.n_classes_ == [2, 3] and clf.n_outputs_expected_ == 2
    assert clf.predict(X[:5]).shape == (5, 2)
    assert clf.get_params()["epochs"] == 20  # routed through **kwargs, as in scikeras


class MultiInputClassifier(KerasClassifier):
    @property
    def feature_encoder(self):
        return FunctionTransformer(func=lambda X: [X[:, 0], X[:, 1:]])


def get_multi_input_model(meta):
    first = keras.Input((1,))
    rest = keras.Input((meta["n_features_in_"] - 1,))
    joined = keras.layers.Concatenate()([first, keras.layers.Dense(8, activation="relu")(rest)])
    out = keras.layers.Dense(meta["n_classes_"], activation="softmax")(joined)
    return keras.Model([first, rest], out)


def test_scikeras_feature_encoder_for_several_inputs(multiclass_data):
    X, y = multiclass_data
    clf = MultiInputClassifier(
        get_multi_input_model, loss="sparse_categorical_crossentropy", epochs=20, random_state=0
    ).fit(X, y)
    assert clf.score(X, y) > 0.85
    assert clf.n_features_in_ == 8  # X's, before the encoder


@keras.saving.register_keras_serializable(package="skdense_tests")
class TwoTowers(keras.Model):
    """A subclassed model called with a dict of inputs."""

    def __init__(self, n_classes=3, **kwargs):
        super().__init__(**kwargs)
        self.n_classes = n_classes
        self.tower = keras.layers.Dense(8, activation="relu")
        self.out = keras.layers.Dense(n_classes, activation="softmax")

    def call(self, inputs):
        joined = keras.ops.concatenate([inputs["wide"], self.tower(inputs["deep"])], axis=1)
        return self.out(joined)

    def get_config(self):
        return {**super().get_config(), "n_classes": self.n_classes}


def two_towers(meta):
    return TwoTowers(meta["n_classes_"])


def test_a_subclassed_model_takes_a_dict_of_inputs_and_pickles(multiclass_data):
    X, y = multiclass_data
    parts = {"wide": X[:, WIDE], "deep": X[:, DEEP]}
    clf = _wide_and_deep(model=two_towers).fit(parts, y)
    assert clf.score(parts, y) > 0.85
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(parts), clf.predict_proba(parts))
    np.testing.assert_allclose(
        clf.model_.predict(parts, verbose=0), clf.predict_proba(parts), rtol=1e-5, atol=1e-6
    )


def test_partial_fit_and_warm_start_keep_the_inputs_and_outputs(two_targets):
    X, y = two_targets
    parts = [X[:, :3], X[:, 3:]]

    def two_inputs_two_heads(meta):
        a, b = keras.Input((3,)), keras.Input((3,))
        hidden = keras.layers.Dense(8, activation="relu")(keras.layers.Concatenate()([a, b]))
        return keras.Model([a, b], [keras.layers.Dense(1)(hidden), keras.layers.Dense(1)(hidden)])

    reg = KerasRegressor(two_inputs_two_heads, loss="mse", random_state=0)
    for _ in range(3):
        reg.partial_fit(parts, [y[:, 0], y[:, 1]])
    assert len(reg.history_["loss"]) == 3
    assert reg.history_["loss"][-1] < reg.history_["loss"][0]
    assert reg.predict(parts).shape == (300, 2)


def test_several_outputs_in_a_pipeline_and_cross_validation(two_targets, two_label_sets):
    X, y = two_targets
    pipeline = make_pipeline(StandardScaler(), _two_heads(optimizer__learning_rate=0.01))
    assert pipeline.fit(X, [y[:, 0], y[:, 1]]).predict(X).shape == (300, 2)
    # Folds split one 2-D y by rows (a list or dict of targets cannot be split).
    assert cross_val_score(pipeline, X, y, cv=3).mean() > 0.8
    X, y_bin, y_cat = two_label_sets
    clf = KerasClassifier(
        binary_and_multiclass_heads,
        loss=["binary_crossentropy", "sparse_categorical_crossentropy"],
        optimizer="adam",
        epochs=20,
        random_state=0,
    )
    y = np.column_stack([y_bin, y_cat.astype(str)])  # multiclass-multioutput: plain KFold
    assert cross_val_score(make_pipeline(StandardScaler(), clf), X, y, cv=3).mean() > 0.9


def dict_inputs_model(meta):
    wide, deep = keras.Input((3,), name="wide"), keras.Input((5,), name="deep")
    joined = keras.layers.Concatenate()([wide, keras.layers.Dense(8, activation="relu")(deep)])
    outputs = keras.layers.Dense(meta["n_classes_"], activation="softmax")(joined)
    return keras.Model(inputs={"wide": wide, "deep": deep}, outputs=outputs)


def test_a_functional_model_built_on_a_dict_of_inputs(multiclass_data, recwarn):
    X, y = multiclass_data
    parts = {"deep": X[:, DEEP], "wide": X[:, WIDE]}
    clf = _wide_and_deep(model=dict_inputs_model).fit(parts, y)
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
    assert clf.score(parts, y) > 0.85
    np.testing.assert_allclose(
        clf.model_.predict(parts, verbose=0), clf.predict_proba(parts), rtol=1e-5, atol=1e-6
    )
