"""scikeras's parameter routing: which estimator parameters go to the build function, the
optimizer, the loss and the callbacks. No Keras and no scikit-learn here.

A parameter ``model__units=64`` (or a bare ``units=64`` when the build function declares
``units``) reaches the build function as ``units``; ``optimizer__learning_rate`` the
optimizer; ``loss__*`` the loss; ``callbacks__*`` the callbacks given as classes;
``fit__*`` and ``predict__*`` override ``batch_size``, ``epochs``, ... for one of the two.
Unlike scikeras, a parameter that nothing takes is an error (:func:`check_consumed`): a typo
must not pass silently.
"""

import inspect

PREFIXES = ("model", "fit", "predict", "compile", "optimizer", "loss", "metrics", "callbacks")
FIT_OPTIONS = ("batch_size", "epochs", "verbose", "shuffle", "validation_split", "callbacks")
PREDICT_OPTIONS = ("batch_size", "verbose")
COMPILE_OPTIONS = ("optimizer", "loss", "metrics", "loss_weights")
# What the build function may declare besides its own parameters, as in scikeras.
BUILD_EXTRAS = ("meta", "compile_kwargs", "params")


def is_routed(name):
    return "__" in name and name.split("__", 1)[0] in PREFIXES


def routed(params, destination):
    """The parameters ``destination__name`` as ``{name: value}`` (one level deep)."""
    prefix = destination + "__"
    return {
        key[len(prefix) :]: value
        for key, value in params.items()
        if key.startswith(prefix) and "__" not in key[len(prefix) :]
    }


def metric_options(params):
    """scikeras's ``metrics__*`` routing: ``(shared, by_position)``, where ``metrics__name``
    goes to every metric given as a class and ``metrics__0__name`` to the first one only."""
    shared = {k: v for k, v in routed(params, "metrics").items() if not k.isdigit()}
    by_position = {}
    for key, value in params.items():
        parts = key.split("__")
        if len(parts) == 3 and parts[0] == "metrics" and parts[1].isdigit():
            by_position.setdefault(int(parts[1]), {})[parts[2]] = value
    return shared, by_position


def accepted_names(function):
    """``(names, takes_any)``: the keyword arguments ``function`` declares, and whether it
    takes ``**kwargs``."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: let it decide
        return (), True
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    names = tuple(p.name for p in parameters if p.kind in kinds)
    return names, any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def build_arguments(build_fn, bare, params, extras):
    """The keyword arguments to call ``build_fn`` with: the bare parameters it declares,
    then ``model__*`` (which win), then the ``extras`` (``meta``, ...) it declares."""
    names, takes_any = accepted_names(build_fn)
    arguments = {k: v for k, v in bare.items() if takes_any or k in names}
    arguments.update(routed(params, "model"))
    arguments.update({k: v for k, v in extras.items() if takes_any or k in names})
    return arguments


def _describe(function):
    names, takes_any = accepted_names(function)
    shown = [n for n in names if n != "self"] + (["**kwargs"] if takes_any else [])
    return f"{getattr(function, '__name__', repr(function))}({', '.join(shown)})"


def check_consumed(params, bare, build_fn, optimizer_class, loss_class, callback_classes):
    """Raise a ``ValueError`` naming each parameter that nothing would take, and what takes
    parameters. ``optimizer_class`` and ``loss_class`` are ``None`` when given as instances
    (which take no routed parameters); ``callback_classes`` are the callbacks given as
    classes; ``params["metrics"]`` the metrics, of which only classes take parameters."""
    build_names, build_takes_any = accepted_names(build_fn)
    problems = []
    for name in bare:
        if not build_takes_any and name not in build_names:
            problems.append(
                f"{name!r} is not an argument of the build function {_describe(build_fn)}"
            )
    # Keras's optimizers and losses take **kwargs only for legacy names, which they reject:
    # their declared arguments are what they accept.
    targets = {
        "model": ([build_fn], False),
        "optimizer": ([optimizer_class] if optimizer_class is not None else [], True),
        "loss": ([loss_class] if loss_class is not None else [], True),
        "callbacks": (list(callback_classes), True),
    }
    fixed = {"fit": FIT_OPTIONS, "predict": PREDICT_OPTIONS, "compile": COMPILE_OPTIONS}
    for key in params:
        if "__" not in key:
            continue
        prefix, name = key.split("__", 1)
        if prefix in fixed:
            if name not in fixed[prefix]:
                problems.append(f"{key!r}: {prefix}__ takes {', '.join(fixed[prefix])}")
        elif prefix in targets:
            takers, strict = targets[prefix]
            if not any(_takes(t, name, strict) for t in takers):
                where = ", ".join(_describe(t) for t in takers) or (
                    f"nothing (the {prefix} was given as an instance, or not at all)"
                )
                problems.append(f"{key!r} is not an argument of {where}")
        elif prefix == "metrics":
            problem = _unused_metric_option(key, name, params.get("metrics") or ())
            if problem:
                problems.append(problem)
        else:
            problems.append(f"{key!r}: no parameter routing prefix {prefix!r}")
    if problems:
        raise ValueError(
            "These parameters are not used by anything: "
            + "; ".join(problems)
            + f". Routing prefixes are {', '.join(p + '__' for p in PREFIXES)}; a bare name "
            "goes to the build function when it declares it."
        )


def _takes(function, name, strict):
    names, takes_any = accepted_names(function)
    return name in names or (takes_any and not strict)


def _unused_metric_option(key, name, metrics):
    """Why nothing takes ``metrics__<name>`` (or ``metrics__<i>__<name>``), or ``None``."""
    classes = [m for m in metrics if isinstance(m, type)]
    position, _, option = name.partition("__")
    if not position.isdigit():
        if any(_takes(c, name, True) for c in classes):
            return None
        if not classes:
            return f"{key!r}: only metrics given as classes take parameters, and none is"
        return f"{key!r} is not an argument of {', '.join(_describe(c) for c in classes)}"
    index = int(position)
    if index >= len(metrics):
        return f"{key!r}: there is no metric at position {index} (metrics has {len(metrics)})"
    metric = metrics[index]
    if not isinstance(metric, type):
        return f"{key!r}: the metric at position {index}, {metric!r}, is not a class"
    if "__" in option or not _takes(metric, option, True):
        return f"{key!r} is not an argument of {_describe(metric)}"
    return None
