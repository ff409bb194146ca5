"""The measuring process: runs a plan of measurements and writes their results as JSON.

``run.py`` starts it as ``python -m harness.worker PLAN RESULT`` from the benchmarks folder,
normally once per measurement so that every cold figure comes from a fresh process (nothing
traced, no pooled network, no warm caches). For skdense it then repeats the same work in the
same process: the warm figure a user sees on the second fit of a session. The Keras backend
and JAX's compilation cache folder come from the environment ``run.py`` gives the process.

A measurement's ``variant`` says what else it times: ``"cold"`` (the default), ``"imports"``
(the clock starts before ``import skdense``: run as the first thing in a fresh process), or
``"cache_fill"`` / ``"cache_warm"`` (an untimed run that fills the compilation cache, and the
timed run after it; only the environment differs, so the worker treats them as ``"cold"``).
"""

import importlib
import json
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow is imported

from harness import procedures
from harness.data import load
from harness.peers import PEERS
from harness.workloads import workloads


def main(argv=None):
    plan_path, result_path = argv if argv is not None else sys.argv[1:]
    plan = json.loads(Path(plan_path).read_text())
    warnings.filterwarnings("ignore")  # convergence warnings after a fixed number of epochs
    results = [measure(item, plan) for item in plan["measurements"]]
    Path(result_path).write_text(json.dumps({"results": results, "runtime": _runtime()}))


def measure(item, plan):
    """One measurement: ``item`` names the workload, the peer and the repeat."""
    workload = workloads(plan["quick"])[item["workload"]]
    peer = PEERS[item["peer"]]
    record = dict(item)
    reason = peer.unavailable(item.get("backend"))
    if reason is not None:
        return {**record, "status": "skipped", "reason": reason}
    try:
        data = load(workload.dataset, quick=plan["quick"], cache_dir=plan.get("cache_dir"))
        record.update(shape=list(data.shape), data_source=data.source)
        if item.get("variant") == "imports":
            return {**record, **_with_imports(workload, peer, data, plan["device"])}
        if peer.uses_keras:
            seed_keras(item["repeat"])
        tensorflow_before = "tensorflow" in sys.modules
        timing = procedures.run(workload, peer, data, plan["device"])
        record.update(seconds=timing.seconds, score=timing.score, **timing.details)
        # A lazy import of TensorFlow inside the clock is a cost the report names: on the
        # JAX backend some peers load it at their own import, before the clock, others not.
        record.update(imported_tensorflow=not tensorflow_before and "tensorflow" in sys.modules)
        record.update(warmup_seconds=timing.warmup_seconds)
        if (
            peer.key == "skdense"
            and workload.procedure != "epochs"
            and item.get("variant", "cold") == "cold"
        ):
            warm = procedures.run(workload, peer, data, plan["device"])
            record.update(warm_seconds=warm.seconds, warm_score=warm.score)
    except Exception as error:  # one failing peer must not stop the run: it is reported
        return {**record, "status": "error", "reason": describe_error(error)}
    return {**record, "status": "ok"}


def seed_keras(seed):
    """``keras.utils.set_random_seed`` without loading TensorFlow on another backend.

    Keras's function also seeds TensorFlow whenever it is installed, which imports it: on the
    JAX backend that would put TensorFlow into the process (and time its threads) although
    nothing uses it, unlike the GPU machines, where it does not exist. So on other backends
    the worker sets what Keras's function sets for them: Python's, numpy's and Keras's seed.
    """
    import keras

    if keras.backend.backend() == "tensorflow":
        keras.utils.set_random_seed(seed)  # this process only: a benchmark
        return
    import random

    import numpy as np
    from keras.src.backend.common import global_state  # private: no public way around TF
    from keras.src.random import seed_generator
    from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED

    global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (the legacy global state Keras's function seeds)


def _with_imports(workload, peer, data, device):
    """Seconds from before ``import skdense`` to the end of the first fit (``"fit"`` only).

    Whatever skdense imports on the way (Keras, the backend; some of it only at the first fit)
    is inside the clock; numpy, pandas and scikit-learn, which the harness itself needs, are
    already loaded. The estimator's ``random_state`` seeds it: no Keras call may come first.
    """
    if workload.procedure != "fit" or peer.key != "skdense":
        raise ValueError("imports are timed for skdense's one-fit workloads only")
    if "skdense" in sys.modules or "keras" in sys.modules:
        raise RuntimeError("skdense was imported before its import could be timed")
    start = time.perf_counter()
    importlib.import_module("skdense")
    estimator = peer.estimator(workload, device)
    estimator.fit(data.X_train, data.y_train)
    seconds = time.perf_counter() - start
    return {
        "status": "ok",
        "seconds": seconds,
        "score": procedures.held_out_score(workload, estimator, data),
    }


def describe_error(error):
    """``Type: first line of the message``, without this machine's paths."""
    message = str(error).splitlines()[0] if str(error) else ""
    for path, placeholder in (
        (str(Path(__file__).resolve().parents[2]), "<repo>"),
        (sys.prefix, "<python>"),
        (str(Path.home()), "~"),
    ):
        message = message.replace(path, placeholder)
    return f"{type(error).__name__}: {message[:300]}"


def _runtime():
    """The GPUs TensorFlow or JAX saw in this process, and whether TensorFlow was loaded."""
    gpus = []
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        for gpu in tf.config.list_physical_devices("GPU"):
            details = tf.config.experimental.get_device_details(gpu)
            gpus.append(details.get("device_name", gpu.name))
    if "jax" in sys.modules:
        import jax

        gpus += [device.device_kind for device in jax.devices() if device.platform == "gpu"]
    return {"gpus": sorted(set(gpus)), "tensorflow_loaded": "tensorflow" in sys.modules}


if __name__ == "__main__":
    main()
