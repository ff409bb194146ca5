"""The contestants: each peer turns a workload into a scikit-learn compatible estimator.

Every peer trains the same network (ReLU hidden layers, the same output layer and loss, no
weight penalty) with the same optimizer, learning rate, batch size and number of epochs, and
never stops early. Heavy imports (Keras, TensorFlow, JAX, scikeras) happen inside the
factories, so a process timing scikit-learn never loads them. A peer built on Keras runs on
the Keras backend its worker process was started with (``KERAS_BACKEND``).
"""

import dataclasses
import importlib.metadata
import importlib.util

KERAS_BACKENDS = ("tensorflow", "jax")  # the backends skdense supports, in report order
BACKEND_LABELS = {"tensorflow": "TensorFlow", "jax": "JAX"}
_NEVER = 10**6  # n_iter_no_change that never triggers: every peer runs all its epochs


@dataclasses.dataclass(frozen=True)
class Peer:
    """A column of the report.

    ``factory(workload, device, epochs)`` returns an unfitted estimator; ``epochs_param`` is
    the parameter that holds the number of epochs (continued training sets it together with
    ``warm_start=True``); ``backends`` are the Keras backends it runs on, one column each
    (empty: it does not use Keras and runs once per run); ``uses_keras`` says whether its
    process loads Keras (whose random seed the worker then sets). ``cut_short(estimator,
    epochs)``, where set, makes the next fit run ``epochs`` epochs of a default-length fit,
    for a peer that compiles by the fit's length (see :func:`stop_after`).
    """

    key: str
    label: str
    factory: object
    epochs_param: str
    backends: tuple = KERAS_BACKENDS
    uses_keras: bool = True
    cut_short: object = None

    def set_epochs(self, estimator, epochs):
        """Have ``estimator``'s next fit run ``epochs`` epochs."""
        if self.cut_short is None:
            estimator.set_params(**{self.epochs_param: epochs})
        else:
            self.cut_short(estimator, epochs)

    def estimator(self, workload, device="auto", epochs=None):
        epochs = workload.epochs if epochs is None else epochs
        return self.factory(workload, device, epochs)

    def unavailable(self, backend=None):
        """Why this peer cannot run here on ``backend``, or ``None``."""
        if backend is not None and importlib.util.find_spec(backend) is None:
            return f"{BACKEND_LABELS[backend]} is not installed"
        if self.key == "scikeras":
            return _scikeras_unavailable()
        if self.key == "floor" and importlib.util.find_spec("jax") is None:
            return "jax is not installed"
        return None


def _skdense(workload, device, epochs):
    if workload.estimator == "build_function":
        from skdense import KerasClassifier

        return _build_function_classifier(KerasClassifier, workload, epochs, device=device)
    from skdense import DenseRegressor, MLPClassifier, SoftmaxClassifier

    common = dict(
        solver=workload.solver,
        alpha=0.0,
        batch_size=workload.batch_size,
        learning_rate_init=workload.learning_rate,
        max_iter=epochs,
        n_iter_no_change=_NEVER,
        random_state=0,
        device=device,
        # The peers' initializer (Keras's and scikit-learn's default), so that every peer
        # trains the same network; skdense's "auto" picks He for ReLU, which on W5 ended at
        # an MAE 0.3 mpg worse than Glorot after 30 epochs.
        kernel_initializer="glorot_uniform",
    )
    if workload.task == "regression":
        return DenseRegressor(hidden_layer_sizes=workload.hidden_layer_sizes, **common)
    if not workload.hidden_layer_sizes:
        return SoftmaxClassifier(**common)
    return MLPClassifier(hidden_layer_sizes=workload.hidden_layer_sizes, **common)


SKLEARN_MAX_ITER = 200  # scikit-learn's (and skdense's) default max_iter


