"""Importing skdense and fitting print nothing, in a fresh process and in its workers.

The scripts run in fresh Python processes, as a user's would, with warnings turned into
errors (``PYTHONWARNINGS=error`` reaches joblib's and Dask's workers too) and without
``TF_CPP_MIN_LOG_LEVEL`` inherited from this test process.
"""

import concurrent.futures
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from skdense import _quiet

ROOT = Path(__file__).resolve().parents[1]

# Two epochs: tol=10 stops the fit before a ConvergenceWarning could be raised.
FIT = """
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_val_score
import skdense

X, y = load_iris(return_X_y=True)
model = skdense.MLPClassifier((8,), tol=10, n_iter_no_change=1, random_state=0)
"""


def _run_quietly(script):
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(PYTHONWARNINGS="error", PYTHONPATH=pythonpath)
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_import_and_fit_print_nothing_on_stderr():
    done = _run_quietly(FIT + "print(model.fit(X, y).predict(X[:2]))")
    assert done.stderr == ""
    assert done.stdout.strip()  # the script did run to its end


def test_joblib_workers_print_nothing_on_stderr():
    done = _run_quietly(FIT + "print(cross_val_score(model, X, y, cv=2, n_jobs=2))")
    assert done.stderr == ""
    assert done.stdout.strip().startswith("[")


def test_dask_workers_print_nothing_on_stderr():
    script = (
        FIT
        + """
import distributed, joblib

if __name__ == "__main__":
    with (
        distributed.LocalCluster(
            n_workers=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        print(cross_val_score(model, X, y, cv=2, n_jobs=-1))
"""
    )
    done = _run_quietly(script)
    # Dask's own cluster logging stays (on a busy machine the nanny may report a worker slow
    # to exit); nothing else may reach stderr.
    others = [line for line in done.stderr.splitlines() if " - distributed." not in line]
    assert others == []
    assert done.stdout.strip().startswith("[")


def test_threads_that_fit_at_once_share_one_quiet_import():
    # A Dask worker runs its tasks on threads: the first fits of a process may start together,
    # and each must wait for the one import of Keras rather than use it half-initialized.
    done = _run_quietly(
        FIT
        + """
from concurrent.futures import ThreadPoolExecutor
from sklearn.base import clone

with ThreadPoolExecutor(4) as pool:
    fits = list(pool.map(lambda _: clone(model).fit(X, y), range(4)))
print([fit.n_iter_ for fit in fits])
"""
    )
    assert done.stderr == ""
    assert done.stdout.strip().startswith("[")


def test_a_module_imported_by_another_thread_is_returned_complete(tmp_path, monkeypatch):
    # What a Dask worker's second thread met: Keras in sys.modules, still initializing.
    (tmp_path / "slow_to_import.py").write_text("import time\ntime.sleep(0.5)\nREADY = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_to_import", raising=False)

    def ready_on_return():
        return getattr(_quiet.import_quietly("slow_to_import"), "READY", False)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(ready_on_return)
        while "slow_to_import" not in sys.modules:
            time.sleep(0.001)
        second = pool.submit(ready_on_return)
        assert [first.result(), second.result()] == [True, True]


def test_quiet_startup_drops_only_the_start_up_noise(capfd):
    noise = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1.2 123 cudart_stub.cc:31] Could not find cuda drivers on your machine, "
        "GPU will not be used.\n"
    )
    with _quiet.quiet_startup():
        os.write(2, noise.encode())
        os.write(2, b"RuntimeError: a real problem\n")
        os.write(2, b"UserWarning: a Python warning\n")
        os.write(2, noise.encode())
    os.write(2, b"after the block\n")
    assert capfd.readouterr().err == (
        "RuntimeError: a real problem\nUserWarning: a Python warning\nafter the block\n"
    )


def test_quiet_startup_restores_stderr_when_the_block_raises(capfd):
    try:
        with _quiet.quiet_startup():
            raise ImportError("no module named tensorflow")
    except ImportError:
        pass
    os.write(2, b"still here\n")
    assert capfd.readouterr().err == "still here\n"


def test_a_log_level_the_user_set_is_kept():
    environ = {"TF_CPP_MIN_LOG_LEVEL": "0"}
    _quiet.set_logging_defaults(environ)
    assert environ == {"TF_CPP_MIN_LOG_LEVEL": "0"}
    environ = {}
    _quiet.set_logging_defaults(environ)
    assert environ == {"TF_CPP_MIN_LOG_LEVEL": "3"}


def test_a_keras_estimator_fit_prints_nothing_on_stderr():
    """The build function imports Keras after skdense did; on JAX, Keras's serialization
    imports TensorFlow where it is installed, which skdense imports first, quietly."""
    script = """
    from sklearn.datasets import load_iris
    import skdense

    def build(meta):
        import keras

        return keras.Sequential(
            [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(3, activation="softmax")]
        )

    X, y = load_iris(return_X_y=True)
    clf = skdense.KerasClassifier(build, loss="sparse_categorical_crossentropy", epochs=2)
    print(clf.fit(X, y).predict(X[:2]))
    """
    done = _run_quietly(script)
    assert done.stderr == ""
    assert done.stdout.strip().startswith("[")


def test_a_keras_estimator_fit_on_jax_does_not_import_tensorflow():
    """Keras's serialization would import TensorFlow (2-3 s) on any backend where it is
    installed; skdense's fits on JAX keep it out."""
    script = """
    import os, sys
    os.environ["KERAS_BACKEND"] = "jax"
    from sklearn.datasets import load_iris
    import skdense

    def build(meta):
        import keras

        return keras.Sequential(
            [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(3, activation="softmax")]
        )

    X, y = load_iris(return_X_y=True)
    clf = skdense.KerasClassifier(build, loss="sparse_categorical_crossentropy", epochs=2)
    clf.fit(X, y).predict(X[:2])
    print("tensorflow" in sys.modules)
    """
    done = _run_quietly(script)
    assert done.stdout.strip() == "False"
