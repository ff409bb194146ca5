"""How a process shares its machine: TensorFlow threads sized to its CPU share, JAX's compiled
programs cached on disk, GPUs spread over concurrent fits. The choosing logic runs on fake
inputs; subprocesses check the real runtimes end to end. The TensorFlow backend's functions are
tested whichever backend Keras runs on: they need TensorFlow, not Keras set to it."""

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from skdense import _runtime
from skdense._backends import tensorflow as tf_backend


class _TwoGpuBackend:
    """A backend module that sees two GPUs and places nothing."""

    GPU_INSTALL_HINT = ""

    @staticmethod
    def prepare_process(cpu_share):
        pass

    @staticmethod
    def visible_gpu_count():
        return 2

    @staticmethod
    def on_device(name):
        import contextlib

        return contextlib.nullcontext()


# --- CPU share ---------------------------------------------------------------------------------


def test_explicit_thread_count_wins_over_every_other_source():
    environ = {"SKDENSE_NUM_THREADS": "3", "OMP_NUM_THREADS": "1"}
    assert _runtime.cpu_share(environ, worker_threads=2, n_cpus=8) == 3


def test_dask_worker_threads_win_over_omp_limit():
    # The Dask nanny sets OMP_NUM_THREADS=1 in every worker whatever its nthreads.
    assert _runtime.cpu_share({"OMP_NUM_THREADS": "1"}, worker_threads=4, n_cpus=8) == 4


def test_omp_limit_set_by_loky_workers_is_followed():
    assert _runtime.cpu_share({"OMP_NUM_THREADS": "2"}, n_cpus=8) == 2


def test_whole_machine_without_any_limit():
    assert _runtime.cpu_share({}, n_cpus=8) == 8


def test_malformed_omp_limit_is_ignored():
    assert _runtime.cpu_share({"OMP_NUM_THREADS": "lots"}, n_cpus=8) == 8


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_invalid_explicit_thread_count_names_the_variable(value):
    with pytest.raises(ValueError, match=f"SKDENSE_NUM_THREADS must be .*{value}"):
        _runtime.cpu_share({"SKDENSE_NUM_THREADS": value}, n_cpus=8)


class _FakeThreading:
    """Stands in for ``tf.config.threading``: records what would be set."""

    def __init__(self, intra=0, inter=0, started=False):
        self.intra, self.inter, self.started, self.calls = intra, inter, started, []

    def get_intra_op_parallelism_threads(self):
        return self.intra

    def get_inter_op_parallelism_threads(self):
        return self.inter

    def set_intra_op_parallelism_threads(self, n):
        self._set("intra", n)

    def set_inter_op_parallelism_threads(self, n):
        self._set("inter", n)

    def _set(self, pool, n):
        if self.started:
            raise RuntimeError("cannot be modified after initialization")
        self.calls.append((pool, n))
        setattr(self, pool, n)


@pytest.fixture
def fake_threading(monkeypatch):
    def install(**state):
        fake = _FakeThreading(**state)
        monkeypatch.setattr(tf_backend.tf.config, "threading", fake)
        monkeypatch.setattr(tf_backend, "_threads_configured", False)
        monkeypatch.setenv("SKDENSE_NUM_THREADS", "3")
        return fake

    return install


def test_threads_sized_to_the_share_once(fake_threading):
    fake = fake_threading()
    assert tf_backend.configure_threads(3) == (3, 3)
    fake.intra = fake.inter = 0  # even if they read as unset again, nothing is set twice
    tf_backend.configure_threads(3)
    assert fake.calls == [("intra", 3), ("inter", 3)]


def test_thread_counts_chosen_by_the_user_are_kept(fake_threading):
    fake = fake_threading(intra=2)
    assert tf_backend.configure_threads(3) == (2, 0)
    assert fake.calls == []


def test_tensorflow_already_started_is_left_alone(fake_threading):
    fake = fake_threading(started=True)
    assert tf_backend.configure_threads(3) == (0, 0)
    assert fake.calls == []


def test_first_fit_sizes_tensorflow_threads_in_a_fresh_process():
    script = textwrap.dedent(
        """
        import os
        os.environ["KERAS_BACKEND"] = "tensorflow"
        import numpy as np, tensorflow as tf
        from skdense import SoftmaxClassifier
        X = np.random.default_rng(0).normal(size=(20, 3))
        SoftmaxClassifier(max_iter=2).fit(X, X[:, 0] > 0)
        threading = tf.config.threading
        print(threading.get_intra_op_parallelism_threads(),
              threading.get_inter_op_parallelism_threads())
        """
    )
    env = {"SKDENSE_NUM_THREADS": "2", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**{k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}, **env},
    )
    assert result.stdout.split() == ["2", "2"]


# --- executors ---------------------------------------------------------------------------------


def _executor_inside(device, work, inline_safe=True):
    from tensorflow.python.eager import context

    with tf_backend.step_executor(device, work, inline_safe):
        return context.context().function_call_options.executor_type


@pytest.mark.parametrize(
    ("device", "work", "inline_safe", "expected"),
    [
        ("/CPU:0", 32 * 2_200, True, "SINGLE_THREADED_EXECUTOR"),  # MLP(100) on 20 features
        ("/CPU:0", _runtime.PARALLEL_STEP_WORK, True, ""),  # enough arithmetic to share
        ("/GPU:0", 32 * 2_200, True, ""),  # GPU operations are asynchronous launches
        ("/CPU:0", 32 * 2_200, False, ""),  # a graph not known to run inline
    ],
)
def test_small_cpu_steps_run_inline(device, work, inline_safe, expected):
    assert _executor_inside(device, work, inline_safe) == expected


