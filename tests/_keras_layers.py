"""A custom Keras layer registered for serialization, and a build function using it: what a
pickled estimator needs importable in the process that loads it (unpickling the build
function imports this module, which registers the layer)."""

import keras


@keras.saving.register_keras_serializable(package="skdense_tests")
class Scale(keras.layers.Layer):
    """Multiplies its inputs by a constant factor."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def scaled_classifier(meta):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            Scale(0.5),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


@keras.saving.register_keras_serializable(package="skdense_tests")
class TwoLayers(keras.Model):
    """A subclassed model with no build method: it has no shapes until it is called."""

    def __init__(self, n_classes=2, **kwargs):
        super().__init__(**kwargs)
        self.n_classes = n_classes
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(n_classes, activation="softmax")

    def call(self, inputs):
        return self.out(self.hidden(inputs))

    def get_config(self):
        return {**super().get_config(), "n_classes": self.n_classes}


def subclassed_classifier(meta):
    return TwoLayers(meta["n_classes_"])
