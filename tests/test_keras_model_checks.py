"""What KerasClassifier and KerasRegressor check in a user's model at fit, before training:
its input and output sizes, and that Keras can rebuild it (custom layers registered)."""

import os
import pickle
import subprocess
import sys

import keras
import numpy as np
import pytest
from _keras_layers import scaled_classifier
from _keras_models import get_regressor

from skdense import KerasClassifier, KerasRegressor


class TrainingStarts(keras.callbacks.Callback):
    """Records whether training began."""

    began = False

    def on_train_begin(self, logs=None):
        TrainingStarts.began = True


def _fixed(n_inputs, n_outputs, activation="softmax"):
    def build():
        return keras.Sequential(
            [keras.Input((n_inputs,)), keras.layers.Dense(n_outputs, activation=activation)]
        )

    return build


@pytest.fixture(autouse=True)
def _no_training_yet():
    TrainingStarts.began = False


def test_a_model_for_other_input_features_is_an_error_naming_both(multiclass_data):
    X, y = multiclass_data  # 8 features
    clf = KerasClassifier(
        _fixed(5, 3), loss="sparse_categorical_crossentropy", callbacks=[TrainingStarts()]
    )
    with pytest.raises(ValueError, match="takes 5 input features, but X has 8 features"):
        clf.fit(X, y)
    assert not TrainingStarts.began and not hasattr(clf, "history_")


@pytest.mark.parametrize(
    ("n_outputs", "n_classes", "expected"),
    [
        (3, 4, "has 3 output units, but the targets need 4 units, one per class (4 classes)"),
        (3, 2, "has 3 output units, but the targets need 1 sigmoid unit or 2 softmax units"),
    ],
)
def test_a_model_whose_outputs_cannot_match_the_classes_is_an_error(
    n_outputs, n_classes, expected
):
    X = np.random.default_rng(0).normal(size=(40, 8))
    y = np.arange(40) % n_classes
    clf = KerasClassifier(
        _fixed(8, n_outputs),
        loss="sparse_categorical_crossentropy",
        callbacks=[TrainingStarts()],
    )
    with pytest.raises(ValueError, match="output unit") as error:
        clf.fit(X, y)
    assert expected in str(error.value)
    assert not TrainingStarts.began


def test_one_hot_targets_need_one_unit_per_class(binary_data):
    X, y = binary_data
    clf = KerasClassifier(_fixed(8, 1, "sigmoid"), loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="has 1 output unit, but the targets need 2 units"):
        clf.fit(X, y)
    # two softmax units for two classes, as one sigmoid unit, are fine with class indices
    KerasClassifier(_fixed(8, 2), loss="sparse_categorical_crossentropy").fit(X, y)


def test_a_regressor_needs_one_unit_per_target_column(regression_data):
    X, y = regression_data
    reg = KerasRegressor(get_regressor, loss="mse", callbacks=[TrainingStarts()])
    reg.fit(X, y)  # the build function follows meta["n_outputs_"]
    single = KerasRegressor(_fixed(8, 1, "linear"), loss="mse", callbacks=[TrainingStarts()])
    TrainingStarts.began = False
    with pytest.raises(ValueError, match="has 1 output unit, but the targets need 2 units"):
        single.fit(X, np.column_stack([y, y]))
    assert not TrainingStarts.began


class Unregistered(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0


def test_an_unregistered_custom_layer_is_an_error_at_fit_naming_it(multiclass_data):
    X, y = multiclass_data

    def build(meta):
        return keras.Sequential(
            [keras.Input((8,)), Unregistered(), keras.layers.Dense(3, activation="softmax")]
        )

    clf = KerasClassifier(build, loss="sparse_categorical_crossentropy")
    with pytest.raises(TypeError, match="not registered") as error:
        clf.fit(X, y)
    message = str(error.value)
    assert "test_keras_model_checks.Unregistered" in message
    assert "@keras.saving.register_keras_serializable(package=...)" in message
    assert not hasattr(clf, "classes_")


def test_a_registered_custom_layer_pickles_and_loads_in_a_fresh_process(multiclass_data, tmp_path):
    X, y = multiclass_data
    clf = KerasClassifier(
        scaled_classifier, loss="sparse_categorical_crossentropy", epochs=3, random_state=0
    ).fit(X, y)
    assert type(clf.model_.layers[0]).__name__ == "Scale"
    (tmp_path / "clf.pkl").write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "X.npy", X)
    # Unpickling the build function imports its module, which registers the layer.
    script = (
        "import os, pickle, numpy as np\n"
        f"os.chdir({str(tmp_path)!r})\n"
        "clf = pickle.loads(open('clf.pkl', 'rb').read())\n"
        "np.save('proba.npy', clf.predict_proba(np.load('X.npy')))\n"
        "print(type(clf.model_.layers[0]).__name__, clf.model_.layers[0].factor)\n"
    )
    here = os.path.dirname(__file__)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.path.dirname(here), here])}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("Scale 0.5")
    np.testing.assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(X))
