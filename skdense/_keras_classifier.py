"""KerasClassifier: a user's Keras model as a scikit-learn classifier, with scikeras 0.13's
parameters, trained on skdense's core (see :mod:`skdense._keras_base`, which also lists the
deliberate differences from scikeras)."""

from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Options
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import column_or_1d

from skdense._keras_base import BaseKerasEstimator
from skdense._targets import (
    KerasClassTargets,
    MultiOutputClassTargets,
    class_weighted,
    is_categorical_crossentropy,
    multioutput_accuracy,
)


class KerasClassifier(ClassifierMixin, BaseKerasEstimator):
    """A Keras model as a scikit-learn classifier, with scikeras 0.13's parameters.

    Parameters
    ----------
    model : callable or keras.Model
        A function returning a Keras model (compiled or not), called at each fresh fit with
        the arguments it declares among: the routed ``model__*`` parameters, the bare extra
        parameters, ``meta`` (``n_features_in_``, ``classes_``, ``n_classes_``,
        ``target_type_``, ...), ``compile_kwargs`` and ``params``; or a model instance,
        whose configuration and current weights each fresh fit starts from.
    warm_start : bool, default=False
        Continue training the fitted model at the next ``fit`` instead of rebuilding it.
    random_state : int, RandomState instance or None, default=None
        Seeds the build function's model, the validation split, shuffling and dropout.
    optimizer : str, class or keras.optimizers.Optimizer, default="rmsprop"
        With ``optimizer__*`` parameters for its constructor.
    loss : str, class, keras.losses.Loss, callable, list, dict or None, default=None
        With ``loss__*`` parameters. ``"categorical_crossentropy"`` trains on one-hot
        targets, other losses on class indices. Not needed for a compiled model. For a
        model with several outputs, one loss for all, or a list (by position) or dict (by
        output name) of them, weighted by ``compile__loss_weights``, as Keras's ``compile``
        takes them.
    metrics : list or None, default=None
        Keras metrics, as names (``"accuracy"``, chosen by the shapes as Keras chooses it),
        ``keras.metrics`` classes (made with the ``metrics__*`` parameters they declare;
        ``metrics__0__*`` for the first metric only), instances (measured on a copy) or
        functions; a compiled model's own metrics win. They are measured once per epoch,
        with the weights the epoch ended on, in inference mode, unweighted (as Keras's
        ``metrics``): on the training rows (Keras averages over the epoch's batches
        instead) and, with ``validation_split``, on the held-out rows. They reach the
        build function in ``compile_kwargs``, ``history_`` under Keras's names
        (``accuracy``, ``val_accuracy``, ...) and the callbacks.
    batch_size : int or None, default=None
        Rows per update: 32 when None, all of them for -1.
    verbose : int, default=0
        Progress lines per epoch when positive. scikeras's default is 1; skdense is quiet.
    callbacks : list or None, default=None
        Keras callbacks, instances or classes (made with the ``callbacks__*`` parameters
        they declare); they see ``loss``, the ``metrics`` and, with ``validation_split``,
        ``val_loss``, ``val_accuracy`` and the metrics' ``val_*``. ``EarlyStopping``'s
        ``mode="auto"`` knows the direction of a metric in ``metrics`` (pass ``mode`` for
        ``val_accuracy`` without ``metrics=["accuracy"]``).
    validation_split : float, default=0.0
        The share of rows held out, seeded and stratified, to measure each epoch.
    shuffle : bool, default=True
        Shuffle the rows each epoch.
    epochs : int, default=1
        Epochs per ``fit`` (``partial_fit`` trains one).
    device : str, default="auto"
        ``"auto"``, ``"cpu"``, ``"gpu"`` or ``"gpu:N"``.
    input_columns : dict or None, default=None
        For a model with several inputs fed from one table (a DataFrame, or the output of a
        ``ColumnTransformer`` in a ``Pipeline``): each model input's name mapped to its
        columns, as names (of a DataFrame X), positions or a slice. X may also be given as
        a dict (by input name) or a list of arrays; ``meta["input_shapes_"]`` then holds
        each input's shape.
    class_weight : dict, "balanced" or None, default=None
        Multiplies the sample weights by class.
    **kwargs
        Routed parameters (``model__units=64``, ``optimizer__learning_rate=1e-2``, ...) and
        bare parameters for the build function. One that nothing takes raises at fit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,), or a list of them
        The class labels; one array per output for a model with one output per target.
    n_features_in_ : int
        Number of features seen during fit.
    history_ : dict of lists
        Per epoch: ``loss``, ``learning_rate``, the ``metrics`` and, with
        ``validation_split``, ``val_loss``, ``val_accuracy`` and the metrics' ``val_*``.
    model_ : keras.Model
        The trained model, rebuilt from the fitted configuration and weights.

    See Also
    --------
    KerasRegressor : The same for regression.
    MLPClassifier : skdense's dense network from named parameters.

    Notes
    -----
    A fitted estimator holds the model's Keras configuration (JSON) and its weights, never a
    Keras object, so ``pickle`` and ``joblib`` store it; so does ``skops.io``, loading with
    ``trusted=[*skdense.TRUSTED_TYPES, "mymodule.build_function"]``: a build function is
    user code, which skops loads only when trusted by name (a model instance as ``model``
    cannot be saved with skops). Custom layers must be registered with
    ``@keras.saving.register_keras_serializable(package=...)`` (fit says so otherwise), in a
    module imported wherever the estimator is loaded. See docs/persistence.md.

    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import make_classification
    >>> from skdense import KerasClassifier
    >>> def get_model(hidden_layer_dim, meta):
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)),
    ...         keras.layers.Dense(hidden_layer_dim, activation="relu"),
    ...         keras.layers.Dense(meta["n_classes_"], activation="softmax"),
    ...     ])
    >>> X, y = make_classification(n_samples=100, random_state=0)
    >>> clf = KerasClassifier(get_model, loss="sparse_categorical_crossentropy",
    ...                       hidden_layer_dim=16, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        **BaseKerasEstimator._parameter_constraints,
        "class_weight": [dict, Options(str, {"balanced"}), None],
    }

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
        class_weight=None,
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
        self.class_weight = class_weight

    def _make_targets(self, y, classes):
        if y.ndim == 2 and type_of_target(y) == "multiclass-multioutput":  # one per output
            loss = self.loss
            one_hot = (
                [is_categorical_crossentropy(item) for item in loss]
                if isinstance(loss, list)
                else is_categorical_crossentropy(loss)
            )
            return MultiOutputClassTargets(y, one_hot, classes)
        return KerasClassTargets(y, is_categorical_crossentropy(self.loss), classes)

    def _output_sizes(self, targets):
        return targets.output_sizes()

    score = BaseKerasEstimator.score  # before ClassifierMixin's: it takes several outputs

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        """What ``score`` computes: accuracy, the mean over outputs for several (scikeras's
        hook: a subclass may override it).

        Parameters
        ----------
        y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The true labels.
        y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The predicted labels.
        **kwargs
            Passed to :func:`sklearn.metrics.accuracy_score` (``sample_weight``).

        Returns
        -------
        score : float
            The accuracy.
        """
        return multioutput_accuracy(y_true, y_pred, **kwargs)

    def _check_target_shape(self, y):
        if y.ndim == 2 and y.shape[1] == 1:  # a column of labels, with scikit-learn's warning
            return column_or_1d(y, warn=True)
        return y

    def _training_sample_weight(self, y, sample_weight):
        return class_weighted(sample_weight, self.class_weight, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Build the model (unless ``warm_start``) and train it for ``epochs`` epochs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), dict or list
            The input rows; a dict (by input name) or list of arrays for a model with
            several inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_labels), list or dict
            The class labels (a label indicator matrix for multilabel targets); for a
            model with one output per target, a 2-D array of one column per output, or a
            list (by position) or dict (by output name) of label arrays.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights (multiplied by ``class_weight``'s for classifiers).

        Returns
        -------
        self : object
            The estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train one epoch, building the model at the first call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), dict or list
            The input rows; a dict (by input name) or list of arrays for a model with
            several inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            The class labels of this chunk.
        classes : array-like of shape (n_classes,), default=None
            Every label that may appear; required on the first call (scikeras's order:
            before ``sample_weight``).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights (multiplied by ``class_weight``'s for classifiers).

        Returns
        -------
        self : object
            The estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Class probabilities from the model's outputs (one sigmoid unit: two columns).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), dict or list
            The input rows; a dict (by input name) or list of arrays for a model with
            several inputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), or a list of them
            The probability of each class, in the order of ``classes_``; one array per
            output for a model with one output per target.
        """
        outputs = self._outputs(X)  # checks that the estimator is fitted
        return self._targets.proba(outputs)

    def predict(self, X):
        """The most probable class of each row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), dict or list
            The input rows; a dict (by input name) or list of arrays for a model with
            several inputs.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The predicted labels.
        """
        outputs = self._outputs(X)
        return self._targets.predict(outputs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True  # a few epochs of a small model, by default
        return tags
