"""The JAX backend's store of compiled epochs: a later process (here, a new pooled network
with an empty memory) loads what an earlier one compiled, trains exactly as a compile would,
and anything wrong with the store falls back to compiling."""

import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
from _keras_models import get_model

from skdense import KerasClassifier, MLPClassifier, _pool, _training

pytestmark = [
    pytest.mark.skipif(
        keras.backend.backend() != "jax", reason="the store keeps JAX's compiled programs"
    ),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]
PARAMS = {"batch_size": 32, "max_iter": 3, "random_state": 0}


@pytest.fixture
def store(monkeypatch, tmp_path):
    from skdense._backends import jax_store

    folder = tmp_path / "store"
    monkeypatch.setattr(jax_store, "directory", lambda: str(folder))
    return folder


def _programs(folder):
    return sorted(folder.glob("*.epoch")) if folder.exists() else []


def _fit_fresh(X, y, **params):
    """A fit on a network built anew, which holds no compiled epoch in memory."""
    _training.clear_network_pool()
    clf = MLPClassifier((9,), **{**PARAMS, **params}).fit(X, y)
    (network,) = next(iter(_pool._pool.values()))
    return clf, network.engine


def _assert_same_fit(ours, theirs):
    np.testing.assert_array_equal(ours.loss_curve_, theirs.loss_curve_)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_array_equal(a, b)


def test_a_stored_epoch_is_loaded_and_trains_as_a_compiled_one(
    monkeypatch, store, multiclass_data
):
    from skdense._backends import jax_store

    X, y = multiclass_data
    first, engine = _fit_fresh(X, y)
    assert engine.epoch_traces >= 1 and len(_programs(store)) == 1
    loaded, engine = _fit_fresh(X, y)
    assert engine.epoch_traces == 0 and engine.epoch_programs == 1  # nothing traced
    _assert_same_fit(loaded, first)
    monkeypatch.setattr(jax_store, "directory", lambda: None)  # the store off
    compiled, engine = _fit_fresh(X, y)
    assert engine.epoch_traces >= 1
    _assert_same_fit(compiled, first)


def test_what_decides_the_program_decides_its_name(store, multiclass_data):
    X, y = multiclass_data
    _fit_fresh(X, y)
    _, engine = _fit_fresh(X, y, activation="tanh")  # same shapes, another program
    assert engine.epoch_traces >= 1 and len(_programs(store)) == 2
    _, engine = _fit_fresh(X[:, :7], y)  # other shapes
    assert engine.epoch_traces >= 1 and len(_programs(store)) == 3
    _, engine = _fit_fresh(X, y, alpha=0.5)  # a strength, set per fit: the same program
    assert engine.epoch_traces == 0 and len(_programs(store)) == 3


def test_an_unreadable_stored_epoch_is_compiled_anew(store, multiclass_data):
    X, y = multiclass_data
    first, _ = _fit_fresh(X, y)
    (program,) = _programs(store)
    program.write_bytes(program.read_bytes()[:100])  # truncated, as by a full disk
    again, engine = _fit_fresh(X, y)
    assert engine.epoch_traces >= 1
    _assert_same_fit(again, first)
    _, engine = _fit_fresh(X, y)  # and the program compiled anew was kept
    assert engine.epoch_traces == 0


def test_a_store_that_cannot_be_written_only_costs_the_compile(store, multiclass_data):
    X, y = multiclass_data
    store.parent.mkdir(exist_ok=True)
    store.write_text("a file where the folder should be")
    for _ in range(2):
        _, engine = _fit_fresh(X, y)
        assert engine.epoch_traces >= 1


def test_a_users_model_is_not_stored(store, multiclass_data):
    # Its layers' code is the user's, not part of the program's name.
    X, y = multiclass_data
    _training.clear_network_pool()
    KerasClassifier(
        get_model, loss="sparse_categorical_crossentropy", hidden_layer_dim=8, epochs=2
    ).fit(X, y)
    assert _programs(store) == []


def test_the_least_recently_used_programs_go_first(monkeypatch, store, multiclass_data):
    from skdense._backends import jax_store

    monkeypatch.setattr(jax_store, "MAX_PROGRAMS", 2)
    X, y = multiclass_data
    _fit_fresh(X, y)
    (relu,) = _programs(store)
    _fit_fresh(X, y, activation="tanh")
    (tanh,) = set(_programs(store)) - {relu}
    os.utime(tanh, (1, 1))
    os.utime(relu, (1, 1))
    _, engine = _fit_fresh(X, y)  # loaded: the most recently used now
    assert engine.epoch_traces == 0 and relu.stat().st_mtime > 1
    _fit_fresh(X, y, activation="logistic")
    assert len(_programs(store)) == 2 and relu.exists() and not tanh.exists()


