"""The report's sections on single figures: W2 against the limit, W1 cold and warm, W4 with
JAX's compilation cache, the time to the first epoch, and W6 against the issue's target.
Summaries are keyed as in :mod:`harness.report`.
"""

import statistics

from harness.markdown import backend_label, row, score, seconds, table_head
from harness.workloads import CACHE_WORKLOADS

# The bound on W6: skdense's grid search in at most this share of scikeras's time.
W6_TARGET = 0.2


def limit_section(summaries, workloads, run):
    limit = summaries.get(("W2", "limit", None, "cold"))
    if "W2" not in workloads or limit is None or not limit.ok:
        return []
    details = limit.details
    gflop = 6 * details["weights"] * details["rows"] / 1e9
    lines = [
        "## W2 against the limit",
        "",
        f"The limit is the epoch's arithmetic divided by this machine's float32 rate: 6 x "
        f"{details['weights']:,} trainable weights x {details['rows']:,} rows = "
        f"{gflop:.1f} GFLOP, at {gflop / limit.median:.0f} GFLOP/s (numpy's 2048 x 2048 float32 "
        f"matrix product, best of 5, median over the repeats, measured in this run): "
        f"**{seconds(limit.median)}** per epoch."
        + (
            " It is the host CPU's limit, not the GPU's."
            if run["device"].startswith("gpu")
            else ""
        ),
        "",
        *table_head(["Backend", "skdense W2 epoch", "multiple of the limit"]),
    ]
    for backend in run["backends"]:
        ours = summaries.get(("W2", "skdense", backend, "cold"))
        if ours is not None and ours.ok:
            ratio = f"{ours.median / limit.median:.2f}"
            lines.append(row([backend_label(backend), seconds(ours.median), ratio]))
    return [*lines, ""]


def first_fit_section(summaries, workloads, run):
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
        *table_head(["Backend", "cold, imports included", "cold", "warm"]),
    ]
    for backend in run["backends"]:
        cold = summaries.get(("W1", "skdense", backend, "cold"))
        imports = summaries.get(("W1", "skdense", backend, "imports"))
        cells = [backend_label(backend), _against(imports, sklearn), _against(cold, sklearn)]
        warm = cold.median_warm if cold is not None else None
        lines.append(row([*cells, _against_value(warm, sklearn)]))
    return [*lines, ""]


def cache_section(summaries, workloads, run):
    """W1 and W4 on JAX with an empty and with a warm persistent compilation cache."""
    shown = [key for key in CACHE_WORKLOADS if key in workloads]
    if not shown or "jax" not in run["backends"]:
        return []
    lines = [
        "## W1 and W4 on JAX: the persistent compilation cache",
        "",
        "Each a fresh process, Keras imported before the clock. Empty: "
        "`JAX_COMPILATION_CACHE_DIR` is a new empty folder. Warm: a folder filled by one "
        "untimed run of the same workload in an earlier process (JAX's compiled programs and "
        "skdense's stored epochs). In brackets: / scikit-learn's MLP.",
        "",
        *table_head(["Workload", "empty cache", "warm cache", "scikit-learn MLP"]),
    ]
    for key in shown:
        sklearn = summaries.get((key, "sklearn", None, "cold"))
        empty = summaries.get((key, "skdense", "jax", "cold"))
        warm = summaries.get((key, "skdense", "jax", "cache_warm"))
        cells = [_against(empty, sklearn), _against(warm, sklearn), _against(sklearn, None)]
        lines.append(row([key, *cells]))
    return [*lines, ""]


def first_epoch_section(summaries, workloads, peers, run):
    """W2's one-epoch first fit in a fresh process: compilation or tracing included."""
    if "W2" not in workloads:
        return []
    lines = [
        "## Time to the first epoch (W2, compilation included)",
        "",
        "The untimed warm-up of W2: a one-epoch fit in a fresh process, so it includes tracing "
        "or compiling the epoch (median seconds).",
        "",
        *table_head(["Peer", *(backend_label(b) for b in run["backends"]), "no Keras"]),
    ]
    for peer in peers.values():
        cells = []
        for backend in [*run["backends"], None]:
            found = summaries.get(("W2", peer.key, backend, "cold"))
            warmups = found.warmup_seconds if found is not None else []
            cells.append(seconds(statistics.median(warmups)) if warmups else "-")
        if any(cell != "-" for cell in cells):
            lines.append(row([peer.label, *cells]))
    return [*lines, ""]


def _against(summary, reference):
    return _against_value(summary.median if summary and summary.ok else None, reference)


def _against_value(value, reference):
    if value is None:
        return "n/a"
    if reference is None or not reference.ok:
        return seconds(value)
    return f"{seconds(value)} ({value / reference.median:.2f}x)"


def wrapper_grid_section(summaries, workloads, run):
    """W6 per backend: skdense's and scikeras's ``KerasClassifier`` and the issue's bound."""
    workload = workloads.get("W6")
    if workload is None:
        return []
    lines = [
        "## W6: skdense's KerasClassifier against scikeras's",
        "",
        "The same build function and arguments in both wrappers (only the import differs), "
        f"4 candidates x 3 folds + refit. The issue asks for skdense / scikeras <= "
        f"{W6_TARGET:g}. Cold: a fresh process, imports excluded; warm: the same grid search "
        "again in that process. Accuracy: the refit best model on the held-out rows.",
        "",
        *table_head(
            [
                "Backend",
                "skdense, cold",
                "skdense, warm",
                "scikeras",
                "skdense / scikeras, cold (warm)",
                f"cold <= {W6_TARGET:g}",
            ]
        ),
    ]
    for backend in run["backends"]:
        ours = summaries.get(("W6", "skdense", backend, "cold"))
        theirs = summaries.get(("W6", "scikeras", backend, "cold"))
        if ours is None or theirs is None or not ours.ok or not theirs.ok:
            lines.append(row([backend_label(backend), *["n/a"] * 5]))
            continue
        warm = ours.median_warm
        warm_cell = "-"
        if warm is not None:
            warm_cell = f"{seconds(warm)} ({score(statistics.median(ours.warm_scores), workload)})"
        cold_ratio = ours.median / theirs.median
        ratio = f"{cold_ratio:.2f}" + (f" ({warm / theirs.median:.2f})" if warm else "")
        lines.append(
            row(
                [
                    backend_label(backend),
                    f"{seconds(ours.median)} ({score(ours.median_score, workload)})",
                    warm_cell,
                    f"{seconds(theirs.median)} ({score(theirs.median_score, workload)})",
                    ratio,
                    "yes" if cold_ratio <= W6_TARGET else "no",
                ]
            )
        )
    return [*lines, "", *_tensorflow_import_notes(summaries, "W6", run["backends"])]


def _tensorflow_import_notes(summaries, workload_key, backends):
    """Which cold figures include importing TensorFlow: it costs seconds, and on the JAX
    backend it can fall inside one peer's clock (a lazy import) and before another's."""
    lines = []
    for backend in backends:
        for peer in ("skdense", "scikeras"):
            found = summaries.get((workload_key, peer, backend, "cold"))
            if found is not None and found.imported_tensorflow:
                lines.append(
                    f"- {peer} on {backend_label(backend)}: TensorFlow was first imported "
                    "inside the timed grid search (for the other peer it was already loaded "
                    "or not needed)."
                )
    return [*lines, ""] if lines else []
