"""
Saving and loading a fitted pipeline
====================================

The long tutorial saves a trained Keras model to an ``.h5`` file and loads it back. A fitted
skdense estimator is plain numpy state, so the whole scikit-learn pipeline (scaler and
network) is saved with :func:`joblib.dump` like any scikit-learn model, and loaded in another
process that never saw the training code: this script loads it in a fresh Python
subprocess and checks that the predictions are the same. The trained network is also
available as a Keras model (``model_``) and saved in Keras's own format, the tutorial's way.
``SKDENSE_EXAMPLES_QUICK=1`` shortens training; ``SKDENSE_EXAMPLES_OUTPUT`` sets where the
files go (default ``examples/output/``). No figure: the result is the comparison printed.
"""

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import joblib
import keras
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdense import MLPClassifier
from skdense.datasets import load_digits

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKDENSE_EXAMPLES_OUTPUT") or Path(__file__).parent / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)
warnings.filterwarnings("ignore", category=ConvergenceWarning)  # short training in quick mode

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
model = make_pipeline(
    MinMaxScaler(),
    MLPClassifier((100, 64, 32), max_iter=5 if QUICK else 50, random_state=0),
).fit(X_train, y_train)
probabilities = model.predict_proba(X_test)
print(f"Fitted; test accuracy {model.score(X_test, y_test):.4f}")

# %%
# joblib, loaded in a fresh process
# ---------------------------------
model_file = OUTPUT / "mlp_digits.joblib"
joblib.dump(model, model_file)
np.save(OUTPUT / "X_test.npy", X_test)

loader = textwrap.dedent(
    """
    import sys

    import joblib
    import numpy as np

    model_file, data_file, out_file = sys.argv[1:]
    model = joblib.load(model_file)
    np.save(out_file, model.predict_proba(np.load(data_file)))
    """
)
reloaded_file = OUTPUT / "reloaded_probabilities.npy"
subprocess.run(
    [sys.executable, "-c", loader, model_file, OUTPUT / "X_test.npy", reloaded_file],
    check=True,
)
reloaded = np.load(reloaded_file)
same_joblib = np.array_equal(reloaded, probabilities)
print(
    f"joblib: {model_file.name} ({model_file.stat().st_size / 1024:.0f} KiB) reloaded in a fresh "
    f"process; same predictions: {same_joblib}"
)

# %%
# The network alone, in Keras's format
# ------------------------------------
# ``model_`` maps features *as the network sees them* (after the scaler) to probabilities.
keras_file = OUTPUT / "mlp_digits.keras"
model[-1].model_.save(keras_file)
network = keras.models.load_model(keras_file)
keras_probabilities = network.predict(model[0].transform(X_test), verbose=0)
same_keras = np.allclose(keras_probabilities, probabilities, atol=1e-5)
print(f"Keras: {keras_file.name} reloaded; same probabilities (to 1e-5): {same_keras}")

if not (same_joblib and same_keras):
    sys.exit("The reloaded model does not reproduce the predictions.")
