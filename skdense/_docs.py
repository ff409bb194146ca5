"""Parameter and attribute descriptions shared by the public estimators' docstrings.

Each public class writes ``{parameters}`` / ``{attributes}`` where the shared entries go and
names the entries it takes with :func:`fill_doc`; the text of an entry lives here once.
"""

import importlib.metadata
import inspect
import textwrap

#: Where the documentation site puts each public class's API page (docs/api.rst generates
#: them with autosummary into api/generated/). scikit-learn's HTML repr links to it.
API_PAGE_TEMPLATE = (
    "https://skdense.readthedocs.io/en/{version}/api/generated/skdense.{estimator_name}.html"
)


def api_page_parameters(estimator_name):
    """The fields of :data:`API_PAGE_TEMPLATE`: a release's own pages, else the latest build."""
    try:
        version = importlib.metadata.version("skdense")
    except importlib.metadata.PackageNotFoundError:
        version = "latest"
    if any(marker in version for marker in ("dev", "+")):
        version = "latest"
    return {"version": version, "estimator_name": estimator_name}


# Which shared entries the dense estimators' docstrings take, in their order.
SHARED_PARAMETERS = [
    "solver",
    "alpha",
    "batch_size",
    "learning_rate",
    "learning_rate_init",
    "power_t",
    "max_iter",
    "shuffle",
    "random_state",
    "tol",
    "verbose",
    "warm_start",
    "momentum",
    "nesterovs_momentum",
    "early_stopping",
    "validation_fraction",
    "beta_1",
    "beta_2",
    "epsilon",
    "n_iter_no_change",
    "penalty",
    "l1_ratio",
]
NETWORK_PARAMETERS = ["dropout", "batch_normalization", "kernel_initializer"]
TAIL_PARAMETERS = ["class_weight", "callbacks", "device", "precision"]
SHARED_ATTRIBUTES = [
    "n_features_in_",
    "feature_names_in_",
    "n_outputs_",
    "n_iter_",
    "t_",
    "loss_",
    "loss_curve_",
    "best_loss_",
    "validation_scores_",
    "best_validation_score_",
    "coefs_",
    "intercepts_",
    "n_layers_",
    "out_activation_",
    "history_",
    "model_",
]

