"""One core on two Keras backends: the static-shape epoch is exact, XLA changes nothing but
speed, and a fitted estimator moves between backends. The cross-backend tests start a process
per backend, whichever backend this run uses."""

import logging
import os
import pickle
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import scipy.sparse as sp

from skdense import DenseRegressor, MLPClassifier, _pool, _training
from skdense._spec import batch_capacity

BACKEND = keras.backend.backend()
only_tensorflow = pytest.mark.skipif(
    BACKEND != "tensorflow", reason="TensorFlow's XLA choice; JAX always compiles with XLA"
)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# --- the static-shape epoch ----------------------------------------------------------------------


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_padded_last_batch_trains_as_the_rows_alone(monkeypatch, multiclass_data, dropout):
    # 300 rows at batch 128: the last batch has 44 rows and 84 zero-weight padding rows.
    X, y = multiclass_data
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    params = {"batch_size": 128, "max_iter": 4, "random_state": 0, "dropout": dropout}
    padded = MLPClassifier((16,), **params).fit(X, y, sample_weight=weights)
    batches = _training._batches
    monkeypatch.setattr(
        _training,
        "_batches",
        lambda order, size, n_rows, exact, capacity: batches(order, size, n_rows, True, capacity),
    )
    _training.clear_network_pool()
    alone = MLPClassifier((16,), **params).fit(X, y, sample_weight=weights)
    if dropout:  # a padded batch draws its dropout masks for more rows: another random stream
        assert alone.loss_curve_[0] == pytest.approx(padded.loss_curve_[0], rel=0.2)
        return
    np.testing.assert_allclose(alone.loss_curve_, padded.loss_curve_, rtol=1e-5)
    for a, b in zip(alone.coefs_, padded.coefs_, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_batches_grow_to_the_capacity_with_batches_never_run():
    order = np.array([4, 0, 3, 1, 2])
    block, rows, rest = _training._batches(order, 2, n_rows=5, exact_last_batch=False, capacity=4)
    assert block.shape == (4, 2) and block[:3].tolist() == [[4, 0], [3, 1], [2, 5]]
    assert rows.tolist() == [2, 2, 1] and rest.size == 0  # three batches run


def test_small_data_shares_a_power_of_two_capacity():
    # The folds of a 3-fold search (1333 rows) and its refit (2000) share compiled shapes.
    assert batch_capacity(1333, 32, 20) == batch_capacity(2000, 32, 20) == 64
    assert batch_capacity(1, 32, 20) == 1
    # Large data is padded only to whole batches: the padding would cost memory.
    assert batch_capacity(60000, 128, 784) == 469


def test_folds_and_refit_share_one_compiled_epoch(multiclass_data):
    # At batch 16, 170 rows are 11 batches and 250 rows 16: both padded to 16. JAX traces and
    # compiles an epoch once per new shape (TensorFlow's signature takes any shape).
    X, y = multiclass_data
    _training.clear_network_pool()
    params = {"batch_size": 16, "max_iter": 2, "random_state": 0}
    MLPClassifier((7,), **params).fit(X[:170], y[:170])
    (network,) = _pool._pool[next(reversed(_pool._pool))]
    MLPClassifier((7,), **params).fit(X[:250], y[:250])
    assert network.fits == 2
    assert network.engine.epoch_programs == 1


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_a_search_over_alpha_trains_one_compiled_network(multiclass_data, penalty):
    # The penalty strengths are set per fit: every alpha shares one network and one traced
    # (on JAX, compiled) epoch, and each fit is the one a network of its own would give.
    X, y = multiclass_data
    params = {"penalty": penalty, "max_iter": 5, "random_state": 0}
    _training.clear_network_pool()
    alone = MLPClassifier((7,), alpha=1.0, **params).fit(X, y)
    _training.clear_network_pool()
    MLPClassifier((7,), alpha=1e-4, **params).fit(X, y)
    (network,) = _pool._pool[next(reversed(_pool._pool))]
    shared = MLPClassifier((7,), alpha=1.0, **params).fit(X, y)
    assert network.fits == 2 and network.engine.epoch_programs == 1
    assert len(_pool._pool) == 1
    np.testing.assert_allclose(shared.loss_curve_, alone.loss_curve_, rtol=1e-6)
    for ours, theirs in zip(shared.coefs_, alone.coefs_, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
    # the strength reached the loss: a strong penalty keeps the kernels smaller
    weak = MLPClassifier((7,), alpha=1e-4, **params).fit(X, y)
    assert np.abs(shared.coefs_[0]).sum() < np.abs(weak.coefs_[0]).sum()


def test_batches_pad_only_the_last_batch():
    order = np.array([4, 0, 3, 1, 2])
    block, rows, rest = _training._batches(order, 2, n_rows=5, exact_last_batch=False)
    assert block.tolist() == [[4, 0], [3, 1], [2, 5]]  # row 5: the first padding row
    assert rows.tolist() == [2, 2, 1] and rest.size == 0
    block, rows, rest = _training._batches(order, 2, n_rows=5, exact_last_batch=True)
    assert block.tolist() == [[4, 0], [3, 1]] and rows.tolist() == [2, 2]
    assert rest.tolist() == [2]


def test_batch_normalization_keeps_the_last_batch_at_its_true_size(monkeypatch, regression_data):
    X, y = regression_data
    seen = []
    batches = _training._batches
    monkeypatch.setattr(
        _training,
        "_batches",
        lambda *args: seen.append(args[3]) or batches(*args),
    )
    DenseRegressor((4,), batch_normalization=True, batch_size=128, max_iter=1).fit(X, y)
    DenseRegressor((4,), batch_size=128, max_iter=1).fit(X, y)
    assert seen == [True, False]


def test_sparse_blocks_train_as_the_dense_data(monkeypatch, regression_data):
    X, y = regression_data
    # Blocks of 2 batches of 32: 300 rows stream as 4 full blocks and one padded block.
    monkeypatch.setattr(_training, "_SPARSE_BLOCK_CELLS", 64 * X.shape[1])
    params = {"batch_size": 32, "max_iter": 3, "random_state": 0}
    dense = DenseRegressor((8,), **params).fit(X, y)
    streamed = DenseRegressor((8,), **params).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(streamed.loss_curve_, dense.loss_curve_, rtol=1e-5)


@pytest.mark.parametrize(
    "xla", [False, True] if keras.backend.backend() == "tensorflow" else ["always"]
)
def test_large_features_train_unpadded_as_padded_ones(monkeypatch, multiclass_data, xla):
    # Large features go to the device unpadded; the padded last batch's extra rows then read
    # the features' last row, with weight 0. 300 rows at batch 64: a last batch of 44.
    from skdense import _spec

    X, y = multiclass_data
    if keras.backend.backend() == "tensorflow":
        from skdense._backends import tensorflow as tf_backend

        monkeypatch.setattr(tf_backend, "xla_pays", lambda *args: xla)
    params = {"batch_size": 64, "max_iter": 3, "random_state": 0}
    padded = MLPClassifier((8,), **params).fit(X, y)
    _training.clear_network_pool()
    monkeypatch.setattr(_spec, "_SHARED_SHAPE_CELLS", 1)  # every data set is "large"
    seen = []
    resident = _spec.TrainingData.resident
    monkeypatch.setattr(
        _spec.TrainingData,
        "resident",
        lambda self, *args: seen.append(arrays := resident(self, *args)) or arrays,
    )
    unpadded = MLPClassifier((8,), **params).fit(X, y)
    x, targets, weights = seen[0]
    assert (x.shape[0], targets.shape[0], weights.shape[0]) == (300, 320, 320)
    np.testing.assert_allclose(unpadded.loss_curve_, padded.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(unpadded.predict_proba(X), padded.predict_proba(X), atol=1e-6)


def _misaligned(array):
    """A copy of ``array`` whose data starts 16 bytes past a 64-byte boundary, as numpy's
    large blocks usually do."""
    block = np.empty(array.size + 32, dtype=array.dtype)
    start = ((16 - block.ctypes.data) % 64) // array.itemsize
    misaligned = block[start : start + array.size].reshape(array.shape)
    misaligned[...] = array
    assert misaligned.ctypes.data % 64 == 16
    return misaligned


def test_aligned_float32_copies_only_what_is_not_aligned_float32():
    from skdense._spec import DEVICE_ALIGNMENT, aligned_float32, pad_rows

    values = np.arange(600.0).reshape(200, 3)
    for given in (
        _misaligned(values.astype(np.float32)),
        values,  # float64: converted as astype would
        np.asfortranarray(values.astype(np.float32)),
    ):
        aligned = aligned_float32(given)
        assert aligned.ctypes.data % DEVICE_ALIGNMENT == 0
        assert aligned.dtype == np.float32 and aligned.flags.c_contiguous
        np.testing.assert_array_equal(aligned, given.astype(np.float32))
        assert not np.shares_memory(aligned, given)
    assert aligned_float32(aligned) is aligned  # aligned float32 rows go as they are
    padded = pad_rows(values, 205)  # padding makes the aligned copy itself: one copy, not two
    assert aligned_float32(padded) is padded
    np.testing.assert_array_equal(padded[:200], values.astype(np.float32))
    assert not padded[200:].any()


def test_features_reach_a_cpu_device_in_the_memory_of_one_aligned_copy(multiclass_data):
    # Both backends copy an unaligned array more slowly than numpy, and TensorFlow copies even
    # an aligned one unless it comes through DLPack: the engines take an aligned copy's memory
    # as it is, or the user's array's where it is aligned already.
    from skdense._spec import aligned_float32

    X, y = multiclass_data
    MLPClassifier((8,), max_iter=1, random_state=0).fit(X, y)
    engine = next(iter(_pool._pool.values()))[0].engine
    features = _misaligned(np.asarray(X, dtype=np.float32))
    np.testing.assert_array_equal(np.asarray(engine.to_device(features)), features)
    host = aligned_float32(features)
    on_device = engine.to_device(host)
    host[0, 0] = 1234.0  # seen on the device: the same memory, not a copy
    assert float(np.asarray(on_device)[0, 0]) == 1234.0
    read_only = aligned_float32(features)
    read_only.flags.writeable = False  # numpy exports no read-only array through DLPack
    np.testing.assert_array_equal(np.asarray(engine.to_device(read_only)), read_only)


@pytest.mark.skipif(BACKEND != "jax", reason="what JAX's device_put is given")
def test_jax_is_given_aligned_features_on_a_cpu(monkeypatch, multiclass_data):
    # JAX shares an aligned array's memory, and copies any other itself (more slowly).
    from skdense._backends import jax as jax_backend

    X, y = multiclass_data
    MLPClassifier((8,), max_iter=1, random_state=0).fit(X, y)
    engine = next(iter(_pool._pool.values()))[0].engine
    given = []
    device_put = jax_backend.jax.device_put
    monkeypatch.setattr(
        jax_backend.jax, "device_put", lambda x, *a: given.append(x) or device_put(x, *a)
    )
    on_device = engine.to_device(_misaligned(np.asarray(X, dtype=np.float32)))
    assert given[0].ctypes.data % 64 == 0
    assert on_device.unsafe_buffer_pointer() == given[0].ctypes.data


# --- XLA on TensorFlow ---------------------------------------------------------------------------


@only_tensorflow
@pytest.mark.parametrize(
    "penalty", [None, "l2", "l1", "elasticnet"]
)  # under XLA, the penalties are summed element-wise through the epoch
def test_xla_epochs_give_the_same_network(monkeypatch, multiclass_data, penalty):
    from skdense._backends import tensorflow as tf_backend

    X, y = multiclass_data
    fits = {}
    for xla in (False, True):
        _training.clear_network_pool()
        monkeypatch.setattr(tf_backend, "xla_pays", lambda *args, xla=xla: xla)
        # an alpha whose penalty shows in the loss; 300 rows leave a last batch of 44, which
        # runs padded
        fits[xla] = MLPClassifier(
            (16, 8), batch_size=64, max_iter=5, alpha=0.05, penalty=penalty, random_state=0
        ).fit(X, y)
        network = next(iter(_pool._pool.values()))[0]
        assert {key[0] for key in network.engine._batches_functions} == {xla}
    np.testing.assert_allclose(fits[True].loss_curve_, fits[False].loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(
        fits[True].predict_proba(X), fits[False].predict_proba(X), atol=1e-5
    )


@only_tensorflow
@pytest.mark.parametrize("params", [{}, {"dropout": 0.3, "batch_normalization": True}])
def test_graph_rewrites_change_nothing_but_speed(monkeypatch, multiclass_data, params):
    # skdense's graphs get two of Grappler's passes; with all of them, the same network.
    from skdense._backends import tensorflow_compilation

    X, y = multiclass_data
    fits = {}
    for rewrites in ("skdense's", "all"):
        _training.clear_network_pool()
        if rewrites == "all":
            monkeypatch.setattr(tensorflow_compilation, "GRAPH_REWRITES", ())
        fits[rewrites] = MLPClassifier(
            (16, 8), batch_size=64, max_iter=5, random_state=0, **params
        ).fit(X, y)
    np.testing.assert_allclose(fits["all"].loss_curve_, fits["skdense's"].loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(
        fits["all"].predict_proba(X), fits["skdense's"].predict_proba(X), atol=1e-5
    )


def test_jax_compiles_small_fits_quickly_and_large_ones_well():
    pytest.importorskip("jax")
    from skdense._backends.jax_compilation import LIGHT, OPTIMISED, QUICK, cheapest_compilation

    w1_step, w2_step = 32 * 2_201, 128 * 87_010  # multiply-adds per step
    digits_step = 200 * 7_510  # scikit-learn's default network and batch on digits
    assert cheapest_compilation(20, 63, w1_step, earlier_fits=0) is QUICK
    assert cheapest_compilation(200, 469, w2_step, earlier_fits=0) is OPTIMISED
    assert cheapest_compilation(200, 7, digits_step, earlier_fits=0) is LIGHT
    # a network refitted (cross-validation folds, a grid's candidates) earns better code,
    # though later than a new one would: what it compiled costs nothing more to run
    assert cheapest_compilation(20, 63, w1_step, earlier_fits=4) is LIGHT
    assert cheapest_compilation(20, 63, w1_step, earlier_fits=4, compiled={QUICK}) is QUICK
    assert cheapest_compilation(20, 63, w1_step, earlier_fits=10, compiled={QUICK}) is LIGHT
    assert cheapest_compilation(200, 7, digits_step, earlier_fits=6) is OPTIMISED
    assert cheapest_compilation(200, 7, digits_step, 6, compiled={LIGHT}) is LIGHT


@only_tensorflow
def test_xla_rule_weighs_compile_cost_against_the_steps_it_serves():
    from skdense._backends.tensorflow import xla_pays

    w1_step, w2_step = 32 * 2_201, 128 * 87_010  # multiply-adds per step
    digits_step = 200 * 7_510  # scikit-learn's default network and batch on digits
    assert not xla_pays(20, 63, w1_step, earlier_fits=0)  # W1: 20 epochs of a small network
    assert xla_pays(200, 63, w1_step, earlier_fits=0)  # the same network for max_iter's 200
    assert not xla_pays(1, 469, w2_step, earlier_fits=0)  # one epoch of a large one
    assert xla_pays(5, 469, w2_step, earlier_fits=0)  # its saving repays in a few epochs
    assert not xla_pays(200, 7, digits_step, earlier_fits=0)
    # a network refitted (cross-validation folds, a grid's candidates): the compile is shared
    assert xla_pays(200, 7, digits_step, earlier_fits=4)


@only_tensorflow
def test_a_pooled_network_keeps_using_what_it_compiled(monkeypatch, multiclass_data):
    from skdense._backends import tensorflow as tf_backend

    X, y = multiclass_data
    _training.clear_network_pool()
    monkeypatch.setattr(tf_backend, "xla_pays", lambda *args: True)
    MLPClassifier((5,), batch_size=64, max_iter=2).fit(X, y)
    monkeypatch.setattr(tf_backend, "xla_pays", lambda *args: False)
    network = next(iter(_pool._pool.values()))[0]
    assert network.engine.choose_compilation(
        max_epochs=2, n_batches=5, batch_size=64
    )  # same shapes
    assert not network.engine.choose_compilation(max_epochs=2, n_batches=6, batch_size=64)


# --- JAX's compiles ------------------------------------------------------------------------------

only_jax = pytest.mark.skipif(BACKEND != "jax", reason="JAX's compile options")


@only_jax
@pytest.mark.parametrize("batch_normalization", [False, True])
def test_every_compilation_gives_the_same_network(
    monkeypatch, multiclass_data, batch_normalization
):
    from skdense._backends import jax as jax_backend
    from skdense._backends import jax_compilation

    X, y = multiclass_data
    params = {"batch_size": 64, "max_iter": 5, "random_state": 0}
    fits = {}
    for compilation in jax_compilation.COMPILATIONS:
        _training.clear_network_pool()
        monkeypatch.setattr(
            jax_backend, "cheapest_compilation", lambda *args, c=compilation, **kw: c
        )
        clf = MLPClassifier((16, 8), batch_normalization=batch_normalization, **params)
        fits[compilation.name] = clf.fit(X, y)
        network = next(iter(_pool._pool.values()))[0]
        assert network.engine._compilations == {compilation}  # compiled that way only
    optimised = fits.pop("optimised")
    for other in fits.values():
        np.testing.assert_allclose(other.loss_curve_, optimised.loss_curve_, rtol=1e-5)
        for theirs, ours in zip(other.coefs_, optimised.coefs_, strict=True):
            np.testing.assert_allclose(theirs, ours, atol=1e-5)


@only_jax
def test_a_compile_option_this_jax_refuses_is_dropped(monkeypatch, multiclass_data):
    from skdense._backends import jax as jax_backend
    from skdense._backends import jax_compilation as rules
    from skdense._backends import jax_store

    unknown = "xla_cpu_option_no_release_has"
    options = {**rules.QUICK.options, unknown: 1}
    with_unknown = rules.Compilation("test", options, compile_seconds=0, step_cost=0)
    monkeypatch.setattr(rules, "_OPTIONAL_OPTIONS", {unknown})
    monkeypatch.setattr(rules, "_refused_options", set())
    monkeypatch.setattr(jax_backend, "cheapest_compilation", lambda *args, **kw: with_unknown)
    monkeypatch.setattr(jax_store, "directory", lambda: None)  # compiled, never loaded
    _training.clear_network_pool()
    X, y = multiclass_data
    assert MLPClassifier((7,), max_iter=2, random_state=0).fit(X, y).n_iter_ == 2
    assert rules._refused_options == {unknown}
    required = rules.Compilation("test", {unknown: 1}, compile_seconds=0, step_cost=0)
    monkeypatch.setattr(jax_backend, "cheapest_compilation", lambda *args, **kw: required)
    monkeypatch.setattr(rules, "_refused_options", set())
    monkeypatch.setattr(rules, "_OPTIONAL_OPTIONS", set())  # a required option: an error
    _training.clear_network_pool()
    with pytest.raises(Exception, match="No such compile option"):
        MLPClassifier((7,), max_iter=2, random_state=0).fit(X, y)


@only_jax
def test_building_a_network_compiles_no_array_constructors(monkeypatch, caplog, multiclass_data):
    import jax

    from skdense._backends import jax_store

    monkeypatch.setattr(jax_store, "directory", lambda: None)  # the epoch is compiled
    X, y = multiclass_data
    with jax.log_compiles(), caplog.at_level(logging.WARNING, logger="jax"):
        # shapes no other test builds, with batch norm's ones and zeros and Adam's slots
        MLPClassifier((13, 11), batch_normalization=True, max_iter=1).fit(X[:, :7], y)
    compiled = [r.getMessage().split(" with ")[0] for r in caplog.records]
    assert "Compiling jit(batches)" in compiled  # the log is seen
    assert [name for name in compiled if "broadcast_in_dim" in name or "stage" in name] == []
    # and outside skdense's builds, Keras's initializers are Keras's again
    zeros = keras.initializers.Zeros()((2, 3), dtype="float32")
    assert isinstance(zeros, jax.Array) and not np.asarray(zeros).any()


@only_jax
def test_values_made_from_numpy_while_building_are_keras_values():
    import jax
    from keras.src.backend.jax.core import JaxVariable

    from skdense._backends import jax as jax_backend

    keras_methods = (keras.initializers.Ones.__call__, JaxVariable._convert_to_tensor)
    made = {}
    with jax_backend.building():
        made["ones"] = keras.initializers.Ones()((2,), dtype="float16")
        made["int"] = keras.Variable(3, dtype="int", trainable=False)
        made["float"] = keras.Variable(0.25, dtype="float32")
        made["list"] = keras.Variable([1.0, 2.0], dtype="float32")
    assert (keras.initializers.Ones.__call__, JaxVariable._convert_to_tensor) == keras_methods
    assert isinstance(made["ones"], jax.Array) and made["ones"].dtype == "float16"
    assert np.asarray(made["ones"]).tolist() == [1.0, 1.0]
    assert made["int"].dtype == "int32" and int(made["int"].numpy()) == 3
    assert made["float"].dtype == "float32" and float(made["float"].numpy()) == 0.25
    assert made["list"].numpy().tolist() == [1.0, 2.0]


# --- between backends ----------------------------------------------------------------------------

_FIT = """
import pickle, sys, numpy as np, skops.io
from sklearn.datasets import make_classification
import skdense
X, y = make_classification(n_samples=200, n_features=6, n_classes=3, n_informative=4,
                           random_state=0)
clf = skdense.MLPClassifier((8,), max_iter=3, random_state=0).fit(X, y)
pickle.dump((clf, clf.predict_proba(X), X), open(sys.argv[1], "wb"))
skops.io.dump(clf, sys.argv[1] + ".skops")
"""

_LOAD = """
import pickle, sys, numpy as np, skops.io
import skdense
clf, expected, X = pickle.load(open(sys.argv[1], "rb"))
np.testing.assert_allclose(clf.predict_proba(X), expected, atol=1e-6)
loaded = skops.io.load(sys.argv[1] + ".skops", trusted=skdense.TRUSTED_TYPES)
np.testing.assert_allclose(loaded.predict_proba(X), expected, atol=1e-6)
print("ok")
"""


def _run(backend, script, *args):
    env = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.skipif(BACKEND != "tensorflow", reason="starts both backends itself: run once")
@pytest.mark.parametrize(("saved_on", "loaded_on"), [("jax", "tensorflow"), ("tensorflow", "jax")])
def test_fitted_estimators_move_between_backends(tmp_path, saved_on, loaded_on):
    path = str(tmp_path / "clf.pkl")
    _run(saved_on, _FIT, path)
    assert _run(loaded_on, _LOAD, path).strip() == "ok"


@pytest.mark.skipif(BACKEND != "tensorflow", reason="starts both backends itself: run once")
def test_a_random_state_trains_the_same_network_on_both_backends(tmp_path):
    paths = {backend: str(tmp_path / f"{backend}.pkl") for backend in ("tensorflow", "jax")}
    for backend, path in paths.items():
        _run(backend, _FIT, path)
    (tf_fit, _, _), (jax_fit, _, _) = (pickle.load(open(p, "rb")) for p in paths.values())
    for a, b in zip(tf_fit.coefs_, jax_fit.coefs_, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_an_unsupported_backend_is_named_at_the_first_fit():
    script = """
    import numpy as np
    from skdense import MLPClassifier
    X = np.random.default_rng(0).normal(size=(20, 3))
    try:
        MLPClassifier(max_iter=1).fit(X, X[:, 0] > 0)
    except RuntimeError as error:
        print(type(error).__name__, error)
    """
    output = _run("numpy", script)
    assert output.startswith("UnsupportedBackendError")
    assert "tensorflow and jax" in output and "'numpy'" in output


def test_import_and_unfitted_use_load_no_framework():
    script = """
    import pickle, sys
    import skdense
    from sklearn.base import clone
    clf = clone(skdense.MLPClassifier(hidden_layer_sizes=(4,)))
    pickle.loads(pickle.dumps(clf)).get_params()
    skdense.clear_network_pool()
    print(sorted(m for m in ("keras", "tensorflow", "jax") if m in sys.modules))
    """
    assert _run(BACKEND, script).strip() == "[]"


@only_tensorflow
def test_gpu_epochs_always_compile_with_xla():
    # No GPU here: the choice is made from the device name alone, before anything is placed.
    from skdense._spec import NetworkSpec, OptimizerSpec

    spec = NetworkSpec(n_features=3, hidden_layer_sizes=(2,), dropout=(0.0,))
    network = _training.CompiledNetwork(spec, "squared_error", OptimizerSpec("adam"), "/GPU:0")
    assert network.engine.choose_compilation(max_epochs=1, n_batches=1, batch_size=8)
