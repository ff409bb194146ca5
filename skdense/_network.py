"""Network specification -> Keras model, on any Keras backend. Knows nothing about scikit-learn.

A :class:`~skdense._spec.NetworkSpec` is all that is needed to rebuild the Keras model, so
fitted estimators store the spec plus numpy weights (never Keras objects) and networks with the
same spec can share one built and compiled model.
"""

import math

import keras
import numpy as np
import scipy.stats

from skdense._spec import (  # noqa: F401 - re-exported: older pickles name them here
    ACTIVATIONS,
    OUTPUT_ACTIVATIONS,
    SKLEARN_ACTIVATIONS,
    SKLEARN_INIT_FACTORS,
    NetworkSpec,
    dense_layer_weights,
    resolve_initializer,
    weight_roles,
)


def keras_activation(name):
    return SKLEARN_ACTIVATIONS.get(name, name)


def build_network(spec, draw_weights=True, regularized=True):
    """Build the Keras model for ``spec``.

    Returns ``(model, logits_model)``: ``model`` ends with the output activation (what a user
    calls to get probabilities), ``logits_model`` shares every layer but stops before it, which
    is what training and numerically stable losses need.

    ``draw_weights=False`` builds the kernels as zeros, for networks whose weights are set
    right after (pooled networks take :func:`initial_weights` or a fit's weights): on JAX,
    Keras's random draw at build time compiles a random-number program per kernel shape,
    0.2-0.3 s each on a 2-core CPU. ``model_``, which a user inspects and saves, is built
    with the spec's initializer.

    ``regularized=False`` leaves the penalties out of the layers: pooled networks add them in
    their loss with strengths set per fit (:class:`skdense._training.CompiledNetwork`), so
    that one compiled network serves every ``alpha``. ``model_`` carries them as Keras
    regularizers.
    """
    kernel_initializer = (
        keras_initializer_name(spec.kernel_initializer) if draw_weights else "zeros"
    )
    penalized = regularized and (spec.l1 or spec.l2)
    regularizer = keras.regularizers.L1L2(l1=spec.l1, l2=spec.l2) if penalized else None
    dtype = keras.DTypePolicy(spec.dtype_policy)
    inputs = keras.Input(shape=(spec.n_features,), name="features")
    x = inputs
    for depth, (units, rate) in enumerate(
        zip(spec.hidden_layer_sizes, spec.dropout, strict=True), start=1
    ):
        x = keras.layers.Dense(
            units,
            kernel_initializer=kernel_initializer,
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
        kernel_initializer=kernel_initializer,
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


def keras_initializer_name(name):
    """The Keras initializer a layer is configured with (what ``model_``'s config shows).

    scikit-learn's scheme is Glorot uniform for its kernels (with a smaller gain for logistic
    units, drawn in :func:`initial_weights`); every other name is Keras's own.
    """
    return "glorot_uniform" if name in SKLEARN_INIT_FACTORS else name


def initial_weights(model, spec, random_state):
    """Fresh weights for ``model`` as numpy arrays, in ``model.get_weights()`` order.

    ``random_state`` is a ``numpy.random.RandomState``, the fit's one stream of random numbers.
    Under scikit-learn's scheme (the default), each dense layer's kernel and then its bias are
    drawn uniformly within the layer's bound straight from it, in scikit-learn's order: with
    the same ``random_state``, skdense's MLP starts from the very weights scikit-learn's starts
    from. Other initializers draw a seed from it per kernel, and biases start at zero;
    batch-norm parameters start at their usual constants. Drawing here, rather than letting
    Keras draw at build time, is what lets a built network be reused across fits.
    """
    weights = []
    bound = None  # scikit-learn's scheme: the bias shares its layer's kernel bound
    for variable in model.weights:
        role = variable.path.rsplit("/", 1)[-1]
        shape = tuple(variable.shape)
        if role == "kernel" and spec.kernel_initializer in SKLEARN_INIT_FACTORS:
            bound = math.sqrt(SKLEARN_INIT_FACTORS[spec.kernel_initializer] / sum(shape))
            weights.append(_uniform(bound, shape, random_state))
        elif role == "kernel":
            seed = int(random_state.randint(np.iinfo(np.int32).max))
            weights.append(_initial_kernel(spec.kernel_initializer, shape, seed))
        elif role == "bias" and bound is not None:
            weights.append(_uniform(bound, shape, random_state))
        elif role in ("gamma", "moving_variance"):
            weights.append(np.ones(shape, dtype=np.float32))
        elif role in ("bias", "beta", "moving_mean"):
            weights.append(np.zeros(shape, dtype=np.float32))
        else:  # pragma: no cover - a layer type this builder does not create
            raise RuntimeError(f"no initial value known for weight {variable.path!r}")
    return weights


def _uniform(bound, shape, random_state):
    # Drawn in float64 and then rounded, as scikit-learn draws before casting to X's dtype.
    return random_state.uniform(-bound, bound, size=shape).astype(np.float32)


def _initial_kernel(name, shape, seed):
    """A kernel drawn by the named Keras initializer.

    Keras's variance-scaling family (Glorot, He, LeCun; uniform or normal: every initializer
    skdense picks) is drawn here with numpy, by Keras's formulas, so that a ``random_state``
    gives the same network on every backend. Other initializers draw with the backend's
    random generator: deterministic, but not the same numbers on TensorFlow and JAX.
    """
    initializer = keras.initializers.get(name)
    config = initializer.get_config()
    if isinstance(initializer, keras.initializers.VarianceScaling):
        rng = np.random.default_rng(seed)
        fan_in, fan_out = shape[0], shape[-1]
        fans = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        variance = initializer.scale / max(1.0, fans[initializer.mode])
        distribution = initializer.distribution
        if distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            value = rng.uniform(-limit, limit, size=shape)
        elif distribution == "truncated_normal":  # within two standard deviations
            stddev = math.sqrt(variance) / _TRUNCATED_NORMAL_STDDEV
            value = scipy.stats.truncnorm.rvs(-2, 2, scale=stddev, size=shape, random_state=rng)
        else:
            value = rng.normal(0.0, math.sqrt(variance), size=shape)
        return value.astype(np.float32)
    if "seed" in config:  # random initializers; constant ones take no seed
        initializer = type(initializer).from_config({**config, "seed": seed % 2**31})
    return keras.ops.convert_to_numpy(initializer(shape, dtype="float32"))


# The standard deviation of a unit normal truncated to [-2, 2]: Keras divides by it so that the
# truncated draw keeps the variance asked for.
_TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


def reseed_dropout(model, random_state, samples_seen=0):
    """Point every dropout layer's random stream at a seed drawn from ``random_state``.

    Nothing is drawn for a network without dropout, so the draws after this one (the
    validation split, the shuffles) stay those of scikit-learn's MLP. ``samples_seen`` (the
    training so far) is mixed in: an int ``random_state`` restarts its stream at each
    ``partial_fit``, as scikit-learn's does, and the masks must not repeat epoch after epoch.
    """
    dropout_layers = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    seeds = random_state.randint(np.iinfo(np.int32).max, size=len(dropout_layers))
    for layer, seed in zip(dropout_layers, seeds, strict=True):
        if samples_seen:
            seed = np.random.SeedSequence([int(seed), int(samples_seen)]).generate_state(1)[0]
        layer.seed_generator.state.assign(np.array([int(seed) % 2**31, 0], dtype="int64"))
