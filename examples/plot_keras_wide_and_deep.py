"""
A wide and deep Keras model with two inputs, on Auto MPG
========================================================

The long tutorial builds Keras models with several inputs: a "wide and deep" model joins
one input, passed straight to the output layer (wide), with another that goes through
hidden layers first (deep). Here the two inputs are the two kinds of Auto MPG columns:
the one-hot ``origin`` goes in wide, the standardized numbers go in deep.

The model is the tutorial's own functional code, inputs named ``wide`` and ``deep``. A
:class:`~sklearn.compose.ColumnTransformer` prepares the columns and
:class:`~skdense.KerasRegressor`'s ``input_columns`` maps its output columns, by name, to the
model's inputs, so the whole thing is one scikit-learn pipeline that
:func:`~sklearn.model_selection.cross_val_score` can refit fold by fold. The tutorial's
split (``sample(frac=0.8, random_state=0)``) and training (RMSprop at 0.001, the squared
error, batch 32, ``EarlyStopping`` on a 20% validation split) are kept, so the test MAE
compares with the one-input network of :ref:`sphx_glr_auto_examples_plot_auto_mpg.py` and
the tutorial's 1.88 mpg. ``SKDENSE_EXAMPLES_QUICK=1`` shortens training;
``SKDENSE_EXAMPLES_OUTPUT`` sets where the figure goes (default ``examples/output/``).
"""

import os
from pathlib import Path

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.compose import ColumnTransformer
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skdense import KerasRegressor
from skdense.datasets import load_auto_mpg

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKDENSE_EXAMPLES_OUTPUT") or Path(__file__).parent / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)

# %%
# The data: 392 cars, split as the tutorial splits them.
cars = load_auto_mpg(as_frame=True).frame
train = cars.sample(frac=0.8, random_state=0)
test = cars.drop(train.index)
X_train, y_train = train.drop(columns="mpg"), train["mpg"]
X_test, y_test = test.drop(columns="mpg"), test["mpg"]
numeric = [column for column in X_train.columns if column != "origin"]


# %%
# The model
# ---------
# The tutorial's two-input model, with the sizes of its inputs read from ``meta``: skdense
# passes the shape of each input's columns as ``meta["input_shapes_"]``.
def wide_and_deep(meta, units=64):
    shapes = meta["input_shapes_"]
    input_wide = keras.Input(shape=shapes["wide"], name="wide")
    input_deep = keras.Input(shape=shapes["deep"], name="deep")
    hidden1 = keras.layers.Dense(units, activation="relu")(input_deep)
    hidden2 = keras.layers.Dense(units, activation="relu")(hidden1)
    concat = keras.layers.Concatenate()([input_wide, hidden2])
    output = keras.layers.Dense(1, name="output")(concat)
    return keras.Model(inputs=[input_wide, input_deep], outputs=[output])


# %%
# The pipeline: the ColumnTransformer keeps its column names (``set_output``), and
# ``input_columns`` sends the one-hot origin columns to ``wide``, the numbers to ``deep``.
columns = ColumnTransformer(
    [
        ("deep", StandardScaler(), numeric),
        ("wide", OneHotEncoder(sparse_output=False), ["origin"]),
    ],
    verbose_feature_names_out=False,
).set_output(transform="pandas")
regressor = KerasRegressor(
    wide_and_deep,
    input_columns={"wide": ["origin_Europe", "origin_Japan", "origin_USA"], "deep": numeric},
    loss="mse",
    optimizer="rmsprop",
    optimizer__learning_rate=0.001,
    batch_size=32,
    epochs=20 if QUICK else 1000,
    validation_split=0.2,
    callbacks=[keras.callbacks.EarlyStopping],
    callbacks__patience=10,
    callbacks__restore_best_weights=True,
    random_state=0,
)
model = make_pipeline(columns, regressor)

# %%
# Cross-validation on the training set, then the held-out test set
# -----------------------------------------------------------------
cv_mae = -cross_val_score(
    model,
    X_train,
    y_train,
    cv=KFold(n_splits=5, shuffle=True, random_state=0),
    scoring="neg_mean_absolute_error",
)
print(f"5-fold CV MAE on the training set: {cv_mae.mean():.2f} +/- {cv_mae.std():.2f} mpg")

model.fit(X_train, y_train)
predicted = model.predict(X_test)
test_mae = mean_absolute_error(y_test, predicted)
history = model[-1].history_
print(f"Trained {len(history['loss'])} epochs (early stopping on the validation loss).")
print(f"Test MAE: {test_mae:.2f} mpg (the tutorial's one-input network: 1.88)")

# %%
# The training curves
# -------------------
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(history["loss"], label="training")
ax.plot(history["val_loss"], label="validation")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("mean squared error")
ax.set_title(f"Wide and deep on Auto MPG: test MAE {test_mae:.2f} mpg")
ax.legend()
fig.tight_layout()
fig.savefig(OUTPUT / "keras_wide_and_deep.png", dpi=100)
print(f"Saved {OUTPUT / 'keras_wide_and_deep.png'}")
