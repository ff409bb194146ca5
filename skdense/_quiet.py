"""Keep TensorFlow's native start-up logging off the user's terminal, and nothing else.

Importing TensorFlow 2.21 prints, from C++, lines such as::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:... cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will ...
    I0000 00:00:... cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use ...

twice over (``libtensorflow_framework.so.2`` and the profiler plugin each link their own copy
of absl and of the CUDA stub). They come from absl's logging before TensorFlow initializes
it, which writes everything to file descriptor 2 whatever the log level. Machines with the
CUDA build add "Unable to register cuDNN/cuFFT/cuBLAS factory" lines, and oneDNN's notice
appears where oneDNN is on (not seen on the 2-core machine these were measured on: they are
filtered by pattern, from TensorFlow's own wording).

Measured with TensorFlow 2.21: ``TF_CPP_MIN_LOG_LEVEL=3`` stops only the CPU-feature line;
``TF_CPP_MAX_VLOG_LEVEL``, ``GLOG_minloglevel`` and ``ABSL_MIN_LOG_LEVEL`` (a compile-time
macro in absl) stop none; ``TF_ENABLE_ONEDNN_OPTS=0`` would silence oneDNN's notice by turning
oneDNN off, which costs about 10% on large epochs. No environment variable reaches the lines
printed while the shared libraries load.

So :func:`quiet_startup` filters file descriptor 2 while the block it guards runs (the first
import of Keras or TensorFlow): a pipe replaces it, a thread reads the pipe line by line and
writes every line back to the real stderr at once, except lines that match
:data:`STARTUP_NOISE`, which are dropped. Nothing else is hidden: a warning, an error message or
a traceback printed during the import still reaches the terminal, in order, as it is written.
Descriptor 2 is restored as soon as the block ends. Joblib and Dask workers import skdense
(unpickling an estimator does) and so TensorFlow through the same guarded path; environment
variables set in the parent would not have helped them either, for the reason above.

``TF_CPP_MIN_LOG_LEVEL`` still gets a default of 3 (kept where the user set a value) for what
TensorFlow logs after start-up, during the first fit (device creation, rendezvous notices).
"""

import contextlib
import importlib
import os
import re
import sys
import threading

#: Lines TensorFlow (and the CUDA libraries it loads) print while starting, none of which asks
#: the user to do anything. Matched against each line written to descriptor 2 during start-up.
STARTUP_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|cudart_stub\.cc.*Could not find cuda drivers"
    r"|cpu_feature_guard\.cc"
    r"|To enable the following instructions: .* rebuild TensorFlow"
    r"|oneDNN custom operations are on"
    r"|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|computation placer already registered"
    r"|TF-TRT Warning: Could not find TensorRT"
    r"|absl::InitializeLog\(\)"
)


def set_logging_defaults(environ=None):
    """Give TensorFlow's C++ log level a quiet default, keeping any value the user set."""
    environ = os.environ if environ is None else environ
    environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _forward(read_fd, write_fd, noise):
    """Copy lines from ``read_fd`` to ``write_fd`` except noise; close both at end of input."""
    with os.fdopen(read_fd, "rb") as pipe, os.fdopen(write_fd, "wb", buffering=0) as stderr:
        for line in pipe:
            if not noise.search(line.decode("utf-8", "replace")):
                stderr.write(line)


@contextlib.contextmanager
def quiet_startup(noise=STARTUP_NOISE):
    """Drop the lines matching ``noise`` from what is written to descriptor 2 in the block.

    Every other line reaches the real stderr as soon as it ends. Where descriptor 2 cannot be
    redirected (closed, or not a file descriptor at all), the block runs unfiltered.
    """
    try:
        sys.stderr.flush()
        saved_fd = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    read_fd, write_fd = os.pipe()
    forwarder = threading.Thread(
        target=_forward,
        args=(read_fd, os.dup(saved_fd), noise),
        name="skdense-quiet-startup",
        daemon=True,
    )
    forwarder.start()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.flush()
        os.dup2(saved_fd, 2)  # closes the pipe's last write end: the forwarder reads its end
        os.close(saved_fd)
        # A child process started in the block would hold the pipe open as its stderr; the
        # forwarder then goes on serving it in the background instead of blocking the import.
        forwarder.join(timeout=5)


#: Held by the thread that imports under :func:`quiet_startup`. Threads of one process (a Dask
#: worker's, or the user's own) may start their first fits at once: one redirection of
#: descriptor 2 at a time, and the others wait for the import instead of taking a module that
#: is still being initialized.
_import_lock = threading.Lock()


def _fully_imported(name):
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None)
    return module is not None and not getattr(spec, "_initializing", False)


def import_quietly(name):
    """Import module ``name`` (``"keras"``, ``"tensorflow"``) under :func:`quiet_startup`.

    Safe to call from several threads at once: each returns the fully initialized module.
    """
    if _fully_imported(name):
        return sys.modules[name]
    with _import_lock:
        if name in sys.modules:
            # Imported meanwhile, or being imported by a thread that did not come through
            # here: import_module waits on Python's lock for that module until it is complete.
            return importlib.import_module(name)
        set_logging_defaults()
        with quiet_startup():
            return importlib.import_module(name)
