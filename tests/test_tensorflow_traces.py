"""TensorFlow's traced epochs: traced for the batch size a network trains at, any size later."""

import collections

import keras
import numpy as np
import pytest

from skdense import MLPClassifier, _pool, _training

pytestmark = [
    pytest.mark.skipif(
        keras.backend.backend() != "tensorflow", reason="TensorFlow's traced graphs"
    ),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


def _fit(X, y, batch_size, **params):
    return MLPClassifier((16, 8), batch_size=batch_size, max_iter=3, random_state=0, **params).fit(
        X, y
    )


def _only_network():
    (networks,) = _pool._pool.values()
    (network,) = networks
    return network


def _traced_batch_sizes(network):
    return {batch_size for _, batch_size, _ in network.engine._batches_functions}


def _step_operations(function):
    """The operation types of the traced epoch's loop body, counted."""
    library = function.concrete.graph.as_graph_def().library
    (body,) = [f for f in library.function if "while_body" in f.signature.name]
    return collections.Counter(node.op for node in body.node_def)


def test_a_network_traces_for_its_batch_size_then_once_for_any(multiclass_data):
    X, y = multiclass_data  # 300 rows: 19, 10 and 5 batches, each with a padded last one
    _training.clear_network_pool()
    _fit(X, y, 16)
    network = _only_network()
    assert _traced_batch_sizes(network) == {16}
    for batch_size in (32, 64, 16):
        _fit(X, y, batch_size)
    assert _traced_batch_sizes(network) == {16, None}
    assert network.fits == 4 and network.engine.epoch_programs == 2


@pytest.mark.parametrize("params", [{}, {"dropout": 0.3, "batch_normalization": True}])
def test_an_epoch_traced_for_any_batch_size_trains_as_one_traced_for_its_own(
    multiclass_data, params
):
    X, y = multiclass_data
    _training.clear_network_pool()
    own = _fit(X, y, 32, **params)
    assert _traced_batch_sizes(_only_network()) == {32}
    _training.clear_network_pool()
    _fit(X, y, 64, **params)
    shared = _fit(X, y, 32, **params)  # the same network, its trace for any batch size
    assert _traced_batch_sizes(_only_network()) == {64, None}
    np.testing.assert_array_equal(shared.loss_curve_, own.loss_curve_)
    for ours, theirs in zip(shared.coefs_, own.coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_the_batch_size_spares_the_gradient_its_broadcasting(multiclass_data):
    # Known shapes let TensorFlow leave out the operations that sum a gradient back to an
    # operand's shape: what makes the trace and each step shorter.
    X, y = multiclass_data
    _training.clear_network_pool()
    _fit(X, y, 16)
    _fit(X, y, 32)
    functions = _only_network().engine._batches_functions
    (static,) = [f for (_, size, _), f in functions.items() if size == 16]
    (relaxed,) = [f for (_, size, _), f in functions.items() if size is None]
    assert _step_operations(relaxed)["BroadcastGradientArgs"] > 0
    assert _step_operations(static)["BroadcastGradientArgs"] == 0
    assert sum(_step_operations(static).values()) < sum(_step_operations(relaxed).values())


def test_data_of_one_batch_traces_for_any_size(multiclass_data):
    # batch_size="auto" is min(200, rows): each fold of small data its own batch size.
    X, y = multiclass_data
    _training.clear_network_pool()
    for rows in (120, 150):
        MLPClassifier((16, 8), max_iter=3, random_state=0).fit(X[:rows], y[:rows])
    network = _only_network()
    assert _traced_batch_sizes(network) == {None}
    assert network.engine.epoch_programs == 1
