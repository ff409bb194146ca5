"""Run skdense's speed benchmarks (issue 4) against raw Keras, scikit-learn and scikeras.

    python benchmarks/run.py                      # everything, medians of 3 (about 15 min)
    python benchmarks/run.py --quick              # tiny sizes, one process: a smoke test
    python benchmarks/run.py --workloads W1,W3 --repeats 5
    python benchmarks/run.py --device gpu         # skdense on the GPU

Each measurement runs in a fresh worker process (``harness/worker.py``); this process only
plans, collects and writes ``benchmarks/results/<machine>.md`` (and the raw ``.json``).
"""

import argparse
import datetime
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import data, environment, report
from harness.peers import KERAS_BACKENDS, PEERS
from harness.workloads import CACHE_WORKLOADS, workloads

BENCHMARKS = Path(__file__).resolve().parent
# On a GPU machine (no TensorFlow, so no scikeras): what fits in 8 minutes with 3 repeats.
GPU_PEERS = ("skdense", "keras", "floor", "sklearn", "sklearn_linear", "limit")


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    parser.add_argument("--workloads", default=",".join(workloads()), help="e.g. W1,W3")
    parser.add_argument(
        "--peers", default=None, help="e.g. skdense,keras (default: all; GPU: see README)"
    )
    parser.add_argument(
        "--backends",
        default=None,
        help="Keras backends, e.g. tensorflow,jax (default: those installed)",
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="runs per figure, medians reported (3; 1 quick)"
    )
    parser.add_argument("--device", default="auto", help='skdense\'s device: "cpu", "gpu", ...')
    parser.add_argument(
        "--machine", default=None, help="name in the report, e.g. cpu-2core (default: derived)"
    )
    parser.add_argument("--out", type=Path, default=None, help="Markdown file to write")
    parser.add_argument(
        "--isolate",
        default=None,
        help="peers measured in a fresh process each; the others share one process per "
        "backend and repeat (default: all peers; with --device gpu: skdense)",
    )
    parser.add_argument(
        "--single-process",
        action="store_true",
        help="isolate no peer (the default with --quick): fast, but cold figures are warm",
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds allowed per worker process"
    )
    args = parser.parse_args(argv)
    args.workloads = _choose(args.workloads, workloads(), "--workloads")
    on_gpu = args.device.lower().startswith("gpu")
    args.peers = _choose(args.peers or ",".join(GPU_PEERS if on_gpu else PEERS), PEERS, "--peers")
    installed = [name for name in KERAS_BACKENDS if importlib.util.find_spec(name)]
    args.backends = _choose(
        args.backends or ",".join(installed or KERAS_BACKENDS), KERAS_BACKENDS, "--backends"
    )
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.single_process:
        args.isolate = []
    elif args.isolate:
        args.isolate = _choose(args.isolate, PEERS, "--isolate")
    elif args.quick:
        args.isolate = []  # a smoke test: one process per backend
    else:
        args.isolate = ["skdense"] if on_gpu else list(PEERS)
    args.machine = args.machine or environment.default_machine_name(args.device)
    if args.out is None:
        suffix = "-quick" if args.quick else ""
        args.out = BENCHMARKS / "results" / f"{args.machine}{suffix}.md"
    return args


def _choose(text, known, option):
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        raise SystemExit(f"{option}: unknown {unknown or text!r}; choose from {', '.join(known)}")
    return [name for name in known if name in chosen]  # report order


