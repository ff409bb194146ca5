"""
A multi-layer perceptron on handwritten digits, with a validation split
=======================================================================

The long tutorial trains dense networks on Fashion-MNIST and MNIST: pixels scaled to [0, 1],
a validation set held out, the train and validation curves plotted from ``history``, then a
confusion matrix and a classification report on the test set (MNIST MLP: 0.961).

Here: scikit-learn's bundled 8x8 digits stand in for MNIST, an :class:`~skdense.MLPClassifier`
holds out its own validation split (``early_stopping=True``), :class:`~skdense.HistoryDisplay`
draws the curves it recorded, and scikit-learn's own
:class:`~sklearn.metrics.ConfusionMatrixDisplay` and
:func:`~sklearn.metrics.classification_report` evaluate it: nothing to rewrite.
``SKDENSE_EXAMPLES_QUICK=1`` shortens training; ``SKDENSE_EXAMPLES_OUTPUT`` sets where the
figures go (default ``examples/output/``).
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.metrics import ConfusionMatrixDisplay, classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdense import HistoryDisplay, MLPClassifier
from skdense.datasets import load_digits

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKDENSE_EXAMPLES_OUTPUT") or Path(__file__).parent / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# The network
# -----------
# The tutorial's recipe, translated literally: four ReLU layers of 256, 128, 64 and 32
# units, RMSprop at a learning rate of 0.01, batches of 128, pixels scaled to [0, 1]
# (``MinMaxScaler`` learns the range from the training data). With ``early_stopping=True``
# 10% of the training data is held out, as the tutorial holds out its validation images:
# training stops once the validation accuracy has not improved for 10 epochs, and the
# weights of the best epoch are kept. No parameter was tuned on the test set.
mlp = make_pipeline(
    MinMaxScaler(),
    MLPClassifier(
        hidden_layer_sizes=(256, 128, 64, 32),
        solver="rmsprop",
        learning_rate_init=0.01,
        batch_size=128,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        max_iter=10 if QUICK else 100,
        random_state=0,
    ),
).fit(X_train, y_train)

clf = mlp[-1]
print(
    f"Trained {clf.n_iter_} epochs; best validation accuracy "
    f"{clf.best_validation_score_:.4f} at epoch "
    f"{clf.validation_scores_.index(clf.best_validation_score_) + 1}."
)
accuracy = mlp.score(X_test, y_test)
print(f"MLP test accuracy: {accuracy:.4f}")

# %%
# Training curves
# ---------------
# Loss on the training and validation data, and validation accuracy, epoch by epoch.
fig, (loss_ax, score_ax) = plt.subplots(1, 2, figsize=(11, 4))
HistoryDisplay.from_estimator(mlp, metric="loss", ax=loss_ax)
HistoryDisplay.from_estimator(mlp, metric="score", ax=score_ax, validation_kw={"color": "C1"})
loss_ax.set_title("Loss")
score_ax.set_title("Validation accuracy")
fig.tight_layout()
fig.savefig(OUTPUT / "mlp_digits_history.png", dpi=100)

# %%
# Evaluation on the test set, with scikit-learn's tools
# -----------------------------------------------------
print(classification_report(y_test, mlp.predict(X_test), digits=4))
confusion = ConfusionMatrixDisplay.from_estimator(mlp, X_test, y_test, colorbar=False)
confusion.ax_.set_title(f"MLPClassifier on digits: test accuracy {accuracy:.4f}")
confusion.figure_.savefig(OUTPUT / "mlp_digits_confusion_matrix.png", dpi=100)
print(f"Saved figures in {OUTPUT}")
