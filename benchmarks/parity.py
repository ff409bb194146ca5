"""Drop-in parity: held-out scores of skdense and scikit-learn with default parameters.

    python benchmarks/parity.py --machine cpu-2core          # about 10 minutes on 2 cores
    python benchmarks/parity.py --quick                      # two data sets, two seeds

Every data set is one that scikit-learn bundles or generates. For each of ``--seeds`` seeds,
the same ``train_test_split`` (a quarter held out; stratified for classifiers) feeds
``make_pipeline(StandardScaler(), estimator)`` with the estimator's default parameters and
``random_state=seed``, for skdense's ``MLPClassifier``/``MLPRegressor`` and scikit-learn's
own, called the same way. The score is accuracy for classifiers and R² for regressors. The
goal (issue 12): skdense's mean is at least scikit-learn's minus 0.005 on every data set.

A second table compares ``SoftmaxClassifier`` with ``LogisticRegression`` (both defaults) on
standardized and on raw features, where mini-batch training meets a full-batch solver.

Writes ``benchmarks/results/parity-<machine>.md``. ConvergenceWarnings are counted, not shown:
scikit-learn's defaults (200 epochs) do not converge on several of these sets either.
"""

import argparse
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

import sklearn
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnClassifier
from sklearn.neural_network import MLPRegressor as SklearnRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import skdense

RESULTS = Path(__file__).resolve().parent / "results"
GOAL = 0.005


def _generated(maker, **kwargs):
    return lambda: maker(random_state=0, **kwargs)


def _bundled(loader):
    return lambda: loader(return_X_y=True)


# name -> (task, loader); loaders return (X, y).
DATASETS = {
    "iris": ("classification", _bundled(datasets.load_iris)),
    "wine": ("classification", _bundled(datasets.load_wine)),
    "breast cancer": ("classification", _bundled(datasets.load_breast_cancer)),
    "digits": ("classification", _bundled(datasets.load_digits)),
    "make_classification 600x12, 3 classes": (
        "classification",
        _generated(
            datasets.make_classification,
            n_samples=600,
            n_features=12,
            n_informative=6,
            n_classes=3,
        ),
    ),
    "make_moons 500, noise 0.3": (
        "classification",
        _generated(datasets.make_moons, n_samples=500, noise=0.3),
    ),
    "diabetes": ("regression", _bundled(datasets.load_diabetes)),
    "friedman1 800x10": ("regression", _generated(datasets.make_friedman1, n_samples=800)),
    "make_regression 500x20, linear": (
        "regression",
        _generated(datasets.make_regression, n_samples=500, n_features=20, noise=10.0),
    ),
    "friedman3 500": (
        "regression",
        _generated(datasets.make_friedman3, n_samples=500, noise=0.05),
    ),
}
QUICK = ("iris", "friedman1 800x10")
SOFTMAX_DATASETS = ("iris", "wine", "breast cancer", "digits")


def _split(task, X, y, seed):
    stratify = y if task == "classification" else None
    return train_test_split(X, y, test_size=0.25, random_state=seed, stratify=stratify)


def _score(pipeline, split):
    X_train, X_test, y_train, y_test = split
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        pipeline.fit(X_train, y_train)
    unconverged = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return pipeline.score(X_test, y_test), unconverged


def mlp_parity(names, seeds):
    """One row per data set: the scores of both MLPs over the seeds."""
    rows = []
    for name in names:
        task, load = DATASETS[name]
        X, y = load()
        ours = skdense.MLPClassifier if task == "classification" else skdense.MLPRegressor
        theirs = SklearnClassifier if task == "classification" else SklearnRegressor
        scores = {"skdense": [], "scikit-learn": []}
        unconverged = {"skdense": 0, "scikit-learn": 0}
        seconds = {"skdense": 0.0, "scikit-learn": 0.0}
        for seed in seeds:
            split = _split(task, X, y, seed)
            for peer, estimator in (("skdense", ours), ("scikit-learn", theirs)):
                start = time.perf_counter()
                score, warned = _score(
                    make_pipeline(StandardScaler(), estimator(random_state=seed)), split
                )
                seconds[peer] += time.perf_counter() - start
                scores[peer].append(score)
                unconverged[peer] += warned
        rows.append((name, task, X.shape, scores, unconverged, seconds))
        print(f"{name}: {_summary(scores)}", flush=True)
    return rows


