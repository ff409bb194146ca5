"""The README's parameter table lists every parameter of every estimator, so it cannot drift.

docs/parameters.md includes that section of the README, so the documentation site shows the
same table.
"""

import re
from pathlib import Path

import pytest

from skdense import DenseRegressor, MLPClassifier, MLPRegressor, SoftmaxClassifier

README = Path(__file__).resolve().parents[1] / "README.md"


def _parameter_table():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Parameters: skdense and scikit-learn's MLP") :]
    section = section[: section.index("\n## ", 3)]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`(\w+)`", cell)}


@pytest.mark.parametrize(
    "Estimator", [SoftmaxClassifier, MLPClassifier, DenseRegressor, MLPRegressor]
)
def test_parameter_table_lists_every_parameter(Estimator):
    missing = set(Estimator().get_params()) - _parameter_table()
    assert not missing, f"README's parameter table lacks {sorted(missing)}"


def test_parameter_table_names_no_parameter_that_does_not_exist():
    estimators = [SoftmaxClassifier, MLPClassifier, DenseRegressor]
    known = set().union(*(Estimator().get_params() for Estimator in estimators))
    assert _parameter_table() <= known | {"max_fun"}  # scikit-learn's, listed as missing


def test_docs_page_includes_the_readme_section():
    page = README.parent / "docs" / "parameters.md"
    assert "<!-- docs/parameters.md: start -->" in page.read_text(encoding="utf-8")
    assert "<!-- docs/parameters.md: start -->" in README.read_text(encoding="utf-8")
