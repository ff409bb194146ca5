"""A fitted dense network's forward pass in numpy: skdense's own networks predict without Keras.

Predicting is a few matrix products, as in scikit-learn's MLP, so it needs neither Keras nor
its backend: a fitted estimator loaded in a fresh process predicts without importing them
(seconds of start-up), and a grid search compiles no predict function per candidate. The
activations and batch normalization follow Keras's definitions, and tests compare the two on
every backend. Networks in mixed precision are left to Keras: their hidden layers round to
16 bits, which numpy would not.
"""

import numpy as np
import scipy.sparse as sp
import scipy.special

from skdense._spec import SKLEARN_ACTIVATIONS, weight_roles

# Rows predicted at a time: at most 1024, and blocks of at most 16 Mi cells (64 MiB) for wide
# (densified sparse) inputs.
_BLOCK_ROWS = 1024
_BLOCK_CELLS = 16 * 2**20
# Keras's BatchNormalization default, which skdense's network builder keeps.
BATCH_NORM_EPSILON = 1e-3
# SELU's constants (Klambauer et al. 2017), as Keras writes them.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _silu(x):
    return x * scipy.special.expit(x)


def _softplus(x):
    return np.logaddexp(np.float32(0.0), x)


ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, np.float32(0.0)),
    "sigmoid": scipy.special.expit,
    "tanh": np.tanh,
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(x)),
    "gelu": lambda x: 0.5 * x * (1.0 + scipy.special.erf(x / np.float32(np.sqrt(2.0)))),
    "leaky_relu": lambda x: np.where(x > 0, x, np.float32(0.2) * x),
    "silu": _silu,
    "swish": _silu,
    "softplus": _softplus,
    "mish": lambda x: x * np.tanh(_softplus(x)),
}


def block_rows(n_features):
    """Rows per prediction block for ``n_features`` columns (the backends' blocks too)."""
    return int(np.clip(_BLOCK_CELLS // max(1, n_features), 1, _BLOCK_ROWS))


def computes(spec):
    """Whether :func:`logits` computes ``spec``'s network as Keras does (to float32 rounding)."""
    return spec.dtype_policy == "float32"


def logits(spec, weights, x):
    """The logits of the network ``spec`` with ``weights`` (``get_weights()`` order) for ``x``.

    ``x`` is dense or sparse; rows go through in zero-padded blocks of :func:`block_rows`, as
    on the backends: the matrix products then always have one shape, so a row's logits do not
    depend on which rows came with it.
    """
    named = dict(zip(weight_roles(spec), weights, strict=True))
    activation = ACTIVATIONS[SKLEARN_ACTIVATIONS.get(spec.activation, spec.activation)]
    n_hidden = len(spec.hidden_layer_sizes)

    def forward(block):
        h = block
        for depth in range(1, n_hidden + 1):
            h = h @ named[(f"hidden_{depth}", "kernel")]
            if spec.batch_normalization:
                layer = f"batch_norm_{depth}"
                scale = named[(layer, "gamma")] / np.sqrt(
                    named[(layer, "moving_variance")] + np.float32(BATCH_NORM_EPSILON)
                )
                h = (h - named[(layer, "moving_mean")]) * scale + named[(layer, "beta")]
            else:
                h = h + named[(f"hidden_{depth}", "bias")]
            h = activation(h)
        return h @ named[("output", "kernel")] + named[("output", "bias")]

    return in_blocks(x, spec.n_features, spec.n_outputs, forward).astype(np.float32, copy=False)


def in_blocks(x, n_features, n_outputs, forward):
    """``forward`` of every row of ``x`` (dense or sparse), in zero-padded float32 blocks of
    :func:`block_rows` rows: the shape ``forward`` is always called with."""
    rows = block_rows(n_features)
    block = np.zeros((rows, n_features), dtype=np.float32)
    parts = [np.zeros((0, n_outputs), dtype=np.float32)]
    for start in range(0, x.shape[0], rows):
        part = x[start : start + rows]
        block[: part.shape[0]] = part.toarray() if sp.issparse(part) else part
        block[part.shape[0] :] = 0.0
        parts.append(forward(block)[: part.shape[0]])
    return np.concatenate(parts)
