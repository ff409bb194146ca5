"""Medians, ratios and the Markdown report written to ``benchmarks/results/<machine>.md``.

Summaries are keyed by ``(workload, peer, backend, variant)``: backend ``None`` for the peers
that do not use Keras, variant ``"cold"`` for the ordinary measurement.
"""

import dataclasses
import statistics
from collections import defaultdict

from harness import figures
from harness.markdown import backend_label, row, runs, score, seconds, table_head
from harness.peers import BACKEND_LABELS

WARM_COLUMN = "skdense, warm (same process)"


@dataclasses.dataclass
class Summary:
    """Every repeat of one peer on one workload."""

    seconds: list = dataclasses.field(default_factory=list)
    scores: list = dataclasses.field(default_factory=list)
    warm_seconds: list = dataclasses.field(default_factory=list)
    warm_scores: list = dataclasses.field(default_factory=list)
    warmup_seconds: list = dataclasses.field(default_factory=list)
    shape: tuple | None = None
    data_source: str = ""
    problems: list = dataclasses.field(default_factory=list)  # (status, reason)
    details: dict = dataclasses.field(default_factory=dict)  # the limit's rate and sizes
    imported_tensorflow: bool = False  # TensorFlow was first imported inside the clock

    @property
    def ok(self):
        return bool(self.seconds)

    @property
    def median(self):
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def median_score(self):
        scores = [score for score in self.scores if score is not None]
        return statistics.median(scores) if scores else None

    @property
    def median_warm(self):
        return statistics.median(self.warm_seconds) if self.warm_seconds else None


def summarise(records):
    """Group the worker records by ``(workload, peer)``."""
    summaries = defaultdict(Summary)
    for record in records:
        if record.get("variant") == "cache_fill":
            continue  # untimed by design: it only fills the compilation cache
        key = (record["workload"], record["peer"], record.get("backend"))
        summary = summaries[(*key, record.get("variant", "cold"))]
        if record.get("shape"):
            summary.shape = tuple(record["shape"])
            summary.data_source = record.get("data_source", "")
        if record["status"] != "ok":
            summary.problems.append((record["status"], record.get("reason", "")))
            continue
        summary.seconds.append(record["seconds"])
        summary.imported_tensorflow |= bool(record.get("imported_tensorflow"))
        summary.scores.append(record.get("score"))
        summary.details = {k: record[k] for k in ("gflops", "weights", "rows") if k in record}
        if record.get("warm_seconds") is not None:
            summary.warm_seconds.append(record["warm_seconds"])
            summary.warm_scores.append(record["warm_score"])
        if record.get("warmup_seconds") is not None:
            summary.warmup_seconds.append(record["warmup_seconds"])
    return dict(summaries)


def render(summaries, workloads, peers, environment, run):
    """The whole report as Markdown text."""
    sections = [
        [f"# skdense benchmarks: {run['machine']}", ""],
        _environment_table(environment, run),
    ]
    for backend in run["backends"]:
        columns = _columns(peers, backend)
        view = _BackendView(summaries, backend)
        sections.append(_medians_table(view, workloads, columns, backend))
        sections.append(_ratios_table(view, workloads, columns, backend))
    sections += [
        figures.limit_section(summaries, workloads, run),
        figures.first_fit_section(summaries, workloads, run),
        figures.cache_section(summaries, workloads, run),
        figures.first_epoch_section(summaries, workloads, peers, run),
        figures.wrapper_grid_section(summaries, workloads, run),
        _workload_list(summaries, workloads),
        _every_run_table(summaries, workloads, peers),
        _notes(summaries, workloads, peers, run),
    ]
    return "\n".join(line for section in sections for line in section)


class _BackendView:
    """The cold summaries one backend's tables show: its own Keras peers and the shared ones."""

    def __init__(self, summaries, backend):
        self.summaries, self.backend = summaries, backend

    def get(self, key):
        workload, peer = key
        found = self.summaries.get((workload, peer, self.backend, "cold"))
        return found or self.summaries.get((workload, peer, None, "cold"))


def _columns(peers, backend):
    return {k: p for k, p in peers.items() if not p.backends or backend in p.backends}


# --- sections --------------------------------------------------------------------------------


