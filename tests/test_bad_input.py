"""Bad input is refused with a clear error before any training starts.

``CASES`` is also the table of docs/errors.md and the README: ``python tests/test_bad_input.py``
prints it, and ``test_errors_doc_lists_every_case`` fails when they drift apart.
"""

import dataclasses
import traceback
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skdense import DenseRegressor, MLPClassifier, SoftmaxClassifier

ERRORS_DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
TABLE_START = "<!-- table generated from tests/test_bad_input.py: CASES -->"
TABLE_END = "<!-- end of generated table -->"

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

_rng = np.random.default_rng(0)
X = _rng.normal(size=(30, 4))
Y = np.array([0, 1, 2] * 10)


def _with(values):
    """``X`` with a few cells replaced by ``values``."""
    X_bad = X.astype(object) if isinstance(values, str | dict) else X.copy()
    X_bad[::7, 1] = values
    return X_bad


def _classifier(**params):
    return MLPClassifier(**{"hidden_layer_sizes": (4,), "max_iter": 2, **params})


def _regressor(**params):
    return DenseRegressor(**{"hidden_layer_sizes": (4,), "max_iter": 2, **params})


# Steps that must succeed before the bad call: they may train.
def _fitted(**params):
    return _classifier(**params).fit(X, Y)


def _partially_fitted():
    return _classifier().partial_fit(X, Y, classes=[0, 1, 2])


@dataclasses.dataclass(frozen=True)
class Case:
    input: str  # what the user did, for the docs
    exception: type
    message: str  # a fragment of the message
    call: object  # estimator -> None; must raise
    setup: object = _classifier  # () -> estimator, before the bad call

    @property
    def id(self):
        return self.input.split(" (")[0].replace(" ", "-").replace("`", "")


CASES = [
    Case(
        "`X` contains NaN",
        ValueError,
        "Input X contains NaN",
        lambda e: e.fit(_with(np.nan), Y),
    ),
    Case(
        "`X` contains inf",
        ValueError,
        "Input X contains infinity",
        lambda e: e.fit(_with(np.inf), Y),
    ),
    Case(
        "wrong number of features at predict",
        ValueError,
        "X has 3 features, but MLPClassifier is expecting 4 features as input",
        lambda e: e.predict(X[:, :3]),
        _fitted,
    ),
    Case(
        "strings in `X`",
        ValueError,
        "need numeric input",
        lambda e: e.fit(np.full(X.shape, "red"), Y),
    ),
    Case(
        "object array holding text",
        ValueError,
        "need numeric input",
        lambda e: e.fit(_with("seven"), Y),
    ),
    Case(
        "object array holding other objects (dicts)",
        TypeError,
        "need numeric input",
        lambda e: e.fit(_with({}), Y),
    ),
    Case(
        "3-D `X`",
        ValueError,
        "Found array with dim 3",
        lambda e: e.fit(X.reshape(30, 2, 2), Y),
    ),
    Case(
        "empty `X`",
        ValueError,
        "Found array with 0 sample(s)",
        lambda e: e.fit(X[:0], Y[:0]),
    ),
    Case(
        "one class only (`SoftmaxClassifier`, as `LogisticRegression`; `MLPClassifier` fits it)",
        ValueError,
        "The number of classes has to be greater than one",
        lambda e: e.fit(X, np.zeros(30)),
        lambda: SoftmaxClassifier(max_iter=2),
    ),
    Case(
        "`y` length differs from `X`",
        ValueError,
        "inconsistent numbers of samples",
        lambda e: e.fit(X, Y[:-1]),
    ),
    Case(
        "`y` contains NaN (regressor)",
        ValueError,
        "Input y contains NaN",
        lambda e: e.fit(X, np.where(Y == 1, np.nan, Y)),
        _regressor,
    ),
    Case(
        "unseen labels in `partial_fit`",
        ValueError,
        "y contains labels not seen in the first fit: [3]",
        lambda e: e.partial_fit(X, Y + 1),
        _partially_fitted,
    ),
    Case(
        "`partial_fit` without `classes` on the first call",
        ValueError,
        "classes must be passed on the first call to partial_fit",
        lambda e: e.partial_fit(X, Y),
    ),
    Case(
        "`partial_fit` with different `classes` later",
        ValueError,
        "differs from the classes of the first call to partial_fit",
        lambda e: e.partial_fit(X, Y, classes=[0, 1, 2, 3]),
        _partially_fitted,
    ),
    Case(
        "`partial_fit` with `early_stopping=True`",
        ValueError,
        "partial_fit does not support early_stopping=True",
        lambda e: e.partial_fit(X, Y),
        lambda: _fitted(early_stopping=True),
    ),
    Case(
        "`warm_start` refit on other classes",
        ValueError,
        "warm_start can only be used where `y` has the same classes as in the previous call "
        "to fit. Previously got [0 1 2], `y` has [0 1]",
        lambda e: e.fit(X[Y < 2], Y[Y < 2]),
        lambda: _fitted(warm_start=True),
    ),
    Case(
        "negative `sample_weight`",
        ValueError,
        "Negative values in data passed to `sample_weight`",
        lambda e: e.fit(X, Y, sample_weight=-np.ones(30)),
    ),
    Case(
        "`alpha=-1`",
        InvalidParameterError,
        "The 'alpha' parameter of MLPClassifier must be a float in the range [0.0, inf)",
        lambda e: e.set_params(alpha=-1).fit(X, Y),
    ),
    Case(
        "`hidden_layer_sizes=(0,)`",
        ValueError,
        "hidden_layer_sizes must contain positive integers; got (0,)",
        lambda e: e.set_params(hidden_layer_sizes=(0,)).fit(X, Y),
    ),
    Case(
        '`solver="nope"`',
        InvalidParameterError,
        "The 'solver' parameter of MLPClassifier must be a str among",
        lambda e: e.set_params(solver="nope").fit(X, Y),
    ),
    Case(
        '`solver="lbfgs"`',
        ValueError,
        "solver='lbfgs' is not available in skdense",
        lambda e: e.set_params(solver="lbfgs").fit(X, Y),
    ),
    Case(
        "`dropout=1.5`",
        InvalidParameterError,
        "The 'dropout' parameter of MLPClassifier must be a float in the range [0.0, 1.0)",
        lambda e: e.set_params(dropout=1.5).fit(X, Y),
    ),
    Case(
        "`dropout` list of the wrong length",
        ValueError,
        "dropout has 2 rates but there are 1 hidden layers",
        lambda e: e.set_params(dropout=[0.1, 0.2]).fit(X, Y),
    ),
    Case(
        '`kernel_initializer="nope"`',
        ValueError,
        "kernel_initializer='nope' is not a Keras initializer",
        lambda e: e.set_params(kernel_initializer="nope").fit(X, Y),
    ),
    Case(
        '`device="tpu"`',
        ValueError,
        "device must be 'auto', 'cpu', 'gpu' or 'gpu:N'; got 'tpu'",
        lambda e: e.set_params(device="tpu").fit(X, Y),
    ),
    Case(
        "`warm_start` with a changed architecture",
        ValueError,
        "The network architecture changed since the last fit",
        lambda e: e.set_params(hidden_layer_sizes=(5,)).fit(X, Y),
        lambda: _fitted(warm_start=True),
    ),
    Case(
        "`predict` before `fit`",
        NotFittedError,
        "This MLPClassifier instance is not fitted yet",
        lambda e: e.predict(X),
    ),
]


