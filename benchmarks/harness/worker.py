"""The measuring process: runs a plan of measurements and writes their results as JSON.

``run.py`` starts it as ``python -m harness.worker PLAN RESULT`` from the benchmarks folder,
normally once per measurement so that every cold figure comes from a fresh process (nothing
traced, no pooled network, no warm caches). For skdense it then repeats the same work in the
same process: the warm figure a user sees on the second fit of a session.
"""

import json
import os
import sys
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
    reason = peer.unavailable()
    if reason is not None:
        return {**record, "status": "skipped", "reason": reason}
    try:
        data = load(workload.dataset, quick=plan["quick"], cache_dir=plan.get("cache_dir"))
        record.update(shape=list(data.shape), data_source=data.source)
        if peer.uses_tensorflow:
            import keras

            keras.utils.set_random_seed(item["repeat"])  # this process only: a benchmark
        timing = procedures.run(workload, peer, data, plan["device"])
        record.update(seconds=timing.seconds, score=timing.score)
        record.update(warmup_seconds=timing.warmup_seconds)
        if peer.key == "skdense" and workload.procedure != "epochs":
            warm = procedures.run(workload, peer, data, plan["device"])
            record.update(warm_seconds=warm.seconds, warm_score=warm.score)
    except Exception as error:  # one failing peer must not stop the run: it is reported
        return {**record, "status": "error", "reason": describe_error(error)}
    return {**record, "status": "ok"}


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
    """What TensorFlow saw in this process (nothing when it was not loaded)."""
    if "tensorflow" not in sys.modules:
        return {}
    import tensorflow as tf

    gpus = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        gpus.append(details.get("device_name", gpu.name))
    return {"gpus": gpus}


if __name__ == "__main__":
    main()