PARAMETERS = {
    "hidden_layer_sizes": """
hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
    The ith element is the number of neurons in the ith hidden layer.""",
    "activation": """
activation : {"identity", "logistic", "tanh", "relu", "elu", "gelu", "selu", "leaky_relu", \
"silu", "swish", "softplus", "mish"}, default="relu"
    Activation of the hidden layers. The first four are scikit-learn's names; the others are
    Keras activations.""",
    "loss": """
loss : {"squared_error", "absolute_error", "huber", "poisson"}, default="squared_error"
    The loss: half the squared error (scikit-learn's ``MLPRegressor``), the absolute error,
    the Huber loss (delta 1), or the Poisson deviance with a log link (the network predicts
    ``exp`` of its output, so predictions are positive; ``y`` must be non-negative).""",
    "solver": """
solver : {"adam", "sgd", "rmsprop", "adagrad", "adamw", "nadam"} or keras.optimizers.Optimizer, \
default="adam"
    The optimizer. A Keras optimizer instance is copied for every fit (the instance you pass
    is never trained) and brings its own learning rate: ``learning_rate_init`` is then
    ignored, and ``learning_rate``'s schedules start from the instance's rate (a Keras
    schedule inside the instance is left to run instead). "lbfgs" is not available.""",
    "alpha": """
alpha : float, default=0.0001
    Strength of the penalty. With ``penalty="l2"`` it has the meaning of scikit-learn's
    ``MLPClassifier``: the loss gains ``alpha / 2 * ||W||^2`` divided by the batch's total
    sample weight.""",
    "penalty": """
penalty : {"l2", "l1", "elasticnet"} or None, default="l2"
    The penalty on the kernels (not the biases), in ``SGDClassifier``'s vocabulary:
    ``alpha * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||^2)`` with ``l1_ratio`` 1 for
    "l1" and 0 for "l2". Implemented with Keras regularizers, so ``model_`` shows them.""",
    "l1_ratio": """
l1_ratio : float, default=0.15
    The share of L1 in the elastic-net penalty; used only when ``penalty="elasticnet"``.""",
    "batch_size": """
batch_size : int or "auto", default="auto"
    Size of the mini-batches; "auto" is ``min(200, n_samples)``.""",
    "batch_size_softmax": """
batch_size : int or "auto", default="auto"
    Size of the mini-batches; "auto" is ``min(32, n_samples)`` here, where scikit-learn's MLP
    (and skdense's) take ``min(200, n_samples)``. A convex model reaches its optimum in fewer
    epochs with more, smaller steps: at 200, a data set of up to 200 rows gets one step per
    epoch, and 200 epochs were not enough for iris (held-out accuracy 0.91 against 0.95 at
    32, ``benchmarks/parity.py``).""",
    "learning_rate": """
learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
    Learning-rate schedule, as in scikit-learn but applied to every solver: "invscaling"
    sets ``learning_rate_init / (t_ + 1) ** power_t`` after each epoch; "adaptive" divides the
    rate by 5 each time the stopping criterion is met, and stops below 1e-6.""",
    "learning_rate_init": """
learning_rate_init : float, default=0.001
    The initial learning rate.""",
    "power_t": """
power_t : float, default=0.5
    The exponent of the "invscaling" schedule.""",
    "max_iter": """
max_iter : int, default=200
    The maximum number of epochs.""",
    "shuffle": """
shuffle : bool, default=True
    Whether to shuffle the samples before each epoch.""",
    "random_state": """
random_state : int, RandomState instance or None, default=None
    Seeds the initial weights, the validation split, the shuffling and dropout. They are
    drawn in scikit-learn's order, so with the same ``random_state`` an MLP starts from the
    weights of scikit-learn's MLP and trains on its batches. An int gives the same results
    run to run on a CPU; as in scikit-learn, each ``fit`` or ``partial_fit`` restarts its
    stream (dropout's masks still move on with the samples seen).""",
    "tol": """
tol : float, default=1e-4
    Tolerance of the stopping criterion: an epoch that does not improve the training loss
    (or the validation score with ``early_stopping``) by at least ``tol`` counts against
    ``n_iter_no_change``.""",
    "verbose": """
verbose : bool or int, default=False
    Any true value prints scikit-learn's MLP lines to stdout, the same text:
    ``Iteration N, loss = ...`` after each epoch, ``Validation score: ...`` with
    ``early_stopping``, and the message that ends training on a plateau. There is no progress
    bar, so logs and captured output hold no carriage returns or terminal codes. 0 or False
    prints nothing; predicting never prints.""",
    "warm_start": """
warm_start : bool, default=False
    When True, ``fit`` continues training the fitted network (same architecture, and for
    classifiers the same classes) instead of starting anew. Each such ``fit`` starts from
    ``learning_rate_init`` again, as in scikit-learn; the optimizer's moments carry over
    unless ``solver`` changed.""",
    "momentum": """
momentum : float, default=0.9
    Momentum of the "sgd" solver, in [0, 1] (ints such as ``momentum=0`` included).""",
    "nesterovs_momentum": """
nesterovs_momentum : bool, default=True
    Whether the "sgd" solver uses Nesterov's momentum.""",
    "early_stopping": """
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training data (scikit-learn's split: shuffled,
    drawn from ``random_state``, stratified for binary targets) and stop when the validation
    score stops improving; the weights of the best epoch are restored. Without it, training
    stops when the training loss stops improving. Use ``n_iter_no_change=np.inf`` to track
    validation figures in ``history_`` for every epoch without stopping early. A loss that
    becomes NaN or infinite scores NaN on validation and ends training there, keeping the
    best weights (with a ``ConvergenceWarning``), as in scikit-learn; without early stopping
    it raises :class:`~skdense.NonFiniteLossError`. ``partial_fit`` refuses
    ``early_stopping=True``.""",
    "validation_fraction": """
validation_fraction : float, default=0.1
    The share of training data held out for early stopping.""",
    "beta_1": """
beta_1 : float, default=0.9
    First-moment decay of the Adam family ("adam", "adamw", "nadam").""",
    "beta_2": """
beta_2 : float, default=0.999
    Second-moment decay of the Adam family.""",
    "epsilon": """
epsilon : float, default=1e-8
    Numerical stability constant of the adaptive solvers.""",
    "n_iter_no_change": """
n_iter_no_change : int or np.inf, default=10
    How many epochs without improvement of at least ``tol`` end training.""",
    "dropout": """
dropout : float or sequence of float, default=0.0
    Dropout rate after each hidden layer's activation, one for all or one per layer.""",
    "batch_normalization": """
batch_normalization : bool, default=False
    Insert batch normalization between each hidden dense layer and its activation
    (the dense layer then has no bias).""",
    "kernel_initializer": """
kernel_initializer : str, default="auto"
    How the first weights are drawn. "auto" is scikit-learn's MLP scheme, for every layer:
    kernels and biases uniform in +-sqrt(6 / (fan_in + fan_out)), or +-sqrt(2 / (fan_in +
    fan_out)) when ``activation="logistic"``. Any Keras initializer name ("glorot_uniform",
    "he_uniform", "he_normal", "lecun_normal", "orthogonal", ...) draws the kernels with
    Keras's formula instead, and the biases start at zero.""",
    "class_weight": """
class_weight : dict, "balanced" or None, default=None
    Weights of the classes, multiplied into ``sample_weight`` as in scikit-learn.""",
    "callbacks": """
callbacks : list of keras.callbacks.Callback or None, default=None
    Keras callbacks called during ``fit`` (EarlyStopping, ModelCheckpoint,
    LearningRateScheduler, TensorBoard, ...). Epoch logs hold ``loss``, ``learning_rate``
    and, with ``early_stopping``, ``val_loss`` and the validation score.""",
    "device": """
device : {"auto", "cpu", "gpu", "gpu:N"}, default="auto"
    Where to train: "auto" uses a visible GPU and falls back to the CPU; with several GPUs,
    concurrent fits in one process (threads of a Dask worker) each take the least busy one.
    CPU threads follow the process's share of the machine: see ``SKDENSE_NUM_THREADS`` in
    the scaling guide. Predictions are numpy's matrix products on the CPU, as scikit-learn's
    MLP computes them, without importing Keras; a network in mixed precision, or with
    "gpu"/"gpu:N" named, predicts through Keras on that device.""",
    "precision": """
precision : {"float32", "mixed_float16", "mixed_bfloat16"}, default="float32"
    Keras's mixed precision for the hidden layers: computations in 16 bits with float32
    weights, for speed on GPUs with tensor cores ("mixed_float16", with dynamic loss
    scaling) or on TPUs and recent CPUs ("mixed_bfloat16"). The output layer and the loss
    stay in float32. Training is float32 in every case: float64 data is cast for training,
    and ``coefs_``, ``intercepts_``, probabilities and predictions come back in float64 (float32
    values, cast) as scikit-learn's dtypes for float64 data; float32 data gets float32.""",
}

