"""
Comparing optimizers with a grid search
=======================================

The long tutorial lists the "fast optimizers" one by one: SGD, SGD with momentum, Nesterov
momentum, Adagrad, RMSprop and Adam, each a Keras object passed to ``compile``. With skdense
the optimizer is a parameter, ``solver`` (with ``momentum`` and ``nesterovs_momentum`` for
SGD), so scikit-learn's :class:`~sklearn.model_selection.GridSearchCV` compares them, across
network sizes, by cross-validated accuracy on the digits, and prints the result as a table.
A second figure draws each optimizer's training loss per epoch, the tutorial's view.
``SKDENSE_EXAMPLES_QUICK=1`` shortens the run; ``SKDENSE_EXAMPLES_OUTPUT`` sets where the
figure goes (default ``examples/output/``).
"""

import os
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from skdense import HistoryDisplay, MLPClassifier
from skdense.datasets import load_digits

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKDENSE_EXAMPLES_OUTPUT") or Path(__file__).parent / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)
# Every candidate gets the same fixed budget of epochs: how far an optimizer gets in that
# budget is what is compared, so "maximum iterations reached" is expected.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
n_epochs = 3 if QUICK else 20

pipeline = Pipeline(
    [
        ("scale", MinMaxScaler()),
        (
            "mlp",
            MLPClassifier(
                learning_rate_init=0.01, batch_size=64, max_iter=n_epochs, random_state=0
            ),
        ),
    ]
)

# %%
# The grid
# --------
# Six optimizers, written as scikit-learn writes parameter grids: a list of sub-grids, so
# that ``momentum`` and ``nesterovs_momentum`` vary only where they mean something (SGD).
optimizers = {
    "sgd": {"mlp__solver": ["sgd"], "mlp__momentum": [0.0], "mlp__nesterovs_momentum": [False]},
    "sgd + momentum": {
        "mlp__solver": ["sgd"],
        "mlp__momentum": [0.9],
        "mlp__nesterovs_momentum": [False],
    },
    "nesterov": {
        "mlp__solver": ["sgd"],
        "mlp__momentum": [0.9],
        "mlp__nesterovs_momentum": [True],
    },
    "adagrad": {"mlp__solver": ["adagrad"]},
    "rmsprop": {"mlp__solver": ["rmsprop"]},
    "adam": {"mlp__solver": ["adam"]},
}
sizes = [(32,), (64, 64)]
param_grid = [{**grid, "mlp__hidden_layer_sizes": sizes} for grid in optimizers.values()]

search = GridSearchCV(
    pipeline, param_grid, cv=StratifiedKFold(2 if QUICK else 3, shuffle=True, random_state=0)
)
start = time.perf_counter()
search.fit(X_train, y_train)
print(
    f"GridSearchCV: {len(search.cv_results_['params'])} candidates x {search.n_splits_} folds, "
    f"{n_epochs} epochs each, in {time.perf_counter() - start:.0f} s."
)


# %%
# The results as a table
# ----------------------
def optimizer_name(params):
    if params["mlp__solver"] != "sgd":
        return params["mlp__solver"]
    if params["mlp__momentum"] == 0:
        return "sgd"
    return "nesterov" if params["mlp__nesterovs_momentum"] else "sgd + momentum"


results = pd.DataFrame(
    {
        "optimizer": [optimizer_name(p) for p in search.cv_results_["params"]],
        "hidden_layer_sizes": [
            str(p["mlp__hidden_layer_sizes"]) for p in search.cv_results_["params"]
        ],
        "mean CV accuracy": search.cv_results_["mean_test_score"],
        "std": search.cv_results_["std_test_score"],
        "fit time (s)": search.cv_results_["mean_fit_time"],
        "rank": search.cv_results_["rank_test_score"],
    }
).sort_values("rank")
print(results.to_string(index=False, float_format="{:.4f}".format))
best = optimizer_name(search.best_params_)
print(
    f"Best: {best} with hidden_layer_sizes={search.best_params_['mlp__hidden_layer_sizes']}, "
    f"mean CV accuracy {search.best_score_:.4f}, test accuracy "
    f"{search.score(X_test, y_test):.4f}"
)

# %%
# Figures: the CV accuracy of every candidate, and each optimizer's training loss
# -------------------------------------------------------------------------------
# The training curves refit the larger network once per optimizer on the training set.
fig, (bars, curves) = plt.subplots(1, 2, figsize=(13, 4.8))
table = results.pivot(index="optimizer", columns="hidden_layer_sizes", values="mean CV accuracy")
table.loc[list(optimizers)].plot.bar(ax=bars, rot=20)
bars.set_ylim(max(0.0, table.to_numpy().min() - 0.05), 1.0)
bars.set_ylabel(f"mean CV accuracy after {n_epochs} epochs")
bars.set_title("GridSearchCV over solver and hidden_layer_sizes")
bars.legend(title="hidden_layer_sizes")

for name, grid in optimizers.items():
    params = {key: values[0] for key, values in grid.items()}
    model = clone(pipeline).set_params(**params, mlp__hidden_layer_sizes=sizes[-1])
    model.fit(X_train, y_train)
    HistoryDisplay.from_estimator(model, ax=curves, train_kw={"label": name})
curves.set_yscale("log")
curves.set_ylabel("training loss (log scale)")
curves.set_title(f"Training loss per epoch, hidden_layer_sizes={sizes[-1]}")
fig.tight_layout()
fig.savefig(OUTPUT / "optimizers.png", dpi=100)
print(f"Saved {OUTPUT / 'optimizers.png'}")