def plan_measurements(args):
    """Every (workload, peer, backend, variant), one repeat of everything after another.

    A peer built on Keras gets one measurement per backend; scikit-learn and the limit one in
    all. skdense adds W1 with its imports timed, and on JAX W1 and W4 with a warm compilation
    cache.
    """
    selected = workloads(args.quick)
    plan = []
    for repeat in range(args.repeats):
        for key in args.workloads:
            for peer in args.peers:
                if peer not in selected[key].peers:
                    continue
                backends = [b for b in PEERS[peer].backends if b in args.backends]
                for backend in backends if PEERS[peer].backends else [None]:
                    item = {"workload": key, "peer": peer, "backend": backend, "repeat": repeat}
                    plan.append({**item, "variant": "cold"})
                    if peer == "skdense" and key == "W1":
                        plan.append({**item, "variant": "imports"})
                    if peer == "skdense" and key in CACHE_WORKLOADS and backend == "jax":
                        plan.append({**item, "variant": "cache_warm"})
    return plan


def run_worker(measurements, args, cache_dir, compilation_cache=None):
    """Run ``measurements`` in one fresh worker process; returns its records and runtime.

    Every worker gets its Keras backend in ``KERAS_BACKEND`` and its own JAX compilation cache
    folder in ``JAX_COMPILATION_CACHE_DIR``: ``compilation_cache`` when given, else a fresh
    empty one, so that no figure depends on the user's cache or on an earlier worker's.
    """
    with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
        plan_path, result_path = Path(scratch, "plan.json"), Path(scratch, "result.json")
        plan = {
            "quick": args.quick,
            "device": args.device,
            "cache_dir": str(cache_dir),
            "measurements": measurements,
        }
        plan_path.write_text(json.dumps(plan))
        env = worker_environment(
            measurements[0]["backend"], args.device, compilation_cache or Path(scratch, "jax")
        )
        command = [sys.executable, "-m", "harness.worker", str(plan_path), str(result_path)]
        try:
            done = subprocess.run(
                command,
                cwd=BENCHMARKS,
                env=env,
                capture_output=True,
                text=True,
                timeout=args.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return _failed(measurements, f"worker timed out after {args.timeout:.0f} s"), {}
        if done.returncode != 0 or not result_path.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return _failed(measurements, f"worker exited with {done.returncode}: {last}"), {}
        result = json.loads(result_path.read_text())
        return result["results"], result["runtime"]


def worker_environment(backend, device, compilation_cache):
    """The environment of a worker: backend, compilation cache, devices, quiet TensorFlow."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _CACHE_VARIABLES and name != "KERAS_BACKEND"
    }
    env["TF_CPP_MIN_LOG_LEVEL"] = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")
    env["JAX_COMPILATION_CACHE_DIR"] = str(compilation_cache)
    if backend is not None:
        env["KERAS_BACKEND"] = backend
    if device == "cpu":  # every peer on the CPU, not only skdense
        env["CUDA_VISIBLE_DEVICES"] = ""
        env["JAX_PLATFORMS"] = "cpu"
    return env


# JAX settings a user may have exported that would change what the cache figures mean.
_CACHE_VARIABLES = (
    "JAX_COMPILATION_CACHE_DIR",
    "JAX_ENABLE_COMPILATION_CACHE",
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS",
    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES",
)


def _failed(measurements, reason):
    return [{**item, "status": "error", "reason": reason} for item in measurements]


def run_all(args, cache_dir):
    """Run the plan: a worker per measurement, or one per backend with ``--single-process``.

    Measurements that need a process of their own (imports timed, a warm compilation cache)
    get one in either mode. A peer skipped once on a backend is skipped there from then on.
    """
    measurements = plan_measurements(args)
    groups = group_measurements(measurements, args)
    records, gpus, skipped, start = [], set(), {}, time.perf_counter()
    tensorflow_loaded = False
    _progress(f"running {len(measurements)} measurements in {len(groups)} processes")
    for index, group in enumerate(groups, start=1):
        first = group[0]
        where = (first["peer"], first["backend"])
        if len(group) == 1 and where in skipped:
            records.append({**first, "status": "skipped", "reason": skipped[where]})
            continue
        group_records, runtime = _run_group(group, args, cache_dir)
        gpus.update(runtime.get("gpus") or [])
        tensorflow_loaded = tensorflow_loaded or runtime.get("tensorflow_loaded", False)
        for record in group_records:
            if record["status"] == "skipped":
                skipped[record["peer"], record["backend"]] = record["reason"]
            records.append(record)
            elapsed = time.perf_counter() - start
            _progress(f"[{index}/{len(groups)}, {elapsed:.0f} s] {_describe(record)}")
    return records, {"gpus": sorted(gpus), "tensorflow_loaded": tensorflow_loaded}


def group_measurements(measurements, args):
    """Worker processes: one per isolated measurement, one per (repeat, backend) for the rest.

    W1's imports-included figure and W4's warm-cache figure always get a process of their own.
    """
    groups, shared = [], {}
    for item in measurements:
        if item["peer"] in args.isolate or item["variant"] != "cold":
            groups.append([item])
            continue
        key = (item["repeat"], item["backend"])
        if key not in shared:
            shared[key] = []
            groups.append(shared[key])
        shared[key].append(item)
    return groups


def _run_group(group, args, cache_dir):
    """One worker for ``group``; a warm-cache measurement first fills a cache, untimed.

    The filling run's record is kept in the raw results (the report leaves it out).
    """
    item = group[0]
    if item["variant"] != "cache_warm":
        return run_worker(group, args, cache_dir)
    folder = Path(tempfile.mkdtemp(prefix="jax-cache-", dir=cache_dir))
    filled, _ = run_worker([{**item, "variant": "cache_fill"}], args, cache_dir, folder)
    if filled[0]["status"] != "ok":
        return [*filled, {**filled[0], "variant": "cache_warm"}], {}
    records, runtime = run_worker(group, args, cache_dir, folder)
    return [*filled, *records], runtime


def _describe(record):
    backend = f" on {record['backend']}" if record["backend"] else ""
    variant = f", {record['variant']}" if record["variant"] != "cold" else ""
    what = (
        f"{record['workload']} {record['peer']}{backend}{variant} (repeat {record['repeat'] + 1})"
    )
    if record["status"] != "ok":
        return f"{what}: {record['status']}: {record.get('reason', '')}"
    text = f"{what}: {record['seconds']:.3f} s"
    if record.get("score") is not None:
        text += f", score {record['score']:.3f}"
    if record.get("warm_seconds") is not None:
        text += f"; warm {record['warm_seconds']:.3f} s"
    return text


def _progress(message):
    print(message, file=sys.stderr, flush=True)


def main(argv=None):
    args = parse_arguments(argv)
    started, start = datetime.datetime.now(datetime.timezone.utc), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="skdense-bench-") as cache_dir:
        if "W2" in args.workloads:
            data.wide(args.quick, cache_dir)  # generated once, loaded by every worker
        records, runtime = run_all(args, cache_dir)
    minutes, seconds = divmod(round(time.perf_counter() - start), 60)
    run = {
        "machine": args.machine,
        "device": args.device,
        "backends": args.backends,
        "quick": args.quick,
        "repeats": args.repeats,
        "isolated": [PEERS[key].label for key in args.isolate if key in args.peers],
        "gpus": runtime.get("gpus"),
        "tensorflow_loaded": runtime.get("tensorflow_loaded"),
        "date": started.strftime("%Y-%m-%d %H:%M"),
        "duration": f"{minutes} min {seconds} s",
    }
    selected = {
        key: value for key, value in workloads(args.quick).items() if key in args.workloads
    }
    peers = {key: value for key, value in PEERS.items() if key in args.peers}
    environment_description = environment.describe()
    summaries = report.summarise(records)
    text = report.render(summaries, selected, peers, environment_description, run)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    raw = {"run": run, "environment": environment_description, "records": records}
    args.out.with_suffix(".json").write_text(json.dumps(raw, indent=1))
    _progress(f"wrote {args.out.name} and {args.out.with_suffix('.json').name}")
    return 0 if all(record["status"] != "error" for record in records) else 1


if __name__ == "__main__":
    sys.exit(main())
