"""The workloads of issue 4 ("Speed"): what each one trains, on which data, and for how long.

Plain descriptions only: the data live in :mod:`harness.data`, the timed procedures in
:mod:`harness.procedures`, the contestants in :mod:`harness.peers`.
"""

import dataclasses

# Peer keys, in the order of the report's columns.
NETWORK_PEERS = ("skdense", "keras", "keras_spe", "scikeras", "sklearn")
ALL_PEERS = (*NETWORK_PEERS, "sklearn_linear")
EPOCH_PEERS = (*NETWORK_PEERS, "floor", "limit")  # W2 adds the floor and the limit
WRAPPER_PEERS = ("skdense", "scikeras")  # W6: the two wrappers of a Keras build function
# Measured for skdense on JAX a second time, with a compilation cache an earlier process filled.
CACHE_WORKLOADS = ("W1", "W4")


@dataclasses.dataclass(frozen=True)
class Workload:
    """One row of the report.

    ``procedure`` is how it is timed: ``"fit"`` (one fit), ``"epochs"`` (seconds per epoch
    after ``warmup_epochs``), ``"grid"`` (``GridSearchCV`` over ``grid``) or ``"cross_val"``
    (``cross_val_score`` of a preprocessing pipeline).

    ``estimator`` is what each peer puts in it: ``"dense"``, its own dense network from
    named parameters (``hidden_layer_sizes``, ``solver``, ...), or ``"build_function"``, a
    ``KerasClassifier`` (skdense's or scikeras's) around the build function
    ``harness.keras_models.hidden_layer_network``, whose grid axes are routed parameters
    (``model__hidden_units``, ``optimizer__learning_rate``).
    """

    key: str
    title: str
    procedure: str
    task: str  # "binary", "multiclass" or "regression"
    dataset: str
    hidden_layer_sizes: tuple
    epochs: int
    batch_size: int
    learning_rate: float = 1e-3
    solver: str = "adam"
    peers: tuple = NETWORK_PEERS
    warmup_epochs: int = 0
    grid: tuple = ()  # ((parameter, values), ...): the parameters GridSearchCV tries
    cv: int = 3
    estimator: str = "dense"

    def describe(self):
        """The training set-up in a few words, for the report."""
        layers = ",".join(str(units) for units in self.hidden_layer_sizes)
        network = f"MLP({layers})" if layers else "no hidden layer"
        if self.estimator == "build_function":
            network = (
                "build function Dense(hidden_units, relu) + Dense(n_classes, softmax), "
                "sparse categorical cross-entropy"
            )
        epochs = f"{self.epochs} epoch" + ("s" if self.epochs != 1 else "")
        if self.procedure == "epochs":
            epochs = f"{self.warmup_epochs} warm-up + {epochs} timed"
        parts = [self.title]
        # What the grid tries is named by the grid, not as a fixed setting.
        if self.estimator == "build_function" or not self._in_grid("hidden_layer_sizes"):
            parts.append(network)
        if not self._in_grid("solver"):
            parts.append(self.solver)
        if not self._in_grid("learning_rate"):
            parts.append(f"learning rate {self.learning_rate:g}")
        parts += [f"batch {self.batch_size}", epochs]
        if self.grid:
            axes = " x ".join(
                f"{name} in {{{', '.join(str(value) for value in values)}}}"
                for name, values in self.grid
            )
            parts.append(f"grid {axes}, cv={self.cv} + refit")
        elif self.procedure == "cross_val":
            parts.append(f"{self.cv} folds")
        return ", ".join(parts)

    def _in_grid(self, parameter):
        """Whether a grid axis sets ``parameter``, plain or routed (``optimizer__...``)."""
        return any(name.split("__")[-1] == parameter for name, _ in self.grid)

    @property
    def metric(self):
        """The held-out score reported beside each time."""
        return "MAE" if self.task == "regression" else "accuracy"


def workloads(quick=False):
    """All workloads by key; ``quick`` shrinks every size for a smoke test."""
    full = {
        "W1": Workload(
            "W1",
            "one fit",
            "fit",
            "binary",
            "classification",
            (100,),
            epochs=20,
            batch_size=32,
        ),
        "W2": Workload(
            "W2",
            "seconds per epoch",
            "epochs",
            "multiclass",
            "wide",
            (100, 64, 32),
            # Five timed epochs: each fit's fixed cost (validation, the copy of X to the
            # backend) is measured by W1 and W4; spread over two epochs it hid the epoch.
            epochs=5,
            warmup_epochs=1,
            batch_size=128,
            peers=EPOCH_PEERS,
        ),
        "W3": Workload(
            "W3",
            "softmax regression (digits)",
            "fit",
            "multiclass",
            "digits",
            (),
            epochs=100,
            batch_size=32,
            learning_rate=1e-2,
            peers=ALL_PEERS,
        ),
        "W4": Workload(
            "W4",
            "GridSearchCV",
            "grid",
            "binary",
            "classification",
            (100,),
            epochs=10,
            batch_size=32,
            grid=(("hidden_layer_sizes", ((50,), (100,))), ("solver", ("adam", "sgd"))),
            cv=3,
        ),
        "W5": Workload(
            "W5",
            "Auto MPG pipeline, cross_val_score",
            "cross_val",
            "regression",
            "auto_mpg",
            (64, 64),
            epochs=30,
            batch_size=32,
            cv=5,
        ),
        # The target: at most 0.2 x scikeras's time for the same user code.
        "W6": Workload(
            "W6",
            "KerasClassifier GridSearchCV (build function)",
            "grid",
            "binary",
            "classification",
            (32,),  # the build function's hidden_units until the grid sets it
            epochs=10,
            batch_size=32,
            peers=WRAPPER_PEERS,
            grid=(
                ("model__hidden_units", (32, 64)),
                ("optimizer__learning_rate", (1e-3, 1e-2)),
            ),
            cv=3,
            estimator="build_function",
        ),
    }
    if not quick:
        return full
    return {
        "W1": dataclasses.replace(full["W1"], epochs=1),
        "W2": dataclasses.replace(full["W2"], epochs=1),
        "W3": dataclasses.replace(full["W3"], epochs=1),
        "W4": dataclasses.replace(
            full["W4"],
            epochs=1,
            grid=(("hidden_layer_sizes", ((8,),)), ("solver", ("adam",))),
            cv=2,
        ),
        "W5": dataclasses.replace(full["W5"], hidden_layer_sizes=(8, 8), epochs=1, cv=2),
        "W6": dataclasses.replace(
            full["W6"],
            hidden_layer_sizes=(8,),
            epochs=1,
            grid=(("model__hidden_units", (8,)), ("optimizer__learning_rate", (1e-3,))),
            cv=2,
        ),
    }
