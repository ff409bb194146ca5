"""Network specification -> Keras model. Knows nothing about scikit-learn.

A :class:`NetworkSpec` is a small, hashable description of a dense network. It is all that is
needed to rebuild the Keras model, so fitted estimators store the spec plus numpy weights
(never Keras objects) and networks with the same spec can share one built and traced model.
"""

import dataclasses

import keras
import numpy as np

# scikit-learn's activation names mapped to Keras's; any other Keras activation name passes.
SKLEARN_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
KERAS_ACTIVATIONS = ("elu", "gelu", "selu", "leaky_relu", "silu", "swish", "softplus", "mish")
ACTIVATIONS = (*SKLEARN_ACTIVATIONS, *KERAS_ACTIVATIONS)
_RELU_FAMILY = {"relu", "elu", "gelu", "leaky_relu", "silu", "swish", "mish"}

# Output activations applied on top of the logits, named as in ``out_activation_``.
OUTPUT_ACTIVATIONS = {
    "identity": "linear",
    "logistic": "sigmoid",
    "softmax": "softmax",
    "exp": "exponential",
}


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
    """Everything that determines the structure of a dense network."""

    n_features: int
    hidden_layer_sizes: tuple = ()
    activation: str = "relu"
    n_outputs: int = 1
    out_activation: str = "identity"
    dropout: tuple = ()  # one rate per hidden layer
    batch_normalization: bool = False
    kernel_initializer: str = "glorot_uniform"
    l1: float = 0.0  # penalty per kernel weight, before division by the batch size
    l2: float = 0.0
    dtype_policy: str = "float32"  # or "mixed_float16" / "mixed_bfloat16"


def resolve_initializer(kernel_initializer, activation):
    """``"auto"`` is He initialisation for the ReLU family and Glorot otherwise."""
    if kernel_initializer != "auto":
        return kernel_initializer
    return "he_uniform" if activation in _RELU_FAMILY else "glorot_uniform"


def keras_activation(name):
    return SKLEARN_ACTIVATIONS.get(name, name)


def build_network(spec):
    """Build the Keras model for ``spec``.

    Returns ``(model, logits_model)``: ``model`` ends with the output activation (what a user
    calls to get probabilities), ``logits_model`` shares every layer but stops before it, which
    is what training and numerically stable losses need.
    """
    regularizer = keras.regularizers.L1L2(l1=spec.l1, l2=spec.l2) if spec.l1 or spec.l2 else None
    dtype = keras.DTypePolicy(spec.dtype_policy)
    inputs = keras.Input(shape=(spec.n_features,), name="features")
    x = inputs
    for depth, (units, rate) in enumerate(
        zip(spec.hidden_layer_sizes, spec.dropout, strict=True), start=1
    ):
        x = keras.layers.Dense(
            units,
            kernel_initializer=spec.kernel_initializer,
            kernel_regularizer=regularizer,
            # batch normalization's beta makes a bias redundant
            use_bias=not spec.batch_normalization,
            dtype=dtype,
            name=f"hidden_{depth}",
        )(x)
        if spec.batch_normalization:
            x = keras.layers.BatchNormalization(dtype=dtype, name=f"batch_norm_{depth}")(x)
        x = keras.layers.Activation(
            keras_activation(spec.activation), dtype=dtype, name=f"activation_{depth}"
        )(x)
        if rate > 0:
            x = keras.layers.Dropout(rate, dtype=dtype, name=f"dropout_{depth}")(x)
    # The output layer computes in float32 even under mixed precision: stable losses and
    # probabilities that sum to one.
    logits = keras.layers.Dense(
        spec.n_outputs,
        kernel_initializer=spec.kernel_initializer,
        kernel_regularizer=regularizer,
        dtype="float32",
        name="output",
    )(x)
    outputs = keras.layers.Activation(
        OUTPUT_ACTIVATIONS[spec.out_activation], dtype="float32", name="output_activation"
    )(logits)
    model = keras.Model(inputs, outputs, name="skdense_network")
    logits_model = keras.Model(inputs, logits, name="skdense_logits")
    return model, logits_model


def initial_weights(model, spec, seed_sequence):
    """Fresh weights for ``model`` as numpy arrays, in ``model.get_weights()`` order.

    Kernels come from the spec's initializer seeded from ``seed_sequence`` (a
    ``numpy.random.SeedSequence``), biases and batch-norm parameters from their usual constant
    starts. Drawing them here, rather than letting Keras draw them at build time, is what lets a
    built network be reused across fits with a new ``random_state`` each time.
    """
    seeds = iter(seed_sequence.generate_state(len(model.weights)))
    weights = []
    for variable in model.weights:
        role = variable.path.rsplit("/", 1)[-1]
        shape = tuple(variable.shape)
        if role == "kernel":
            initializer = keras.initializers.get(spec.kernel_initializer)
            config = initializer.get_config()
            seed = int(next(seeds) % 2**31)
            if "seed" in config:  # random initializers; constant ones take no seed
                initializer = type(initializer).from_config({**config, "seed": seed})
            value = initializer(shape, dtype="float32")
            weights.append(keras.ops.convert_to_numpy(value))
        elif role in ("gamma", "moving_variance"):
            weights.append(np.ones(shape, dtype=np.float32))
        elif role in ("bias", "beta", "moving_mean"):
            weights.append(np.zeros(shape, dtype=np.float32))
        else:  # pragma: no cover - a layer type this builder does not create
            raise RuntimeError(f"no initial value known for weight {variable.path!r}")
    return weights


def weight_roles(spec):
    """``(layer, role)`` of every weight of ``build_network(spec)``, in ``get_weights()`` order."""
    roles = []
    for depth in range(1, len(spec.hidden_layer_sizes) + 1):
        roles.append((f"hidden_{depth}", "kernel"))
        if spec.batch_normalization:
            roles += [(f"batch_norm_{depth}", r) for r in ("gamma", "beta")]
            roles += [(f"batch_norm_{depth}", r) for r in ("moving_mean", "moving_variance")]
        else:
            roles.append((f"hidden_{depth}", "bias"))
    return [*roles, ("output", "kernel"), ("output", "bias")]


def dense_layer_weights(spec):
    """Indices into the weight list of each dense layer's kernel and bias (``None``: no bias)."""
    roles = weight_roles(spec)
    layers = [layer for layer, role in roles if role == "kernel"]
    kernels = [roles.index((layer, "kernel")) for layer in layers]
    biases = [
        roles.index((layer, "bias")) if (layer, "bias") in roles else None for layer in layers
    ]
    return kernels, biases


def reseed_dropout(model, seed_sequence):
    """Point every dropout layer's random stream at a seed drawn from ``seed_sequence``."""
    dropout_layers = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    seeds = seed_sequence.generate_state(len(dropout_layers))
    for layer, seed in zip(dropout_layers, seeds, strict=True):
        layer.seed_generator.state.assign(np.array([int(seed) % 2**31, 0], dtype="int64"))
