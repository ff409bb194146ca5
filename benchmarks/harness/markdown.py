"""Markdown cells and rows shared by the report's sections."""

from harness.peers import BACKEND_LABELS


def backend_label(backend):
    """``"TensorFlow"``, ``"JAX"``, or a dash for a peer that does not use Keras."""
    return BACKEND_LABELS.get(backend, "-") if backend else "-"


def seconds(value):
    if value < 0.1:
        return f"{value:.3f} s"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def score(value, workload):
    if workload.metric == "MAE":
        return f"MAE {value:.2f}"
    return f"acc {value:.3f}"


def runs(values):
    return ", ".join(f"{value:.3f}" for value in values) or "-"


def table_head(header):
    return [row(header), row(["---"] * len(header))]


def row(cells):
    return "| " + " | ".join(cells) + " |"
