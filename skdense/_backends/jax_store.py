"""skdense's compiled epochs, kept on disk beside JAX's compilation cache, for later processes.

JAX's persistent cache skips XLA's compile, but a new process still traces each network's
epoch and lowers it to XLA's language before it can look the program up: 0.13 s a network
on a 2-core CPU, half of a warm grid search's four networks' cost over scikit-learn's. What
decides an epoch of skdense's own networks is known without tracing it (the network's spec,
loss, optimizer and device, the arguments' shapes and types, the XLA options, and the
versions of the code that writes it), so the compiled epoch itself is kept under a key made of
those (:func:`key`), and a later process loads it instead of tracing anything.

The store is a folder in JAX's cache folder, used only while that cache is on: a user who
switched JAX's cache off or chose its folder has chosen for this one too. A program that
fails to load (a truncated file, another XLA) is compiled as if none were stored; one that
cannot be written is not kept. Only skdense's networks are stored, never a user's model:
its code is not part of the key.

Like JAX's cache, the folder is trusted: loading a program runs what it holds.
"""

import contextlib
import functools
import hashlib
import os
import pathlib
import pickle
import tempfile
import threading
import uuid

import jax
import keras
from jax.experimental import serialize_executable

FOLDER = "skdense-epochs"
_SUFFIX = ".epoch"
#: The most programs kept; the least recently used go first. A small network's epoch is
#: 0.1-0.2 MB on a CPU, so the store stays under about 100 MB.
MAX_PROGRAMS = 500
# JAX settings that change what a traced epoch computes (its numbers' types and precision,
# its random bits); other settings change how JAX runs, not the program.
_JAX_SETTINGS = (
    "jax_enable_x64",
    "jax_default_matmul_precision",
    "jax_default_prng_impl",
    "jax_threefry_partitionable",
    "jax_numpy_dtype_promotion",
)


def directory():
    """The store's folder, or ``None`` while JAX's persistent cache is off or remote."""
    root = jax.config.jax_compilation_cache_dir
    if not jax.config.jax_enable_compilation_cache or not root or "://" in str(root):
        return None
    return os.path.join(root, FOLDER)


def signature(args):
    """What a compiled program requires of its arguments: their tree, shapes and types.

    Computed for every epoch (the engine's lookup of its compiled epochs), so read straight
    off the arrays: 10 us for a one-hidden-layer network's arguments, against 38 us through
    numpy's conversions.
    """
    leaves, tree = jax.tree_util.tree_flatten(args)
    return tree, tuple(
        (leaf.shape, leaf.dtype, getattr(leaf, "weak_type", False)) for leaf in leaves
    )


