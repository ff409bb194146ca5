"""A description of the machine and the software versions, for the report's header.

Only names and versions: never a path, a host name or a user name of this machine.
"""

import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
_PACKAGES = {
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly"),
    "keras": ("keras",),
    "jax": ("jax",),
    "scikit-learn": ("scikit-learn",),
    "scikeras": ("scikeras",),
    "numpy": ("numpy",),
    "skdense": ("skdense",),
}


def usable_cores():
    """The cores this process may run on (its affinity), else the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_machine_name(device):
    """A host-free name such as ``cpu-2core`` or ``gpu-16core``."""
    kind = "gpu" if device.lower().startswith("gpu") else "cpu"
    return f"{kind}-{usable_cores()}core"


def describe():
    """CPU model, cores, OS, Python and package versions, skdense's commit."""
    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "os": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "versions": {name: _version(dists) for name, dists in _PACKAGES.items()},
        "skdense_commit": git_commit(),
    }


def cpu_model():
    if platform.system() == "Linux":
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
    if platform.system() == "Darwin":
        brand = _command(["sysctl", "-n", "machdep.cpu.brand_string"])
        if brand:
            return brand
    return platform.processor() or "unknown"


def _version(distributions):
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def git_commit(checkout=_REPO):
    """A checkout's short commit, marked when its skdense/ has uncommitted changes."""
    commit = _command(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"])
    if not commit:
        return None
    changed = _command(["git", "-C", str(checkout), "status", "--porcelain", "--", "skdense"])
    return f"{commit} + uncommitted changes" if changed else commit


def _command(arguments):
    try:
        done = subprocess.run(arguments, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def run_worker(script, arguments, backend=None, pythonpath=None):
    """Run ``script`` with ``arguments`` in a fresh process; the JSON of its last line.

    The process gets an empty JAX compilation cache of its own (a real compile), the Keras
    ``backend`` if one is named, and ``pythonpath`` first on its path (an earlier checkout of
    skdense, for a before-and-after in one run).
    """
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "JAX_COMPILATION_CACHE_DIR": cache}
        if backend:
            env["KERAS_BACKEND"] = backend
        if pythonpath:
            env["PYTHONPATH"] = str(pythonpath)
        done = subprocess.run(
            [sys.executable, str(script), *arguments],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def compared_peers(backends, compare_with=None):
    """The peers of a before-and-after script: scikit-learn's MLP, then for each backend
    skdense at ``compare_with`` (a checkout of an earlier commit, if given) and at this
    checkout. Each is ``(label, backend, kind, checkout)``; checkout ``None`` for
    scikit-learn."""
    peers = [("scikit-learn MLP", "-", "scikit-learn", None)]
    checkouts = [compare_with.resolve()] if compare_with else []
    for backend in backends:
        for checkout in [*checkouts, _REPO]:
            peers.append((f"skdense at {git_commit(checkout)}", backend, "skdense", checkout))
    return peers


def reproduce_command(script, machine, compare_with=None):
    """The command line a results file gives to reproduce it, with no path of this machine."""
    command = f"python benchmarks/{script} --machine {machine}"
    if compare_with:
        command += " --compare-with <a checkout of the earlier commit>"
    return command