def test_executor_choice_is_undone_after_the_call():
    before = _executor_inside("/CPU:0", _runtime.PARALLEL_STEP_WORK)
    _executor_inside("/CPU:0", 1)
    assert _executor_inside("/CPU:0", _runtime.PARALLEL_STEP_WORK) == before


def _rewrites_inside(device="/CPU:0"):
    from tensorflow.core.protobuf import config_pb2
    from tensorflow.python.eager import context

    with tf_backend.step_executor(device, 1):
        options = context.context().function_call_options
        config = config_pb2.ConfigProto.FromString(options.config_proto_serialized)
        return config.graph_options.rewrite_options


def test_skdense_graphs_get_only_their_graph_rewrites():
    from tensorflow.python.eager import context

    from skdense._backends import tensorflow_compilation

    before = context.context().function_call_options.config_proto_serialized
    assert list(_rewrites_inside().optimizers) == list(tensorflow_compilation.GRAPH_REWRITES)
    assert context.context().function_call_options.config_proto_serialized == before


def test_graphs_on_a_gpu_keep_every_graph_rewrite():
    # The choice reads only the device's name, so it is tested on a CPU.
    assert list(_rewrites_inside("/job:localhost/replica:0/task:0/device:GPU:0").optimizers) == []


def test_graph_rewrites_the_user_chose_are_kept():
    import tensorflow as tf
    from tensorflow.core.protobuf import rewriter_config_pb2

    tf.config.optimizer.set_experimental_options({"layout_optimizer": False})
    try:
        rewrites = _rewrites_inside()
    finally:
        tf.config.optimizer.set_experimental_options({"layout_optimizer": None})
    assert list(rewrites.optimizers) == []
    assert rewrites.layout_optimizer == rewriter_config_pb2.RewriterConfig.OFF
    assert list(_rewrites_inside().optimizers) != []  # back to TensorFlow's defaults


# --- GPUs --------------------------------------------------------------------------------------


def test_auto_without_gpus_is_the_cpu():
    assert _runtime.resolve_device("auto", gpus=0, busy={"/CPU:0": 3}, slot=1) == "/CPU:0"


def test_auto_takes_the_first_idle_gpu_from_the_process_slot():
    assert _runtime.resolve_device("auto", gpus=4) == "/GPU:0"
    assert _runtime.resolve_device("auto", gpus=4, slot=2) == "/GPU:2"
    assert _runtime.resolve_device("auto", gpus=4, slot=5) == "/GPU:1"


def test_auto_takes_the_least_busy_gpu():
    busy = {"/GPU:0": 1, "/GPU:1": 1, "/GPU:2": 0, "/GPU:3": 1}
    assert _runtime.resolve_device("auto", gpus=4, busy=busy) == "/GPU:2"
    everyone_once = dict.fromkeys(["/GPU:0", "/GPU:1", "/GPU:2", "/GPU:3"], 1)
    assert _runtime.resolve_device("auto", gpus=4, busy=everyone_once, slot=3) == "/GPU:3"


def test_an_explicit_gpu_ignores_how_busy_it_is():
    busy = {"/GPU:1": 5}
    assert _runtime.resolve_device("gpu:1", gpus=4, busy=busy) == "/GPU:1"
    with pytest.raises(ValueError, match="asks for GPU 4, but the Keras backend sees 4"):
        _runtime.resolve_device("gpu:4", gpus=4)


def test_concurrent_fits_in_one_process_each_get_their_own_gpu(monkeypatch):
    monkeypatch.setattr(_runtime, "backend", lambda: _TwoGpuBackend)
    held, release, chosen = threading.Barrier(3), threading.Event(), []

    def fit():
        with _runtime.device_scope("auto") as device:
            chosen.append(device)
            held.wait()  # both fits hold their device at the same time
            release.wait()

    workers = [threading.Thread(target=fit) for _ in range(2)]
    for worker in workers:
        worker.start()
    held.wait()
    release.set()
    for worker in workers:
        worker.join()
    assert sorted(chosen) == ["/GPU:0", "/GPU:1"]
    # Released on exit: the next fit starts on the first GPU again.
    with _runtime.device_scope("auto") as device:
        assert device == "/GPU:0"


# --- JAX's compilation cache -------------------------------------------------------------------


def _fit_on_jax(environ):
    script = textwrap.dedent(
        """
        import numpy as np, jax
        from skdense import SoftmaxClassifier
        X = np.random.default_rng(0).normal(size=(20, 3))
        SoftmaxClassifier(max_iter=2).fit(X, X[:, 0] > 0)
        print(jax.config.jax_compilation_cache_dir)
        print(jax.config.jax_persistent_cache_min_compile_time_secs)
        """
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", **environ}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    return result.stdout.split()


def test_jax_compiled_programs_are_cached_on_disk_by_default(tmp_path):
    pytest.importorskip("jax")
    folder, threshold = _fit_on_jax({"XDG_CACHE_HOME": str(tmp_path)})
    assert folder.startswith(str(tmp_path / "skdense" / "jax-"))
    assert float(threshold) == 0.0
    assert any(os.scandir(folder)), "the first fit's compiled epoch was not written"


def test_a_cache_folder_chosen_by_the_user_is_kept(tmp_path):
    pytest.importorskip("jax")
    chosen = tmp_path / "mine"
    folder, _ = _fit_on_jax(
        {"XDG_CACHE_HOME": str(tmp_path), "JAX_COMPILATION_CACHE_DIR": str(chosen)}
    )
    assert folder == str(chosen)
