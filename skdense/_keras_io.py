"""Several inputs or outputs for a user's Keras model, on a core that trains on one matrix.

X given as a dict or list of arrays, as column groups of one table (``input_columns``) or
by a scikeras ``feature_encoder`` is packed side by side into the one 2-D matrix that
skdense's core validates, splits, pads and keeps on the device; the compiled step slices it
back into the model's inputs (:class:`skdense._keras_network.KerasNetwork`). Several targets
(a list or dict of arrays) are packed the same way, one group of columns per model output.
The records that say which columns go where (:class:`~skdense._spec.ModelInputs`,
:class:`~skdense._spec.ModelOutput`) are plain data. No Keras here.
"""

import dataclasses
import math

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array

from skdense._fit_guards import FLOAT_DTYPES, numeric_input
from skdense._spec import InputSlot, ModelInputs, ModelOutput


def several_arrays(data):
    """Whether ``data`` holds several arrays (a dict, or a list or tuple of arrays with
    one length) rather than the rows of one.

    A list of 1-D arrays as many as their length reads as rows, as scikit-learn reads it.
    """
    if sp.issparse(data):  # scipy's DOK format is a dict
        return False
    if isinstance(data, dict):
        return True
    if not isinstance(data, list | tuple) or not data:
        return False
    if not all(getattr(part, "ndim", 0) >= 1 for part in data):
        return False
    lengths = {part.shape[0] for part in data}
    return len(lengths) == 1 and (any(part.ndim >= 2 for part in data) or lengths != {len(data)})


def _named(parts):
    return list(parts.items()) if isinstance(parts, dict) else list(enumerate(parts))


def _described(key):
    return f"X[{key!r}]"


@dataclasses.dataclass(frozen=True)
class Layout:
    """Arrays packed side by side as the columns of one matrix: their ``keys`` (names for
    a dict, positions for a list, ``(None,)`` for one array alone), per-row ``shapes``, and
    how they were given (``call``: ``"dict"``, ``"list"`` or ``"tensor"``)."""

    keys: tuple
    shapes: tuple
    call: str

    @classmethod
    def packed(cls, parts):
        """``(layout, matrix)``: the layout of ``parts`` (a dict, list or one array) and the
        parts packed by it, each validated once."""
        if not isinstance(parts, dict | list | tuple):
            array = _validated(parts, "X")
            return cls((None,), (array.shape[1:],), "tensor"), _joined([None], [array])
        named = _named(parts)
        if not named:
            raise ValueError("X holds no arrays: give one array per model input.")
        keys = [key for key, _ in named]
        arrays = [_validated(part, _described(key)) for key, part in named]
        call = "dict" if isinstance(parts, dict) else "list"
        layout = cls(tuple(keys), tuple(a.shape[1:] for a in arrays), call)
        return layout, _joined(keys, arrays)

    @property
    def widths(self):
        return tuple(math.prod(shape) for shape in self.shapes)

    def spans(self):
        """``{key: (start, stop)}``: each array's columns in the packed matrix."""
        stops = np.cumsum(self.widths)
        return {
            k: (int(e - w), int(e)) for k, w, e in zip(self.keys, self.widths, stops, strict=True)
        }

    def pack(self, parts):
        """``parts`` (given as at fit) as one 2-D matrix: CSR if any part is sparse."""
        if self.call == "tensor":
            if isinstance(parts, dict | list | tuple):
                raise ValueError("X was one array at fit; this X holds several. Give X as at fit.")
            arrays = [_validated(parts, "X")]
        else:
            arrays = self._arrays_by_key(parts)
        for key, array, shape in zip(self.keys, arrays, self.shapes, strict=True):
            if array.shape[1:] != shape:
                where = "X" if key is None else _described(key)
                raise ValueError(
                    f"{where} has rows of shape {array.shape[1:]}, but the model was fitted "
                    f"on rows of shape {shape}."
                )
        return _joined(self.keys, arrays)

    def _arrays_by_key(self, parts):
        given = "dict" if isinstance(parts, dict) else "list"
        if not isinstance(parts, dict | list | tuple) or given != self.call:
            raise ValueError(
                f"X was a {self.call} of {len(self.keys)} arrays at fit; give X the same way."
            )
        named = dict(_named(parts))
        if set(named) != set(self.keys):
            raise ValueError(
                f"X holds arrays for {sorted(named, key=str)}, but the model was fitted on "
                f"{sorted(self.keys, key=str)}."
            )
        return [_validated(named[key], _described(key)) for key in self.keys]


def _joined(keys, arrays):
    """Validated ``arrays`` side by side, row for row: one 2-D matrix, CSR if any is sparse."""
    lengths = {key: len(array) for key, array in zip(keys, arrays, strict=True)}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            f"The arrays of X have different numbers of rows: {lengths}. Each array is one "
            "model input, row for row."
        )
    columns = [a if sp.issparse(a) else a.reshape(len(a), -1) for a in arrays]
    if any(sp.issparse(c) for c in columns):
        return sp.hstack(columns, format="csr")
    return np.concatenate(columns, axis=1) if len(columns) > 1 else columns[0]


