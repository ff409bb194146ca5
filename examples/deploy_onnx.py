"""
Deploying a pipeline without TensorFlow: ONNX and onnxruntime
=============================================================

A fitted skdense pipeline predicts with numpy, but installing skdense installs Keras and
TensorFlow. Where the model is served (a web service, a batch job, a small container) that
is a large dependency for a few matrix products. This example trains the Auto MPG pipeline (a
:class:`~sklearn.compose.ColumnTransformer` that standardizes the numbers and one-hot encodes
``origin``, then a :class:`~skdense.DenseRegressor`), exports the whole pipeline to one ONNX
file with :func:`skdense.onnx.to_onnx`, and serves predictions from it with onnxruntime and
numpy alone. It prints the file's size and the median latency of one prediction call, for a
single row and for a batch, against ``pipeline.predict``.

Needs the ``onnx`` extra (``pip install "skdense[onnx]"``). ``SKDENSE_EXAMPLES_QUICK=1``
shortens training and timing; ``SKDENSE_EXAMPLES_OUTPUT`` sets where the ``.onnx`` file goes
(default ``examples/output/``).
"""

import os
import time
from pathlib import Path

import numpy as np
import onnxruntime
from sklearn.compose import ColumnTransformer
from sklearn.metrics import mean_absolute_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skdense import DenseRegressor
from skdense.datasets import load_auto_mpg
from skdense.onnx import to_onnx

QUICK = os.environ.get("SKDENSE_EXAMPLES_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKDENSE_EXAMPLES_OUTPUT") or Path(__file__).parent / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)
REPEATS = 20 if QUICK else 300

# %%
# Train the pipeline
# ------------------
# The Auto MPG model of ``plot_auto_mpg.py``: 64-64 ReLU units, Huber loss, early stopping.
cars = load_auto_mpg(as_frame=True).frame
train = cars.sample(frac=0.8, random_state=0)
test = cars.drop(train.index)
X_train, y_train = train.drop(columns="mpg"), train["mpg"]
X_test, y_test = test.drop(columns="mpg"), test["mpg"]
numeric = [column for column in X_train.columns if column != "origin"]

pipeline = make_pipeline(
    ColumnTransformer(
        [
            ("numeric", StandardScaler(), numeric),
            ("origin", OneHotEncoder(), ["origin"]),
        ]
    ),
    DenseRegressor(
        hidden_layer_sizes=(64, 64),
        loss="huber",
        solver="rmsprop",
        alpha=3.0,
        batch_size=32,
        early_stopping=True,
        n_iter_no_change=5 if QUICK else 50,
        max_iter=20 if QUICK else 1000,
        random_state=0,
    ),
).fit(X_train, y_train)
keras_mae = mean_absolute_error(y_test, pipeline.predict(X_test))
print(f"Test MAE with pipeline.predict: {keras_mae:.2f}")

# %%
# Export the whole pipeline to one ONNX file
# ------------------------------------------
# A DataFrame sample gives the ONNX model one input per column, with the column's type
# (double for the numbers, string for ``origin``).
onnx_path = OUTPUT / "auto_mpg.onnx"
onnx_path.write_bytes(to_onnx(pipeline, X_train[:1]).SerializeToString())
print(f"ONNX file: {onnx_path.name}, {onnx_path.stat().st_size / 1024:.1f} KiB")


# %%
# Serve it with onnxruntime alone
# -------------------------------
# Nothing below needs TensorFlow, Keras, scikit-learn or skdense: a serving process imports
# onnxruntime and numpy only.
def columns_to_inputs(frame):
    """One (n_rows, 1) array per column, as the ONNX model's inputs expect."""
    return {
        name: column.to_numpy(dtype=str if column.dtype == "category" else None).reshape(-1, 1)
        for name, column in frame.items()
    }


session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
(onnx_predictions,) = session.run(None, columns_to_inputs(X_test))
difference = np.abs(onnx_predictions[:, 0] - pipeline.predict(X_test)).max()
print(f"Largest difference from pipeline.predict: {difference:.1e} mpg")
print(f"Test MAE with onnxruntime: {mean_absolute_error(y_test, onnx_predictions[:, 0]):.2f}")


# %%
# Latency: one call, median of repeats
# ------------------------------------
# Both sides get a DataFrame, so the ONNX side also pays for turning it into arrays.
def median_seconds(predict, rows):
    predict(rows)  # warm-up: onnxruntime's first call prepares its session
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        predict(rows)
        timings.append(time.perf_counter() - start)
    return float(np.median(timings))


def onnx_predict(rows):
    return session.run(None, columns_to_inputs(rows))[0]


print(f"Median latency of one call ({REPEATS} repeats):")
for label, rows in (("1 row", X_test[:1]), (f"{len(X_test)} rows", X_test)):
    keras_seconds = median_seconds(pipeline.predict, rows)
    onnx_seconds = median_seconds(onnx_predict, rows)
    print(
        f"  {label:>8}: pipeline.predict {keras_seconds * 1e3:.2f} ms, "
        f"onnxruntime {onnx_seconds * 1e3:.3f} ms ({keras_seconds / onnx_seconds:.0f}x faster)"
    )
