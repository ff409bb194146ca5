"""Medians, ratios and the Markdown report written to ``benchmarks/results/<machine>.md``.

Summaries are keyed by ``(workload, peer, backend, variant)``: backend ``None`` for the peers
that do not use Keras, variant ``"cold"`` for the ordinary measurement.
"""

import dataclasses
import statistics
from collections import defaultdict

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
        _limit_section(summaries, workloads, run),
        _first_fit_section(summaries, workloads, run),
        _cache_section(summaries, workloads, run),
        _first_epoch_section(summaries, workloads, peers, run),
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
        *_table_head(header),
    ]
    for workload in workloads.values():
        cells = [_workload_label(workload)]
        for peer in peers.values():
            summary = summaries.get((workload.key, peer.key))
            cells.append(_cell(summary, workload, peer))
            if peer.key == "skdense":
                cells.append(_warm_cell(summary, workload))
        lines.append(_row(cells))
    return [*lines, ""]


def _ratios_table(summaries, workloads, peers, backend):
    others = [peer for peer in peers.values() if peer.key != "skdense"]
    lines = [
        f"## {BACKEND_LABELS[backend]}: skdense time / peer time",
        "",
        "Below 1, skdense is faster; in brackets the same with skdense's warm figure. Under "
        "limit: skdense's W2 epoch as a multiple of the limit.",
        "",
        *_table_head(["Workload", *(peer.label for peer in others)]),
    ]
    for workload in workloads.values():
        ours = summaries.get((workload.key, "skdense"))
        cells = [_workload_label(workload)]
        for peer in others:
            theirs = summaries.get((workload.key, peer.key))
            cells.append(_ratio_cell(ours, theirs, workload, peer))
        lines.append(_row(cells))
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
        *_table_head(["Workload", "Peer", "Backend", "Variant", "Seconds", "Warm", "Warm-up"]),
    ]
    order = {key: index for index, key in enumerate(peers)}
    for (workload_key, peer_key, backend, variant), summary in sorted(
        summaries.items(),
        key=lambda item: (item[0][0], order.get(item[0][1], 99), str(item[0][2:])),
    ):
        if not summary.ok or workload_key not in workloads or peer_key not in peers:
            continue
        cells = [workload_key, peers[peer_key].label, _backend_label(backend), variant]
        cells += [_runs(summary.seconds), _runs(summary.warm_seconds)]
        lines.append(_row([*cells, _runs(summary.warmup_seconds)]))
    return [*lines, ""]


def _limit_section(summaries, workloads, run):
    limit = summaries.get(("W2", "limit", None, "cold"))
    if "W2" not in workloads or limit is None or not limit.ok:
        return []
    details = limit.details
    lines = [
        "## W2 against the limit",
        "",
        f"The limit is the epoch's arithmetic divided by this machine's float32 rate: 6 x "
        f"{details['weights']:,} trainable weights x {details['rows']:,} rows = "
        f"{6 * details['weights'] * details['rows'] / 1e9:.1f} GFLOP, at {details['gflops']:.0f}"
        " GFLOP/s (numpy's 2048 x 2048 float32 matrix product, best of 5, in its own worker in "
        f"this run): **{_seconds(limit.median)}** per epoch."
        + (
            " It is the host CPU's limit, not the GPU's."
            if run["device"].startswith("gpu")
            else ""
        ),
        "",
        *_table_head(["Backend", "skdense W2 epoch", "multiple of the limit"]),
    ]
    for backend in run["backends"]:
        ours = summaries.get(("W2", "skdense", backend, "cold"))
        if ours is not None and ours.ok:
            ratio = f"{ours.median / limit.median:.2f}"
            lines.append(_row([_backend_label(backend), _seconds(ours.median), ratio]))
    return [*lines, ""]


def _first_fit_section(summaries, workloads, run):
    """W1 cold with and without imports, and warm, against scikit-learn's MLP."""
    if "W1" not in workloads:
        return []
    sklearn = summaries.get(("W1", "sklearn", None, "cold"))
    lines = [
        "## W1: cold and warm",
        "",
        "Cold, imports included: a fresh process, the clock started before `import skdense` "
        "(Keras and its backend load inside it). Cold: a fresh process with Keras already "
        "imported. Warm: a second fit in that process. In brackets: / scikit-learn's MLP "
        "(cold, fresh process, imports excluded).",
        "",
        *_table_head(["Backend", "cold, imports included", "cold", "warm"]),
    ]
    for backend in run["backends"]:
        cold = summaries.get(("W1", "skdense", backend, "cold"))
        imports = summaries.get(("W1", "skdense", backend, "imports"))
        cells = [_backend_label(backend), _against(imports, sklearn), _against(cold, sklearn)]
        warm = cold.median_warm if cold is not None else None
        lines.append(_row([*cells, _against_value(warm, sklearn)]))
    return [*lines, ""]