def _validated(part, what):
    """One array of X, checked as scikit-learn checks X (numbers, finite, float32 kept)."""
    with numeric_input():
        try:
            return check_array(
                part,
                accept_sparse="csr",
                allow_nd=True,
                ensure_2d=False,
                dtype=FLOAT_DTYPES,
                input_name=what,
            )
        except ValueError as error:
            raise ValueError(f"{what}: {error}") from None


def column_groups(X, input_columns, feature_names):
    """``{input name: X's columns}`` for ``input_columns``: a dict of column names (of a
    DataFrame X), positions, or slices, per named model input."""
    if not isinstance(input_columns, dict) or not input_columns:
        raise ValueError(
            "input_columns maps model input names to X's columns, for example "
            "{'numeric': ['age', 'income'], 'origin': slice(7, 10)}; got "
            f"{input_columns!r}."
        )
    return {
        name: X[:, _column_index(cols, feature_names, X.shape[1], name)]
        for name, cols in input_columns.items()
    }


def _column_index(columns, feature_names, n_features, name):
    if isinstance(columns, slice):
        return np.arange(n_features)[columns]
    if isinstance(columns, str | int | np.integer):
        columns = [columns]
    columns = list(columns)
    if all(isinstance(c, int | np.integer) for c in columns):
        outside = [c for c in columns if not -n_features <= c < n_features]
        if outside:
            raise ValueError(
                f"input_columns[{name!r}] names columns {outside}, but X has {n_features}."
            )
        return np.asarray(columns, dtype=int)
    if feature_names is None:
        raise ValueError(
            f"input_columns[{name!r}] names columns, but X has no column names: pass a "
            "DataFrame, or give column positions or a slice."
        )
    positions = {column: i for i, column in enumerate(feature_names)}
    missing = [c for c in columns if c not in positions]
    if missing:
        raise ValueError(
            f"input_columns[{name!r}] names columns that X does not have: {missing}. "
            f"X's columns are {list(feature_names)}."
        )
    return np.asarray([positions[c] for c in columns], dtype=int)


def stacked_targets(y):
    """``(y, keys, widths)``: several targets (a list or dict of arrays, one per model
    output) side by side as one 2-D array, with each one's key and column count; ``y`` as
    it is, with ``None`` for both, when it is one array."""
    if not several_arrays(y):
        return y, None, None
    named = [(key, np.asarray(part)) for key, part in _named(y)]
    columns = [part.reshape(len(part), -1) for _, part in named]
    widths = tuple(c.shape[1] for c in columns)
    return np.concatenate(columns, axis=1), tuple(k for k, _ in named), widths


def model_inputs(layout, structure, names, shapes):
    """The :class:`ModelInputs` that feed ``layout``'s arrays to a model whose inputs are
    given by ``structure`` (``"dict"``, ``"list"``, ``"tensor"``, or ``None`` for a
    subclassed model, which takes what it is given), ``names`` and per-row ``shapes``."""
    spans = layout.spans()
    if structure is None:  # subclassed: called as X was given
        names, shapes = layout.keys, layout.shapes
        structure = layout.call
    elif layout.call == "tensor" or (len(names) == 1 and layout.call == "list"):
        if len(names) != 1:
            raise ValueError(
                f"The model takes {len(names)} inputs ({', '.join(names)}), but X is one "
                "array: give X as a dict or list of arrays, or set input_columns."
            )
        names = [layout.keys[0]]
    elif layout.call == "list":
        if len(names) != len(layout.keys):
            raise ValueError(
                f"The model takes {len(names)} inputs ({', '.join(names)}), but X is a list "
                f"of {len(layout.keys)} arrays."
            )
        names = list(layout.keys)  # by position
    else:
        missing = [n for n in names if n not in spans]
        extra = [k for k in layout.keys if k not in names]
        if missing or extra:
            raise ValueError(
                f"The model's inputs are named {list(names)}, but X holds arrays for "
                f"{list(layout.keys)}: no array for {missing}, no input for {extra}."
            )
    slots = []
    for name, shape in zip(names, shapes, strict=True):
        start, stop = spans[name]
        if shape is None or any(d is None for d in shape):
            shape = layout.shapes[layout.keys.index(name)]
        if math.prod(shape) != stop - start:
            raise ValueError(
                f"The model's input {name!r} takes rows of shape {tuple(shape)}, but "
                f"{_described(name) if name is not None else 'X'} has rows of shape "
                f"{layout.shapes[layout.keys.index(name)]}."
            )
        key = name if structure == "dict" else None
        slots.append(InputSlot(start, stop, tuple(shape), key))
    return ModelInputs("tensor" if structure == "tensor" else structure, tuple(slots))


