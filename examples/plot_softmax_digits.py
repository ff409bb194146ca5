"""
Softmax regression on handwritten digits
========================================

The tutorials train a multinomial logistic model on MNIST by hand: pixels scaled, labels
one-hot encoded with ``to_categorical``, a ``Dense(10, activation="softmax")`` layer,
categorical cross-entropy and SGD over mini-batches, for a test accuracy of about 0.89.

Here the same model is one :class:`~skdense.SoftmaxClassifier` in a pipeline. Labels need no
one-hot encoding (any labels work, as in scikit-learn), and the MNIST download is replaced by
scikit-learn's bundled 8x8 digits. Since the model *is* multinomial logistic regression, its
test accuracy is set next to :class:`~sklearn.linear_model.LogisticRegression`'s: the two
should agree to within a point. ``SKDENSE_EXAMPLES_QUICK=1`` shortens training;
``SKDENSE_EXAMPLES_OUTPUT`` sets where the figures go (default ``examples/output/``).
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdense import HistoryDisplay, SoftmaxClassifier
from skdense.datasets import load_digits

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKDENSE_EXAMPLES_OUTPUT") or Path(__file__).parent / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)

# %%
# Data: 1,797 digits of 8x8 pixels, a quarter held out for testing.
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# The two models
# --------------
# ``LogisticRegression`` with its default ``C=1`` minimises the mean log-loss plus
# ``||W||^2 / (2 C n)``. skdense, like scikit-learn's MLP, adds ``alpha / 2 * ||W||^2`` per
# mini-batch, divided by the batch size ``B``: the same penalty when ``alpha = B / (C n)``.
# SGD with momentum, as in the tutorials (they used plain SGD with batches of 2048 on 60,000
# images; on 1,347 images a batch of 200 and a larger step do the same work).
batch_size = 200
C = 1.0  # LogisticRegression's default
alpha = batch_size / (C * len(X_train))

softmax = make_pipeline(
    StandardScaler(),
    SoftmaxClassifier(
        solver="sgd",
        learning_rate_init=0.1,
        batch_size=batch_size,
        alpha=alpha,
        max_iter=20 if QUICK else 200,
        random_state=0,
    ),
).fit(X_train, y_train)
logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_train, y_train)

softmax_accuracy = softmax.score(X_test, y_test)
logistic_accuracy = logistic.score(X_test, y_test)
print(f"SoftmaxClassifier trained {softmax[-1].n_iter_} epochs (alpha={alpha:.3f}).")
print(
    f"Test accuracy: SoftmaxClassifier {softmax_accuracy:.4f}, "
    f"LogisticRegression {logistic_accuracy:.4f}, "
    f"difference {100 * (softmax_accuracy - logistic_accuracy):+.2f} points"
)

# %%
# What was learned
# ----------------
# ``coef_`` has one row of 64 weights per class, as in ``LogisticRegression``: drawn as 8x8
# images they show which pixels vote for each digit (red) and against it (blue).
coef = softmax[-1].coef_
limit = abs(coef).max()
fig, axes = plt.subplots(2, 5, figsize=(10, 4.4))
for digit, ax in zip(softmax[-1].classes_, axes.ravel(), strict=True):
    ax.imshow(coef[digit].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"class {digit}")
    ax.set_axis_off()
fig.suptitle("SoftmaxClassifier weights (coef_) per class, on standardized pixels")
fig.tight_layout()
fig.savefig(OUTPUT / "softmax_digits_weights.png", dpi=100)

# %%
# The training loss per epoch, from ``history_``.
display = HistoryDisplay.from_estimator(softmax, name="SoftmaxClassifier")
display.ax_.set_title("Softmax regression on digits: training loss")
display.figure_.savefig(OUTPUT / "softmax_digits_loss.png", dpi=100)
print(f"Saved figures in {OUTPUT}")
