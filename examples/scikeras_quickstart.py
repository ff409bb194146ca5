"""
scikeras's quickstart, with only the import changed
===================================================

scikeras 0.13's quickstart, as its documentation gives it: a build function
``get_model(hidden_layer_dim, meta)`` returning a ``Sequential`` model, a
``KerasClassifier`` trained on ``make_classification`` data, the same classifier in a
scikit-learn :class:`~sklearn.pipeline.Pipeline`, then a
:class:`~sklearn.model_selection.GridSearchCV` over the hidden layer's width, the optimizer
and its learning rate. The scikeras import becomes ``from skdense import KerasClassifier``;
two other lines change for Keras 3, each marked where it is:

* ``import keras`` instead of ``from tensorflow import keras``: Keras 3 is its own package,
  and the JAX backend runs without TensorFlow.
* ``keras.Input(shape=X_shape_[1:])`` as the first layer instead of
  ``Dense(..., input_shape=X_shape_[1:])``: Keras 3's spelling, which warns about the old one.

The quickstart sets no ``random_state``, so its figures change from run to run. skdense's
``KerasClassifier`` is quiet by default (``verbose=0``; scikeras prints Keras's progress
bars). ``SKDENSE_EXAMPLES_QUICK=1`` searches a smaller grid. No figure: the results are
printed.
"""

import os

import keras  # scikeras: from tensorflow import keras
import numpy as np
from sklearn.base import is_classifier
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skdense import KerasClassifier  # scikeras: from scikeras.wrappers import KerasClassifier

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"

# %%
# Training a model
# ----------------
X, y = make_classification(1000, 20, n_informative=10, random_state=0)
X = X.astype(np.float32)
y = y.astype(np.int64)


def get_model(hidden_layer_dim, meta):
    # note that meta is a special argument that will be
    # handed a dict containing input metadata
    n_features_in_ = meta["n_features_in_"]
    X_shape_ = meta["X_shape_"]
    n_classes_ = meta["n_classes_"]

    model = keras.models.Sequential()
    # Keras 3: keras.Input(shape=...) rather than Dense(..., input_shape=X_shape_[1:])
    model.add(keras.Input(shape=X_shape_[1:]))
    model.add(keras.layers.Dense(n_features_in_))
    model.add(keras.layers.Activation("relu"))
    model.add(keras.layers.Dense(hidden_layer_dim))
    model.add(keras.layers.Activation("relu"))
    model.add(keras.layers.Dense(n_classes_))
    model.add(keras.layers.Activation("softmax"))
    return model


clf = KerasClassifier(
    get_model,
    loss="sparse_categorical_crossentropy",
    hidden_layer_dim=100,
)

clf.fit(X, y)
y_proba = clf.predict_proba(X)

# %%
# What the quickstart does not print: the probabilities' shape, and that scikit-learn
# recognizes the estimator as a classifier. scikeras 0.13 predates scikit-learn 1.6's
# estimator tags, so there ``is_classifier`` says False, and ``cross_val_score`` or
# ``GridSearchCV(cv=3)`` split the data into unstratified folds; here they stratify.
print(f"predict_proba(X): shape {y_proba.shape}; training accuracy {clf.score(X, y):.4f}")
print(f"is_classifier(clf): {is_classifier(clf)}")

# %%
# In a scikit-learn Pipeline
# --------------------------
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("clf", clf),
    ]
)

pipe.fit(X, y)
y_proba = pipe.predict_proba(X)

# %%
# Grid search
# -----------
# The quickstart's grid: 3 widths x 2 optimizers x 3 learning rates, 18 candidates, each
# trained for scikeras's default of one epoch on each of 3 folds. Quick mode keeps 2 widths
# and 2 learning rates (8 candidates).
params = {
    "hidden_layer_dim": [50, 100, 200],
    "loss": ["sparse_categorical_crossentropy"],
    "optimizer": ["adam", "sgd"],
    "optimizer__learning_rate": [0.0001, 0.001, 0.1],
}
if QUICK:
    params.update(hidden_layer_dim=[50, 100], optimizer__learning_rate=[0.001, 0.1])
gs = GridSearchCV(clf, params, refit=False, cv=3, scoring="accuracy")

gs.fit(X, y)
print(gs.best_score_, gs.best_params_)

# %%
# Every candidate, best first (mean accuracy over the 3 folds):
ranked = np.argsort(gs.cv_results_["rank_test_score"], kind="stable")
for i in ranked:
    candidate = gs.cv_results_["params"][i]
    print(
        f"{gs.cv_results_['mean_test_score'][i]:.4f}  "
        f"hidden_layer_dim={candidate['hidden_layer_dim']:<4} "
        f"optimizer={candidate['optimizer']:<5} "
        f"learning_rate={candidate['optimizer__learning_rate']}"
    )
