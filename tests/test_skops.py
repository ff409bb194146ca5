"""skops.io: fitted estimators and pipelines saved and loaded without running the file's code."""

import os
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
from skdense import (
    DenseRegressor,
    KerasClassifier,
    KerasRegressor,
    MLPClassifier,
    MLPRegressor,
    SoftmaxClassifier,
)
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
    estimators = (MLPClassifier, SoftmaxClassifier, DenseRegressor, MLPRegressor)
    for cls in (*STATE_TYPES, *estimators, KerasClassifier, KerasRegressor):
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


# --- KerasClassifier and KerasRegressor: the build function is the user's, trusted by name --


def _fitted_keras_estimators():
    from _keras_models import get_model, get_regressor

    X, labels = _data("labels")
    clf = KerasClassifier(
        get_model,
        loss="sparse_categorical_crossentropy",
        hidden_layer_dim=8,
        metrics=["accuracy"],
        validation_split=0.2,
        epochs=3,
        random_state=0,
    ).fit(X, labels)
    counts = _data("counts")[1]
    reg = KerasRegressor(get_regressor, loss="mse", epochs=3, random_state=0).fit(X, counts)
    return X, {"classifier": clf, "regressor": reg}


BUILD_FUNCTIONS = ["_keras_models.get_model", "_keras_models.get_regressor"]


def test_skops_keras_estimators_need_their_build_function_trusted():
    _, models = _fitted_keras_estimators()
    for name, model in models.items():
        payload = sio.dumps(model)
        untrusted = set(sio.get_untrusted_types(data=payload)) - set(skdense.TRUSTED_TYPES)
        assert untrusted <= set(BUILD_FUNCTIONS) and len(untrusted) == 1, (name, untrusted)
        with pytest.raises(UntrustedTypesFoundException, match="_keras_models"):
            sio.loads(payload, trusted=skdense.TRUSTED_TYPES)


def test_skops_keras_estimators_load_in_a_fresh_process(tmp_path):
    X, models = _fitted_keras_estimators()
    for name, model in models.items():
        sio.dump(model, tmp_path / f"{name}.skops")
    X.to_csv(tmp_path / "X.csv", index=False)
    loader = textwrap.dedent(
        """
        import sys

        import numpy as np
        import pandas as pd
        import skops.io

        import skdense

        folder, build_functions = sys.argv[1], sys.argv[2:]
        trusted = [*skdense.TRUSTED_TYPES, *build_functions]
        X = pd.read_csv(f"{folder}/X.csv")
        clf = skops.io.load(f"{folder}/classifier.skops", trusted=trusted)
        np.save(f"{folder}/proba.npy", clf.predict_proba(X))
        np.save(f"{folder}/labels.npy", clf.predict(X).astype(str))
        reg = skops.io.load(f"{folder}/regressor.skops", trusted=trusted)
        np.save(f"{folder}/values.npy", reg.predict(X))
        reg.partial_fit(X, reg.predict(X))  # a loaded estimator continues training
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    done = subprocess.run(
        [sys.executable, "-c", loader, str(tmp_path), *BUILD_FUNCTIONS],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    clf, reg = models["classifier"], models["regressor"]
    np.testing.assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(X))
    np.testing.assert_array_equal(np.load(tmp_path / "labels.npy"), clf.predict(X))
    np.testing.assert_array_equal(np.load(tmp_path / "values.npy"), reg.predict(X))


def test_skops_keras_estimators_with_several_inputs_and_outputs(tmp_path):
    """The records that route several inputs and outputs are skdense types, trusted."""
    from _keras_models import binary_and_multiclass_heads, wide_and_deep

    X, labels = _data("labels")
    X = X.to_numpy()[:, :6]
    parts = {"wide": X[:, :2], "deep": X[:, 2:]}
    y = np.column_stack([labels == labels[0], labels]).astype(str)
    models = {
        "two_inputs": KerasClassifier(
            wide_and_deep, loss="sparse_categorical_crossentropy", epochs=2, random_state=0
        ).fit(parts, labels),
        "two_outputs": KerasClassifier(
            binary_and_multiclass_heads,
            loss=["binary_crossentropy", "sparse_categorical_crossentropy"],
            epochs=2,
            random_state=0,
        ).fit(X, y),
    }
    inputs = {"two_inputs": parts, "two_outputs": X}
    for name, model in models.items():
        payload = sio.dumps(model)
        untrusted = set(sio.get_untrusted_types(data=payload)) - set(skdense.TRUSTED_TYPES)
        assert untrusted <= {
            "_keras_models.wide_and_deep",
            "_keras_models.binary_and_multiclass_heads",
        }
        restored = sio.loads(payload, trusted=[*skdense.TRUSTED_TYPES, *untrusted])
        np.testing.assert_array_equal(restored.predict(inputs[name]), model.predict(inputs[name]))
