"""KerasRegressor: a user's Keras model as a scikit-learn regressor, with scikeras 0.13's
parameters, trained on skdense's core (see :mod:`skdense._keras_base`, which also lists the
deliberate differences from scikeras)."""

from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score

from skdense._keras_base import BaseKerasEstimator
from skdense._targets import RegressionTargets


class KerasRegressor(RegressorMixin, BaseKerasEstimator):
    """A Keras model as a scikit-learn regressor, with scikeras 0.13's parameters.

    Parameters
    ----------
    model : callable or keras.Model
        As in :class:`KerasClassifier`; ``meta`` holds ``n_features_in_``, ``n_outputs_``,
        ``target_type_``, ...
    warm_start, random_state, optimizer, loss, metrics, batch_size, verbose, callbacks, \
validation_split, shuffle, epochs, device, input_columns, **kwargs
        As in :class:`KerasClassifier` (``validation_split`` is not stratified; callbacks
        see ``val_r2`` instead of ``val_accuracy``).

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during fit.
    history_ : dict of lists
        Per epoch: ``loss``, ``learning_rate``, the ``metrics``, and with
        ``validation_split`` ``val_loss``, ``val_r2`` and the metrics' ``val_*``.
    model_ : keras.Model
        The trained model, rebuilt from the fitted configuration and weights.

    See Also
    --------
    KerasClassifier : The same for classification.
    DenseRegressor : skdense's dense network from named parameters.

    Notes
    -----
    Saving and custom layers: as in :class:`KerasClassifier`.

    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import make_regression
    >>> from skdense import KerasRegressor
    >>> def get_model(meta):
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)])
    >>> X, y = make_regression(n_samples=100, n_features=4, random_state=0)
    >>> reg = KerasRegressor(get_model, loss="mse", epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        model=None,
        *,
        warm_start=False,
        random_state=None,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        batch_size=None,
        verbose=0,
        callbacks=None,
        validation_split=0.0,
        shuffle=True,
        epochs=1,
        device="auto",
        input_columns=None,
        **kwargs,
    ):
        super().__init__(
            model,
            warm_start=warm_start,
            random_state=random_state,
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            batch_size=batch_size,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            shuffle=shuffle,
            epochs=epochs,
            device=device,
            input_columns=input_columns,
            **kwargs,
        )

    def _make_targets(self, y, classes):
        # "squared_error" only picks the identity output: the user's model makes its own.
        return RegressionTargets(y, "squared_error")

    score = BaseKerasEstimator.score

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        """What ``score`` computes: R² (scikeras's hook: a subclass may override it).

        Parameters
        ----------
        y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The true targets.
        y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The predictions.
        **kwargs
            Passed to :func:`sklearn.metrics.r2_score` (``sample_weight``).

        Returns
        -------
        score : float
            The R².
        """
        return r2_score(y_true, y_pred, **kwargs)

    def _output_sizes(self, targets):
        n = targets.n_outputs
        return (n,), f"{n} unit{'s' if n > 1 else ''}, one per target column"

    def _target_metadata(self, y, targets):
        if hasattr(targets, "metadata"):  # a scikeras target_encoder's
            return targets.metadata()
        return {
            "n_outputs_": targets.n_outputs,
            "n_outputs_expected_": 1,
            "target_type_": "continuous" if y.ndim == 1 else "continuous-multioutput",
        }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Build the model (unless ``warm_start``) and train it for ``epochs`` epochs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), dict or list
            The input rows; a dict (by input name) or list of arrays for a model with
            several inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), list or dict
            The targets: for a model with several outputs, a 2-D array (its columns shared
            among the outputs by their sizes), or a list (by position) or dict (by output
            name) of arrays.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            The estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train one epoch, building the model at the first call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), dict or list
            The input rows; a dict (by input name) or list of arrays for a model with
            several inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets of this chunk.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            The estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """The model's outputs: one column per output, a vector for one output.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), dict or list
            The input rows; a dict (by input name) or list of arrays for a model with
            several inputs.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predictions.
        """
        outputs = self._outputs(X)
        return self._targets.predict(outputs, ravel=self.y_ndim_ == 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.regressor_tags.poor_score = True  # a few epochs of a small model, by default
        return tags
