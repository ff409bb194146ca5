"""DenseRegressor and MLPRegressor (its scikit-learn name): signature, docstring, hooks."""

import inspect

from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions

from skdense._base import BaseDenseNetwork
from skdense._docs import NETWORK_PARAMETERS, SHARED_ATTRIBUTES, SHARED_PARAMETERS, fill_doc
from skdense._targets import RegressionTargets

_LOSSES = ("squared_error", "absolute_error", "huber", "poisson")


@fill_doc(
    [
        "hidden_layer_sizes",
        "activation",
        "loss",
        *SHARED_PARAMETERS,
        *NETWORK_PARAMETERS,
        "callbacks",
        "device",
        "precision",
    ],
    SHARED_ATTRIBUTES,
)
class DenseRegressor(RegressorMixin, BaseDenseNetwork):
    """Multi-layer perceptron regressor built and trained with Keras.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor` (:class:`MLPRegressor` is the
    same estimator under that name) for single- and multi-output targets, with a choice of
    loss and what Keras adds: optimizers, L1/elastic-net penalties, dropout, batch normalization,
    initializers, callbacks, GPUs and a training history.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MLPRegressor : The same estimator under scikit-learn's name.
    MLPClassifier : Multi-layer perceptron classifier.
    sklearn.neural_network.MLPRegressor : scikit-learn's numpy implementation.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdense import DenseRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = make_pipeline(
    ...     StandardScaler(),
    ...     DenseRegressor((32,), learning_rate_init=0.01, max_iter=300, random_state=0),
    ... )
    >>> reg.fit(X, y).score(X, y) > 0.5
    True
    """

    _parameter_constraints = {
        **BaseDenseNetwork._parameter_constraints,
        "loss": [StrOptions(set(_LOSSES))],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        loss="squared_error",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        penalty="l2",
        l1_ratio=0.15,
        dropout=0.0,
        batch_normalization=False,
        kernel_initializer="auto",
        callbacks=None,
        device="auto",
        precision="float32",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.dropout = dropout
        self.batch_normalization = batch_normalization
        self.kernel_initializer = kernel_initializer
        self.callbacks = callbacks
        self.device = device
        self.precision = precision

    def _make_targets(self, y, classes):
        return RegressionTargets(y, self.loss)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X`` and targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; pandas DataFrames keep their column names.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; routed by scikit-learn's metadata routing in pipelines.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train one epoch on ``X, y``, continuing the same network across calls.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Its targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            The estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict targets for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted targets: one dimension for a single output. float32 when ``X`` and
            the training data were float32, else float64, as in scikit-learn.
        """
        logits = self._logits(X)
        return self._targets.predict(logits, ravel=self.n_outputs_ == 1)


def _under_scikit_learn_name(docstring):
    """DenseRegressor's (cleaned) docstring for MLPRegressor: its own summary and examples."""
    summary = inspect.cleandoc(
        """Multi-layer perceptron regressor: DenseRegressor under scikit-learn's name.

        The same estimator, with the same parameters and behaviour, as :class:`DenseRegressor`:
        a subclass that adds nothing but its name, so that ``repr``, the HTML repr and error
        messages show the name you imported. ``isinstance(MLPRegressor(), DenseRegressor)``
        holds, and each name pickles, clones and loads as itself.
        """
    )
    body = docstring[docstring.index("Parameters\n----------\n") :]
    body = body.replace("MLPRegressor : The same estimator under scikit-learn's name.\n", "")
    body = body.replace(
        "See Also\n--------\n",
        "See Also\n--------\nDenseRegressor : The same estimator under skdense's name.\n",
    )
    body = body.replace("DenseRegressor((32,)", "MLPRegressor((32,)")
    return f"{summary}\n\n{body.replace('import DenseRegressor', 'import MLPRegressor')}"


class MLPRegressor(DenseRegressor):
    __doc__ = _under_scikit_learn_name(DenseRegressor.__doc__)
