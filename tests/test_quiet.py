"""Importing skdense and fitting print nothing, in a fresh process and in its workers.

The scripts run in fresh Python processes, as a user's would, with warnings turned into
errors (``PYTHONWARNINGS=error`` reaches joblib's and Dask's workers too) and without
``TF_CPP_MIN_LOG_LEVEL`` inherited from this test process.
"""

import os
import subprocess
import sys
import textwrap
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
