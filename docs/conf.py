"""Sphinx configuration: a user guide, an API reference and the example gallery.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` after
``pip install -e ".[docs]"``. ``SKDENSE_EXAMPLES_QUICK=1`` runs the gallery's scripts in
their quick mode (as CI does); without it they train as long as they do for the figures in
examples/RESULTS.md.
"""

import os
from pathlib import Path

# sphinx-gallery resolves the names the examples use by importing them; scikit-learn's
# experimental HalvingGridSearchCV imports only once enabled.
from sklearn.experimental import enable_halving_search_cv  # noqa: F401

import skdense

DOCS = Path(__file__).resolve().parent

# The examples write their figures and files here rather than into examples/output/;
# sphinx-gallery shows the figures they leave open.
os.environ.setdefault("SKDENSE_EXAMPLES_OUTPUT", str(DOCS / "_build" / "example_output"))

project = "skdense"
author = "the skdense developers"
copyright = "the skdense developers"
version = release = skdense.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# API pages: one per public object, at api/generated/skdense.<Name>.html, which is where
# the estimators' HTML repr links (skdense._docs.API_PAGE_TEMPLATE).
autosummary_generate = True
# Each page documents what skdense defines (fit, partial_fit, predict, ...); the methods
# every scikit-learn estimator inherits (get_params, set_params, score, metadata routing
# requests) are scikit-learn's and documented there, an exception's are Python's.
_DOCUMENTED_ELSEWHERE = [
    "BaseException",
    "Exception",
    "ArithmeticError",
    "FloatingPointError",
    "BaseEstimator",
    "ClassifierMixin",
    "RegressorMixin",
    "_MetadataRequester",
    "ReprHTMLMixin",
    "_HTMLDocumentationLinkMixin",
]
autodoc_default_options = {
    "members": True,
    "inherited-members": ",".join(_DOCUMENTED_ELSEWHERE),
    "exclude-members": ",".join(
        f"set_{method}_request" for method in ("fit", "partial_fit", "score", "predict")
    ),
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# The numpydoc checks that keep the API pages complete: every public object documented,
# parameters and their types listed and matching the signature.
numpydoc_validation_checks = {"GL08", "PR01", "PR02", "PR03", "PR10"}

myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    # Every script runs, not only plot_*.py: the demo, persistence and streaming too.
    "filename_pattern": r".*\.py$",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "doc_module": ("skdense",),
    "backreferences_dir": "api/generated/backreferences",
    "abort_on_example_error": True,
}

html_theme = "pydata_sphinx_theme"
html_title = f"skdense {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
html_static_path = []