ATTRIBUTES = {
    "n_features_in_": """
n_features_in_ : int
    Number of features seen during fit.""",
    "feature_names_in_": """
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of features seen during fit, when ``X`` has string column names.""",
    "n_outputs_": """
n_outputs_ : int
    Number of output units.""",
    "n_iter_": """
n_iter_ : int
    Number of epochs run by the last call to ``fit`` or ``partial_fit``.""",
    "t_": """
t_ : int
    Number of training samples seen, summed over every epoch and call.""",
    "loss_": """
loss_ : float
    The training loss (penalty included) of the last epoch.""",
    "loss_curve_": """
loss_curve_ : list of float
    The training loss of each epoch.""",
    "best_loss_": """
best_loss_ : float or None
    The lowest training loss; None with ``early_stopping``.""",
    "validation_scores_": """
validation_scores_ : list of float or None
    The validation score of each epoch with ``early_stopping``, else None.""",
    "best_validation_score_": """
best_validation_score_ : float or None
    The best validation score with ``early_stopping``, else None.""",
    "coefs_": """
coefs_ : list of ndarray
    Kernel of each dense layer, shapes ``(n_in, n_out)``.""",
    "intercepts_": """
intercepts_ : list of ndarray
    Bias of each dense layer (zeros for layers followed by batch normalization).""",
    "n_layers_": """
n_layers_ : int
    Number of layers, input and output included.""",
    "out_activation_": """
out_activation_ : str
    The output activation: "logistic", "softmax", "identity" or "exp".""",
    "history_": """
history_ : dict of str to list of float
    Per-epoch figures as Keras names them: ``loss``, ``learning_rate`` and, with
    ``early_stopping``, ``val_loss`` and ``val_accuracy`` (classifiers) or ``val_r2``.""",
    "model_": """
model_ : keras.Model
    The trained network, output activation included, rebuilt from the fitted weights.""",
}


def _entries(table, names):
    return "\n".join(textwrap.dedent(table[name]).strip("\n") for name in names)


def fill_doc(parameters, attributes):
    """Class decorator: put the shared entries named into ``{parameters}``/``{attributes}``."""

    def decorate(cls):
        doc = inspect.cleandoc(cls.__doc__)
        cls.__doc__ = doc.replace("{parameters}", _entries(PARAMETERS, parameters)).replace(
            "{attributes}", _entries(ATTRIBUTES, attributes)
        )
        return cls

    return decorate
