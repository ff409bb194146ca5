"""The benchmark data: generated, bundled with scikit-learn, or the Auto MPG table.

Every function returns a :class:`Dataset` with float32 features, so that no peer pays for a
dtype conversion the others skip. Nothing here imports TensorFlow.
"""

import dataclasses
import importlib
import importlib.util
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

AUTO_MPG_NUMERIC = ["cylinders", "displacement", "horsepower", "weight", "acceleration"]
AUTO_MPG_NUMERIC += ["model_year"]
AUTO_MPG_CATEGORICAL = ["origin"]
AUTO_MPG_TARGET = "mpg"
_AUTO_MPG_ROWS = 392


@dataclasses.dataclass
class Dataset:
    """Training rows, held-out rows (``None`` where the workload cross-validates) and a note
    saying where the data came from."""

    X_train: object
    y_train: np.ndarray
    X_test: object = None
    y_test: np.ndarray = None
    source: str = ""

    @property
    def shape(self):
        return tuple(self.X_train.shape)


def load(name, quick=False, cache_dir=None):
    """The dataset ``name`` ("classification", "wide", "digits" or "auto_mpg")."""
    if name == "classification":
        return classification(quick)
    if name == "wide":
        return wide(quick, cache_dir)
    if name == "digits":
        return digits(quick)
    if name == "auto_mpg":
        return auto_mpg()
    raise ValueError(f"unknown dataset {name!r}")


def classification(quick=False):
    """W1 and W4: ``make_classification`` with 20 features; 2000 training rows, 500 held out."""
    n_train, n_test = (200, 100) if quick else (2000, 500)
    X, y = make_classification(n_samples=n_train + n_test, n_features=20, random_state=0)
    X = X.astype(np.float32)
    return Dataset(X[:n_train], y[:n_train], X[n_train:], y[n_train:], "make_classification")


def wide(quick=False, cache_dir=None):
    """W2: 60000 x 784 (MNIST's shape), 10 classes, standardised; 10000 rows held out.

    Each class is two Gaussian clusters whose centres lie 4 standard deviations from the
    origin in random directions, so the task is learnable but not linear. (Pixel-like [0, 1]
    features left every Keras run of the issue at chance.) Generated once per run and cached
    in ``cache_dir`` as ``.npy`` files, since generating costs seconds.
    """
    n_train, n_test = (512, 256) if quick else (60000, 10000)
    stem = f"wide-{n_train}-{n_test}"
    if cache_dir is not None and (Path(cache_dir) / f"{stem}-X.npy").exists():
        X = np.load(Path(cache_dir) / f"{stem}-X.npy")
        y = np.load(Path(cache_dir) / f"{stem}-y.npy")
    else:
        X, y = _gaussian_clusters(n_train + n_test, n_features=784, n_classes=10, seed=0)
        mean, std = X[:n_train].mean(axis=0), X[:n_train].std(axis=0)
        X -= mean
        X /= std
        if cache_dir is not None:
            np.save(Path(cache_dir) / f"{stem}-X.npy", X)
            np.save(Path(cache_dir) / f"{stem}-y.npy", y)
    source = "two Gaussian clusters per class, centres 4 sd out, standardised"
    return Dataset(X[:n_train], y[:n_train], X[n_train:], y[n_train:], source)


def _gaussian_clusters(n_samples, n_features, n_classes, seed, clusters_per_class=2):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_classes * clusters_per_class, n_features))
    centres *= 4.0 / np.linalg.norm(centres, axis=1, keepdims=True)
    cluster = rng.integers(0, len(centres), n_samples)
    X = rng.standard_normal((n_samples, n_features), dtype=np.float32)
    X += centres[cluster].astype(np.float32)
    return X, cluster % n_classes