def key(network_identity, compilation, options, argument_signature, device):
    """The store's name for a compiled epoch: a digest of everything that decides it."""
    tree, leaves = argument_signature
    parts = (
        network_identity,
        compilation,
        sorted(options.items()),
        str(tree),
        leaves,
        device.platform,
        device.device_kind,
        device.id,
        device.client.platform_version,
        keras.config.floatx(),
        keras.config.epsilon(),
        keras.config.dtype_policy().name,
        [str(getattr(jax.config, setting, None)) for setting in _JAX_SETTINGS],
        os.environ.get("XLA_FLAGS", ""),
        _code_versions(),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@functools.cache
def _code_versions():
    """JAX's, jaxlib's, Keras's and skdense's versions and a digest of skdense's source: the
    code that writes an epoch. The digest too, since an editable install keeps its version
    while its code changes."""
    import jaxlib

    import skdense

    digest = hashlib.sha256()
    package = pathlib.Path(skdense.__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    versions = (jax.__version__, jaxlib.__version__, keras.__version__, skdense.__version__)
    return (*versions, digest.hexdigest())


def load_or_compile(name, device, function, compile_function):
    """The program ``name``: loaded from the store, else ``compile_function(function)``'s,
    kept for later processes."""
    program = load(name, device)
    if program is None:
        return _compile_and_keep(name, function, compile_function)
    return _Loaded(program, lambda: _compile_and_keep(name, function, compile_function), name)


class _Loaded:
    """A stored program, watched on its first run: one that loads but cannot run (a file
    written by a faulty serializer, such as the one below) is deleted and the epoch compiled
    anew, on the same arguments, which a failed run leaves as they were on a CPU."""

    def __init__(self, program, compile_anew, name):
        self._program, self._compile_anew, self._name = program, compile_anew, name
        self._ran = False

    def __call__(self, *args):
        if self._ran:
            return self._program(*args)
        try:
            result = jax.block_until_ready(self._program(*args))
        except jax.errors.JaxRuntimeError:
            _delete(self._name)
            self._program = self._compile_anew()
            result = self._program(*args)
        self._ran = True
        return result


def _compile_and_keep(name, function, compile_function):
    """Compile the epoch under a name made from ``name``, so that JAX's cache holds it apart
    from the same epoch compiled while the store was off, and keep it.

    That cache may still hold it when this store does not (a program evicted here, a store
    deleted), and XLA's CPU programs that JAX's cache loaded serialize without their kernels
    (jaxlib 0.10: the file loads, then fails to run); so such an epoch is compiled once more,
    under a name JAX's cache has never seen, before it is kept.
    """
    program, compiled = _compile_as(f"epoch_{name[:24]}", function, compile_function)
    if not compiled:
        program, compiled = _compile_as(f"epoch_{uuid.uuid4().hex}", function, compile_function)
    if compiled:
        save(name, program)
    return program


def _compile_as(module_name, function, compile_function):
    """``compile_function`` of ``function`` renamed; and whether XLA compiled it (rather
    than JAX's cache supplying it)."""

    def epoch(*args):
        return function(*args)

    epoch.__name__ = epoch.__qualname__ = module_name
    hits_before = _cache_hits()
    program = compile_function(epoch)
    return program, _cache_hits() == hits_before


_hits = threading.local()


def _cache_hits():
    return getattr(_hits, "count", 0)


def _count_cache_hit(event, **kwargs):
    if event == "/jax/compilation_cache/cache_hits":  # recorded by the compiling thread
        _hits.count = _cache_hits() + 1


jax.monitoring.register_event_listener(_count_cache_hit)


def _program_path(folder, name):
    return pathlib.Path(folder, name + _SUFFIX)


def load(name, device):
    """The stored program ``name`` on ``device``, or ``None`` if none loads."""
    folder = directory()
    if folder is None:
        return None
    path = _program_path(folder, name)
    try:
        payload = path.read_bytes()
    except OSError:
        return None
    try:
        serialized, in_tree, out_tree = pickle.loads(payload)
        program = serialize_executable.deserialize_and_load(
            serialized, in_tree, out_tree, backend=device.client, execution_devices=[device]
        )
    except Exception:  # any unreadable program is compiled anew: the store is only a cache
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept longest (see _evict)
    return program


def save(name, compiled):
    """Keep ``compiled`` as ``name``, written whole or not at all; failures are ignored."""
    folder = directory()
    if folder is None:
        return
    try:
        payload = pickle.dumps(serialize_executable.serialize(compiled))
        os.makedirs(folder, exist_ok=True)
        # Written aside and renamed: a process reading meanwhile sees no half-written file.
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(payload)
            os.replace(temporary, _program_path(folder, name))
        except BaseException:
            os.unlink(temporary)
            raise
        _evict(folder)
    except Exception:  # a read-only folder, a full disk, a program that cannot serialize
        return


def _delete(name):
    folder = directory()
    if folder is not None:
        with contextlib.suppress(OSError):
            os.unlink(_program_path(folder, name))


def _evict(folder):
    """Delete the least recently used programs beyond :data:`MAX_PROGRAMS`."""
    programs = []
    for entry in os.scandir(folder):
        if entry.name.endswith(_SUFFIX):
            with contextlib.suppress(OSError):  # another process's eviction got it first
                programs.append((entry.stat().st_mtime, entry.path))
    for _, path in sorted(programs)[: max(0, len(programs) - MAX_PROGRAMS)]:
        with contextlib.suppress(OSError):
            os.unlink(path)
