"""
skdense in one minute: fuel consumption from the bundled Auto MPG data
======================================================================

A Keras network as a scikit-learn estimator, end to end, offline: a pipeline that
standardizes the numeric columns and one-hot encodes the car's origin, then a two-layer
:class:`~skdense.DenseRegressor` with early stopping on its own validation split; 5-fold
cross-validation on the training cars, then the mean absolute error on held-out cars.
``SKDENSE_EXAMPLES_QUICK=1`` shortens training. See ``plot_auto_mpg.py`` for the figures.
"""

import os

from sklearn.compose import make_column_transformer
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skdense import DenseRegressor
from skdense.datasets import load_auto_mpg

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"

X, y = load_auto_mpg(as_frame=True, return_X_y=True)  # 392 cars, 7 features, mpg
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

numeric = ["cylinders", "displacement", "horsepower", "weight", "acceleration", "model_year"]
model = make_pipeline(
    make_column_transformer((StandardScaler(), numeric), (OneHotEncoder(), ["origin"])),
    DenseRegressor(
        hidden_layer_sizes=(64, 64),
        solver="rmsprop",
        alpha=0.0,
        batch_size=32,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5 if QUICK else 10,
        max_iter=20 if QUICK else 1000,
        random_state=0,
    ),
)

scores = -cross_val_score(model, X_train, y_train, cv=5, scoring="neg_mean_absolute_error")
print(f"5-fold cross-validated MAE: {scores.mean():.2f} +/- {scores.std():.2f} mpg")

model.fit(X_train, y_train)
print(f"Held-out test MAE: {mean_absolute_error(y_test, model.predict(X_test)):.2f} mpg")