@pytest.fixture
def no_training(monkeypatch):
    """Fail loudly if a bad call reaches the network pool: errors must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("training or prediction started before the input was checked")

    from skdense import _training

    monkeypatch.setattr(_training, "borrow_network", refuse)
    monkeypatch.setattr(_training, "predict_logits", refuse)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input_raises_before_training(case, request):
    estimator = case.setup()
    state = {name: value for name, value in vars(estimator).items() if name.endswith("_")}
    request.getfixturevalue("no_training")
    with pytest.raises(case.exception) as caught:
        case.call(estimator)
    assert case.message in str(caught.value)
    frames = [frame.filename for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert not [f for f in frames if "tensorflow" in f or "keras" in f], frames
    # and the estimator is as it was: fitted state untouched, an unfitted one still unfitted
    after = {name: value for name, value in vars(estimator).items() if name.endswith("_")}
    assert after.keys() == state.keys()
    assert all(after[name] is value for name, value in state.items())


def test_object_array_of_numbers_is_accepted():
    """As in scikit-learn: object arrays are fine when every cell is a number."""
    estimator = _classifier().fit(X.astype(object), Y)
    assert estimator.predict(X.astype(object)).shape == Y.shape


def markdown_table():
    rows = ["| Input | Exception | Message contains |", "| --- | --- | --- |"]
    for case in CASES:
        message = case.message.replace("|", "\\|")
        rows.append(f"| {case.input} | `{case.exception.__name__}` | {message} |")
    return "\n".join(rows)


@pytest.mark.parametrize("doc", [ERRORS_DOC, ERRORS_DOC.parents[1] / "README.md"], ids=str)
def test_errors_doc_lists_every_case(doc):
    text = doc.read_text()
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    assert text[start:end].strip() == markdown_table(), (
        f"{doc.name} is out of date: regenerate its table with "
        "`python tests/test_bad_input.py` and paste it between the markers"
    )


if __name__ == "__main__":
    print(markdown_table())
