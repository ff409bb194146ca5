"""What both dense classifiers share: label handling, class weights and probabilities."""

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from skdense._base import BaseDenseNetwork
from skdense._targets import ClassTargets, class_weighted


class DenseClassifier(ClassifierMixin, BaseDenseNetwork):
    """What both classifiers share: label handling, class weights and probabilities."""

    _parameter_constraints = {
        **BaseDenseNetwork._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    # A single class fits and is always predicted, as in scikit-learn's MLPClassifier.
    _fits_one_class = True

    def _make_targets(self, y, classes):
        return ClassTargets(y, classes, one_class_allowed=self._fits_one_class)

    def _training_sample_weight(self, y, sample_weight):
        return class_weighted(sample_weight, self.class_weight, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X`` and labels ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; pandas DataFrames keep their column names.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels of any type, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; routed by scikit-learn's metadata routing in pipelines.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train one epoch on ``X, y``, continuing the same network across calls.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Its labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.
        classes : array-like of shape (n_classes,), default=None
            Every label that may appear; required on the first call (for a multilabel
            indicator ``y``, the column indices). Positionally after ``sample_weight``, as in
            scikit-learn's ``MLPClassifier.partial_fit``.

        Returns
        -------
        self : object
            The estimator.
        """
        first_call = not hasattr(self, "_network_weights")
        if first_call and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if (
            not first_call
            and classes is not None
            and not np.array_equal(np.unique(classes), self.classes_)
        ):
            raise ValueError(
                f"classes={np.unique(classes).tolist()} differs from the classes of the first "
                f"call to partial_fit, {self.classes_.tolist()}."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _store_fit(self, spec, targets, *args):
        super()._store_fit(spec, targets, *args)
        self.classes_ = targets.classes_

    def predict(self, X):
        """Predict labels (or a multilabel indicator matrix) for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted labels, of the type of the training labels; for multilabel
            targets, an indicator matrix.
        """
        return self._targets_after_check().predict(self._logits(X))

    def predict_proba(self, X):
        """Probability of each class (multilabel: of each label) for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; each row sums to 1 (multilabel: each
            column is the probability of its label). float32 when ``X`` and the training
            data were float32, else float64, as in scikit-learn.
        """
        return self._targets_after_check().proba(self._logits(X))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class, in the order of ``classes_``.
        """
        return self._targets_after_check().log_proba(self._logits(X))

    def _targets_after_check(self):
        check_is_fitted(self, "_network_weights")
        return self._targets

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
