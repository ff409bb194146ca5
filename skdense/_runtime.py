"""Where and how networks run: devices, GPU memory policy, CPU threads and executors, in one place.

Nothing here knows about scikit-learn. The estimators run every fit and predict inside
:func:`device_scope`, which sizes TensorFlow's thread pools to this process's CPU share the
first time (TensorFlow fixes them when its runtime starts) and lends a device for the call.
"""

import collections
import contextlib
import functools
import os
import re
import sys
import threading

import joblib
import tensorflow as tf

_GPU_NAME = re.compile(r"^gpu(?::(\d+))?$")
THREADS_VARIABLE = "SKDENSE_NUM_THREADS"


# --- devices -----------------------------------------------------------------------------------


@functools.cache
def visible_gpus():
    """The GPUs TensorFlow can see, with memory growth switched on for each.

    Memory growth makes TensorFlow take GPU memory as a fit needs it instead of reserving the
    whole card at start-up, so several processes (or a notebook next to a training job) can share
    a GPU. It has to be set before TensorFlow touches the device, hence here, once.
    """
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        with contextlib.suppress(RuntimeError):  # already initialised by the user: keep theirs
            tf.config.experimental.set_memory_growth(gpu, True)
    return tuple(gpus)


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


def resolve_device(device, gpus=None, busy=None, slot=0):
    """The TensorFlow device string for a ``device`` parameter value.

    ``"auto"`` falls back to the CPU without GPUs; with several, it takes the GPU running the
    fewest calls in this process (``busy`` maps device strings to counts), ties going to the
    first from index ``slot`` on. So concurrent fits in the threads of one worker each get their
    own GPU, and worker processes with different slots start on different GPUs.
    ``"gpu"``/``"gpu:N"`` raise a clear error when no such GPU is visible rather than silently
    training on the CPU. ``gpus`` is the list of visible GPUs (tests pass a fake one).
    """
    kind, index = parse_device(device)
    if kind == "cpu":
        return "/CPU:0"
    gpus = visible_gpus() if gpus is None else gpus
    if kind == "auto":
        if not gpus:
            return "/CPU:0"
        busy = busy or {}
        from_slot = [(slot + k) % len(gpus) for k in range(len(gpus))]
        return f"/GPU:{min(from_slot, key=lambda i: busy.get(f'/GPU:{i}', 0))}"
    index = 0 if index is None else index
    if index >= len(gpus):
        raise ValueError(
            f"device={device!r} asks for GPU {index}, but TensorFlow sees {len(gpus)} GPU(s). "
            "Install the CUDA build with `pip install 'skdense[gpu]'`, check "
            "CUDA_VISIBLE_DEVICES, or use device='auto' to fall back to the CPU."
        )
    return f"/GPU:{index}"


_calls_in_flight = collections.Counter()  # device string -> fits and predicts running on it
_in_flight_lock = threading.Lock()


@contextlib.contextmanager
def device_scope(device):
    """Lend the device for one fit or predict of an estimator with this ``device`` parameter.

    Sizes TensorFlow's threads first (see :func:`configure_threads`), then counts the call
    against the device it got until the block exits, so ``"auto"`` spreads concurrent calls.
    """
    configure_threads()
    with _in_flight_lock:
        name = resolve_device(device, busy=_calls_in_flight, slot=_process_slot())
        _calls_in_flight[name] += 1
    try:
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


_threads_lock = threading.Lock()
_threads_configured = False


def configure_threads():
    """Size TensorFlow's CPU thread pools to :func:`cpu_share`, once per process.

    TensorFlow sizes its intra-op pool (threads inside one operation) and inter-op pool
    (operations in parallel) to the whole machine when its runtime starts, and cannot resize
    them later. In a worker process that shares the machine with others, that oversubscribes
    the CPU, so the estimators call this before their first TensorFlow operation, and both
    pools get the process's share. Whether a training step uses the inter-op pool at all is
    chosen per call by :func:`step_executor`. Settings the user made with
    ``tf.config.threading``, or a runtime already started, are left alone.

    Returns the ``(intra_op, inter_op)`` thread counts TensorFlow reports (0: its default).
    """
    global _threads_configured
    threading_config = tf.config.threading
    with _threads_lock:
        chosen_by_user = threading_config.get_intra_op_parallelism_threads() or (
            threading_config.get_inter_op_parallelism_threads()
        )
        if not _threads_configured and not chosen_by_user:
            n_threads = cpu_share()
            with contextlib.suppress(RuntimeError):  # TensorFlow already started: too late
                threading_config.set_intra_op_parallelism_threads(n_threads)
                threading_config.set_inter_op_parallelism_threads(n_threads)
        _threads_configured = True
        return (
            threading_config.get_intra_op_parallelism_threads(),
            threading_config.get_inter_op_parallelism_threads(),
        )


# --- executors -----------------------------------------------------------------------------------

# Multiply-adds per training step (batch rows x network weights) from which a step has enough
# arithmetic to gain from running independent operations on several threads. Measured on 2
# cores (benchmarks/levers.py): an MLP(100, 100) at batch 64 (1.3 M) steps faster inline, a
# 784-100-64-32 network at batch 32 (2.8 M) faster on the pool.
PARALLEL_STEP_WORK = 2**21


def runs_inline(device, work_per_step, inline_safe=True):
    """Whether :func:`step_executor` runs such a step inline (see there)."""
    return inline_safe and work_per_step < PARALLEL_STEP_WORK and "GPU" not in device.upper()


def step_executor(device, work_per_step, inline_safe=True):
    """The context in which to call a compiled function doing ``work_per_step`` multiply-adds.

    A small network's step is a chain of tiny operations, and handing each to the inter-op
    pool costs more than the operation itself: TensorFlow's single-threaded executor runs them
    inline in the calling thread instead (each operation still uses the intra-op pool), which
    halves the time per step of an MLP(100) at batch 32. Larger steps, and every step on a GPU,
    where operations are asynchronous launches, keep TensorFlow's default executor, and so do
    graphs not known to be ``inline_safe``: the single-threaded executor hung on the
    conditional update of Keras's loss-scaling optimizer.
    """
    inline = runs_inline(device, work_per_step, inline_safe)
    return tf.experimental.function_executor_type("SINGLE_THREADED_EXECUTOR" if inline else "")
