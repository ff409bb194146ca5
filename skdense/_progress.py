"""What ``verbose`` prints during a fit: scikit-learn's MLP lines, word for word. No Keras here.

The formats are those of scikit-learn's ``"Iteration %d, loss = %.8f"``-style strings.

Plain ``print`` lines on stdout and nothing else. A Keras progress bar would write carriage
returns, backspaces and ANSI codes into logs, CI output and captured notebook cells, and
scripts (and scikit-learn's own tests) that read scikit-learn's lines would not find them.
"""


class ProgressLines:
    """scikit-learn's per-epoch and stopping lines, printed only when ``config.verbose`` is
    truthy; ``on_validation``: early stopping watches the validation score."""

    def __init__(self, config, on_validation):
        self.enabled = bool(config.verbose)
        self.tol = config.tol
        self.n_iter_no_change = config.n_iter_no_change
        self.on_validation = on_validation

    def epoch(self, n_iter, loss, validation_score=None):
        if not self.enabled:
            return
        print(f"Iteration {n_iter:d}, loss = {loss:.8f}")
        if self.on_validation:
            print(f"Validation score: {validation_score:f}")

    def stopping(self, learning_rate_schedule):
        """Training ends after ``n_iter_no_change`` epochs without improvement."""
        if learning_rate_schedule == "adaptive":
            self._plateau(" Learning rate too small. Stopping.")
        else:
            self._plateau(" Stopping.")

    def learning_rate_lowered(self, learning_rate):
        """The "adaptive" schedule divided the rate by 5 instead of stopping."""
        self._plateau(f" Setting learning rate to {learning_rate:f}")

    def _plateau(self, outcome):
        if not self.enabled:
            return
        watched = "Validation score" if self.on_validation else "Training loss"
        print(
            f"{watched} did not improve more than tol={self.tol:f} for "
            f"{self.n_iter_no_change:d} consecutive epochs.{outcome}"
        )
