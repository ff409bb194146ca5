"""The timed procedures: one fit, seconds per epoch, a grid search, a cross-validated pipeline.

Each takes a workload, a peer and the data, times only the training call (imports, data
creation and scoring on held-out rows are outside the clock, except inside a grid search or
cross-validation, where predicting is part of the work) and returns a :class:`Timing`.
"""

import dataclasses
import itertools
import time

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.metrics import accuracy_score, mean_absolute_error
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from harness.data import AUTO_MPG_CATEGORICAL, AUTO_MPG_NUMERIC


@dataclasses.dataclass
class Timing:
    """Seconds (per epoch for the ``"epochs"`` procedure) and the held-out score."""

    seconds: float
    score: float | None
    warmup_seconds: float | None = None
    details: dict = dataclasses.field(default_factory=dict)


def run(workload, peer, data, device="auto"):
    """Time ``peer`` on ``workload``: dispatch to the workload's procedure."""
    if peer.key == "limit":
        return epoch_limit(workload, data)
    procedures = {
        "fit": fit_once,
        "epochs": per_epoch,
        "grid": grid_search,
        "cross_val": cross_validated_pipeline,
    }
    return procedures[workload.procedure](workload, peer, data, device)


def fit_once(workload, peer, data, device):
    estimator = peer.estimator(workload, device)
    seconds = _timed(estimator.fit, data.X_train, data.y_train)
    return Timing(seconds, held_out_score(workload, estimator, data))


def per_epoch(workload, peer, data, device):
    """Seconds per epoch over ``workload.epochs`` epochs, after ``warmup_epochs`` untimed."""
    estimator = peer.estimator(workload, device)
    peer.set_epochs(estimator, workload.warmup_epochs)
    warmup = _timed(estimator.fit, data.X_train, data.y_train)
    estimator.set_params(warm_start=True)
    peer.set_epochs(estimator, workload.epochs)
    seconds = _timed(estimator.fit, data.X_train, data.y_train) / workload.epochs
    return Timing(seconds, held_out_score(workload, estimator, data), warmup_seconds=warmup)


def grid_search(workload, peer, data, device):
    """``GridSearchCV`` (stratified folds, refit on all rows) over the workload's grid."""
    grid = {name: list(values) for name, values in workload.grid}
    search = GridSearchCV(
        peer.estimator(workload, device), grid, cv=workload.cv, error_score="raise"
    )
    seconds = _timed(search.fit, data.X_train, data.y_train)
    return Timing(seconds, held_out_score(workload, search, data))


def cross_validated_pipeline(workload, peer, data, device):
    """``cross_val_score`` of scaler + one-hot encoder + network; the score is the mean MAE."""
    preprocess = ColumnTransformer(
        [
            ("numeric", StandardScaler(), AUTO_MPG_NUMERIC),
            (
                "categorical",
                OneHotEncoder(sparse_output=False, handle_unknown="ignore"),
                AUTO_MPG_CATEGORICAL,
            ),
        ]
    )
    pipeline = make_pipeline(preprocess, peer.estimator(workload, device))
    folds = KFold(workload.cv, shuffle=True, random_state=0)
    start = time.perf_counter()
    scores = cross_val_score(
        pipeline,
        data.X_train,
        data.y_train,
        cv=folds,
        scoring="neg_mean_absolute_error",
        error_score="raise",
    )
    return Timing(time.perf_counter() - start, float(-np.mean(scores)))


def epoch_limit(workload, data, size=2048, repeats=5):
    """The least time an epoch's arithmetic needs on this machine's CPU.

    An epoch of a dense network costs about 6 floating-point operations per weight per row
    (2 forward, 4 backward: the gradients of the activations and of the weights). The rate is
    numpy's float32 ``size`` x ``size`` matrix product, best of ``repeats``: what this
    machine's BLAS reaches on all the cores this process may use.
    """
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((size, size), dtype=np.float32) for _ in range(2))
    a @ b  # untimed: the first product pays for thread start-up
    best = min(_timed(np.matmul, a, b) for _ in range(repeats))
    flops_per_second = 2 * size**3 / best
    n_classes = len(np.unique(data.y_train))
    sizes = [data.shape[1], *workload.hidden_layer_sizes, n_classes]
    weights = sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))
    seconds = 6 * weights * data.shape[0] / flops_per_second
    details = {"gflops": flops_per_second / 1e9, "weights": weights, "rows": data.shape[0]}
    return Timing(seconds, None, details=details)


def _timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def held_out_score(workload, estimator, data):
    predicted = np.asarray(estimator.predict(data.X_test)).ravel()
    if workload.task == "regression":
        return float(mean_absolute_error(data.y_test, predicted))
    return float(accuracy_score(data.y_test, predicted))
