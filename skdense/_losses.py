"""Training losses, written once with ``keras.ops`` for every backend. No scikit-learn here.

Each backend's compiled step calls :func:`batch_loss` on a batch's logits (through
``CompiledNetwork.batch_loss``); the same function runs inside TensorFlow's graphs and JAX's
traced functions.
"""

import keras
from keras import ops


def per_sample_loss(loss, y, logits):
    """Loss per sample from logits, averaged over outputs as scikit-learn's MLP does."""
    if loss == "categorical_crossentropy":
        labels = ops.cast(y[:, 0], "int32")
        return ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    if loss == "binary_crossentropy":  # summed over labels, as log_loss is for multilabel y
        return ops.sum(ops.binary_crossentropy(y, logits, from_logits=True), axis=1)
    residual = y - logits
    if loss == "squared_error":  # half, like scikit-learn: the gradient is the residual
        per_output = 0.5 * ops.square(residual)
    elif loss == "absolute_error":
        per_output = ops.abs(residual)
    elif loss == "huber":
        per_output = keras.losses.huber(y[:, :, None], logits[:, :, None], delta=1.0)
    else:  # poisson with a log link: the network predicts log(mean)
        per_output = ops.exp(logits) - y * logits
    return ops.mean(per_output, axis=1)


def batch_loss(loss, y, logits, sample_weight, penalties=()):
    """The weighted mean loss of a batch, plus the weight penalties divided by the batch's
    total sample weight: the meaning scikit-learn's MLP gives ``alpha``."""
    weight_sum = ops.sum(sample_weight)
    per_sample = per_sample_loss(loss, y, ops.cast(logits, "float32"))
    total = ops.sum(per_sample * sample_weight)
    if penalties:
        total = total + ops.sum(ops.stack([ops.cast(p, "float32") for p in penalties]))
    return ops.divide_no_nan(total, weight_sum)
