"""Every example script runs as it is, in quick mode, and writes what it promises.

Each script runs in a fresh Python process (as a user would run it) with
``SKDENSE_EXAMPLES_QUICK=1`` and ``SKDENSE_EXAMPLES_OUTPUT`` pointing at a temporary folder.
The headline figure it prints is parsed and checked loosely: quick mode trains for a few
epochs only. The full-run figures are in examples/RESULTS.md.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _number(pattern, text):
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found in the output:\n{text}"
    return float(match.group(1))


def check_logistic_regression(out, output):
    assert _number(r"1 input:\s+coef_ = \[\s*(\S+)\]", out) > 0  # P(y=1) grows with x
    assert _number(r"2 inputs: training accuracy (\S+)", out) == 1.0  # AND is learned


def check_softmax_digits(out, output):
    softmax = _number(r"Test accuracy: SoftmaxClassifier (\S+),", out)
    logistic = _number(r"LogisticRegression (\S+),", out)
    assert abs(softmax - logistic) <= 0.02  # within a point after the full 200 epochs


def check_mlp_digits(out, output):
    assert _number(r"MLP test accuracy: (\S+)", out) > 0.9
    assert "precision" in out and "macro avg" in out  # the classification report


def check_overfitting(out, output):
    baseline = _number(r"baseline (\S+), best cure", out)
    assert _number(r"best cure (\S+) \(", out) <= baseline
    for variant in ("bigger (512, 512)", "L1 + L2 (elastic net)", "dropout 0.5", "He normal"):
        assert variant in out


def check_optimizers(out, output):
    assert "12 candidates" in out
    for optimizer in ("sgd + momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        assert optimizer in out
    assert 0.5 < _number(r"test accuracy (\S+)", out) <= 1.0


def check_auto_mpg(out, output):
    assert _number(r"5-fold CV MAE on the training set: (\S+) ", out) < 5.0
    assert _number(r"Test MAE: (\S+) mpg", out) < 4.0


def check_callbacks(out, output):
    assert (output / "callbacks" / "best.keras").is_file()  # ModelCheckpoint
    assert list((output / "callbacks" / "logs").rglob("events.out.tfevents.*"))  # TensorBoard
    assert _number(r"ModelCheckpoint: .* has test accuracy (\S+)", out) > 0.5


def check_persistence(out, output):
    assert "same predictions: True" in out
    assert "same probabilities (to 1e-5): True" in out
    assert (output / "mlp_digits.joblib").is_file() and (output / "mlp_digits.keras").is_file()


def check_demo(out, output):
    assert _number(r"5-fold cross-validated MAE: (\S+) ", out) < 5.0
    assert _number(r"Held-out test MAE: (\S+) mpg", out) < 4.0


def check_deploy_onnx(out, output):
    assert (output / "auto_mpg.onnx").is_file()
    assert _number(r"ONNX file: auto_mpg.onnx, (\S+) KiB", out) < 100
    assert _number(r"Largest difference from pipeline.predict: (\S+) mpg", out) < 1e-4
    assert _number(r"1 row: pipeline.predict (\S+) ms", out) > 0
    assert "rows: pipeline.predict" in out


def check_keras_functional(out, output):
    assert _number(r"Best: hidden_units=\((\d+),", out) in (256, 128, 64)  # a grid candidate
    for stack in ("(256, 128, 64, 32)", "(128, 64)", "(64,)"):
        assert f"hidden_units={stack}" in out  # each candidate's CV accuracy
    assert "hidden1 (Dense)" in out  # model_.summary(): the build function's layer names
    assert _number(r"Functional model test accuracy: (\S+)", out) > 0.7  # 10 epochs


def check_keras_subclassed(out, output):
    assert _number(r"Subclassed model test accuracy: (\S+)", out) > 0.7  # 10 epochs
    assert "model_ holds a MyModel rebuilt from its configuration: units=30" in out
    assert "same predictions: True, same probabilities: True" in out
    assert "Unregistered: TypeError: The model uses custom Keras classes that are not " in out


def check_keras_wide_and_deep(out, output):
    assert _number(r"5-fold CV MAE on the training set: (\S+) ", out) < 8.0  # 20 epochs
    assert _number(r"Trained (\d+) epochs", out) <= 20
    assert _number(r"Test MAE: (\S+) mpg", out) < 8.0


def check_halving_search(out, output):
    assert "Rounds: epochs [5, 10, 20, 40], candidates [8, 4, 2, 1]" in out
    assert _number(r"\(accuracy (\S+)\)", out) > 0.5
    spent = _number(r"Epochs per fold: (\d+)", out)
    assert spent < _number(r"a full grid at 40 epochs: (\d+)", out)  # what halving saves


def check_stream_from_disk(out, output):
    epochs = [float(a) for a in re.findall(r"epoch \d+: held-out accuracy (\S+),", out)]
    assert len(epochs) >= 2 and epochs[-1] > 0.7
    assert _number(r"samples seen: (\d+)", out) % len(epochs) == 0  # whole passes over the file


def check_scikeras_quickstart(out, output):
    assert _number(r"predict_proba\(X\): shape \((\d+), 2\)", out) == 1000
    assert "is_classifier(clf): True" in out
    # print(gs.best_score_, gs.best_params_): unseeded, one epoch per fit (best of 8: ~0.75)
    assert _number(r"(?m)^(\S+) \{'hidden_layer_dim'", out) > 0.6


CASES = {
    "plot_logistic_regression.py": (["logistic_regression.png"], check_logistic_regression),
    "plot_softmax_digits.py": (
        ["softmax_digits_weights.png", "softmax_digits_loss.png"],
        check_softmax_digits,
    ),
    "plot_mlp_digits.py": (
        ["mlp_digits_history.png", "mlp_digits_confusion_matrix.png"],
        check_mlp_digits,
    ),
    "plot_overfitting.py": (["overfitting.png"], check_overfitting),
    "plot_optimizers.py": (["optimizers.png"], check_optimizers),
    "plot_auto_mpg.py": (["auto_mpg.png"], check_auto_mpg),
    "plot_callbacks.py": (["callbacks.png"], check_callbacks),
    "persistence.py": ([], check_persistence),
    "demo.py": ([], check_demo),
    "deploy_onnx.py": ([], check_deploy_onnx),
    "plot_keras_functional.py": (["keras_functional_history.png"], check_keras_functional),
    "plot_keras_subclassed.py": (
        ["keras_subclassed_confusion_matrix.png"],
        check_keras_subclassed,
    ),
    "plot_keras_wide_and_deep.py": (["keras_wide_and_deep.png"], check_keras_wide_and_deep),
    "scikeras_quickstart.py": ([], check_scikeras_quickstart),
    "plot_halving_search.py": ([], check_halving_search),
    "stream_from_disk.py": ([], check_stream_from_disk),
}


@pytest.mark.parametrize("script", list(CASES))
def test_example_runs_in_quick_mode(script, tmp_path):
    figures, check = CASES[script]
    output = tmp_path / "output"
    env = {**os.environ, "SKDENSE_EXAMPLES_QUICK": "1", "SKDENSE_EXAMPLES_OUTPUT": str(output)}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=tmp_path,  # the scripts must not depend on the working directory
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for name in figures:
        with open(output / name, "rb") as file:
            assert file.read(8) == PNG_SIGNATURE, name
    written = sorted(p.name for p in output.glob("*.png"))
    assert written == sorted(figures)
    check(result.stdout, output)
