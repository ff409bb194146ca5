"""
Overfitting and its cures
=========================

The long tutorial fights overfitting on IMDB reviews encoded as bags of words (10,000 binary
features): a 16-16-1 network overfits within a few epochs, and it compares, by validation
loss, smaller and bigger networks, L1, L2 and L1+L2 penalties, dropout, batch normalization
and weight initializers.

IMDB cannot be downloaded here, so the script makes reviews of the same kind: bags of words
over a 2,000-word vocabulary with Zipf-like word frequencies, in which 200 words lean
positive or negative. Every variant is one :class:`~skdense.MLPClassifier` parameter away
from the baseline, and ``early_stopping=True, n_iter_no_change=np.inf`` records the
validation loss at every epoch on the same held-out half without stopping early.
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
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from skdense import HistoryDisplay, MLPClassifier

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKDENSE_EXAMPLES_OUTPUT") or Path(__file__).parent / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)
# Every network trains for a fixed number of epochs, as in the tutorial.
warnings.filterwarnings("ignore", category=ConvergenceWarning)


def make_reviews(n_samples, n_words=2000, n_sentiment_words=200, length=60, random_state=0):
    """Bag-of-words "reviews": row i has a 1 for each word that review i uses."""
    rng = np.random.default_rng(random_state)
    frequency = rng.permutation(1.0 / np.arange(1, n_words + 1))  # Zipf's law
    y = rng.integers(0, 2, n_samples)
    sentiment = rng.choice(n_words, n_sentiment_words, replace=False)
    lift = np.ones((2, n_words))  # positive reviews use "positive" words three times as often
    lift[1, sentiment[: n_sentiment_words // 2]] = 3.0
    lift[0, sentiment[n_sentiment_words // 2 :]] = 3.0
    X = np.zeros((n_samples, n_words), dtype=np.float32)
    for i, label in enumerate(y):
        p = frequency * lift[label]
        X[i, rng.choice(n_words, rng.poisson(length), p=p / p.sum())] = 1.0
    return X, y


X, y = make_reviews(n_samples=1000 if QUICK else 4000)

# %%
# The variants
# ------------
# The baseline is the tutorial's: two hidden layers of 16 ReLU units, RMSprop, batches of
# 256 (the tutorial's 512 is for 25,000 reviews), no penalty. A Keras ``l2(c)`` penalty
# added to a batch's mean loss is ``alpha = 2 c B`` in skdense, whose penalty, as in
# scikit-learn's MLP, is divided by the batch size ``B``; ``l1(c)`` is ``alpha = c B``. So
# the tutorial's ``l2(0.001)``, ``l1(0.001)`` and ``l1_l2(0.0001, 0.0001)`` are:
batch_size = 256
baseline = dict(
    hidden_layer_sizes=(16, 16),
    solver="rmsprop",
    penalty=None,
    batch_size=batch_size,
    max_iter=3 if QUICK else 20,
    early_stopping=True,
    validation_fraction=0.5,
    n_iter_no_change=np.inf,
    random_state=0,
)
l1_l2 = dict(penalty="elasticnet", alpha=3e-4 * batch_size, l1_ratio=1 / 3)
panels = {
    "Model size": {
        "smaller (4, 4)": dict(hidden_layer_sizes=(4, 4)),
        "bigger (512, 512)": dict(hidden_layer_sizes=(512, 512)),
    },
    "Weight penalties": {
        "L2": dict(penalty="l2", alpha=2e-3 * batch_size),
        "L1": dict(penalty="l1", alpha=1e-3 * batch_size),
        "L1 + L2 (elastic net)": l1_l2,
    },
    "Dropout and batch normalization": {
        "dropout 0.5": dict(dropout=0.5),
        "batch normalization": dict(batch_normalization=True),
    },
    "Initializers (baseline: He uniform)": {
        "Glorot uniform": dict(kernel_initializer="glorot_uniform"),
        "He normal": dict(kernel_initializer="he_normal"),
    },
}

start = time.perf_counter()
fitted = {"baseline (16, 16)": MLPClassifier(**baseline).fit(X, y)}
for variants in panels.values():
    for name, change in variants.items():
        fitted[name] = MLPClassifier(**{**baseline, **change}).fit(X, y)
print(f"Trained {len(fitted)} networks in {time.perf_counter() - start:.0f} s.")

# %%
# Validation loss, epoch by epoch
# -------------------------------
# Each panel repeats the baseline (black): its validation loss bottoms out after a few
# epochs and climbs as it memorises the training half. Cures keep it low for longer.
fig, axes = plt.subplots(2, 2, figsize=(12, 8.5), sharey=True)
for ax, (title, variants) in zip(axes.ravel(), panels.items(), strict=True):
    for name in ["baseline (16, 16)", *variants]:
        style = {"label": name}
        if name.startswith("baseline"):
            style.update(color="black", linestyle="--")
        HistoryDisplay.from_estimator(
            fitted[name], ax=ax, curve_type="validation", validation_kw=style
        )
    ax.set_title(title)
    ax.set_ylabel("Validation loss")
fig.suptitle("Bag-of-words reviews: validation loss of each variant")
fig.tight_layout()
fig.savefig(OUTPUT / "overfitting.png", dpi=100)

table = pd.DataFrame.from_dict(
    {
        name: {
            "best val loss": min(est.history_["val_loss"]),
            "at epoch": np.argmin(est.history_["val_loss"]) + 1,
            "last val loss": est.history_["val_loss"][-1],
            "last train loss": est.loss_curve_[-1],
            "best val accuracy": est.best_validation_score_,
        }
        for name, est in fitted.items()
    },
    orient="index",
)
print(table.to_string(float_format="{:.3f}".format))
last = table["last val loss"]
cure = last.drop("baseline (16, 16)").idxmin()
print(
    f"Validation loss after {baseline['max_iter']} epochs: "
    f"baseline {last['baseline (16, 16)']:.3f}, best cure {last[cure]:.3f} ({cure})"
)
print(f"Saved {OUTPUT / 'overfitting.png'}")
