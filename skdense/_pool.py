"""The per-process pool of built and compiled networks, keyed by what they are.

Refitting the same architecture (cross-validation folds, grid search candidates,
``warm_start``) borrows an idle network instead of building and compiling a new one. At most
:data:`_POOL_SIZE` idle networks are kept, least recently used out first. Knows nothing of
what a network is beyond the backend's cache to clear after evictions.
"""

import contextlib
import gc
import threading
from collections import OrderedDict

from skdense import _runtime

#: Held while skdense builds Keras objects. Keras seeds initializers and dropout layers made
#: without a seed from Python's global ``random`` stream, which a seeded build (a
#: KerasClassifier's build function under ``random_state``) sets for its duration: a network
#: built on another thread meanwhile (a Dask worker's) would draw from that stream and change
#: the seeded model. Reentrant: a build may build.
BUILD_LOCK = threading.RLock()

_POOL_SIZE = 16
_pool = OrderedDict()  # key -> list of idle TrainableNetwork, least recently used first
_pool_lock = threading.Lock()
_evictions_since_cache_clear = 0


@contextlib.contextmanager
def borrow(key, build):
    """Lend the idle pooled network for the hashable ``key``, or a new one from ``build()``.

    For any :class:`~skdense._training.TrainableNetwork`; ``key`` must tell apart every
    network that ``build`` can return.
    """
    global _evictions_since_cache_clear
    with _pool_lock:
        idle = _pool.get(key)
        network = idle.pop() if idle else None
        if idle is not None and not idle:  # the eviction below expects no empty entries
            del _pool[key]
    if network is None:
        with BUILD_LOCK, _runtime.backend().building():
            network = build()
    yield network
    with _pool_lock:
        _pool.setdefault(key, []).append(network)
        _pool.move_to_end(key)
        while sum(len(v) for v in _pool.values()) > _POOL_SIZE:
            oldest = next(iter(_pool))
            _pool[oldest].pop(0)
            if not _pool[oldest]:
                del _pool[oldest]
            _evictions_since_cache_clear += 1
        # Once per pool's worth of evictions: rebuilding the survivors' kernels costs time.
        clear_cache = _evictions_since_cache_clear >= _POOL_SIZE
        if clear_cache:
            _evictions_since_cache_clear = 0
    if clear_cache:
        _runtime.backend().clear_caches()


def clear_network_pool():
    """Drop every pooled network and free what it held (see :func:`skdense.clear_network_pool`)."""
    global _evictions_since_cache_clear
    with _pool_lock:
        _pool.clear()
        _evictions_since_cache_clear = 0
    gc.collect()  # networks are reference cycles (traced functions hold their methods)
    _runtime.backend().clear_caches()
