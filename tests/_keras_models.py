"""Build functions for the Keras estimators' tests, importable without importing Keras (a
pickled estimator names its build function; loading it must not need Keras)."""

import functools


def get_model(hidden_layer_dim, meta):
    """scikeras's quickstart build function."""
    import keras

    n_features_in_ = meta["n_features_in_"]
    n_classes_ = meta["n_classes_"]
    model = keras.models.Sequential()
    model.add(keras.layers.Input(shape=(n_features_in_,)))
    model.add(keras.layers.Dense(hidden_layer_dim, activation="relu"))
    model.add(keras.layers.Dense(n_classes_, activation="softmax"))
    return model


def get_regressor(meta, units=16):
    import keras

    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(meta["n_outputs_"]),
        ]
    )


def small_classifier(meta):
    """The default model of the scikit-learn checks: one sigmoid unit for two classes, else
    a softmax layer, compiled with the loss that fits it."""
    import keras

    n_classes = meta["n_classes_"]
    binary = n_classes <= 2
    units, activation = (1, "sigmoid") if binary else (n_classes, "softmax")
    model = keras.Sequential(
        [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(units, activation=activation)]
    )
    loss = "binary_crossentropy" if binary else "sparse_categorical_crossentropy"
    model.compile(loss=loss, optimizer=keras.optimizers.Adam(0.05))
    return model


def small_regressor(meta):
    import keras

    return keras.Sequential(
        [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(meta["n_outputs_"])]
    )


class NamedBuildFunction:
    """A build function whose repr is its name.

    pytest-xdist's workers must collect the same test ids, and ``parametrize_with_checks``
    names a test by the estimator's repr, in which a plain function shows its memory address.
    """

    def __init__(self, function):
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    def __repr__(self):
        return self.__wrapped__.__name__


def wide_and_deep(meta, units=16):
    """Two named inputs: ``deep`` through a hidden layer, ``wide`` straight to the output."""
    import keras

    shapes = meta["input_shapes_"]  # a dict for X as a dict, a list for a list
    wide_shape, deep_shape = (
        (shapes["wide"], shapes["deep"]) if isinstance(shapes, dict) else shapes
    )
    wide = keras.Input(wide_shape, name="wide")
    deep = keras.Input(deep_shape, name="deep")
    hidden = keras.layers.Dense(units, activation="relu")(deep)
    joined = keras.layers.Concatenate()([wide, hidden])
    return keras.Model(
        [wide, deep], keras.layers.Dense(meta["n_classes_"], activation="softmax")(joined)
    )


def two_heads(meta, units=16):
    """One input, two named regression outputs of one unit each."""
    import keras

    inputs = keras.Input((meta["n_features_in_"],))
    hidden = keras.layers.Dense(units, activation="relu")(inputs)
    first = keras.layers.Dense(1, name="first")(hidden)
    second = keras.layers.Dense(1, name="second")(hidden)
    return keras.Model(inputs, [first, second])


def binary_and_multiclass_heads(meta):
    """A sigmoid output for the first target, a softmax output for the second."""
    import keras

    inputs = keras.Input((meta["n_features_in_"],))
    hidden = keras.layers.Dense(32, activation="relu")(inputs)
    binary = keras.layers.Dense(1, activation="sigmoid", name="is_first")(hidden)
    classes = keras.layers.Dense(meta["n_classes_"][1], activation="softmax", name="cls")(hidden)
    return keras.Model(inputs, [binary, classes])
