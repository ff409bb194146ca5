"""skops.io: fitted estimators and pipelines saved and loaded without running the file's code."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdense
from skdense import DenseRegressor, MLPClassifier, MLPRegressor, SoftmaxClassifier
from skdense._persistence import STATE_TYPES, type_name

sio = pytest.importorskip("skops.io")
UntrustedTypesFoundException = pytest.importorskip(
    "skops.io.exceptions"
).UntrustedTypesFoundException

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
REPO = Path(__file__).resolve().parents[1]


def _data(kind):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    labels = np.array(["cat", "dog", "eel"])[rng.integers(0, 3, 60)]
    y = {
        "labels": labels,
        "multilabel": np.column_stack([labels == "cat", labels == "dog"]).astype(int),
        "counts": rng.poisson(2.0, size=(60, 2)).astype(float),
    }[kind]
    return X, y


FITTED = {
    "pipeline-early-stopping": (
        lambda: make_pipeline(
            StandardScaler(),
            MLPClassifier(
                (4,), max_iter=3, early_stopping=True, class_weight="balanced", random_state=0
            ),
        ),
        "labels",
    ),
    "softmax": (lambda: SoftmaxClassifier(max_iter=3, random_state=0), "labels"),
    "multilabel": (lambda: MLPClassifier((4, 3), max_iter=3, random_state=0), "multilabel"),
    "poisson-two-outputs": (
        lambda: DenseRegressor((4,), loss="poisson", max_iter=3, random_state=0),
        "counts",
    ),
    "mlp-regressor": (lambda: MLPRegressor((4,), max_iter=3, random_state=0), "counts"),
    "batch-norm-dropout": (
        lambda: MLPClassifier(
            (4,), batch_normalization=True, dropout=0.2, max_iter=3, random_state=0
        ),
        "labels",
    ),
}


@pytest.mark.parametrize("name", FITTED)
def test_skops_needs_only_skdense_types_trusted(name):
    make, kind = FITTED[name]
    X, y = _data(kind)
    model = make().fit(X, y)
    payload = sio.dumps(model)
    assert set(sio.get_untrusted_types(data=payload)) <= set(skdense.TRUSTED_TYPES)
    restored = sio.loads(payload, trusted=skdense.TRUSTED_TYPES)
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_trusted_types_name_every_state_type():
    for cls in (*STATE_TYPES, MLPClassifier, SoftmaxClassifier, DenseRegressor, MLPRegressor):
        assert type_name(cls) in skdense.TRUSTED_TYPES


def test_skops_pipeline_loads_in_a_fresh_process(tmp_path):
    X, y = _data("labels")
    model = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=5, random_state=0))
    model.fit(X, y)
    sio.dump(model, tmp_path / "model.skops")
    X.to_csv(tmp_path / "X.csv", index=False)
    loader = textwrap.dedent(
        """
        import sys

        import numpy as np
        import pandas as pd
        import skops.io

        import skdense

        folder = sys.argv[1]
        model = skops.io.load(f"{folder}/model.skops", trusted=skdense.TRUSTED_TYPES)
        X = pd.read_csv(f"{folder}/X.csv")
        np.save(f"{folder}/proba.npy", model.predict_proba(X))
        np.save(f"{folder}/labels.npy", model.predict(X).astype(str))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", loader, str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    np.testing.assert_array_equal(np.load(tmp_path / "proba.npy"), model.predict_proba(X))
    np.testing.assert_array_equal(np.load(tmp_path / "labels.npy"), model.predict(X))


def test_skops_load_refuses_skdense_types_unless_trusted(tmp_path):
    X, y = _data("labels")
    sio.dump(SoftmaxClassifier(max_iter=2).fit(X, y), tmp_path / "model.skops")
    with pytest.raises(UntrustedTypesFoundException):
        sio.load(tmp_path / "model.skops")


class Stranger:
    """A type nobody listed as trusted, as an untrusted file might contain."""

    def __init__(self):
        self.note = "not skdense"


def test_skops_load_refuses_unknown_types_even_with_skdense_trusted(tmp_path):
    X, y = _data("labels")
    model = SoftmaxClassifier(max_iter=2).fit(X, y)
    sio.dump({"model": model, "extra": Stranger()}, tmp_path / "mixed.skops")
    with pytest.raises(UntrustedTypesFoundException, match="Stranger"):
        sio.load(tmp_path / "mixed.skops", trusted=skdense.TRUSTED_TYPES)


def test_skops_loaded_estimator_continues_training(tmp_path):
    X, y = _data("labels")
    model = MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    sio.dump(model, tmp_path / "model.skops")
    restored = sio.load(tmp_path / "model.skops", trusted=skdense.TRUSTED_TYPES)
    restored.partial_fit(X, y)
    model.partial_fit(X, y)
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
