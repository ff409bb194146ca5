"""The build step of a Keras estimator's fresh fit: the user's build function called with
what it declares, its model built and described, and the Keras objects of the fit (optimizer,
losses, callbacks) made from the estimator's parameters, into the plain
:class:`~skdense._spec.KerasArchitecture` that the core trains (see
:mod:`skdense._keras_network`). Imported at the first fit, with Keras.
"""

import contextlib
import inspect
import json
import math
import random

import keras
import numpy as np
from sklearn.base import is_regressor

from skdense import _keras_io, _keras_metrics, _keras_network, _keras_routing
from skdense._keras_network import _all_layers, _is_keras_class
from skdense._pool import BUILD_LOCK
from skdense._spec import optimizer_config


def build(estimator, params, meta, targets, sizes, seed):
    """Call ``estimator``'s build function; ``(KerasArchitecture, initial weights,
    targets)`` of its model, for ``sizes``: the columns of the packed X and of the encoded
    targets (``targets`` come back routed to the outputs when there are several)."""
    n_features, n_targets = sizes
    bare = {k: v for k, v in estimator._extra_params().items() if "__" not in k}
    compile_options = {**params, **_keras_routing.routed(params, "compile")}
    model_param = estimator.model
    is_instance = hasattr(model_param, "get_config") and hasattr(model_param, "layers")
    build_fn = (lambda: model_param) if is_instance else model_param
    if model_param is None:
        raise ValueError(
            f"{type(estimator).__name__} needs `model`: a function returning a Keras model, "
            "or a keras.Model instance."
        )
    optimizer, loss = compile_options["optimizer"], compile_options["loss"]
    one_loss = loss is not None and not isinstance(loss, list | dict)
    _keras_routing.check_consumed(
        params,
        bare,
        build_fn,
        optimizer_class(optimizer),
        loss_class(loss) if one_loss else None,
        [c for c in (estimator.callbacks or ()) if isinstance(c, type)],
    )
    optimizer = make_optimizer(optimizer, _keras_routing.routed(params, "optimizer"))
    if one_loss:
        loss = make_loss(loss, _keras_routing.routed(params, "loss"))
    metrics = _keras_metrics.instantiate(estimator.metrics, *_keras_routing.metric_options(params))
    compile_kwargs = {"optimizer": optimizer, "loss": loss, "metrics": metrics}
    extras = {"meta": meta, "compile_kwargs": compile_kwargs, "params": params}
    arguments = _keras_routing.build_arguments(build_fn, bare, params, extras)
    with seeded(int(seed.generate_state(1)[0] % 2**31)):
        model = build_fn(**arguments)
    check_serializable_layers(model)
    layout = estimator._input_layout
    with _keras_network.keras_serialization():
        model, compiled_loss, compiled_optimizer, compiled_metrics, compiled_weights = (
            prepared_model(model, n_features, layout)
        )
        metrics = compiled_metrics or _keras_metrics.serialize(metrics)
    loss_weights = compile_options.get("loss_weights")
    if compiled_loss is not None:  # the build function compiled it: its settings win
        loss, optimizer, loss_weights = compiled_loss, compiled_optimizer, compiled_weights
    if loss is None:
        raise ValueError(
            f"{type(estimator).__name__} has no loss to train with: pass `loss=` (for example "
            "loss='sparse_categorical_crossentropy') or compile the model in the build "
            "function."
        )
    structure, names, shapes, output_names, output_shapes, output_structure = signature(
        model, layout, n_features
    )
    if layout is None:
        _check_input_size(estimator, names, shapes, n_features)
    inputs = None if layout is None else _keras_io.model_inputs(layout, structure, names, shapes)
    keys, widths = estimator._target_groups
    if hasattr(targets, "group_widths"):  # targets encoded one by one (columns of y)
        widths = targets.group_widths()
        keys = keys if keys is not None and len(keys) == len(widths) else range(len(widths))
    outputs = _keras_io.model_outputs(output_names, output_shapes, n_targets, keys, widths)
    _check_output_sizes(estimator, output_shapes, outputs, targets)
    if (
        outputs
        and compiled_metrics is None
        and len(estimator.metrics or ()) not in (0, len(outputs))
    ):
        raise ValueError(
            f"The model has {len(outputs)} outputs, so metrics takes one entry per output "
            "(a metric, or a list of them), as Keras's compile does: for example "
            f"metrics={[['mae']] * len(outputs)}; got {estimator.metrics!r}."
        )
    if outputs:
        loss = output_losses(loss, output_names)
        loss_weights = output_weights(loss_weights, output_names)
    elif isinstance(loss, list | dict):
        loss = output_losses(loss, output_names)[0]
    if outputs or isinstance(targets, _keras_io.EncoderTargets):
        targets = _keras_io.RoutedTargets(targets, outputs, output_names, output_structure)
    architecture = _keras_network.architecture(
        model,
        loss,
        optimizer,
        n_features,
        n_targets,
        metrics,
        (inputs, outputs, loss_weights if outputs else ()),
    )
    return architecture, _keras_network.values(model.weights), targets


