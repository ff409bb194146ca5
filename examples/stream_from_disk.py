"""
Streaming: train on a dataset read from disk chunk by chunk
===========================================================

When the data does not fit in memory, read it in chunks and call ``partial_fit`` on each: one
call is one epoch over the chunk, and the network carries on from call to call. A pass over all
chunks is then one epoch over the whole data, and a few passes learn as well as ``fit`` would.

The script writes a CSV file in a temporary directory (also chunk by chunk), then trains on it
without ever holding more than one chunk: the scaler learns its statistics in a first pass
(``StandardScaler.partial_fit``), the classifier in the following ones. A ``.npy`` file opened
with ``numpy.load(path, mmap_mode="r")`` and sliced by rows streams the same way.
"""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from skdense import MLPClassifier

N_FEATURES = 20
CLASSES = np.array([0, 1, 2])
CHUNK_ROWS = 5_000
N_EPOCHS = 5


def write_dataset(path, n_rows, seed):
    """Write ``n_rows`` labelled rows to a CSV file, one chunk at a time.

    Labels come from a fixed random two-layer "teacher" network, so there is something
    non-linear to learn; the features have offsets and scales that need standardising.
    """
    teacher = np.random.default_rng(0)  # the same teacher for the training and test files
    hidden, output = teacher.normal(size=(N_FEATURES, 16)), teacher.normal(size=(16, 3))
    offsets, scales = teacher.normal(5, 2, N_FEATURES), teacher.uniform(0.5, 20, N_FEATURES)
    rng = np.random.default_rng(seed)
    for start in range(0, n_rows, CHUNK_ROWS):
        z = rng.normal(size=(min(CHUNK_ROWS, n_rows - start), N_FEATURES))
        y = np.argmax(np.tanh(z @ hidden) @ output + rng.normal(0, 0.5, (len(z), 3)), axis=1)
        chunk = pd.DataFrame(z * scales + offsets, columns=[f"x{i}" for i in range(N_FEATURES)])
        chunk["label"] = y
        chunk.to_csv(path, mode="a", header=start == 0, index=False, float_format="%.6g")


def read_chunks(path):
    """Yield ``(X, y)`` numpy chunks of the CSV file; only one chunk is in memory at a time."""
    for chunk in pd.read_csv(path, chunksize=CHUNK_ROWS):
        yield chunk.drop(columns="label").to_numpy(np.float32), chunk["label"].to_numpy()


def accuracy(path, scaler, classifier):
    """Held-out accuracy, also computed chunk by chunk."""
    correct = total = 0
    for X, y in read_chunks(path):
        correct += np.sum(classifier.predict(scaler.transform(X)) == y)
        total += len(y)
    return correct / total


with tempfile.TemporaryDirectory() as directory:
    train_path, test_path = Path(directory, "train.csv"), Path(directory, "test.csv")
    write_dataset(train_path, n_rows=40_000, seed=1)
    write_dataset(test_path, n_rows=10_000, seed=2)
    size = train_path.stat().st_size / 2**20
    print(f"training file: {size:.1f} MiB, read {CHUNK_ROWS} rows at a time")

    scaler = StandardScaler()
    for X, _ in read_chunks(train_path):  # first pass: feature means and variances
        scaler.partial_fit(X)

    classifier = MLPClassifier((32,), learning_rate_init=3e-3, random_state=0)
    for epoch in range(1, N_EPOCHS + 1):
        for X, y in read_chunks(train_path):
            # ``classes`` is required on the first call: a chunk may lack some classes.
            classifier.partial_fit(scaler.transform(X), y, classes=CLASSES)
        score = accuracy(test_path, scaler, classifier)
        print(f"epoch {epoch}: held-out accuracy {score:.3f}, loss {classifier.loss_:.3f}")
    print(f"samples seen: {classifier.t_}")