def test_the_store_follows_jax_cache_settings(tmp_path):
    import jax

    from skdense._backends import jax_store

    settings = ("jax_compilation_cache_dir", "jax_enable_compilation_cache")
    before = {name: getattr(jax.config, name) for name in settings}
    try:
        jax.config.update("jax_compilation_cache_dir", str(tmp_path))
        assert jax_store.directory() == os.path.join(str(tmp_path), jax_store.FOLDER)
        jax.config.update("jax_compilation_cache_dir", "gs://bucket/cache")
        assert jax_store.directory() is None  # remote: not ours to write
        jax.config.update("jax_compilation_cache_dir", str(tmp_path))
        jax.config.update("jax_enable_compilation_cache", False)
        assert jax_store.directory() is None  # JAX's cache switched off: ours too
    finally:
        for name, value in before.items():
            jax.config.update(name, value)


_FIT_IN_A_PROCESS = """
import json, sys, numpy as np
from sklearn.datasets import make_classification
from skdense import MLPClassifier, _pool
X, y = make_classification(n_samples=200, n_features=6, random_state=0)
clf = MLPClassifier((5,), batch_size=32, max_iter=3, random_state=0).fit(X, y)
(network,) = next(iter(_pool._pool.values()))
print(json.dumps({"traces": network.engine.epoch_traces, "loss": clf.loss_curve_,
                  "coefs": [c.tolist() for c in clf.coefs_]}))
"""


def _fit_in_a_process(cache):
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_COMPILATION_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _FIT_IN_A_PROCESS], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_later_processes_load_the_epoch_an_earlier_one_compiled(tmp_path):
    first = _fit_in_a_process(tmp_path)
    assert first["traces"] >= 1 and len(_programs(tmp_path / "skdense-epochs")) == 1
    later = _fit_in_a_process(tmp_path)
    assert later["traces"] == 0
    assert later["loss"] == first["loss"] and later["coefs"] == first["coefs"]
    # The store gone but JAX's cache kept: the epoch JAX's cache loads would be stored
    # without its kernels, so it is compiled once more, and what is kept runs.
    shutil.rmtree(tmp_path / "skdense-epochs")
    again = _fit_in_a_process(tmp_path)
    assert again["traces"] >= 1 and again["loss"] == first["loss"]
    loaded = _fit_in_a_process(tmp_path)
    assert loaded["traces"] == 0 and loaded["coefs"] == first["coefs"]


def test_a_stored_epoch_that_cannot_run_is_compiled_anew(monkeypatch, store, multiclass_data):
    import jax

    from skdense._backends import jax_store

    X, y = multiclass_data
    first, _ = _fit_fresh(X, y)
    (program,) = _programs(store)

    def cannot_run(*args):
        raise jax.errors.JaxRuntimeError("NOT_FOUND: Function broadcast.35_kernel not found")

    load = jax_store.load
    monkeypatch.setattr(jax_store, "load", lambda name, device: cannot_run)
    again, engine = _fit_fresh(X, y)
    assert engine.epoch_traces >= 1
    _assert_same_fit(again, first)
    monkeypatch.setattr(jax_store, "load", load)
    assert _programs(store) == [program]  # deleted, and the program compiled anew kept
    _, engine = _fit_fresh(X, y)
    assert engine.epoch_traces == 0


@pytest.mark.parametrize(
    ("cores", "started", "flags", "expected"),
    [
        (2, False, None, "--xla_cpu_parallel_codegen_split_count=1"),
        (1, False, "--xla_dump_to=x", "--xla_dump_to=x --xla_cpu_parallel_codegen_split_count=1"),
        (4, False, None, None),  # more cores: XLA's parallel parts
        (
            2,
            False,
            "--xla_cpu_parallel_codegen_split_count=4",
            "--xla_cpu_parallel_codegen_split_count=4",
        ),
        (2, True, None, None),  # JAX has made its client: the flags would not say what XLA does
    ],
)
def test_code_is_generated_in_one_part_on_few_cores(monkeypatch, cores, started, flags, expected):
    from jax._src import xla_bridge

    from skdense._backends import jax as jax_backend

    monkeypatch.setattr(xla_bridge, "backends_are_initialized", lambda: started)
    environ = {} if flags is None else {"XLA_FLAGS": flags}
    jax_backend._one_codegen_part(environ, cores=cores)
    assert environ.get("XLA_FLAGS") == expected