def _cache_section(summaries, workloads, run):
    """W4 on JAX with an empty and with a warm persistent compilation cache."""
    if "W4" not in workloads or "jax" not in run["backends"]:
        return []
    sklearn = summaries.get(("W4", "sklearn", None, "cold"))
    empty = summaries.get(("W4", "skdense", "jax", "cold"))
    warm = summaries.get(("W4", "skdense", "jax", "cache_warm"))
    return [
        "## W4 on JAX: the persistent compilation cache",
        "",
        "Each a fresh process. Empty: `JAX_COMPILATION_CACHE_DIR` is a new empty folder. Warm: "
        "a folder filled by one untimed W4 run in an earlier process. In brackets: / "
        "scikit-learn's MLP.",
        "",
        *_table_head(["empty cache", "warm cache", "scikit-learn MLP"]),
        _row([_against(empty, sklearn), _against(warm, sklearn), _against(sklearn, None)]),
        "",
    ]


def _first_epoch_section(summaries, workloads, peers, run):
    """W2's one-epoch first fit in a fresh process: compilation or tracing included."""
    if "W2" not in workloads:
        return []
    lines = [
        "## Time to the first epoch (W2, compilation included)",
        "",
        "The untimed warm-up of W2: a one-epoch fit in a fresh process, so it includes tracing "
        "or compiling the epoch (median seconds).",
        "",
        *_table_head(["Peer", *(_backend_label(b) for b in run["backends"]), "no Keras"]),
    ]
    for peer in peers.values():
        cells = []
        for backend in [*run["backends"], None]:
            found = summaries.get(("W2", peer.key, backend, "cold"))
            warmups = found.warmup_seconds if found is not None else []
            cells.append(_seconds(statistics.median(warmups)) if warmups else "-")
        if any(cell != "-" for cell in cells):
            lines.append(_row([peer.label, *cells]))
    return [*lines, ""]


def _against(summary, reference):
    return _against_value(summary.median if summary and summary.ok else None, reference)


def _against_value(seconds, reference):
    if seconds is None:
        return "n/a"
    if reference is None or not reference.ok:
        return _seconds(seconds)
    return f"{_seconds(seconds)} ({seconds / reference.median:.2f}x)"


def _backend_label(backend):
    return BACKEND_LABELS.get(backend, "-") if backend else "-"


def _notes(summaries, workloads, peers, run):
    lines = [
        "## Notes",
        "",
        "- Only training is timed (W4 and W5 include the predictions their scoring makes): "
        "imports and data creation are not, except in W1's 'imports included' figure.",
        f"- {WARM_COLUMN}: the same work again in the process that measured the cold "
        "figure, as a second fit in a session or every fit after the first of a grid search "
        "sees it (skdense pools compiled networks). W2 measures warm epochs for every peer.",
        "- W2: one untimed warm-up epoch, then training continues (`warm_start=True`) for the "
        "timed epochs; the warm-up times are under 'Every run'.",
        "- Every peer trains the same network, optimizer, learning rate, batch size and number "
        "of epochs, with no weight penalty and no early stopping. Raw Keras enters "
        "`GridSearchCV` and `cross_val_score` through a minimal estimator that builds, "
        "compiles and `model.fit`s a fresh model per fit (as a hand-written loop would).",
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
            label += f" ({_backend_label(backend)})"
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
    text = _seconds(summary.median)
    if summary.median_score is not None:
        text += f" ({_score(summary.median_score, workload)})"
    failed = len(summary.problems)
    if failed:
        text += f", {failed} run(s) failed"
    return text


def _warm_cell(summary, workload):
    if summary is None or summary.median_warm is None:
        return "-"
    score = _score(statistics.median(summary.warm_scores), workload)
    return f"{_seconds(summary.median_warm)} ({score})"


def _ratio_cell(ours, theirs, workload, peer):
    if peer.key not in workload.peers:
        return "-"
    if ours is None or theirs is None or not ours.ok or not theirs.ok:
        return "n/a"
    text = f"{ours.median / theirs.median:.2f}"
    if ours.median_warm is not None:
        text += f" ({ours.median_warm / theirs.median:.2f})"
    return text


def _seconds(value):
    if value < 0.1:
        return f"{value:.3f} s"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def _score(value, workload):
    if workload.metric == "MAE":
        return f"MAE {value:.2f}"
    return f"acc {value:.3f}"


def _runs(values):
    return ", ".join(f"{value:.3f}" for value in values) or "-"


def _table_head(header):
    return [_row(header), _row(["---"] * len(header))]


def _row(cells):
    return "| " + " | ".join(cells) + " |"
