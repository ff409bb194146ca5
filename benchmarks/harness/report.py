"""Medians, ratios and the Markdown report written to ``benchmarks/results/<machine>.md``."""

import dataclasses
import statistics
from collections import defaultdict

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

    @property
    def ok(self):
        return bool(self.seconds)

    @property
    def median(self):
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def median_score(self):
        return statistics.median(self.scores) if self.scores else None

    @property
    def median_warm(self):
        return statistics.median(self.warm_seconds) if self.warm_seconds else None


def summarise(records):
    """Group the worker records by ``(workload, peer)``."""
    summaries = defaultdict(Summary)
    for record in records:
        summary = summaries[record["workload"], record["peer"]]
        if record.get("shape"):
            summary.shape = tuple(record["shape"])
            summary.data_source = record.get("data_source", "")
        if record["status"] != "ok":
            summary.problems.append((record["status"], record.get("reason", "")))
            continue
        summary.seconds.append(record["seconds"])
        summary.scores.append(record["score"])
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
        _medians_table(summaries, workloads, peers),
        _ratios_table(summaries, workloads, peers),
        _workload_list(summaries, workloads),
        _every_run_table(summaries, workloads, peers),
        _notes(summaries, workloads, peers, run),
    ]
    return "\n".join(line for section in sections for line in section)


# --- sections --------------------------------------------------------------------------------


def _environment_table(environment, run):
    versions = environment["versions"]
    cores = f"{environment['logical_cores']} logical cores ({environment['usable_cores']} usable)"
    gpus = ", ".join(run.get("gpus") or []) or "none visible to TensorFlow"
    isolation = (
        "each measurement in a fresh process"
        if run["fresh_processes"]
        else "every measurement in one process (smoke test: cold figures are not cold)"
    )
    rows = [
        ("Machine", run["machine"]),
        ("CPU", f"{environment['cpu']}, {cores}"),
        ("GPU", gpus),
        ("skdense `device`", f'"{run["device"]}"'),
        ("OS", environment["os"]),
        ("Python", environment["python"]),
        ("TensorFlow / Keras", f"{versions['tensorflow']} / {versions['keras']}"),
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


def _medians_table(summaries, workloads, peers):
    header = ["Workload"]
    for peer in peers.values():
        header.append(peer.label)
        if peer.key == "skdense":
            header.append(WARM_COLUMN)
    lines = [
        "## Time and held-out score (medians)",
        "",
        "Seconds for the whole workload (W2: seconds per epoch), then the held-out score "
        "(accuracy, or mean absolute error in mpg for W5). A dash: the peer is not part of "
        "that workload.",
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


def _ratios_table(summaries, workloads, peers):
    others = [peer for peer in peers.values() if peer.key != "skdense"]
    lines = [
        "## skdense time / peer time",
        "",
        "Below 1, skdense is faster; in brackets the same with skdense's warm figure.",
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
        for (key, _), summary in summaries.items():
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
        *_table_head(["Workload", "Peer", "Seconds", "Warm seconds", "Warm-up seconds"]),
    ]
    for workload in workloads.values():
        for peer in peers.values():
            summary = summaries.get((workload.key, peer.key))
            if summary is None or not summary.ok:
                continue
            lines.append(
                _row(
                    [
                        workload.key,
                        peer.label,
                        _runs(summary.seconds),
                        _runs(summary.warm_seconds),
                        _runs(summary.warmup_seconds),
                    ]
                )
            )
    return [*lines, ""]


def _notes(summaries, workloads, peers, run):
    lines = [
        "## Notes",
        "",
        "- Only training is timed (W4 and W5 include the predictions their scoring makes): "
        "imports and data creation are not.",
        f"- {WARM_COLUMN}: the same work again in the process that measured the cold "
        "figure, as a second fit in a session or every fit after the first of a grid search "
        "sees it (skdense pools traced networks). W2 measures warm epochs for every peer.",
        "- W2: one untimed warm-up epoch, then training continues (`warm_start=True`) for the "
        "timed epochs; the warm-up times are under 'Every run'.",
        "- Every peer trains the same network, optimizer, learning rate, batch size and number "
        "of epochs, with no weight penalty and no early stopping. Raw Keras enters "
        "`GridSearchCV` and `cross_val_score` through a minimal estimator that builds, "
        "compiles and `model.fit`s a fresh model per fit (as a hand-written loop would).",
        "- scikit-learn always runs on the CPU; raw Keras and scikeras use TensorFlow's "
        "default placement; skdense uses the `device` shown above.",
    ]
    problems = {}
    for (workload_key, peer_key), summary in summaries.items():
        for status, reason in summary.problems:
            problems.setdefault((status, peers[peer_key].label, reason), []).append(workload_key)
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
    text = f"{_seconds(summary.median)} ({_score(summary.median_score, workload)})"
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
