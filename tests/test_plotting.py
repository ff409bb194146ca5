"""HistoryDisplay: which curves it draws, with which data, labels and legend."""

import subprocess
import sys
import textwrap

import matplotlib
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdense import DenseRegressor, HistoryDisplay, MLPClassifier

matplotlib.use("Agg")
import matplotlib.pyplot as plt

# The fits below stop after a few epochs on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
N_EPOCHS = 6
RECORD_VALIDATION = dict(early_stopping=True, n_iter_no_change=np.inf, max_iter=N_EPOCHS)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def classifier(multiclass_data):
    X, y = multiclass_data
    return MLPClassifier((8,), random_state=0, **RECORD_VALIDATION).fit(X, y)


@pytest.fixture(scope="module")
def regressor(regression_data):
    X, y = regression_data
    return DenseRegressor((8,), random_state=0, **RECORD_VALIDATION).fit(X, y)


def _labels(display):
    return [line.get_label() for line in display.lines_]


def _legend(display):
    return [text.get_text() for text in display.ax_.get_legend().get_texts()]


def test_loss_draws_train_and_validation_curves(classifier):
    display = HistoryDisplay.from_estimator(classifier)
    assert _labels(display) == ["train", "validation"] == _legend(display)
    train, validation = display.lines_
    np.testing.assert_array_equal(train.get_xdata(), np.arange(1, N_EPOCHS + 1))
    np.testing.assert_allclose(train.get_ydata(), classifier.history_["loss"])
    np.testing.assert_allclose(validation.get_ydata(), classifier.history_["val_loss"])
    assert display.ax_.get_xlabel() == "Epoch" and display.ax_.get_ylabel() == "Loss"
    assert display.figure_ is display.ax_.figure
    assert list(display.ax_.get_lines()) == display.lines_


def test_score_draws_the_validation_accuracy(classifier):
    display = HistoryDisplay.from_estimator(classifier, metric="score")
    assert _labels(display) == ["validation"]
    np.testing.assert_allclose(display.lines_[0].get_ydata(), classifier.validation_scores_)
    assert display.ax_.get_ylabel() == "Accuracy"


def test_score_of_a_regressor_is_r2(regressor):
    display = HistoryDisplay.from_estimator(regressor, metric="score")
    np.testing.assert_allclose(display.lines_[0].get_ydata(), regressor.history_["val_r2"])
    assert display.ax_.get_ylabel() == "R²"


def test_a_pipeline_is_read_through_its_last_step(multiclass_data):
    X, y = multiclass_data
    pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), random_state=0, max_iter=4))
    pipe.fit(X, y)
    display = HistoryDisplay.from_estimator(pipe)
    assert _labels(display) == ["train"]  # no validation curve without early stopping
    np.testing.assert_allclose(display.lines_[0].get_ydata(), pipe[-1].loss_curve_)


def test_several_estimators_share_an_axes_with_named_curves(classifier, multiclass_data):
    X, y = multiclass_data
    other = MLPClassifier((4,), random_state=1, **RECORD_VALIDATION).fit(X, y)
    _, ax = plt.subplots()
    first = HistoryDisplay.from_estimator(classifier, ax=ax, name="big", curve_type="validation")
    second = HistoryDisplay.from_estimator(other, ax=ax, name="small", curve_type="validation")
    assert first.ax_ is second.ax_ is ax
    assert _legend(second) == ["big (validation)", "small (validation)"]
    np.testing.assert_allclose(second.lines_[0].get_ydata(), other.history_["val_loss"])


def test_constructor_and_plot_take_a_keras_style_history():
    history = {"loss": [0.9, 0.5, 0.4], "accuracy": [0.6, 0.8, 0.9], "val_accuracy": [0.5, 0.7]}
    display = HistoryDisplay(history=history, metric="accuracy", estimator_name="keras")
    assert display.plot() is display
    assert _labels(display) == ["keras (train)", "keras (validation)"]
    np.testing.assert_allclose(display.lines_[1].get_ydata(), [0.5, 0.7])
    np.testing.assert_array_equal(display.lines_[1].get_xdata(), [1, 2])
    assert display.plot(name="renamed").lines_[0].get_label() == "renamed (train)"


def test_any_recorded_figure_can_be_drawn(classifier):
    display = HistoryDisplay.from_estimator(classifier, metric="learning_rate")
    assert _labels(display) == ["Learning rate"]  # not "train": it has no validation twin
    np.testing.assert_allclose(display.lines_[0].get_ydata(), classifier.history_["learning_rate"])
    assert display.ax_.get_ylabel() == "Learning rate"


def test_line_keywords_reach_each_curve(classifier):
    display = HistoryDisplay.from_estimator(
        classifier, train_kw={"color": "red"}, validation_kw={"linestyle": "--", "label": "val"}
    )
    train, validation = display.lines_
    assert train.get_color() == "red"
    assert validation.get_linestyle() == "--" and validation.get_label() == "val"


def test_scikit_learn_mlp_curves_are_drawn(multiclass_data):
    X, y = multiclass_data
    mlp = SklearnMLPClassifier((8,), early_stopping=True, max_iter=30, random_state=0)
    mlp.fit(X, y)
    display = HistoryDisplay.from_estimator(mlp, metric="score")
    np.testing.assert_allclose(display.lines_[0].get_ydata(), mlp.validation_scores_)
    assert display.ax_.get_ylabel() == "Accuracy"


def test_missing_validation_curve_explains_how_to_record_it(multiclass_data):
    X, y = multiclass_data
    clf = MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"no validation curve.*early_stopping=True"):
        HistoryDisplay.from_estimator(clf, curve_type="validation")
    with pytest.raises(ValueError, match=r"no curve for metric='score'.*records \['learning"):
        HistoryDisplay.from_estimator(clf, metric="score")


def test_invalid_curve_type():
    with pytest.raises(ValueError, match=r"curve_type must be one of.*'test'"):
        HistoryDisplay(history={"loss": [1.0]}).plot(curve_type="test")


def test_estimators_without_a_history_are_refused(multiclass_data):
    with pytest.raises(NotFittedError):
        HistoryDisplay.from_estimator(MLPClassifier())
    X, y = multiclass_data
    with pytest.raises(TypeError, match="LogisticRegression records no training history"):
        HistoryDisplay.from_estimator(LogisticRegression().fit(X, y))


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    display = HistoryDisplay(history={"loss": [1.0, 0.5]})
    with pytest.raises(ImportError, match=r'pip install "skdense\[plot\]"'):
        display.plot()


def test_skdense_imports_without_matplotlib():
    """Importing skdense (HistoryDisplay included) must not need matplotlib."""
    code = textwrap.dedent(
        """
        import sys

        class NoMatplotlib:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "matplotlib":
                    raise ImportError("matplotlib is blocked")

        sys.meta_path.insert(0, NoMatplotlib())
        import skdense
        from skdense import HistoryDisplay
        assert "matplotlib" not in sys.modules
        try:
            HistoryDisplay(history={"loss": [1.0]}).plot()
        except ImportError as exc:
            print(exc)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert 'pip install "skdense[plot]"' in result.stdout