def _check_input_size(estimator, names, shapes, n_features):
    """Raise before training when the model cannot take ``X``, one array of
    ``n_features`` columns (its input ``names`` and per-row ``shapes``; ``None`` for a
    subclassed model): Keras would fail inside the compiled epoch."""
    if names is not None and len(names) > 1:
        raise ValueError(
            f"The model takes {len(names)} inputs ({', '.join(names)}), but X is one array: "
            "give X as a dict (by input name) or list of arrays, or set input_columns."
        )
    if not shapes or None in shapes[0]:
        return  # a subclassed model takes what it is given; an unknown size is Keras's
    n_inputs = math.prod(shapes[0])
    if n_inputs != n_features:
        raise ValueError(
            f"The model built by {type(estimator).__name__} takes {n_inputs} input features, "
            f"but X has {n_features} features (n_features_in_={n_features}). Build its "
            "input from meta['n_features_in_']."
        )


def _check_output_sizes(estimator, output_shapes, outputs, targets):
    """Raise before training when an output cannot fit its targets: Keras would fail
    inside the compiled epoch, or broadcast the loss silently."""
    if isinstance(targets, _keras_io.EncoderTargets):
        return  # the user's encoder decides what the outputs mean
    sizes = [None if None in shape else math.prod(shape) for shape in output_shapes]
    if not outputs:
        checks = [(sizes[0], estimator._output_sizes(targets), "")]
    elif isinstance(getattr(targets, "outputs", None), list):  # one target per output
        by_target = sorted(range(len(outputs)), key=lambda i: outputs[i].target_start)
        checks = [
            (sizes[i], allowed, f" (output {i})")
            for i, allowed in zip(by_target, targets.output_sizes(), strict=True)
        ]
    elif is_regressor(estimator):
        checks = [
            (
                size,
                (
                    (o.target_stop - o.target_start,),
                    f"{o.target_stop - o.target_start} units, one per column of its target",
                ),
                f" (output {i})",
            )
            for i, (size, o) in enumerate(zip(sizes, outputs, strict=True))
        ]
    else:
        return  # one label matrix split among outputs by their sizes
    for size, (allowed, expected), which in checks:
        if size is not None and size not in allowed:
            raise ValueError(
                f"The model built by {type(estimator).__name__} has {size} output "
                f"unit{'s' if size != 1 else ''}{which}, but the targets need {expected}."
            )


def check_serializable_layers(model):
    """Raise a ``TypeError`` naming each custom layer class of ``model`` that Keras could
    not rebuild from the model's configuration, which is how skdense trains, predicts and
    stores it."""
    unregistered = sorted(
        {
            f"{cls.__module__}.{cls.__qualname__}"
            for cls in (type(layer) for layer in [model, *_all_layers(model)])
            if not _is_keras_class(cls)
            and keras.saving.get_registered_object(keras.saving.get_registered_name(cls))
            is not cls
        }
    )
    if unregistered:
        raise TypeError(
            f"The model uses custom Keras classes that are not registered: "
            f"{', '.join(unregistered)}. skdense rebuilds the model from its configuration "
            "(to train it, and when a fitted estimator is loaded), which Keras can do only "
            "for registered classes: decorate each with "
            "@keras.saving.register_keras_serializable(package=...), in a module that is "
            "imported wherever the estimator is loaded, and give it get_config() when its "
            "constructor takes arguments."
        )


@contextlib.contextmanager
def seeded(seed):
    """Python's and numpy's global random streams seeded with ``seed`` inside the block and
    restored after it: Keras draws the seeds of initializers and dropout layers created
    without one from Python's stream, so a build function then builds the same model."""
    # One build at a time (see BUILD_LOCK): fits on threads would otherwise draw from each
    # other's seeded streams.
    with BUILD_LOCK:
        python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
        random.seed(seed)
        np.random.seed(seed)  # noqa: NPY002 - build functions may draw from it
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)  # noqa: NPY002


def optimizer_class(optimizer):
    """The Keras optimizer class named or given by ``optimizer`` (``None``: an instance)."""
    if isinstance(optimizer, str):
        return type(keras.optimizers.get(optimizer))
    return optimizer if isinstance(optimizer, type) else None


def make_optimizer(optimizer, options):
    """A new optimizer from a name, class or instance, with ``optimizer__*`` ``options``."""
    cls = optimizer_class(optimizer)
    if cls is None:  # an instance: a copy, never the user's object, which would be trained
        return type(optimizer).from_config({**optimizer_config(optimizer), **options})
    return cls(**options)


def loss_class(loss):
    """The Keras ``Loss`` class named or given by ``loss`` (``None``: an instance or a
    function, which take no options)."""
    if isinstance(loss, type):
        return loss
    if not isinstance(loss, str):
        return None
    found = keras.losses.get(loss)
    if isinstance(found, keras.losses.Loss):
        return type(found)
    # A loss function's name, as "sparse_categorical_crossentropy": its class's, unspaced.
    classes = {
        name.lower(): obj
        for name, obj in vars(keras.losses).items()
        if isinstance(obj, type) and issubclass(obj, keras.losses.Loss)
    }
    return classes.get(found.__name__.replace("_", ""))


