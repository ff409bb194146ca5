"""
Your own Keras model: the functional API in a grid search
=========================================================

The long tutorial builds its Fashion-MNIST network with Keras's functional API: an ``Input``
named ``'input'``, four ReLU ``Dense`` layers of 256, 128, 64 and 32 units, a softmax output,
``Model(inputs=[input], outputs=[output])``; compiled with the sparse categorical
cross-entropy and ``RMSprop(learning_rate=0.01)``, trained for 10 epochs in batches of 128
against a validation set (30% of the training images), and the ``history`` of loss and
accuracy plotted.

Here the same model goes into a build function, and :class:`~skdense.KerasClassifier` makes
it a scikit-learn estimator: the build function receives ``meta`` (the number of input
features and of classes, read from the data), a ``model__*`` parameter reaches the build
function, so :class:`~sklearn.model_selection.GridSearchCV` can search over it,
``validation_split`` holds out the validation rows, and ``history_`` holds the curves the
tutorial plots. scikit-learn's bundled 8x8 digits stand in for Fashion-MNIST, which cannot
be downloaded here.
``SKDENSE_EXAMPLES_QUICK=1`` shortens training; ``SKDENSE_EXAMPLES_OUTPUT`` sets where the
figure goes (default ``examples/output/``).
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import keras
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split

from skdense import KerasClassifier
from skdense.datasets import load_digits

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKDENSE_EXAMPLES_OUTPUT") or Path(__file__).parent / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)

# %%
# The data
# --------
# 1,797 images of 8x8 pixels valued 0 to 16, flattened to 64 columns: dividing by 16 scales
# them to [0, 1], as the tutorial divides its pixels by 255. A quarter of the images is set
# aside as the test set, the same split as the other digits examples.
X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)


# %%
# The tutorial's model, in a build function
# -----------------------------------------
# The tutorial's code with two things read from ``meta`` instead of written in: the input
# width (784 pixels there, 64 here) and the number of classes; and the hidden layers made
# by a loop over ``hidden_units``, the parameter to search over, whose default is the
# tutorial's stack (``hidden1`` to ``hidden4``). The layer names are kept: they are part of
# the model's Keras configuration, which is what the fitted estimator stores, so ``model_``
# shows them.
def build_model(meta, hidden_units=(256, 128, 64, 32)):
    input = keras.Input(shape=(meta["n_features_in_"],), name="input")
    hidden = input
    for i, units in enumerate(hidden_units, start=1):
        hidden = keras.layers.Dense(units, activation="relu", name=f"hidden{i}")(hidden)
    output = keras.layers.Dense(meta["n_classes_"], activation="softmax", name="output")(hidden)
    return keras.Model(inputs=[input], outputs=[output])


# %%
# The tutorial's ``compile`` and ``fit`` arguments become the estimator's parameters:
# ``optimizer="rmsprop"`` with ``optimizer__learning_rate=0.01`` is
# ``RMSprop(learning_rate=0.01)``, ``metrics=["acc"]`` records the accuracy under the
# tutorial's name, and ``validation_split=0.3`` holds out 30% of the rows it is given
# (stratified and seeded; Keras would take the last rows) to measure each epoch.
# ``random_state`` seeds the initial weights, the shuffling and the validation split. The
# tutorial's 10 epochs are 3,290 updates on its 42,000 images; on the 943 digits left here
# for training they would be 80, so the full run trains for 100 epochs, the epoch budget of
# ``plot_mlp_digits.py``. Quick mode trains for the tutorial's 10.
clf = KerasClassifier(
    build_model,
    loss="sparse_categorical_crossentropy",
    optimizer="rmsprop",
    optimizer__learning_rate=0.01,
    metrics=["acc"],
    epochs=10 if QUICK else 100,
    batch_size=128,
    validation_split=0.3,
    random_state=0,
)

# %%
# A grid search over a ``model__`` parameter
# ------------------------------------------
# ``model__hidden_units`` reaches the build function as ``hidden_units``: the tutorial's four
# hidden layers against two shallower stacks, by 3-fold cross-validated accuracy on the
# training set. Each fit calls the build function again, holds out its own validation rows and
# trains from fresh weights; the test set is not used. The best candidate is then refitted on
# the whole training set.
grid = {"model__hidden_units": [(256, 128, 64, 32), (128, 64), (64,)]}
search = GridSearchCV(clf, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0))
search.fit(X_train, y_train)

results = pd.DataFrame(search.cv_results_)
for _, row in results.iterrows():
    print(
        f"hidden_units={row['param_model__hidden_units']!s:<20} "
        f"CV accuracy {row['mean_test_score']:.4f} +/- {row['std_test_score']:.4f}"
    )
best = search.best_estimator_
print(f"Best: hidden_units={search.best_params_['model__hidden_units']}")

# %%
# The refitted model is the user's Keras model, layer names and all:
best.model_.summary()

accuracy = search.score(X_test, y_test)
print(f"Functional model test accuracy: {accuracy:.4f}")

# %%
# The tutorial's figure, from ``history_``
# ----------------------------------------
# ``history_`` is Keras's ``history.history``: a list per metric, one value per epoch, the
# validation figures under ``val_*``.
history = best.history_
epochs = range(1, len(history["loss"]) + 1)
fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4.5))
loss_ax.plot(epochs, history["loss"], color="blue", label="train_loss")
loss_ax.plot(epochs, history["val_loss"], color="red", label="val_loss")
loss_ax.set_title("Train and Validation Loss")
loss_ax.set_ylabel("Loss")
acc_ax.plot(epochs, history["acc"], color="blue", label="train_acc")
acc_ax.plot(epochs, history["val_acc"], color="red", label="val_acc")
acc_ax.set_title("Train and Validation Accuracy")
acc_ax.set_ylabel("Accuracy")
for ax in (loss_ax, acc_ax):
    ax.set_xlabel("Epochs")
    ax.grid()
    ax.legend()
fig.suptitle(f"Functional model on digits: test accuracy {accuracy:.4f}")
fig.tight_layout()
fig.savefig(OUTPUT / "keras_functional_history.png", dpi=100)
print(f"Saved {OUTPUT / 'keras_functional_history.png'}")
