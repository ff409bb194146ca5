"""skl2onnx shape calculators and converters for the skdense estimators.

Imported only by :mod:`skdense.onnx`, so that ``import skdense`` never needs skl2onnx.
The ONNX graph is written from the estimator's plain numpy state (``_network_spec`` and
``_network_weights``), never from Keras: a float32 forward pass through the dense layers,
then what :mod:`skdense._targets` does with the logits (labels from the logits' signs or
argmax, probabilities through the output activation).
"""

import numpy as np
from skl2onnx.common._apply_operation import apply_cast, apply_identity
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    guess_proto_type,
)
from skl2onnx.common.shape_calculator import (
    calculate_linear_classifier_output_shapes,
    calculate_linear_regressor_output_shapes,
)
from skl2onnx.common.utils_classifier import get_label_classes
from skl2onnx.proto import onnx_proto
from sklearn.utils.validation import check_is_fitted

from skdense._network import weight_roles

_FLOAT = onnx_proto.TensorProto.FLOAT
_INT64 = onnx_proto.TensorProto.INT64

# Keras's constants, as its TensorFlow kernels use them.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_LEAKY_RELU_SLOPE = 0.2  # keras.activations.leaky_relu's default negative_slope
_BATCH_NORM_EPSILON = 1e-3  # keras.layers.BatchNormalization's default; build_network keeps it


class _GraphWriter:
    """Adds nodes and constants to the graph, each with a fresh name; returns output names."""

    def __init__(self, scope, container):
        self.scope = scope
        self.container = container

    def constant(self, value, proto_type=onnx_proto.TensorProto.FLOAT):
        name = self.scope.get_unique_variable_name("skdense_constant")
        value = np.asarray(value)
        if proto_type == onnx_proto.TensorProto.STRING:
            values = [str(v).encode("utf-8") for v in value.ravel()]
        else:
            values = value.ravel().tolist()
        self.container.add_initializer(name, proto_type, list(value.shape), values)
        return name

    def node(self, op_type, inputs, op_domain="", op_version=None, **attributes):
        output = self.scope.get_unique_variable_name(f"skdense_{op_type.lower()}")
        self.container.add_node(
            op_type,
            list(inputs),
            output,
            name=self.scope.get_unique_operator_name(op_type),
            op_domain=op_domain,
            op_version=op_version,
            **attributes,
        )
        return output


def _softplus(graph, x):
    return graph.node("Softplus", [x])


def _activation(graph, name, x):
    """``name`` (one of ``skdense._network.ACTIVATIONS``) applied to ``x``, as Keras computes it.

    Every activation is written with operators of ONNX opset 9, so that any target opset works.
    """
    if name == "identity":
        return x
    simple = {"relu": "Relu", "tanh": "Tanh", "logistic": "Sigmoid", "softplus": "Softplus"}
    if name in simple:
        return graph.node(simple[name], [x])
    if name == "elu":
        return graph.node("Elu", [x], alpha=1.0)
    if name == "selu":
        return graph.node("Selu", [x], alpha=_SELU_ALPHA, gamma=_SELU_SCALE)
    if name == "leaky_relu":
        return graph.node("LeakyRelu", [x], alpha=_LEAKY_RELU_SLOPE)
    if name in ("silu", "swish"):  # x * sigmoid(x)
        return graph.node("Mul", [x, graph.node("Sigmoid", [x])])
    if name == "mish":  # x * tanh(softplus(x))
        return graph.node("Mul", [x, graph.node("Tanh", [_softplus(graph, x)])])
    if name == "gelu":  # keras.activations.gelu's default: the exact form, erf, not tanh
        scaled = graph.node("Mul", [x, graph.constant(np.float32(1 / np.sqrt(2)))])
        one_plus_erf = graph.node("Add", [graph.node("Erf", [scaled]), graph.constant(1.0)])
        half_x = graph.node("Mul", [x, graph.constant(0.5)])
        return graph.node("Mul", [half_x, one_plus_erf])
    raise NotImplementedError(
        f"activation={name!r} has no ONNX conversion; the activations that convert are those "
        "skdense offers (skdense._network.ACTIVATIONS)."
    )


def _logits(graph, estimator, input_name):
    """The network's logits (before the output activation) for the float32 ``input_name``."""
    spec = estimator._network_spec
    weights = dict(zip(weight_roles(spec), estimator._network_weights, strict=True))
    x = input_name
    for depth in range(1, len(spec.hidden_layer_sizes) + 1):
        layer = f"hidden_{depth}"
        x = graph.node("MatMul", [x, graph.constant(weights[layer, "kernel"])])
        if spec.batch_normalization:
            # keras.layers.BatchNormalization at inference, in float32 and in the order that
            # tf.nn.batch_normalization computes it: x * scale + (beta - mean * scale).
            norm = f"batch_norm_{depth}"
            variance = weights[norm, "moving_variance"].astype(np.float32)
            inverse_std = 1 / np.sqrt(variance + np.float32(_BATCH_NORM_EPSILON))
            scale = inverse_std * weights[norm, "gamma"]
            shift = weights[norm, "beta"] - weights[norm, "moving_mean"] * scale
            x = graph.node("Mul", [x, graph.constant(scale.astype(np.float32))])
            x = graph.node("Add", [x, graph.constant(shift.astype(np.float32))])
        else:
            x = graph.node("Add", [x, graph.constant(weights[layer, "bias"])])
        x = _activation(graph, spec.activation, x)
        # Dropout is the identity at inference: nothing to write.
    x = graph.node("MatMul", [x, graph.constant(weights["output", "kernel"])])
    return graph.node("Add", [x, graph.constant(weights["output", "bias"])])


