"""The validation set of ``early_stopping``: held out as scikit-learn's MLP holds it out.

A shuffled split, seeded, stratified on the user's labels for single-label classifiers, so
that scikit-learn's message for a class with too few members names that class as the user
wrote it; multilabel and regression targets are not stratified.
"""

from sklearn.model_selection import train_test_split

from skdense._spec import TrainingData, Validation


def training_data(X, y, targets, sample_weight):
    """All of ``X, y`` for training: what a fit without ``early_stopping`` trains on."""
    return TrainingData(X, targets.encode(y), sample_weight)


def hold_out_validation(X, y, targets, sample_weight, validation_fraction, seed):
    """``(training data, Validation)``: ``validation_fraction`` of the rows held out, drawn
    from ``seed`` (a ``numpy.random.SeedSequence``)."""
    stratify = y if getattr(targets, "kind", None) in ("binary", "multiclass") else None
    X, X_val, y, y_val, sample_weight, sample_weight_val = train_test_split(
        X,
        y,
        sample_weight,
        test_size=validation_fraction,
        random_state=int(seed.generate_state(1)[0] % 2**31),
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
