"""Where and how networks run: backend, devices, CPU share and compilation choices, in one place.

Nothing here knows about scikit-learn, and nothing here imports Keras until a network is
needed: the backend module (:mod:`skdense._backends`) is looked up at the first fit or predict.
Every fit and predict runs inside :func:`device_scope`, which prepares the backend once per
process (thread pools, compilation cache) and lends a device for the call.
"""

import collections
import contextlib
import os
import re
import sys
import threading

import joblib

_GPU_NAME = re.compile(r"^gpu(?::(\d+))?$")
THREADS_VARIABLE = "SKDENSE_NUM_THREADS"


# --- devices -----------------------------------------------------------------------------------


def parse_device(device):
    """Check a ``device`` parameter value without touching any hardware.

    Returns ``("cpu", None)``, ``("gpu", index_or_None)`` or ``("auto", None)``.
    """
    if not isinstance(device, str):
        raise ValueError(f"device must be 'auto', 'cpu', 'gpu' or 'gpu:N'; got {device!r}.")
    name = device.strip().lower()
    if name in ("auto", "cpu"):
        return name, None
    match = _GPU_NAME.match(name)
    if match is None:
        raise ValueError(f"device must be 'auto', 'cpu', 'gpu' or 'gpu:N'; got {device!r}.")
    return "gpu", None if match.group(1) is None else int(match.group(1))


def resolve_device(device, gpus, busy=None, slot=0, install_hint=""):
    """The device name (``"/CPU:0"`` or ``"/GPU:N"``) for a ``device`` parameter value.

    ``gpus`` is the number of GPUs the backend sees. ``"auto"`` falls back to the CPU without
    GPUs; with several, it takes the GPU running the fewest calls in this process (``busy``
    maps device names to counts), ties going to the first from index ``slot`` on. So
    concurrent fits in the threads of one worker each get their own GPU, and worker processes
    with different slots start on different GPUs. ``"gpu"``/``"gpu:N"`` raise a clear error
    when no such GPU is visible rather than silently training on the CPU.
    """
    kind, index = parse_device(device)
    if kind == "cpu":
        return "/CPU:0"
    if kind == "auto":
        if not gpus:
            return "/CPU:0"
        busy = busy or {}
        from_slot = [(slot + k) % gpus for k in range(gpus)]
        return f"/GPU:{min(from_slot, key=lambda i: busy.get(f'/GPU:{i}', 0))}"
    index = 0 if index is None else index
    if index >= gpus:
        raise ValueError(
            f"device={device!r} asks for GPU {index}, but the Keras backend sees {gpus} GPU(s). "
            f"{install_hint}Check CUDA_VISIBLE_DEVICES, or use device='auto' to fall back to "
            "the CPU."
        )
    return f"/GPU:{index}"


_calls_in_flight = collections.Counter()  # device name -> fits and predicts running on it
_in_flight_lock = threading.Lock()


def load_keras():
    """Import Keras (and with it the backend's framework) with its start-up noise filtered.

    Every path from an estimator into Keras goes through here first (see :mod:`skdense._quiet`).
    """
    from skdense import _quiet

    return _quiet.import_quietly("keras")


def backend():
    """The backend module for Keras's configured backend (imports Keras on first use)."""
    load_keras()
    from skdense import _backends

    return _backends.current()


@contextlib.contextmanager
def device_scope(device):
    """Lend the device for one fit or predict of an estimator with this ``device`` parameter.

    Prepares the backend first (see the backend's ``prepare_process``), then counts the call
    against the device it got until the block exits, so ``"auto"`` spreads concurrent calls.
    Yields the device name.
    """
    engine = backend()
    engine.prepare_process(cpu_share())
    with _in_flight_lock:
        name = resolve_device(
            device,
            engine.visible_gpu_count(),
            busy=_calls_in_flight,
            slot=_process_slot(),
            install_hint=engine.GPU_INSTALL_HINT,
        )
        _calls_in_flight[name] += 1
    try:
        with engine.on_device(name):
            yield name
    finally:
        with _in_flight_lock:
            _calls_in_flight[name] -= 1


# --- CPU threads -------------------------------------------------------------------------------


def _dask_worker():
    """The Dask worker running the current task, or None (distributed is never imported here)."""
    if "distributed" not in sys.modules:
        return None
    try:
        return sys.modules["distributed"].get_worker()
    except ValueError:  # not inside a task
        return None


def _process_slot():
    """This process's rank among its siblings: a Dask worker's integer name (LocalCluster)."""
    name = getattr(_dask_worker(), "name", None)
    return name if isinstance(name, int) else 0


def _positive_int(environ, variable):
    value = environ.get(variable, "").strip()
    if not value:
        return None
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"{variable} must be a positive integer; got {value!r}.")
    return count


def cpu_share(environ=None, worker_threads=None, n_cpus=None):
    """How many CPU threads this process may keep busy, from the first of these that is set.

    1. ``SKDENSE_NUM_THREADS``: the explicit knob; worker processes inherit it.
    2. ``worker_threads``: a Dask worker's ``nthreads``, the share of its machine it declares.
    3. ``OMP_NUM_THREADS``: joblib's loky backend sets it to ``cpu_count() // n_jobs`` in its
       workers (``joblib.parallel_config(inner_max_num_threads=...)`` overrides that), and
       users set it to cap native thread pools.
    4. ``n_cpus``, by default :func:`joblib.cpu_count`, which respects CPU affinity and
       container CPU quotas (TensorFlow's own default counts every core of the host).

    The arguments exist for tests; by default they are read from this process.
    """
    environ = os.environ if environ is None else environ
    explicit = _positive_int(environ, THREADS_VARIABLE)
    if explicit is not None:
        return explicit
    if worker_threads is None:
        worker_threads = getattr(getattr(_dask_worker(), "state", None), "nthreads", None)
    if worker_threads:
        return int(worker_threads)
    with contextlib.suppress(ValueError):  # a malformed OMP_NUM_THREADS is not ours to reject
        limit = _positive_int(environ, "OMP_NUM_THREADS")
        if limit is not None:
            return limit
    return max(1, joblib.cpu_count() if n_cpus is None else int(n_cpus))


# --- how a step runs ---------------------------------------------------------------------------

# Multiply-adds per training step (batch rows x network weights) from which a step has enough
# arithmetic to gain from running independent operations on several threads. Measured on 2
# cores (benchmarks/levers.py): an MLP(100, 100) at batch 64 (1.3 M) steps faster inline, a
# 784-100-64-32 network at batch 32 (2.8 M) faster on the pool.
PARALLEL_STEP_WORK = 2**21


def is_gpu(device):
    """Whether a device name from :func:`device_name` (``"/GPU:0"``) names a GPU."""
    return "GPU" in device.upper()


def runs_inline(device, work_per_step, inline_safe=True):
    """Whether TensorFlow should run a step of this size inline, on its single-threaded
    executor, rather than on its inter-op pool (see
    ``_backends.tensorflow_compilation.step_executor``)."""
    return inline_safe and work_per_step < PARALLEL_STEP_WORK and not is_gpu(device)
