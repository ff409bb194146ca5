"""The contestants: each peer turns a workload into a scikit-learn compatible estimator.

Every peer trains the same network (ReLU hidden layers, the same output layer and loss, no
weight penalty) with the same optimizer, learning rate, batch size and number of epochs, and
never stops early. Heavy imports (TensorFlow, scikeras) happen inside the factories, so a
process timing scikit-learn never loads TensorFlow.
"""

import dataclasses
import importlib.metadata

_NEVER = 10**6  # n_iter_no_change that never triggers: every peer runs all its epochs


@dataclasses.dataclass(frozen=True)
class Peer:
    """A column of the report.

    ``factory(workload, device, epochs)`` returns an unfitted estimator; ``epochs_param`` is
    the parameter that holds the number of epochs (continued training sets it together with
    ``warm_start=True``); ``uses_tensorflow`` says whether its process loads TensorFlow.
    """

    key: str
    label: str
    factory: object
    epochs_param: str
    uses_tensorflow: bool = True

    def estimator(self, workload, device="auto", epochs=None):
        epochs = workload.epochs if epochs is None else epochs
        return self.factory(workload, device, epochs)

    def unavailable(self):
        """Why this peer cannot run here, or ``None``."""
        return _scikeras_unavailable() if self.key == "scikeras" else None


def _skdense(workload, device, epochs):
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
        Peer("skdense", "skdense", _skdense, "max_iter"),
        Peer("keras", "Keras `model.fit`", _keras(1), "epochs"),
        Peer("keras_spe", "Keras, `steps_per_execution`=epoch", _keras("epoch"), "epochs"),
        Peer("sklearn", "scikit-learn MLP", _sklearn, "max_iter", uses_tensorflow=False),
        Peer(
            "sklearn_linear",
            "scikit-learn LogisticRegression",
            _sklearn_linear,
            "max_iter",
            uses_tensorflow=False,
        ),
        Peer("scikeras", "scikeras", _scikeras, "epochs"),
    )
}
