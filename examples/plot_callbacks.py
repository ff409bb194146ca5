"""
Keras callbacks: checkpoints, early stopping, learning-rate schedules, TensorBoard
==================================================================================

The long tutorial ends with Keras's callbacks: ``ModelCheckpoint`` (with
``save_best_only=True``), ``EarlyStopping`` (with ``restore_best_weights=True``),
``LearningRateScheduler`` (keep the rate for 10 epochs, then decay it by ``exp(-0.1)`` per
epoch) and ``TensorBoard`` logs, all passed to ``model.fit(callbacks=[...])``.

skdense estimators take the same objects in their ``callbacks`` parameter. Callbacks see the
logs Keras would give them: ``loss`` and ``learning_rate``, and with ``early_stopping=True``
also ``val_loss`` and ``val_accuracy`` (``val_r2`` for regressors).
``n_iter_no_change=np.inf`` records those validation figures every epoch while leaving the
decision to stop to the Keras callback. ``SKDENSE_EXAMPLES_QUICK=1`` shortens training;
``SKDENSE_EXAMPLES_OUTPUT`` sets where the figure, the checkpoint and the logs go (default
``examples/output/``).
"""

import math
import os
import shutil
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdense import HistoryDisplay, MLPClassifier
from skdense.datasets import load_digits

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKDENSE_EXAMPLES_OUTPUT") or Path(__file__).parent / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)
RUN = OUTPUT / "callbacks"  # the checkpoint and the TensorBoard logs of this run
shutil.rmtree(RUN, ignore_errors=True)
# In quick mode the epoch budget runs out before EarlyStopping acts.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)


# %%
# The callbacks, as in the tutorial
# ---------------------------------
def scheduler(epoch, learning_rate):
    """Keep the learning rate for 10 epochs, then multiply it by exp(-0.1) every epoch."""
    return learning_rate if epoch < 10 else learning_rate * math.exp(-0.1)


checkpoint = keras.callbacks.ModelCheckpoint(
    RUN / "best.keras", monitor="val_loss", save_best_only=True
)
early_stopping = keras.callbacks.EarlyStopping(
    monitor="val_loss", patience=3, restore_best_weights=True
)
callbacks = [
    checkpoint,
    early_stopping,
    keras.callbacks.LearningRateScheduler(scheduler),
    keras.callbacks.TensorBoard(log_dir=RUN / "logs"),
]

model = make_pipeline(
    MinMaxScaler(),
    MLPClassifier(
        hidden_layer_sizes=(100, 64, 32),
        solver="sgd",
        learning_rate_init=0.01,
        batch_size=32,
        early_stopping=True,
        n_iter_no_change=np.inf,  # record validation figures; EarlyStopping decides
        max_iter=5 if QUICK else 50,
        callbacks=callbacks,
        random_state=0,
    ),
).fit(X_train, y_train)

# %%
# What each callback did
# ----------------------
clf = model[-1]
history = clf.history_
print(
    f"Trained {clf.n_iter_} of {clf.max_iter} epochs"
    + (
        f"; EarlyStopping stopped at epoch {early_stopping.stopped_epoch + 1}, its best "
        f"epoch by val_loss being {early_stopping.best_epoch + 1}."
        if early_stopping.stopped_epoch
        else "."
    )
)
print(
    f"LearningRateScheduler: learning rate {history['learning_rate'][0]:.5f} at epoch 1, "
    f"{history['learning_rate'][-1]:.5f} at epoch {clf.n_iter_}."
)

# ModelCheckpoint saved the network with the lowest val_loss, as a Keras model: it maps
# scaled features to class probabilities (indices into ``classes_``).
best = keras.models.load_model(checkpoint.filepath)
probabilities = best.predict(model[0].transform(X_test), verbose=0)
checkpoint_accuracy = np.mean(clf.classes_[probabilities.argmax(axis=1)] == y_test)
print(f"ModelCheckpoint: {checkpoint.filepath} has test accuracy {checkpoint_accuracy:.4f}")
# With ``early_stopping=True`` skdense restores the epoch with the best validation *score*;
# a callback that restores its own best weights runs after that and has the last word. Here
# EarlyStopping's ``restore_best_weights`` picks by ``val_loss``, so the estimator ends with
# EarlyStopping's best epoch, the one ModelCheckpoint saved.
restored = early_stopping.best_epoch + 1
print(
    f"Estimator: kept EarlyStopping's best epoch {restored} (lowest val_loss), "
    f"test accuracy {model.score(X_test, y_test):.4f}, the checkpoint's "
    f"{'too' if np.isclose(model.score(X_test, y_test), checkpoint_accuracy) else 'not'}"
)

event_files = sorted(p.relative_to(RUN).as_posix() for p in (RUN / "logs").rglob("events.*"))
print(f"TensorBoard: {len(event_files)} event files, view with: tensorboard --logdir {RUN}")
for name in event_files:
    print(f"  {name}")

# %%
# The curves: losses, and the learning rate the scheduler set
# ------------------------------------------------------------
fig, (loss_ax, rate_ax) = plt.subplots(1, 2, figsize=(11, 4))
HistoryDisplay.from_estimator(model, ax=loss_ax)
if early_stopping.stopped_epoch:
    loss_ax.axvline(early_stopping.best_epoch + 1, color="gray", linestyle=":")
loss_ax.set_title("Loss; dotted: EarlyStopping's best epoch")
HistoryDisplay.from_estimator(model, metric="learning_rate", ax=rate_ax)
rate_ax.set_title("Learning rate set by LearningRateScheduler")
fig.tight_layout()
fig.savefig(OUTPUT / "callbacks.png", dpi=100)
print(f"Saved {OUTPUT / 'callbacks.png'}")