def model_outputs(names, shapes, n_targets, target_keys, target_widths):
    """The :class:`ModelOutput` records of a model's outputs (``names`` and per-row
    ``shapes``, in ``keras.tree.flatten`` order), each with its targets' columns; ``()``
    for one output trained on every target. Several targets go to the outputs by name
    (a dict) or position; one target matrix is split among outputs by their sizes."""
    sizes = [math.prod(shape) for shape in shapes]
    if len(shapes) == 1 and (target_widths is None or len(target_widths) == 1):
        return ()
    if target_widths is None:
        if sum(sizes) != n_targets:
            raise ValueError(
                f"The model has {len(shapes)} outputs of sizes {sizes} ({sum(sizes)} "
                f"values), but the targets have {n_targets} columns: give y as a list (or "
                "dict by output name) with one target per output."
            )
        stops = np.cumsum(sizes)
        return tuple(
            ModelOutput(tuple(shape), int(stop - size), int(stop))
            for shape, size, stop in zip(shapes, sizes, stops, strict=True)
        )
    if len(target_widths) != len(shapes):
        raise ValueError(
            f"The model has {len(shapes)} outputs ({', '.join(map(str, names))}), but y "
            f"holds {len(target_widths)} targets: give one target per output."
        )
    stops = np.cumsum(target_widths)
    spans = {
        k: (int(e - w), int(e)) for k, w, e in zip(target_keys, target_widths, stops, strict=True)
    }
    if all(isinstance(k, str) for k in target_keys):
        missing = [n for n in names if n not in spans]
        if missing:
            raise ValueError(
                f"The model's outputs are named {list(names)}, but y holds targets for "
                f"{list(target_keys)}: no target for {missing}."
            )
        order = list(names)
    else:
        order = list(target_keys)
    return tuple(
        ModelOutput(tuple(shape), *spans[key]) for key, shape in zip(order, shapes, strict=True)
    )


def outputs_by_target(outputs, model_outputs):
    """The model's packed ``outputs`` (flatten order) regrouped in the targets' order."""
    if not model_outputs:
        return outputs
    stops = np.cumsum([o.size for o in model_outputs])
    pieces = {
        o.target_start: outputs[:, stop - o.size : stop]
        for o, stop in zip(model_outputs, stops, strict=True)
    }
    return np.concatenate([pieces[start] for start in sorted(pieces)], axis=1)


def model_structure(outputs, model_outputs, names, call):
    """The model's packed ``outputs`` as ``keras.Model.predict`` returns them: one array,
    a list, or a dict by output name (``call``), for a scikeras ``target_encoder``."""
    if not model_outputs:
        return outputs
    stops = np.cumsum([o.size for o in model_outputs])
    arrays = [
        outputs[:, stop - o.size : stop].reshape(-1, *o.shape)
        for o, stop in zip(model_outputs, stops, strict=True)
    ]
    return dict(zip(names, arrays, strict=True)) if call == "dict" else arrays


class EncoderTargets:
    """Targets encoded by a scikeras ``target_encoder`` (a scikit-learn transformer): its
    ``transform`` gives what the model trains on (one array, a list, or a dict by output
    name), its ``inverse_transform`` turns the model's outputs, as ``keras.Model.predict``
    returns them, into predictions; its ``get_metadata()`` joins ``meta``."""

    kind = "encoded"

    def __init__(self, encoder, y, scorer, score_name):
        self.encoder = encoder.fit(y)
        self.scorer = scorer
        self.score_name = score_name
        _, self.keys, self.widths = stacked_targets(self.encoder.transform(y))

    def metadata(self):
        return dict(getattr(self.encoder, "get_metadata", dict)())

    def group_widths(self):
        return self.widths

    def check_compatible(self, y, warm_start_fit=False):
        """The encoder checks what it is given."""

    def encode(self, y):
        encoded, _, _ = stacked_targets(self.encoder.transform(y))
        return np.asarray(encoded, dtype=np.float32).reshape(len(encoded), -1)

    def predict(self, outputs, **_):  # the encoder knows the shape y had
        return self.encoder.inverse_transform(outputs)

    def proba(self, outputs):
        return self.encoder.inverse_transform(outputs, return_proba=True)

    def score(self, outputs, y, sample_weight=None):
        return self.scorer(y, self.predict(outputs), sample_weight=sample_weight)


class RoutedTargets:
    """The targets of a model with several outputs: its packed outputs (in the model's
    order) regrouped in the targets' order, or, for a scikeras ``target_encoder``, given
    as ``keras.Model.predict`` would give them. Everything else is the targets' own."""

    def __init__(self, targets, model_outputs, output_names, output_call):
        self.targets = targets
        self.model_outputs = model_outputs
        self.output_names = list(output_names)
        self.output_call = output_call
        if hasattr(targets, "output_widths"):
            by_target = sorted(model_outputs, key=lambda o: o.target_start)
            targets.output_widths = [o.size for o in by_target]

    def __getattr__(self, name):
        if name == "targets":  # not set yet: unpickling
            raise AttributeError(name)
        return getattr(self.targets, name)

    def _regrouped(self, outputs):
        if isinstance(self.targets, EncoderTargets):
            return model_structure(
                outputs, self.model_outputs, self.output_names, self.output_call
            )
        return outputs_by_target(outputs, self.model_outputs)

    def proba(self, outputs):
        return self.targets.proba(self._regrouped(outputs))

    def predict(self, outputs, **options):
        return self.targets.predict(self._regrouped(outputs), **options)

    def score(self, outputs, y, sample_weight=None):
        return self.targets.score(self._regrouped(outputs), y, sample_weight=sample_weight)
