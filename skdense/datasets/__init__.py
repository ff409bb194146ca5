"""Data sets that work offline: one bundled with skdense, MNIST from disk, scikit-learn's own.

skdense never downloads anything. The tutorials it grew from fetch MNIST, Fashion-MNIST, IMDB,
Boston housing and Auto MPG over the network; here:

- :func:`load_auto_mpg` -- Auto MPG (regression), bundled with skdense.
- :func:`load_mnist` -- MNIST from a ``mnist.npz`` or the IDX files you already have on disk.
- scikit-learn's bundled sets, re-exported unchanged so that they sit next to the others:
  :func:`load_digits` (1,797 8x8 handwritten digits: the offline stand-in for MNIST),
  :func:`load_breast_cancer` (binary classification), :func:`load_iris` and
  :func:`load_wine` (small multiclass problems) and :func:`load_diabetes` (regression, in
  place of the Boston housing data that scikit-learn removed).
"""

from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
)

from skdense.datasets._auto_mpg import load_auto_mpg
from skdense.datasets._mnist import load_mnist

__all__ = [
    "load_auto_mpg",
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "load_iris",
    "load_mnist",
    "load_wine",
]
