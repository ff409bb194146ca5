"""
Your own Keras model: a subclassed ``keras.Model``, pickled and loaded back
===========================================================================

The long tutorial's third way of building a model is subclassing: ``MyModel(Model)`` creates
three ReLU ``Dense`` layers of 300, 100 and ``units`` units and a 10-way softmax in
``__init__``, and chains them in ``call``. Here that class is trained on digits by
:class:`~skdense.KerasClassifier` through a build function, with ``units`` routed to it as
``model__units`` and the number of classes read from ``meta``; the fitted estimator is then
pickled and loaded back, and predicts the same.

A fitted skdense estimator holds the model's Keras *configuration* (JSON) and its weights,
never a Keras object or a traced graph: that is what makes it picklable with the standard
library (and joblib, and skops), and loadable under either Keras backend. Rebuilding a model
from its configuration is Keras's ``from_config``, which has two requirements for a class of
one's own:

* **registration**: ``@keras.saving.register_keras_serializable(package="examples")`` files
  the class under the name ``"examples>MyModel"``, the name the configuration records, so
  that Keras can find the class again. ``fit`` refuses an unregistered class, naming it
  (shown below), rather than fail when the estimator is loaded.
* **get_config**: the constructor's arguments that the configuration must record, so that
  ``from_config`` calls ``MyModel(units=..., activation=..., n_classes=...)`` again. Keras 3
  guesses them when they are all plain values, as here, and raises at ``fit`` when it cannot;
  writing ``get_config`` says what the configuration holds.

``SKDENSE_EXAMPLES_QUICK=1`` shortens training; ``SKDENSE_EXAMPLES_OUTPUT`` sets where the
figure goes (default ``examples/output/``).
"""

import os
import pickle
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import keras
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split

from skdense import KerasClassifier
from skdense.datasets import load_digits

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKDENSE_EXAMPLES_OUTPUT") or Path(__file__).parent / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)

# %%
# The data: the digits, scaled to [0, 1], and the same test split as the other examples.
X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)


# %%
# The tutorial's model, registered, with ``get_config``
# -----------------------------------------------------
# The tutorial's class, with one argument added: ``n_classes`` (the tutorial writes 10), so
# that the build function can pass the number of classes it finds in ``meta``.
@keras.saving.register_keras_serializable(package="examples")
class MyModel(keras.Model):
    def __init__(self, units=30, activation="relu", n_classes=10, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = activation
        self.n_classes = n_classes

        self.dense_layer1 = keras.layers.Dense(300, activation=activation)
        self.dense_layer2 = keras.layers.Dense(100, activation=activation)
        self.dense_layer3 = keras.layers.Dense(units, activation=activation)

        self.output_layer = keras.layers.Dense(n_classes, activation="softmax")

    def call(self, inputs):
        x = self.dense_layer1(inputs)
        x = self.dense_layer2(x)
        x = self.dense_layer3(x)
        x = self.output_layer(x)
        return x

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation,
            "n_classes": self.n_classes,
        }


# %%
# The build function
# ------------------
# ``units`` and ``activation`` are the build function's own parameters: the estimator's
# ``model__units`` and ``model__activation`` reach them (and are what a grid search would
# set). The build function returns the bare ``MyModel``: skdense calls it once on an input
# of ``n_features_in_`` columns, which builds it.
def build_my_model(meta, units=30, activation="relu"):
    return MyModel(units=units, activation=activation, n_classes=meta["n_classes_"])


# %%
# The tutorial does not train ``MyModel``; it trains the same kind of network on
# Fashion-MNIST with the sparse categorical cross-entropy, ``RMSprop(learning_rate=0.01)``
# and batches of 128, which this uses. 100 epochs, as in ``plot_keras_functional.py``.
clf = KerasClassifier(
    build_my_model,
    model__units=30,
    model__activation="relu",
    loss="sparse_categorical_crossentropy",
    optimizer="rmsprop",
    optimizer__learning_rate=0.01,
    epochs=10 if QUICK else 100,
    batch_size=128,
    random_state=0,
)
clf.fit(X_train, y_train)
accuracy = clf.score(X_test, y_test)
print(f"Subclassed model test accuracy: {accuracy:.4f}")
my_model = clf.model_  # the fitted MyModel itself
config = my_model.get_config()
print(
    f"model_ holds a {type(my_model).__name__} rebuilt from its configuration: "
    f"units={config['units']}, activation={config['activation']!r}, "
    f"n_classes={config['n_classes']}"
)

# %%
# Pickled and loaded back
# -----------------------
# ``pickle`` stores the parameters (the build function by its name), the Keras configuration
# and the weights. Loading them in this process finds ``MyModel`` registered. Another process
# loads them once the module that defines ``MyModel`` and ``build_my_model`` is importable:
# put them in a module of their own rather than in the script (``__main__``).
restored = pickle.loads(pickle.dumps(clf))
same = np.array_equal(restored.predict(X_test), clf.predict(X_test))
same_proba = np.array_equal(restored.predict_proba(X_test), clf.predict_proba(X_test))
print(f"Pickled and loaded: same predictions: {same}, same probabilities: {same_proba}")


# %%
# Without registration
# --------------------
# The same class, not registered (a subclass is a class of its own): ``fit`` stops before
# training and says what to do.
class UnregisteredModel(MyModel):
    pass


def build_unregistered(meta):
    return UnregisteredModel(n_classes=meta["n_classes_"])


try:
    KerasClassifier(build_unregistered, loss="sparse_categorical_crossentropy").fit(X, y)
except TypeError as error:
    print(f"Unregistered: TypeError: {error}")

# %%
# The loaded estimator is a scikit-learn classifier like any other
# ----------------------------------------------------------------
confusion = ConfusionMatrixDisplay.from_estimator(restored, X_test, y_test, colorbar=False)
confusion.ax_.set_title(f"Subclassed model, pickled and loaded: test accuracy {accuracy:.4f}")
confusion.figure_.savefig(OUTPUT / "keras_subclassed_confusion_matrix.png", dpi=100)
print(f"Saved {OUTPUT / 'keras_subclassed_confusion_matrix.png'}")
