"""
Logistic regression with one and with two inputs
================================================

The first tutorial this project grew from builds ``sigmoid(w x + b)`` by hand in Keras, a
``Dense(1)`` layer and a sigmoid, and trains it with SGD on six points; then the same with two
inputs on AND-like data, and reads the learned weight and bias out of the layer.

In skdense that model is :class:`~skdense.SoftmaxClassifier`: with two classes it is one
logistic unit. The learned weights are ``coef_`` and ``intercept_`` in
:class:`~sklearn.linear_model.LogisticRegression`'s layout, and ``predict_proba`` gives the
sigmoid's output. Run it as it is; set ``SKDENSE_EXAMPLES_QUICK=1`` for a short run and
``SKDENSE_EXAMPLES_OUTPUT`` to choose where the figure goes (default ``examples/output/``).
"""

import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skdense import SoftmaxClassifier

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKDENSE_EXAMPLES_OUTPUT") or Path(__file__).parent / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)

# Like the tutorial's ``model.fit(X, Y, epochs=300)``, the models below train for a fixed
# number of epochs, so scikit-learn's "maximum iterations reached" warning is expected.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# One input
# ---------
# The tutorial's data, its optimizer (plain SGD, learning rate 0.01, no penalty) and its 300
# epochs. With six points a mini-batch is the whole data set.
X1 = np.array([[-2.0], [-1.5], [-1.0], [1.25], [1.62], [2.0]])
y1 = np.array([0, 0, 0, 1, 1, 1])

one_input = SoftmaxClassifier(
    solver="sgd",
    momentum=0.0,
    learning_rate_init=0.01,
    penalty=None,
    max_iter=300,
    tol=0.0,
    random_state=0,
).fit(X1, y1)
print(f"1 input:  coef_ = {one_input.coef_.ravel().round(4)}, intercept_ = {one_input.intercept_}")
print("  P(y=1) on the training points:", one_input.predict_proba(X1)[:, 1].round(3))
print("  P(y=1) at x = -1000 and 1000: ", one_input.predict_proba([[-1000], [1000]])[:, 1])

# %%
# Two inputs
# ----------
# AND-like data: only (1, 1) is positive. The tutorial's SGD had not learned it after 5,000
# epochs (it predicted 0.45 for (1, 1)); Adam with a larger step does in a few hundred.
X2 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y2 = np.array([0, 0, 0, 1])

two_inputs = SoftmaxClassifier(
    learning_rate_init=0.1, penalty=None, max_iter=100 if QUICK else 500, tol=0.0, random_state=0
).fit(X2, y2)
print(
    f"2 inputs: coef_ = {two_inputs.coef_.ravel().round(4)}, "
    f"intercept_ = {two_inputs.intercept_.round(4)}"
)
print("  P(y=1) on the four points:", two_inputs.predict_proba(X2)[:, 1].round(3))
print(f"2 inputs: training accuracy {two_inputs.score(X2, y2):.2f}")

# %%
# The learned sigmoid and the decision boundary
# ---------------------------------------------
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))

grid = np.linspace(-4, 4, 200)[:, None]
left.plot(grid[:, 0], one_input.predict_proba(grid)[:, 1], label="P(y=1 | x)")
left.scatter(X1[:, 0], y1, c=y1, cmap="coolwarm", edgecolor="k", zorder=3, label="data")
w, b = one_input.coef_[0, 0], one_input.intercept_[0]
left.set_title(f"One input: sigmoid({w:.2f} x {b:+.2f})")
left.set_xlabel("x")
left.set_ylabel("probability of class 1")
left.legend()

xx, yy = np.meshgrid(np.linspace(-0.5, 1.5, 200), np.linspace(-0.5, 1.5, 200))
proba = two_inputs.predict_proba(np.column_stack([xx.ravel(), yy.ravel()]))[:, 1]
filled = right.contourf(xx, yy, proba.reshape(xx.shape), levels=20, cmap="coolwarm", alpha=0.8)
right.contour(xx, yy, proba.reshape(xx.shape), levels=[0.5], colors="k")
right.scatter(X2[:, 0], X2[:, 1], c=y2, cmap="coolwarm", edgecolor="k", s=80)
fig.colorbar(filled, ax=right, label="probability of class 1")
right.set_title("Two inputs (AND): P(y=1) and the 0.5 boundary")
right.set_xlabel("x1")
right.set_ylabel("x2")

fig.tight_layout()
fig.savefig(OUTPUT / "logistic_regression.png", dpi=100)
print(f"Saved {OUTPUT / 'logistic_regression.png'}")
