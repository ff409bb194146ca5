"""Where and how networks run: device choice and GPU memory policy, in one place.

Nothing here knows about scikit-learn. The estimators pass their ``device`` parameter to
:func:`resolve_device` and run every TensorFlow call of a fit or predict under the returned
device scope.
"""

import contextlib
import functools
import re

import tensorflow as tf

_GPU_NAME = re.compile(r"^gpu(?::(\d+))?$")


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


def resolve_device(device, gpus=None):
    """The TensorFlow device string for a ``device`` parameter value.

    ``"auto"`` picks the first visible GPU and falls back to the CPU; ``"gpu"``/``"gpu:N"`` raise
    a clear error when no such GPU is visible rather than silently training on the CPU. ``gpus``
    is the list of visible GPUs (tests pass a fake one).
    """
    kind, index = parse_device(device)
    if kind == "cpu":
        return "/CPU:0"
    gpus = visible_gpus() if gpus is None else gpus
    if kind == "auto":
        return "/GPU:0" if gpus else "/CPU:0"
    index = 0 if index is None else index
    if index >= len(gpus):
        raise ValueError(
            f"device={device!r} asks for GPU {index}, but TensorFlow sees {len(gpus)} GPU(s). "
            "Install the CUDA build with `pip install 'skdense[gpu]'`, check "
            "CUDA_VISIBLE_DEVICES, or use device='auto' to fall back to the CPU."
        )
    return f"/GPU:{index}"
