"""HistoryDisplay: training curves per epoch, in scikit-learn's Display style.

matplotlib is optional (``pip install "skdense[plot]"``) and imported only when something is
drawn, so importing skdense never needs it.
"""

import numpy as np
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

_SCORE_NAMES = ("accuracy", "r2", "score")
_CURVE_TYPES = ("both", "train", "validation")
_LABELS = {"loss": "Loss", "accuracy": "Accuracy", "r2": "R²", "score": "Score"}


def _matplotlib():
    try:
        import matplotlib.pyplot as plt
        import matplotlib.ticker as ticker
    except ImportError as exc:
        raise ImportError(
            'HistoryDisplay needs matplotlib; install it with: pip install "skdense[plot]"'
        ) from exc
    return plt, ticker


class HistoryDisplay:
    """Training and validation curves, epoch by epoch.

    Draws what a fitted estimator recorded in ``history_``: the training loss and, with
    ``early_stopping=True``, the validation loss and score. Create it with
    :meth:`from_estimator`, or from a history dictionary (``estimator.history_``, or the
    ``history`` of the ``keras.callbacks.History`` that ``keras.Model.fit`` returns) and
    call :meth:`plot`. All parameters are stored as attributes.

    Parameters
    ----------
    history : dict of str to list of float
        One value per epoch for each recorded figure, keyed as Keras does: ``"loss"``,
        ``"val_loss"``, ``"val_accuracy"`` (classifiers) or ``"val_r2"`` (regressors),
        ``"learning_rate"``...
    metric : str, default="loss"
        What to draw. ``"loss"`` draws ``history["loss"]`` (train) and ``history["val_loss"]``
        (validation); ``"score"`` draws the validation score, ``"val_accuracy"`` or
        ``"val_r2"`` (skdense records no training score); any other name ``m`` draws
        ``history[m]`` and ``history["val_" + m]``, whichever exist.
    estimator_name : str, default=None
        Prefixed to the legend entries, for example to compare several models on one axes.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes with the curves.
    figure_ : matplotlib Figure
        The figure that holds ``ax_``.
    lines_ : list of matplotlib Line2D
        The curves drawn: the training curve first, then the validation curve.

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Scores against the training set size.
    sklearn.model_selection.ValidationCurveDisplay : Scores against a parameter's value.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from skdense import HistoryDisplay, MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(
    ...     (16,), max_iter=20, early_stopping=True, n_iter_no_change=np.inf, random_state=0
    ... ).fit(X, y)
    >>> display = HistoryDisplay.from_estimator(clf, metric="loss")
    >>> [line.get_label() for line in display.lines_]
    ['train', 'validation']
    >>> len(display.lines_[0].get_xdata())
    20
    """

    def __init__(self, *, history, metric="loss", estimator_name=None):
        self.history = history
        self.metric = metric
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, curve_type="both", train_kw=None, validation_kw=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure and axes when None.
        name : str, default=None
            Prefixed to the legend entries; overrides ``estimator_name``.
        curve_type : {"both", "train", "validation"}, default="both"
            Which curves to draw. With ``"both"``, whichever of the two was recorded.
        train_kw, validation_kw : dict, default=None
            Keyword arguments for ``Axes.plot`` of the training and the validation curve.

        Returns
        -------
        display : HistoryDisplay
            This object, with ``ax_``, ``figure_`` and ``lines_`` set.
        """
        if curve_type not in _CURVE_TYPES:
            raise ValueError(
                f"curve_type must be one of {list(_CURVE_TYPES)}; got {curve_type!r}."
            )
        curves = self._curves(curve_type)
        plt, ticker = _matplotlib()
        if ax is None:
            _, ax = plt.subplots()
        name = self.estimator_name if name is None else name
        styles = {"train": train_kw or {}, "validation": validation_kw or {}}
        self.lines_ = []
        for kind, values in curves:
            # A figure recorded only on the training data, such as the learning rate, is
            # named for what it is rather than "train".
            what = kind if kind == "validation" or self._has_validation_twin() else self._ylabel()
            label = what if name is None else f"{name} ({what})"
            epochs = np.arange(1, len(values) + 1)
            (line,) = ax.plot(epochs, values, **{"label": label, **styles[kind]})
            self.lines_.append(line)
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        ax.set_xlabel("Epoch")
        ax.set_ylabel(self._ylabel())
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        metric="loss",
        ax=None,
        name=None,
        curve_type="both",
        train_kw=None,
        validation_kw=None,
    ):
        """Draw the curves a fitted estimator recorded.

        Parameters
        ----------
        estimator : estimator or Pipeline
            A fitted skdense estimator, or a fitted pipeline that ends with one. Estimators
            with scikit-learn's ``loss_curve_`` and ``validation_scores_`` (such as
            :class:`sklearn.neural_network.MLPClassifier`) work too.
        metric : str, default="loss"
            What to draw; see :class:`HistoryDisplay`.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure and axes when None.
        name : str, default=None
            Prefixed to the legend entries.
        curve_type : {"both", "train", "validation"}, default="both"
            Which curves to draw.
        train_kw, validation_kw : dict, default=None
            Keyword arguments for ``Axes.plot`` of the training and the validation curve.

        Returns
        -------
        display : HistoryDisplay
            The display, drawn.
        """
        history = _history_of(estimator)
        display = cls(history=history, metric=metric, estimator_name=name)
        return display.plot(
            ax=ax, curve_type=curve_type, train_kw=train_kw, validation_kw=validation_kw
        )

    def _keys(self):
        """The history keys of the training and of the validation curve (either may be absent)."""
        metric = self.metric
        if metric == "score":
            for score in _SCORE_NAMES:
                if f"val_{score}" in self.history or score in self.history:
                    return score, f"val_{score}"
            return None, None
        base = metric[len("val_") :] if metric.startswith("val_") else metric
        return (None if metric.startswith("val_") else base), f"val_{base}"

    def _curves(self, curve_type):
        train_key, validation_key = self._keys()
        wanted = {
            "train": [("train", train_key)],
            "validation": [("validation", validation_key)],
            "both": [("train", train_key), ("validation", validation_key)],
        }[curve_type]
        curves = [
            (kind, np.asarray(self.history[key], dtype=float))
            for kind, key in wanted
            if key is not None and key in self.history
        ]
        if not curves or (curve_type != "both" and len(curves) < len(wanted)):
            recorded = sorted(self.history)
            raise ValueError(
                f"The history has no {'' if curve_type == 'both' else curve_type + ' '}curve for "
                f"metric={self.metric!r}; it records "
                f"{recorded}. Validation figures (val_loss, val_accuracy, val_r2) are recorded "
                "only when fitting with early_stopping=True (n_iter_no_change=np.inf records "
                "them every epoch without stopping)."
            )
        return curves

    def _has_validation_twin(self):
        train_key, _ = self._keys()
        return train_key in ("loss", *_SCORE_NAMES) or f"val_{train_key}" in self.history

    def _ylabel(self):
        train_key, validation_key = self._keys()
        base = train_key or validation_key[len("val_") :]
        return _LABELS.get(base, base.replace("_", " ").capitalize())


def _history_of(estimator):
    if isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    check_is_fitted(estimator)
    history = getattr(estimator, "history_", None)
    if history is not None:
        return history
    loss_curve = getattr(estimator, "loss_curve_", None)
    if loss_curve is None:
        raise TypeError(
            f"{type(estimator).__name__} records no training history: HistoryDisplay needs a "
            "fitted skdense estimator (history_) or one with a loss_curve_, such as "
            "scikit-learn's MLPClassifier and MLPRegressor."
        )
    history = {"loss": list(loss_curve)}
    scores = getattr(estimator, "validation_scores_", None)
    if scores is not None:
        history["val_accuracy" if is_classifier(estimator) else "val_r2"] = list(scores)
    return history