def softmax_parity(seeds):
    """``SoftmaxClassifier`` against ``LogisticRegression``, standardized and raw."""
    rows = []
    for name in SOFTMAX_DATASETS:
        task, load = DATASETS[name]
        X, y = load()
        for scaling, scaler in (("standardized", StandardScaler), ("raw", FunctionTransformer)):
            scores = {"skdense": [], "scikit-learn": []}
            unconverged = {"skdense": 0, "scikit-learn": 0}
            for seed in seeds:
                split = _split(task, X, y, seed)
                for peer, estimator in (
                    ("skdense", skdense.SoftmaxClassifier(random_state=seed)),
                    ("scikit-learn", LogisticRegression()),
                ):
                    score, warned = _score(make_pipeline(scaler(), estimator), split)
                    scores[peer].append(score)
                    unconverged[peer] += warned
            rows.append((f"{name}, {scaling}", scores, unconverged))
            print(f"{name} ({scaling}): {_summary(scores)}", flush=True)
    return rows


def _summary(scores):
    return ", ".join(f"{peer} {statistics.mean(s):.4f}" for peer, s in scores.items())


def _cell(values):
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {spread:.3f}"


def _gap(scores):
    return statistics.mean(scores["skdense"]) - statistics.mean(scores["scikit-learn"])


def _standard_error(scores):
    """Of the mean difference, paired by seed: how far seeds alone move the difference."""
    differences = [a - b for a, b in zip(scores["skdense"], scores["scikit-learn"], strict=True)]
    if len(differences) < 2:
        return float("nan")
    return statistics.stdev(differences) / len(differences) ** 0.5


def _largest_difference(scores):
    """The largest gap between the two scores of one seed: same random_state, same fit."""
    pairs = zip(scores["skdense"], scores["scikit-learn"], strict=True)
    return max(abs(a - b) for a, b in pairs)


def report(machine, seeds, mlp_rows, softmax_rows, seconds):
    lines = [
        f"# Drop-in parity: {machine}",
        "",
        f"Held-out scores (a quarter of the rows held out), mean ± standard deviation over "
        f"{len(seeds)} seeds; each seed sets the split and `random_state`. Default "
        "parameters behind a `StandardScaler`, the same calls for both. Accuracy for "
        "classifiers, R² for regressors. Goal: skdense's mean >= scikit-learn's - "
        f"{GOAL}. skdense {skdense.__version__} on Keras's "
        f"{os.environ.get('KERAS_BACKEND', 'tensorflow')} backend, scikit-learn "
        f"{sklearn.__version__}, {platform.machine()}, {os.cpu_count()} cores; "
        f"whole run {seconds / 60:.0f} min. Reproduce: "
        f"`python benchmarks/parity.py --machine {machine}`.",
        "",
        "| data | rows x features | skdense | scikit-learn MLP | difference "
        "(± its standard error, paired by seed) | largest difference in one seed | goal met | "
        "fits ending unconverged (skdense / scikit-learn) | seconds (skdense / scikit-learn) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, _task, shape, scores, unconverged, spent in mlp_rows:
        gap = _gap(scores)
        lines.append(
            f"| {name} | {shape[0]} x {shape[1]} | {_cell(scores['skdense'])} | "
            f"{_cell(scores['scikit-learn'])} | {gap:+.3f} ± {_standard_error(scores):.3f} | "
            f"{_largest_difference(scores):.1e} | {'yes' if gap >= -GOAL else 'no'} | "
            f"{unconverged['skdense']} / {unconverged['scikit-learn']} | "
            f"{spent['skdense']:.1f} / {spent['scikit-learn']:.1f} |"
        )
    met = sum(_gap(row[3]) >= -GOAL for row in mlp_rows)
    lines += [
        "",
        f"Goal met on {met} of {len(mlp_rows)} data sets.",
        "",
        "## SoftmaxClassifier and LogisticRegression",
        "",
        "Both with default parameters (`LogisticRegression`: L-BFGS to convergence, C=1; "
        "`SoftmaxClassifier`: Adam mini-batches, alpha=1e-4), on standardized and on raw "
        "features, same splits and seeds.",
        "",
        "| data | SoftmaxClassifier | LogisticRegression | difference | "
        "fits ending unconverged (skdense / scikit-learn) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, scores, unconverged in softmax_rows:
        lines.append(
            f"| {name} | {_cell(scores['skdense'])} | {_cell(scores['scikit-learn'])} | "
            f"{_gap(scores):+.3f} | {unconverged['skdense']} / {unconverged['scikit-learn']} |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=f"cpu-{os.cpu_count()}core")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="two data sets, two seeds")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    seeds = list(range(2 if args.quick else args.seeds))
    names = QUICK if args.quick else tuple(DATASETS)
    started = time.perf_counter()
    mlp_rows = mlp_parity(names, seeds)
    softmax_rows = [] if args.quick else softmax_parity(seeds)
    text = report(args.machine, seeds, mlp_rows, softmax_rows, time.perf_counter() - started)
    out = args.out or RESULTS / f"parity-{args.machine}{'-quick' if args.quick else ''}.md"
    out.write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
