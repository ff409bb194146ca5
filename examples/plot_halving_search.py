"""
Budget-aware search: successive halving with epochs as the budget
===================================================================

A grid search trains every candidate for the full number of epochs. Successive halving
(:class:`~sklearn.model_selection.HalvingGridSearchCV`) trains all candidates briefly, keeps the
better half, trains those for twice as many epochs, and so on: with ``resource="max_iter"`` the
budget is the number of epochs, so the promising candidates train longer and the hopeless ones
stop early. The same works with :class:`~sklearn.model_selection.HalvingRandomSearchCV`.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV

from skdense import MLPClassifier

X, y = make_classification(
    n_samples=2000, n_features=20, n_informative=10, n_classes=3, random_state=0
)

# n_iter_no_change=inf: each candidate trains exactly the epochs the search gives it, so the
# budget is visible below (with the default, a converged candidate may stop earlier).
estimator = MLPClassifier(n_iter_no_change=np.inf, random_state=0)
grid = {
    "hidden_layer_sizes": [(16,), (64,)],
    "learning_rate_init": [1e-4, 1e-3, 1e-2, 3e-2],
}
search = HalvingGridSearchCV(
    estimator,
    grid,
    resource="max_iter",  # the budget: epochs
    min_resources=5,
    max_resources=40,
    factor=2,
    cv=3,
    random_state=0,
)
with warnings.catch_warnings():
    # Every short round ends at its epoch limit on purpose.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)

print(f"Rounds: epochs {search.n_resources_}, candidates {search.n_candidates_}")
print(f"Best: {search.best_params_} (accuracy {search.best_score_:.3f})\n")

# One row per (round, candidate): which candidates went on, and with how many epochs.
results = pd.DataFrame(search.cv_results_)
results["candidate"] = [
    f"hidden={p['hidden_layer_sizes']}, lr={p['learning_rate_init']:g}" for p in results.params
]
table = results.pivot(index="candidate", columns="iter", values="mean_test_score")
table.columns = [f"round {i}: {n} epochs" for i, n in enumerate(search.n_resources_)]
table["epochs trained"] = results.groupby("candidate").n_resources.max()
table = table.sort_values("epochs trained", ascending=False)
with pd.option_context("display.width", 120, "display.float_format", "{:.3f}".format):
    print("Mean cross-validated accuracy per round (NaN: dropped before that round)")
    print(table.to_string())
spent = results.n_resources.sum()
print(
    f"\nEpochs per fold: {spent} (a full grid at {search.n_resources_[-1]} epochs: "
    f"{len(results.candidate.unique()) * search.n_resources_[-1]})"
)

fig, ax = plt.subplots(figsize=(7, 4))
for name, rows in results.groupby("candidate"):
    ax.plot(rows.n_resources, rows.mean_test_score, marker="o", label=name)
ax.set_xscale("log", base=2)
ax.set_xlabel("epochs (max_iter) given by the search")
ax.set_ylabel("mean cross-validated accuracy")
ax.set_title("Successive halving: the promising candidates train longer")
ax.legend(fontsize="small", loc="lower right")
fig.tight_layout()
plt.show()