def digits(quick=False):
    """W3: ``load_digits``, standardised, 1347 rows for training and 450 held out."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    if quick:
        X_train, y_train = X_train[:300], y_train[:300]
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = (scaler.transform(a).astype(np.float32) for a in (X_train, X_test))
    return Dataset(X_train, y_train, X_test, y_test, "load_digits, standardised")


def auto_mpg():
    """W5: the Auto MPG table (392 cars) as a DataFrame, cross-validated as a whole.

    Taken from ``skdense.datasets.load_auto_mpg`` when skdense has it, else from the CSV
    bundled at ``skdense/datasets/data/auto_mpg.csv``, else generated with the same columns
    and shape (the source note then says so).
    """
    frame, source = _auto_mpg_frame()
    columns = AUTO_MPG_NUMERIC + AUTO_MPG_CATEGORICAL
    X = frame[columns].astype({c: np.float32 for c in AUTO_MPG_NUMERIC})
    y = frame[AUTO_MPG_TARGET].to_numpy(dtype=np.float32)
    return Dataset(X, y, source=source)


def _auto_mpg_frame():
    frame = _from_skdense_loader()
    if frame is not None:
        return frame, "Auto MPG via skdense.datasets.load_auto_mpg"
    csv = _bundled_csv()
    if csv is not None:
        return pd.read_csv(csv), "Auto MPG, CSV bundled in skdense/datasets/data"
    return _generated_auto_mpg(), (
        "GENERATED stand-in for Auto MPG (same columns and 392 rows; the real table was "
        "not found in skdense): scores are not comparable with published ones"
    )


def _skdense_dir():
    spec = importlib.util.find_spec("skdense")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _from_skdense_loader():
    """The table from ``skdense.datasets.load_auto_mpg``, whatever container it returns."""
    package = _skdense_dir()
    if package is None or not (package / "datasets").is_dir():
        return None
    try:
        loader = importlib.import_module("skdense.datasets").load_auto_mpg
        accepts_frame = "as_frame" in inspect.signature(loader).parameters
        loaded = loader(as_frame=True) if accepts_frame else loader()
    except Exception:  # a loader still in the works: fall back to the CSV
        return None
    return _as_frame(loaded)


def _as_frame(loaded):
    if isinstance(loaded, tuple) and len(loaded) == 2:
        X, y = loaded
        if isinstance(X, pd.DataFrame):
            return X.assign(**{AUTO_MPG_TARGET: np.asarray(y)})
    frame = getattr(loaded, "frame", loaded)
    if isinstance(frame, pd.DataFrame):
        needed = {AUTO_MPG_TARGET, *AUTO_MPG_NUMERIC, *AUTO_MPG_CATEGORICAL}
        if needed <= set(frame.columns):
            return frame
    return None


def _bundled_csv():
    package = _skdense_dir()
    if package is None:
        return None
    csv = package / "datasets" / "data" / "auto_mpg.csv"
    return csv if csv.is_file() else None


def _generated_auto_mpg(seed=0):
    """Random cars with Auto MPG's columns, value ranges and a plausible mpg relation."""
    rng = np.random.default_rng(seed)
    n = _AUTO_MPG_ROWS
    cylinders = rng.choice([4, 6, 8], size=n, p=[0.5, 0.2, 0.3])
    displacement = cylinders * rng.uniform(20.0, 45.0, n)
    horsepower = 0.4 * displacement + rng.uniform(30.0, 70.0, n)
    weight = 8.0 * displacement + rng.uniform(1200.0, 2000.0, n)
    acceleration = rng.uniform(8.0, 25.0, n)
    model_year = rng.integers(70, 83, n)
    origin = rng.choice([1, 2, 3], size=n, p=[0.62, 0.18, 0.2])
    mpg = (
        46.0
        - 0.006 * weight
        - 0.03 * horsepower
        + 0.75 * (model_year - 70)
        + 1.5 * (origin != 1)
        + rng.normal(0.0, 2.5, n)
    )
    return pd.DataFrame(
        {
            "mpg": np.clip(mpg, 9.0, 47.0),
            "cylinders": cylinders,
            "displacement": displacement,
            "horsepower": horsepower,
            "weight": weight,
            "acceleration": acceleration,
            "model_year": model_year,
            "origin": origin,
        }
    )