def make_loss(loss, options):
    """A Keras loss from a name, class, instance or function, with ``loss__*`` ``options``."""
    cls = loss_class(loss)
    if cls is not None:
        return cls(**options)
    return keras.losses.get(loss) if isinstance(loss, str) else loss


def make_callbacks(callbacks, options):
    """Callback instances as given, classes made with the ``callbacks__*`` ``options`` that
    they declare."""
    made = []
    for callback in callbacks or ():
        if isinstance(callback, type):
            names = inspect.signature(callback).parameters
            callback = callback(**{k: v for k, v in options.items() if k in names})
        made.append(callback)
    return made


def prepared_model(model, n_features, layout=None):
    """``(model, loss, optimizer, metrics, loss_weights)`` of a build function's model:
    built for ``n_features`` inputs (or ``layout``'s arrays), and with its own loss (as
    compiled: one, a list or a dict), optimizer, serialized metrics and loss weights
    (``None`` when it has none) when the build function compiled it."""
    if not model.built:
        if isinstance(model, keras.Sequential):
            model.build((None, *((n_features,) if layout is None else layout.shapes[0])))
        else:  # a subclassed model builds at its first call
            model(keras.Input((n_features,)) if layout is None else symbolic_inputs(layout))
    if getattr(model, "compiled", False) and model.loss is not None:
        config = model.get_compile_config()
        metrics = config.get("metrics")
        metrics = json.dumps(metrics, sort_keys=True) if metrics else None
        return model, model.loss, model.optimizer, metrics, config.get("loss_weights")
    return model, None, None, None, None


def symbolic_inputs(layout):
    """Keras inputs shaped as ``layout``'s arrays, structured as they were given."""
    tensors = [keras.Input(shape) for shape in layout.shapes]
    if layout.call == "dict":
        return dict(zip(layout.keys, tensors, strict=True))
    return tensors[0] if layout.call == "tensor" else tensors


def signature(model, layout, n_features):
    """What the ports of a built ``model`` are: ``(input structure, input names, input
    shapes, output names, output shapes, output structure)``. The input structure is
    ``"dict"``, ``"list"`` or ``"tensor"``, or ``None`` (and no names) for a subclassed
    model, which takes what it is given; outputs are in ``keras.tree.flatten`` order."""
    tensors = getattr(model, "inputs", None)
    structure = names = shapes = None
    if tensors:
        try:
            given = model.input
        except (AttributeError, ValueError):  # a Sequential model built without Input
            given = tensors[0]
        if isinstance(given, dict):
            structure, names = "dict", sorted(given)
            shapes = [tuple(given[name].shape[1:]) for name in names]
        else:
            structure = (
                "list" if isinstance(given, list | tuple) and len(tensors) > 1 else "tensor"
            )
            names = [t.name for t in tensors]
            shapes = [tuple(t.shape[1:]) for t in tensors]
    if tensors:  # a functional or Sequential model knows its outputs
        try:
            outputs = model.output
        except (AttributeError, ValueError):
            outputs = model.outputs[0] if len(model.outputs) == 1 else model.outputs
    else:  # a subclassed model shows them when called
        arguments = keras.Input((n_features,)) if layout is None else symbolic_inputs(layout)
        outputs = model(arguments)
    flat = keras.tree.flatten(outputs)
    if isinstance(outputs, dict):
        output_names, output_structure = sorted(outputs), "dict"
    else:
        output_structure = "list" if isinstance(outputs, list | tuple) else "tensor"
        output_names = list(getattr(model, "output_names", None) or ())
        if len(output_names) != len(flat):
            output_names = list(range(len(flat)))
    output_shapes = [tuple(o.shape[1:]) for o in flat]
    return structure, names, shapes, output_names, output_shapes, output_structure


def output_losses(loss, names):
    """One Keras loss per model output: ``loss`` for all (a name, class, instance or
    function), a list by position or a dict by output name, as Keras's compile takes it."""
    if isinstance(loss, dict):
        missing = [name for name in names if name not in loss]
        if missing:
            raise ValueError(
                f"loss is a dict by output name, but has no loss for the outputs {missing} "
                f"(the model's outputs are {list(names)})."
            )
        return [make_loss(loss[name], {}) for name in names]
    if isinstance(loss, list | tuple):
        if len(loss) != len(names):
            raise ValueError(
                f"loss is a list of {len(loss)} losses, but the model has {len(names)} "
                "outputs: give one loss per output."
            )
        return [make_loss(item, {}) for item in loss]
    return [make_loss(loss, {})] * len(names)


def output_weights(loss_weights, names):
    """One weight per model output from ``loss_weights`` (None, a list or a dict)."""
    if loss_weights is None:
        return ()
    if isinstance(loss_weights, dict):
        return tuple(float(loss_weights.get(name, 1.0)) for name in names)
    if len(loss_weights) != len(names):
        raise ValueError(
            f"loss_weights has {len(loss_weights)} weights, but the model has {len(names)} "
            "outputs."
        )
    return tuple(float(w) for w in loss_weights)