def stop_after(estimator, epochs):
    """A fit of scikit-learn's default length (``max_iter=200``) that a Keras callback stops
    after ``epochs`` epochs, as early stopping would.

    skdense chooses how to compile an epoch by the epochs a fit may run (on TensorFlow,
    whether XLA repays its compile). W2 measures the epochs of a real, default-length fit,
    not those of a fit told to stop after one or two, which would never compile with XLA.
    """
    import keras

    class StopAfter(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch + 1 >= epochs:
                self.model.stop_training = True

    estimator.set_params(max_iter=SKLEARN_MAX_ITER, callbacks=[StopAfter()])


def _keras(steps_per_execution):
    def factory(workload, device, epochs):
        from harness.keras_models import KerasDenseClassifier, KerasDenseRegressor

        cls = KerasDenseRegressor if workload.task == "regression" else KerasDenseClassifier
        return cls(
            hidden_layer_sizes=workload.hidden_layer_sizes,
            solver=workload.solver,
            learning_rate=workload.learning_rate,
            epochs=epochs,
            batch_size=workload.batch_size,
            steps_per_execution=steps_per_execution,
        )

    return factory


def _sklearn(workload, device, epochs):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPRegressor if workload.task == "regression" else MLPClassifier
    return cls(
        hidden_layer_sizes=workload.hidden_layer_sizes,
        solver=workload.solver,
        alpha=0.0,
        batch_size=workload.batch_size,
        learning_rate_init=workload.learning_rate,
        max_iter=epochs,
        n_iter_no_change=_NEVER,
        random_state=0,
    )


def _sklearn_linear(workload, device, epochs):
    """LogisticRegression (L-BFGS to convergence): the classical answer, not an MLP."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000)


def _scikeras(workload, device, epochs):
    if workload.estimator == "build_function":
        from scikeras.wrappers import KerasClassifier

        return _build_function_classifier(KerasClassifier, workload, epochs)
    from scikeras.wrappers import KerasClassifier, KerasRegressor

    from harness.keras_models import scikeras_model

    cls = KerasRegressor if workload.task == "regression" else KerasClassifier
    return cls(
        model=scikeras_model,
        hidden_layer_sizes=workload.hidden_layer_sizes,
        solver=workload.solver,
        learning_rate=workload.learning_rate,
        epochs=epochs,
        batch_size=workload.batch_size,
        verbose=0,
    )


def _build_function_classifier(wrapper, workload, epochs, **options):
    """``wrapper`` (skdense's or scikeras's ``KerasClassifier``) around the shared build
    function, with the same arguments for both: the user code differs only in its import.

    The routed parameters the grid varies are also given here, so that both wrappers hold
    them from the start (as a user passes defaults), whatever the grid. ``verbose=0``: it is
    skdense's default; scikeras's (1) would print every epoch. skdense alone gets ``device``
    (``options``), as in every workload.
    """
    from harness.keras_models import hidden_layer_network

    return wrapper(
        hidden_layer_network,
        loss="sparse_categorical_crossentropy",
        optimizer=workload.solver,
        model__hidden_units=workload.hidden_layer_sizes[0],
        optimizer__learning_rate=workload.learning_rate,
        epochs=epochs,
        batch_size=workload.batch_size,
        random_state=0,
        verbose=0,
        **options,
    )


def _floor(workload, device, epochs):
    from harness.floor import JaxFloorClassifier

    return JaxFloorClassifier(
        hidden_layer_sizes=workload.hidden_layer_sizes,
        learning_rate=workload.learning_rate,
        epochs=epochs,
        batch_size=workload.batch_size,
    )


def _scikeras_unavailable():
    try:
        version = importlib.metadata.version("scikeras")
    except importlib.metadata.PackageNotFoundError:
        return "scikeras is not installed (`pip install 'skdense[bench]'` adds it)"
    try:
        import scikeras.wrappers  # noqa: F401
    except Exception as error:  # any failure to import is a reason to skip the column
        keras_version = importlib.metadata.version("keras")
        first_line = str(error).splitlines()[0] if str(error) else ""
        return (
            f"scikeras {version} does not import with Keras {keras_version}: "
            f"{type(error).__name__}: {first_line}"
        )
    return None


PEERS = {
    peer.key: peer
    for peer in (
        Peer("skdense", "skdense", _skdense, "max_iter", cut_short=stop_after),
        Peer("keras", "Keras `model.fit`", _keras(1), "epochs"),
        Peer("keras_spe", "Keras, `steps_per_execution`=epoch", _keras("epoch"), "epochs"),
        Peer("scikeras", "scikeras", _scikeras, "epochs"),
        Peer("floor", "hand-written JAX epoch", _floor, "epochs", ("jax",), uses_keras=False),
        Peer("sklearn", "scikit-learn MLP", _sklearn, "max_iter", (), uses_keras=False),
        Peer(
            "sklearn_linear",
            "scikit-learn LogisticRegression",
            _sklearn_linear,
            "max_iter",
            (),
            uses_keras=False,
        ),
        # Not a trainer: the W2 epoch's arithmetic over this machine's matmul rate.
        Peer("limit", "limit", None, "", (), uses_keras=False),
    )
}
