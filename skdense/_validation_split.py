"""The validation set of ``early_stopping``: held out as scikit-learn's MLP holds it out.

A shuffled split drawn from the fit's random stream. For the MLPs it is scikit-learn's own
split, row for row: scikit-learn's MLP stratifies when its label-binarized target has one
column, so binary targets are stratified and multiclass, multilabel and regression targets
are not. The Keras estimators, which have no scikit-learn split to match, stratify multiclass
targets too. The error for a class with too few members names the class as the user wrote it.
"""

from sklearn.model_selection import train_test_split

from skdense._spec import TrainingData, Validation


def training_data(X, y, targets, sample_weight):
    """All of ``X, y`` for training: what a fit without ``early_stopping`` trains on."""
    return TrainingData(X, targets.encode(y), sample_weight)


def hold_out_validation(
    X, y, targets, sample_weight, validation_fraction, random_state, stratified=("binary",)
):
    """``(training data, Validation)``: ``validation_fraction`` of the rows held out, drawn
    from ``random_state`` (a ``numpy.random.RandomState``), stratified for the target kinds
    in ``stratified``."""
    # The user's labels sort as scikit-learn's binarized ones (False, True) do, so the split is
    # its split row for row, and a class with too few members is named as the user wrote it.
    stratify = y if getattr(targets, "kind", None) in stratified else None
    X, X_val, y, y_val, sample_weight, sample_weight_val = train_test_split(
        X,
        y,
        sample_weight,
        test_size=validation_fraction,
        random_state=random_state,
        stratify=stratify,
    )
    if X_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    validation_data = TrainingData(X_val, targets.encode(y_val), sample_weight_val)

    def score(logits):
        return targets.score(logits, y_val, sample_weight=sample_weight_val)

    return training_data(X, y, targets, sample_weight), Validation(validation_data, score)
