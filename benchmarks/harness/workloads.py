"""The workloads of issue 4 ("Speed"): what each one trains, on which data, and for how long.

Plain descriptions only: the data live in :mod:`harness.data`, the timed procedures in
:mod:`harness.procedures`, the contestants in :mod:`harness.peers`.
"""

import dataclasses

# Peer keys, in the order of the report's columns.
NETWORK_PEERS = ("skdense", "keras", "keras_spe", "scikeras", "sklearn")
ALL_PEERS = (*NETWORK_PEERS, "sklearn_linear")
EPOCH_PEERS = (*NETWORK_PEERS, "floor", "limit")  # W2 adds the floor and the limit


@dataclasses.dataclass(frozen=True)
class Workload:
    """One row of the report.

    ``procedure`` is how it is timed: ``"fit"`` (one fit), ``"epochs"`` (seconds per epoch
    after ``warmup_epochs``), ``"grid"`` (``GridSearchCV`` over ``grid``) or ``"cross_val"``
    (``cross_val_score`` of a preprocessing pipeline).
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
    grid: tuple = ()  # ((parameter, values), ...): hidden_layer_sizes and/or solver
    cv: int = 3

    def describe(self):
        """The training set-up in a few words, for the report."""
        layers = ",".join(str(units) for units in self.hidden_layer_sizes)
        network = f"MLP({layers})" if layers else "no hidden layer"
        epochs = f"{self.epochs} epoch" + ("s" if self.epochs != 1 else "")
        if self.procedure == "epochs":
            epochs = f"{self.warmup_epochs} warm-up + {epochs} timed"
        parts = [self.title]
        if not self.grid:  # the grid names the networks and solvers it tries
            parts += [network, self.solver]
        parts += [f"learning rate {self.learning_rate:g}", f"batch {self.batch_size}", epochs]
        if self.grid:
            axes = " x ".join(
                f"{name} in {{{', '.join(str(value) for value in values)}}}"
                for name, values in self.grid
            )
            parts.append(f"grid {axes}, cv={self.cv} + refit")
        elif self.procedure == "cross_val":
            parts.append(f"{self.cv} folds")
        return ", ".join(parts)

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
            epochs=2,
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
    }