def _environment_table(environment, run):
    versions = environment["versions"]
    cores = f"{environment['logical_cores']} logical cores ({environment['usable_cores']} usable)"
    gpus = ", ".join(run.get("gpus") or []) or "none visible to TensorFlow or JAX"
    isolated = run["isolated"]
    isolation = (
        f"a fresh process per measurement for {', '.join(isolated)}; the other peers share "
        "one process per backend and repeat"
        if isolated
        else "one process per backend (smoke test: cold figures are not cold)"
    )
    rows = [
        ("Machine", run["machine"]),
        ("CPU", f"{environment['cpu']}, {cores}"),
        ("GPU", gpus),
        ("skdense `device`", f'"{run["device"]}"'),
        ("OS", environment["os"]),
        ("Python", environment["python"]),
        ("Keras backends", ", ".join(BACKEND_LABELS[b] for b in run["backends"])),
        (
            "TensorFlow / JAX / Keras",
            f"{versions['tensorflow']} / {versions['jax']} / {versions['keras']}",
        ),
        ("scikit-learn / NumPy", f"{versions['scikit-learn']} / {versions['numpy']}"),
        ("scikeras", versions["scikeras"] or "not installed"),
        ("skdense", f"{versions['skdense']} (commit {environment['skdense_commit']})"),
        ("Sizes", "quick (smoke test: tiny data)" if run["quick"] else "full"),
        ("Runs", f"median of {run['repeats']}, {isolation}"),
        ("Date (UTC) and duration", f"{run['date']}, whole run {run['duration']}"),
    ]
    lines = ["| | |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return [*lines, ""]


def _medians_table(summaries, workloads, peers, backend):
    header = ["Workload"]
    for peer in peers.values():
        header.append(peer.label)
        if peer.key == "skdense":
            header.append(WARM_COLUMN)
    lines = [
        f"## {BACKEND_LABELS[backend]}: time and held-out score (medians)",
        "",
        f"Keras peers on the {BACKEND_LABELS[backend]} backend. Seconds for the whole workload "
        "(W2: seconds per epoch), then the held-out score (accuracy, or mean absolute error in "
        "mpg for W5). A dash: the peer is not part of that workload. Limit: see below.",
        "",
        *table_head(header),
    ]
    for workload in workloads.values():
        cells = [_workload_label(workload)]
        for peer in peers.values():
            summary = summaries.get((workload.key, peer.key))
            cells.append(_cell(summary, workload, peer))
            if peer.key == "skdense":
                cells.append(_warm_cell(summary, workload))
        lines.append(row(cells))
    return [*lines, ""]


def _ratios_table(summaries, workloads, peers, backend):
    others = [peer for peer in peers.values() if peer.key != "skdense"]
    lines = [
        f"## {BACKEND_LABELS[backend]}: skdense time / peer time",
        "",
        "Below 1, skdense is faster; in brackets the same with skdense's warm figure. Under "
        "limit: skdense's W2 epoch as a multiple of the limit.",
        "",
        *table_head(["Workload", *(peer.label for peer in others)]),
    ]
    for workload in workloads.values():
        ours = summaries.get((workload.key, "skdense"))
        cells = [_workload_label(workload)]
        for peer in others:
            theirs = summaries.get((workload.key, peer.key))
            cells.append(_ratio_cell(ours, theirs, workload, peer))
        lines.append(row(cells))
    return [*lines, ""]


def _workload_list(summaries, workloads):
    lines = ["## Workloads", ""]
    for workload in workloads.values():
        shape, source = None, ""
        for (key, *_), summary in summaries.items():
            if key == workload.key and summary.shape:
                shape, source = summary.shape, summary.data_source
                break
        size = f"{shape[0]} x {shape[1]} training rows" if shape else "size unknown"
        lines.append(f"- **{workload.key}**: {workload.describe()}; {size}; data: {source}.")
    return [*lines, ""]


def _every_run_table(summaries, workloads, peers):
    lines = [
        "## Every run",
        "",
        *table_head(["Workload", "Peer", "Backend", "Variant", "Seconds", "Warm", "Warm-up"]),
    ]
    order = {key: index for index, key in enumerate(peers)}
    for (workload_key, peer_key, backend, variant), summary in sorted(
        summaries.items(),
        key=lambda item: (item[0][0], order.get(item[0][1], 99), str(item[0][2:])),
    ):
        if not summary.ok or workload_key not in workloads or peer_key not in peers:
            continue
        cells = [workload_key, peers[peer_key].label, backend_label(backend), variant]
        cells += [runs(summary.seconds), runs(summary.warm_seconds)]
        lines.append(row([*cells, runs(summary.warmup_seconds)]))
    return [*lines, ""]


def _notes(summaries, workloads, peers, run):
    lines = [
        "## Notes",
        "",
        "- Only training is timed (W4, W5 and W6 include the predictions their scoring makes): "
        "imports and data creation are not, except in W1's 'imports included' figure.",
        f"- {WARM_COLUMN}: the same work again in the process that measured the cold "
        "figure, as a second fit in a session or every fit after the first of a grid search "
        "sees it (skdense pools compiled networks). W2 measures warm epochs for every peer.",
        "- W2: one untimed warm-up epoch, then training continues (`warm_start=True`) for the "
        "timed epochs; the warm-up times are under 'Every run'. skdense chooses how to compile "
        "from the epochs a fit may run, so its two fits are default-length fits "
        "(`max_iter=200`) that a Keras callback stops after those epochs, as early stopping "
        "would: on TensorFlow they compile with XLA, as a default W2 fit does.",
        "- Every peer trains the same network, optimizer, learning rate, batch size and number "
        "of epochs, with no weight penalty and no early stopping. Raw Keras enters "
        "`GridSearchCV` and `cross_val_score` through a minimal estimator that builds, "
        "compiles and `model.fit`s a fresh model per fit (as a hand-written loop would).",
        "- W6: skdense's and scikeras's `KerasClassifier` around one build function "
        "(`harness/keras_models.py`), with the same arguments (`optimizer='adam'`, "
        "`loss='sparse_categorical_crossentropy'`, `random_state=0`, `verbose=0`); skdense "
        "also gets its `device`.",
        "- The hand-written JAX epoch (W2 only) is the floor: one jitted `lax.scan` over "
        "`[n_batches, batch]` blocks with Adam written out; it skips the last partial batch.",
        "- Every worker process gets `KERAS_BACKEND` and its own empty "
        "`JAX_COMPILATION_CACHE_DIR` (except W4's warm-cache figure), so no figure depends on "
        "the user's cache.",
        "- scikit-learn always runs on the CPU; raw Keras and scikeras use their backend's "
        "default placement; skdense uses the `device` shown above.",
    ]
    problems = {}
    for (workload_key, peer_key, backend, _), summary in summaries.items():
        label = peers[peer_key].label if peer_key in peers else peer_key
        if backend:
            label += f" ({backend_label(backend)})"
        for status, reason in summary.problems:
            problems.setdefault((status, label, reason), []).append(workload_key)
    for (status, label, reason), keys in problems.items():
        where = ", ".join(sorted(set(keys)))
        lines.append(f"- {label} {status} ({where}): {reason}")
    return [*lines, ""]


# --- cells -----------------------------------------------------------------------------------


def _workload_label(workload):
    return f"{workload.key} {workload.title}"


def _cell(summary, workload, peer):
    if peer.key not in workload.peers:
        return "-"
    if summary is None:
        return "not run"
    if not summary.ok:
        return f"{summary.problems[0][0]} (see notes)"
    text = seconds(summary.median)
    if summary.median_score is not None:
        text += f" ({score(summary.median_score, workload)})"
    failed = len(summary.problems)
    if failed:
        text += f", {failed} run(s) failed"
    return text


def _warm_cell(summary, workload):
    if summary is None or summary.median_warm is None:
        return "-"
    warm_score = score(statistics.median(summary.warm_scores), workload)
    return f"{seconds(summary.median_warm)} ({warm_score})"


def _ratio_cell(ours, theirs, workload, peer):
    if peer.key not in workload.peers:
        return "-"
    if ours is None or theirs is None or not ours.ok or not theirs.ok:
        return "n/a"
    text = f"{ours.median / theirs.median:.2f}"
    if ours.median_warm is not None:
        text += f" ({ours.median_warm / theirs.median:.2f})"
    return text