def _float_input(graph, operator):
    """The operator's input as float32: the network computes in float32 whatever comes in."""
    if guess_proto_type(operator.inputs[0].type) == onnx_proto.TensorProto.FLOAT:
        return operator.inputs[0].full_name
    name = graph.scope.get_unique_variable_name("skdense_float_input")
    apply_cast(graph.scope, operator.inputs[0].full_name, name, graph.container, to=_FLOAT)
    return name


def _write_output(graph, value, output):
    """Write the float32 ``value`` to ``output``, cast to the type skl2onnx declared for it."""
    proto_type = guess_proto_type(output.type)
    if proto_type == _FLOAT:
        apply_identity(graph.scope, value, output.full_name, graph.container)
    else:  # double input: skl2onnx declares double outputs
        apply_cast(graph.scope, value, output.full_name, graph.container, to=proto_type)


def _is_multilabel(estimator):
    return getattr(estimator._targets, "kind", None) == "multilabel-indicator"


def _class_labels(scope, estimator):
    """``classes_`` as an ONNX constant's values and type, following skl2onnx's own choices:
    integer (and integral float or bool) labels become int64, anything else strings; option
    ``nocl`` outputs class indices instead."""
    classes = np.asarray(get_label_classes(scope, estimator))
    if classes.dtype.kind in "biuf":
        return classes.astype(np.int64), onnx_proto.TensorProto.INT64
    return classes.astype(str), onnx_proto.TensorProto.STRING


def calculate_classifier_output_shapes(operator):
    """Label and probability outputs as for scikit-learn's classifiers; a multilabel
    estimator's labels are an (n_samples, n_labels) int64 indicator matrix."""
    estimator = operator.raw_operator
    check_is_fitted(estimator, "_network_weights")
    calculate_linear_classifier_output_shapes(operator)
    if _is_multilabel(estimator):
        n_samples = operator.inputs[0].get_first_dimension()
        operator.outputs[0].set_type(Int64TensorType([n_samples, len(estimator.classes_)]))


def calculate_regressor_output_shapes(operator):
    """Predictions of shape (n_samples, n_outputs), float32 (double for a double input)."""
    check_is_fitted(operator.raw_operator, "_network_weights")
    calculate_linear_regressor_output_shapes(operator)
    input_type = operator.inputs[0].type
    tensor_type = DoubleTensorType if isinstance(input_type, DoubleTensorType) else FloatTensorType
    n_samples = operator.inputs[0].get_first_dimension()
    operator.outputs[0].set_type(tensor_type([n_samples, operator.raw_operator.n_outputs_]))


def convert_classifier(scope, operator, container):
    """Labels (``predict``) and probabilities (``predict_proba``) of a skdense classifier.

    Labels come from the logits, as in ``skdense._targets.ClassTargets.predict``: the sign of
    the single logit (binary), its argmax (multiclass), the sign of each (multilabel).
    """
    graph = _GraphWriter(scope, container)
    estimator = operator.raw_operator
    logits = _logits(graph, estimator, _float_input(graph, operator))
    label_output, proba_output = operator.outputs[:2]
    if estimator.out_activation_ == "softmax":
        proba = graph.node("Softmax", [logits], axis=1)
        indices = graph.node("ArgMax", [logits], axis=1, keepdims=0)
    elif _is_multilabel(estimator):
        proba = graph.node("Sigmoid", [logits])
        positive = graph.node("Greater", [logits, graph.constant(np.float32(0))])
        apply_cast(scope, positive, label_output.full_name, container, to=_INT64)
        _write_output(graph, proba, proba_output)
        return
    else:  # binary: one logistic unit for the second class
        positive_proba = graph.node("Sigmoid", [logits])
        # sigmoid(-logit), not 1 - sigmoid(logit): no cancellation when P(positive) is near 1
        negative_proba = graph.node("Sigmoid", [graph.node("Neg", [logits])])
        proba = graph.node("Concat", [negative_proba, positive_proba], axis=1)
        positive = graph.node("Greater", [logits, graph.constant(np.float32(0))])
        indices = graph.node("Reshape", [graph.node("Cast", [positive], to=_INT64), _flat(graph)])
    _write_output(graph, proba, proba_output)
    classes, classes_type = _class_labels(scope, estimator)
    labels = graph.node("Gather", [graph.constant(classes, classes_type), indices], axis=0)
    apply_identity(scope, labels, label_output.full_name, container)


def _flat(graph):
    return graph.constant(np.array([-1], dtype=np.int64), _INT64)


def convert_regressor(scope, operator, container):
    """Predictions of a skdense regressor: the logits, through ``exp`` for the Poisson loss."""
    graph = _GraphWriter(scope, container)
    estimator = operator.raw_operator
    predictions = _logits(graph, estimator, _float_input(graph, operator))
    if estimator.out_activation_ == "exp":
        predictions = graph.node("Exp", [predictions])
    elif estimator.out_activation_ != "identity":
        raise NotImplementedError(
            f"out_activation_={estimator.out_activation_!r} has no ONNX conversion for a "
            "regressor; expected 'identity' or 'exp'."
        )
    _write_output(graph, predictions, operator.outputs[0])
