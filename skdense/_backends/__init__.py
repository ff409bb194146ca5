"""One small module per Keras backend: what must differ between them, and nothing else.

Each backend module offers the same few names, used by :mod:`skdense._runtime` and
:mod:`skdense._training`:

* ``prepare_process(cpu_share)``: once-per-process settings (threads, compilation cache);
* ``visible_gpu_count()``, ``GPU_INSTALL_HINT`` and ``on_device(name)``: device placement;
* ``Engine(network)``: the compiled epoch and predict of a ``_training.TrainableNetwork``,
  which it reads only through the attributes that class documents;
* ``values(variables)``: Keras variables' values as numpy arrays;
* ``serialization_scope()``: the block in which a user's model is serialized;
* ``building()``: the block in which the network pool builds a network;
* ``clear_caches()``: what the network pool calls to free memory after evictions.

The backend is Keras's own choice (``KERAS_BACKEND`` or ``~/.keras/keras.json``), read when
the first network is needed.
"""

import importlib

SUPPORTED_BACKENDS = ("tensorflow", "jax")


class UnsupportedBackendError(RuntimeError):
    """Keras is configured for a backend skdense does not run on."""


def current():
    """The module for Keras's configured backend."""
    import keras

    name = keras.backend.backend()
    if name not in SUPPORTED_BACKENDS:
        raise UnsupportedBackendError(
            f"skdense runs on the Keras backends {' and '.join(SUPPORTED_BACKENDS)}, but Keras "
            f"is set to {name!r}. Set the environment variable KERAS_BACKEND=tensorflow or "
            "KERAS_BACKEND=jax (or 'backend' in ~/.keras/keras.json) before Keras is imported."
        )
    return importlib.import_module(f"skdense._backends.{name}")
