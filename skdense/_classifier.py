"""SoftmaxClassifier and MLPClassifier: signatures, docstrings and the classifier hooks."""

from skdense._classifier_base import DenseClassifier
from skdense._docs import (
    NETWORK_PARAMETERS,
    SHARED_ATTRIBUTES,
    SHARED_PARAMETERS,
    TAIL_PARAMETERS,
    fill_doc,
)

_HIDDEN_LAYER_PARAMETERS = {"hidden_layer_sizes", "activation", "dropout", "batch_normalization"}


@fill_doc(
    [
        "hidden_layer_sizes",
        "activation",
        *SHARED_PARAMETERS,
        *NETWORK_PARAMETERS,
        *TAIL_PARAMETERS,
    ],
    SHARED_ATTRIBUTES,
)
class MLPClassifier(DenseClassifier):
    """Multi-layer perceptron classifier built and trained with Keras.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier` (same parameter and attribute
    names and meanings) that adds Keras's optimizers, L1/elastic-net penalties, dropout, batch
    normalization, initializers, callbacks, GPUs and a training history. Binary targets train
    one logistic output, multiclass targets a softmax, multilabel indicator targets one
    logistic output per label.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    {attributes}

    See Also
    --------
    SoftmaxClassifier : The same without hidden layers (multinomial logistic regression).
    DenseRegressor : Multi-layer perceptron regressor.
    sklearn.neural_network.MLPClassifier : scikit-learn's numpy implementation.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdense import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), MLPClassifier((16,), max_iter=300, random_state=0))
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
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
        class_weight=None,
        callbacks=None,
        device="auto",
        precision="float32",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
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
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.device = device
        self.precision = precision


_SOFTMAX_PARAMETERS = [
    "batch_size_softmax" if name == "batch_size" else name for name in SHARED_PARAMETERS
]


@fill_doc([*_SOFTMAX_PARAMETERS, "kernel_initializer", *TAIL_PARAMETERS], SHARED_ATTRIBUTES)
class SoftmaxClassifier(DenseClassifier):
    """Multinomial logistic regression (softmax regression) trained with Keras.

    A network without hidden layers: one logistic unit for two classes (logistic
    regression), a softmax over the classes for more. ``coef_``, ``intercept_`` and
    :meth:`decision_function` follow :class:`sklearn.linear_model.LogisticRegression`'s
    layout, while training is by mini-batches with any Keras optimizer, so it scales to data
    that does not fit a full-batch solver and runs on GPUs.

    Scale the features first (``make_pipeline(StandardScaler(), SoftmaxClassifier())``).
    ``LogisticRegression``'s L-BFGS solver is indifferent to the features' scale; fixed-size
    mini-batch steps are not: on raw features with large values (wine's proline, in the
    hundreds) the steps overshoot and accuracy falls far below ``LogisticRegression``'s
    (``benchmarks/results/parity-cpu-2core.md``). A fit whose loss ends clearly above its
    best says so with a ``ConvergenceWarning``. For small, unscaled data that fits in
    memory, ``LogisticRegression`` is the better tool.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The weights, as in ``LogisticRegression`` (one row for binary problems).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        The biases.
    {attributes}

    See Also
    --------
    MLPClassifier : The same with hidden layers.
    sklearn.linear_model.LogisticRegression : Full-batch solvers for data that fits memory.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdense import SoftmaxClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), SoftmaxClassifier(random_state=0)).fit(X, y)
    >>> clf[-1].coef_.shape
    (3, 4)
    """

    _parameter_constraints = {
        name: constraint
        for name, constraint in DenseClassifier._parameter_constraints.items()
        if name not in _HIDDEN_LAYER_PARAMETERS
    }
    _fits_one_class = False  # LogisticRegression raises for a single class

    # A convex model reaches its optimum in fewer epochs with more, smaller steps.
    _auto_batch_size = 32

    def __init__(
        self,
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.01,
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
        kernel_initializer="auto",
        class_weight=None,
        callbacks=None,
        device="auto",
        precision="float32",
    ):
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
        self.kernel_initializer = kernel_initializer
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.device = device
        self.precision = precision

    @property
    def coef_(self):
        """Weights, shape (1, n_features) for two classes or (n_classes, n_features)."""
        return self.coefs_[0].T

    @property
    def intercept_(self):
        """Biases, shape (1,) for two classes or (n_classes,)."""
        return self.intercepts_[0]

    def decision_function(self, X):
        """The logits, in :class:`~sklearn.linear_model.LogisticRegression`'s layout.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The logit of the positive class for two classes, else one per class.
        """
        return self._targets_after_check().decision(self._logits(X))
