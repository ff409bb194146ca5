"""Export fitted skdense estimators, and whole pipelines ending in one, to ONNX.

An ONNX file runs with onnxruntime alone: no TensorFlow, Keras or scikit-learn where the
model is served. This module needs the ``onnx`` extra (``pip install "skdense[onnx]"``:
skl2onnx and onnxruntime); ``import skdense`` never imports it.

Use :func:`to_onnx` for a one-call export, or :func:`register_converters` once and then
skl2onnx's own API (``skl2onnx.to_onnx``, ``skl2onnx.convert_sklearn``) directly. See
docs/deploying.md.
"""

from sklearn.utils.validation import check_is_fitted

from skdense._classifier import MLPClassifier, SoftmaxClassifier
from skdense._regressor import DenseRegressor, MLPRegressor

try:
    import skl2onnx
except ImportError as error:  # pragma: no cover - the test environment has the extra
    raise ImportError(
        "skdense.onnx needs skl2onnx and onnxruntime: pip install 'skdense[onnx]'."
    ) from error

from skdense._onnx_converters import (
    calculate_classifier_output_shapes,
    calculate_regressor_output_shapes,
    convert_classifier,
    convert_regressor,
)

__all__ = ["register_converters", "to_onnx"]

# Registered by class: skl2onnx looks converters up by the estimator's exact type, and
# MLPRegressor may be DenseRegressor itself or a subclass of it.
CLASSIFIERS = (SoftmaxClassifier, MLPClassifier)
REGRESSORS = tuple(dict.fromkeys((DenseRegressor, MLPRegressor)))

# The options scikit-learn's own classifiers take in skl2onnx: ``zipmap`` (True: a list of
# {label: probability} dicts; False: an (n_samples, n_classes) tensor; "columns": one output
# per class), ``nocl`` (class indices instead of labels) and ``output_class_labels`` (with
# zipmap=False: also output ``classes_``).
CLASSIFIER_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [False, True],
    "output_class_labels": [False, True],
}


def register_converters():
    """Register the skdense estimators' converters with skl2onnx.

    After this call, ``skl2onnx.to_onnx`` and ``skl2onnx.convert_sklearn`` convert
    :class:`~skdense.SoftmaxClassifier`, :class:`~skdense.MLPClassifier` and
    :class:`~skdense.DenseRegressor` (``MLPRegressor``), alone or as the last step of a
    :class:`~sklearn.pipeline.Pipeline`. Calling it again is harmless.

    Classifiers output ``label`` (what ``predict`` returns) and ``probabilities`` (what
    ``predict_proba`` returns), with the ``zipmap`` option of scikit-learn's classifiers;
    regressors output ``variable``, of shape (n_samples, n_outputs).
    """
    for estimator_class in CLASSIFIERS:
        skl2onnx.update_registered_converter(
            estimator_class,
            f"Skdense{estimator_class.__name__}",
            calculate_classifier_output_shapes,
            convert_classifier,
            options=CLASSIFIER_OPTIONS,
        )
    for estimator_class in REGRESSORS:
        skl2onnx.update_registered_converter(
            estimator_class,
            f"Skdense{estimator_class.__name__}",
            calculate_regressor_output_shapes,
            convert_regressor,
        )


def to_onnx(estimator, X, **kwargs):
    """Convert a fitted skdense estimator, or a pipeline ending in one, to an ONNX model.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted skdense estimator, or a fitted scikit-learn pipeline (``ColumnTransformer``
        and the other transformers skl2onnx converts) ending in one.
    X : array-like or DataFrame
        A few rows of input, from which skl2onnx infers the ONNX inputs' names and types:
        one input ``X`` for an array, one input per column for a DataFrame. Pass float32
        arrays (or float32 numeric columns) to get a float32 model.
    **kwargs
        Passed on to :func:`skl2onnx.to_onnx`, such as ``options={id(classifier):
        {"zipmap": False}}`` or ``target_opset``.

    Returns
    -------
    onnx_model : onnx.ModelProto
        The model; ``onnx_model.SerializeToString()`` is what to write to a ``.onnx`` file.

    See Also
    --------
    register_converters : Register the converters, to call skl2onnx directly.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime
    >>> from skdense import MLPClassifier
    >>> from skdense.onnx import to_onnx
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    >>> classifier = MLPClassifier((4,), max_iter=5, random_state=0).fit(X, [0, 1, 1, 0])
    >>> onnx_model = to_onnx(classifier, X, options={"zipmap": False})
    >>> session = onnxruntime.InferenceSession(onnx_model.SerializeToString())
    >>> labels, probabilities = session.run(None, {"X": X})
    >>> bool((labels == classifier.predict(X)).all())
    True
    """
    # skl2onnx would fail later on a missing attribute; a pipeline is fitted when its last
    # step is.
    check_is_fitted(estimator)
    register_converters()
    return skl2onnx.to_onnx(estimator, X, **kwargs)
