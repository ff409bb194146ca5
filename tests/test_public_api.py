"""What a user meets first: the names estimators show, their documentation links, and
``skdense.datasets`` after a bare ``import skdense``."""

import pickle
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

import skdense
from skdense import DenseRegressor, MLPClassifier, MLPRegressor, SoftmaxClassifier

ROOT = Path(__file__).resolve().parents[1]
ESTIMATORS = [SoftmaxClassifier, MLPClassifier, DenseRegressor, MLPRegressor]


def test_mlp_regressor_shows_its_own_name():
    regressor = MLPRegressor(alpha=0.1)
    assert repr(regressor) == "MLPRegressor(alpha=0.1)"
    assert ">MLPRegressor<" in re.sub(r"\s+", "", regressor._repr_html_())
    with pytest.raises(InvalidParameterError, match="parameter of MLPRegressor"):
        MLPRegressor(alpha=-1).fit([[0.0], [1.0]], [0.0, 1.0])
    with pytest.raises(NotFittedError, match="This MLPRegressor instance"):
        regressor.predict([[0.0]])


def test_mlp_regressor_is_dense_regressor_under_another_name(regression_data):
    X, y = regression_data
    assert issubclass(MLPRegressor, DenseRegressor)
    assert MLPRegressor._get_param_names() == DenseRegressor._get_param_names()
    assert type(clone(MLPRegressor(alpha=0.1))) is MLPRegressor
    settings = {
        "hidden_layer_sizes": (8,),
        "max_iter": 3,
        "random_state": 0,
        "tol": 10,
        "n_iter_no_change": 1,
    }
    ours, theirs = MLPRegressor(**settings).fit(X, y), DenseRegressor(**settings).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    restored = pickle.loads(pickle.dumps(ours))
    assert type(restored) is MLPRegressor
    np.testing.assert_array_equal(restored.predict(X), ours.predict(X))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_html_repr_links_to_the_api_page(Estimator):
    name = Estimator.__name__
    url = f"https://skdense.readthedocs.io/en/{skdense.__version__}/api/generated/skdense.{name}.html"
    assert Estimator()._get_doc_link() == url
    assert f'href="{url}"' in Estimator()._repr_html_()


def test_api_pages_of_a_development_version_are_the_latest_build(monkeypatch):
    from skdense import _docs

    monkeypatch.setattr(_docs.importlib.metadata, "version", lambda name: "0.2.0.dev0")
    assert "/en/latest/" in MLPClassifier()._get_doc_link()


def test_datasets_need_no_import_of_their_own():
    script = """
        import sys
        import skdense

        assert "skdense.datasets" not in sys.modules  # loaded on first access only
        print(skdense.datasets.load_auto_mpg().data.shape)
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "(392, 7)"
    assert "datasets" in dir(skdense)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        skdense.nonexistent  # noqa: B018
