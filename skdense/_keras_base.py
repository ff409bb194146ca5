"""The shared base of KerasClassifier and KerasRegressor: scikeras's parameters, the build
function's call and the fit / partial_fit / predict recipe on skdense's core.

The build function runs at each fresh fit (as in scikeras); its model then trains on a
pooled network with the same configuration (:mod:`skdense._keras_network`), so refits and
the folds of a search reuse one compiled epoch. Fitted state is plain data: the model's
Keras configuration (JSON), its weights and its optimizer's state as numpy arrays, and the
training record. Nothing traced or built is pickled; ``model_`` is rebuilt from them.

Deliberate differences from scikeras: ``verbose=0`` by default (skdense is quiet);
``validation_split`` holds out a seeded, shuffled and, for classifiers, stratified share of
the rows (Keras takes the last rows); a parameter that nothing uses is an error at fit; the
batch loss is the sample-weighted mean (Keras divides by the batch's row count).
"""

import copy
import inspect
import math
import weakref
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.utils._param_validation import HasMethods, Interval, Options
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
)

from skdense import _keras_io, _keras_routing, _runtime
from skdense._fit_guards import (
    fit_seed_sequence,
    random_state_from,
    unchanged_on_failure,
    validated_input,
    validated_training_data,
)
from skdense._spec import TrainingConfig, TrainingState
from skdense._validation_split import hold_out_validation, training_data

_standalone_models = weakref.WeakKeyDictionary()  # estimator -> (weights, model_)
_DEFAULT_BATCH_SIZE = 32  # Keras's, when batch_size is None
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def _init_parameters(cls):
    """The named parameters of each ``__init__`` of ``cls`` and its Keras-estimator bases."""
    for klass in cls.__mro__:
        if issubclass(klass, BaseKerasEstimator) and "__init__" in vars(klass):
            for parameter in inspect.signature(vars(klass)["__init__"]).parameters.values():
                if parameter.name != "self" and parameter.kind not in _VARIADIC:
                    yield parameter


class BaseKerasEstimator(BaseEstimator, metaclass=ABCMeta):
    """Base class of KerasClassifier and KerasRegressor. Not for direct use."""

    _parameter_constraints: dict = {
        "model": [callable],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "optimizer": [str, type, HasMethods(["apply", "get_config"])],
        "loss": [str, type, callable, list, dict, None],
        "metrics": [list, None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1}), None],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "shuffle": ["boolean"],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "input_columns": [dict, None],
    }

    @abstractmethod
    def __init__(
        self,
        model=None,
        *,
        warm_start=False,
        random_state=None,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        batch_size=None,
        verbose=0,
        callbacks=None,
        validation_split=0.0,
        shuffle=True,
        epochs=1,
        device="auto",
        input_columns=None,
        **kwargs,
    ):
        self.model = model
        self.warm_start = warm_start
        self.random_state = random_state
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.batch_size = batch_size
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.epochs = epochs
        self.device = device
        self.input_columns = input_columns
        # Routed (model__units) and bare (units) parameters, as scikeras stores them.
        vars(self).update(kwargs)

    # --- parameters: the named ones, plus the routed and bare ones given ---------------------

    @classmethod
    def _get_param_names(cls):
        """The parameters of every ``__init__`` from this class up to the base: a subclass
        may declare only ``model`` and pass the rest through ``**kwargs``, as scikeras's
        documented subclasses do."""
        return sorted({parameter.name for parameter in _init_parameters(cls)})

    def __setstate__(self, state):
        """A file saved by an earlier skdense lacks what was added since: its parameters
        take their defaults, and its fitted model takes X as it is."""
        for parameter in _init_parameters(type(self)):
            state.setdefault(parameter.name, parameter.default)
        if "_architecture" in state:
            state.setdefault("_input_source", "X")
            state.setdefault("_input_layout", None)
            state.setdefault("_target_groups", (None, None))
        super().__setstate__(state)

    def _extra_params(self):
        named = set(self._get_param_names())
        return {
            k: v
            for k, v in vars(self).items()
            if k not in named and not k.startswith("_") and not k.endswith("_")
        }

    def get_params(self, deep=True):
        """The estimator's parameters, routed ones (``model__units``, ...) included.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of contained estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return {**super().get_params(deep=deep), **self._extra_params()}

    def set_params(self, **params):
        """Set parameters, routed ones (``model__units``, ...) included.

        A routed name that nothing takes is reported at ``fit``.

        Parameters
        ----------
        **params : dict
            Parameter names mapped to their new values.

        Returns
        -------
        self : object
            The estimator.
        """
        extra = self._extra_params()
        named = {}
        for key, value in params.items():
            if _keras_routing.is_routed(key) or key in extra:
                setattr(self, key, value)
            else:
                named[key] = value
        return super().set_params(**named) if named else self

    # --- hooks for the subclasses ------------------------------------------------------------

    @abstractmethod
    def _make_targets(self, y, classes):
        """The target encoder for a fresh fit."""

    @abstractmethod
    def _output_sizes(self, targets):
        """``(allowed numbers of output units, what the targets need, in words)``."""

    def _training_sample_weight(self, y, sample_weight):
        return sample_weight

    @property
    def feature_encoder(self):
        """scikeras's hook for the model's inputs: None, or (in a subclass) a scikit-learn
        transformer, fitted at each fresh fit, whose ``transform`` turns X into the model's
        inputs (an array, a list or a dict of arrays)."""
        return None

    @property
    def target_encoder(self):
        """scikeras's hook for the model's targets: None, or (in a subclass) a scikit-learn
        transformer, fitted at each fresh fit, whose ``transform`` turns y into what the
        model trains on (an array, a list or a dict of arrays, one per output) and whose
        ``inverse_transform`` turns the model's outputs, as ``keras.Model.predict`` gives
        them, into predictions; its ``get_metadata()``, if any, joins ``meta``."""
        return None

    # --- the arrays the core trains on ------------------------------------------------------

    def _training_arrays(self, X, y, fresh):
        """``(X, y)`` as the core trains on them, validated: a model's several inputs
        packed side by side into one matrix (see :mod:`skdense._keras_io`), several
        targets into one 2-D ``y``."""
        y, keys, widths = _keras_io.stacked_targets(y)
        if fresh:
            self._target_groups = (keys, widths)
            self._input_source = "arrays" if _keras_io.several_arrays(X) else "X"
            if self._input_source == "arrays":
                self._input_layout, X = _keras_io.Layout.packed(X)
        elif self._input_source == "arrays":
            X = self._input_layout.pack(X)
        X, y = validated_training_data(self, X, y, reset=fresh)
        return self._model_inputs(X, fresh), y

    def _model_inputs(self, X, fresh=False):
        """Validated ``X`` as the model's packed inputs: split by the ``feature_encoder``
        or into ``input_columns``, when there is one."""
        if self._input_source == "arrays":
            return X
        if self.feature_encoder is not None:
            if fresh:
                self.feature_encoder_ = self.feature_encoder.fit(X)
            parts = self.feature_encoder_.transform(X)
        elif self.input_columns is not None:
            names = getattr(self, "feature_names_in_", None)
            parts = _keras_io.column_groups(X, self.input_columns, names)
        else:
            if fresh:
                self._input_layout = None
            return X
        if fresh:
            self._input_layout, packed = _keras_io.Layout.packed(parts)
            return packed
        return self._input_layout.pack(parts)

    def _new_targets(self, y, classes):
        if self.target_encoder is not None:
            score_name = "accuracy" if is_classifier(self) else "r2"
            return _keras_io.EncoderTargets(self.target_encoder, y, self.scorer, score_name)
        return self._make_targets(y, classes)

    def _check_target_shape(self, y):
        return y

    # --- fitting -----------------------------------------------------------------------------

    @unchanged_on_failure
    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        continuing = (incremental or self.warm_start) and hasattr(self, "_architecture")
        X, y = self._training_arrays(X, y, fresh=not continuing)
        y = self._check_target_shape(y)
        if continuing:
            targets = self._targets
            targets.check_compatible(y)
        else:
            targets = self._new_targets(y, classes)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True
        )
        sample_weight = self._training_sample_weight(y, sample_weight)
        params = self.get_params(deep=False)
        fit_options = {**params, **_keras_routing.routed(params, "fit")}
        state = copy.deepcopy(self._training_state) if continuing else TrainingState()
        seeds = fit_seed_sequence(self.random_state, state.t)
        split_seed, build_seed, dropout_seed, shuffle_seed = seeds.spawn(4)
        split_seed, dropout_seed, shuffle_seed = map(
            random_state_from, (split_seed, dropout_seed, shuffle_seed)
        )
        state.n_iter = 0

        _runtime.load_keras()  # Keras loads at the first fit, never at import
        from skdense import _keras_build, _keras_network
        from skdense._epoch_loop import train
        from skdense._keras_metrics import EpochMetrics

        with _runtime.device_scope(self.device) as device:
            if continuing:
                architecture = self._architecture
                weights, optimizer_state = self._model_weights, self._optimizer_state
            else:
                meta = self._metadata(X, y, targets)
                n_targets = targets.encode(y[:1]).shape[1]
                architecture, weights, targets = _keras_build.build(
                    self, params, meta, targets, (X.shape[1], n_targets), build_seed
                )
                optimizer_state = None
            if fit_options["validation_split"]:
                data, validation = hold_out_validation(
                    X,
                    y,
                    targets,
                    sample_weight,
                    fit_options["validation_split"],
                    split_seed,
                    stratified=("binary", "multiclass"),
                )
            else:
                data, validation = training_data(X, y, targets, sample_weight), None
            callbacks = _keras_build.make_callbacks(
                fit_options["callbacks"], _keras_routing.routed(params, "callbacks")
            )
            with _keras_network.borrow_keras_network(architecture, device) as network:
                config = self._training_config(
                    1 if incremental else fit_options["epochs"],
                    data,
                    fit_options,
                    architecture,
                    targets,
                    callbacks,
                )
                config.epoch_metrics = EpochMetrics(architecture.metrics, network)
                network.load(weights, optimizer_state, dropout_seed)
                train(network, data, config, state, shuffle_seed, validation)
                weights, optimizer_state = network.weights(), network.optimizer_state()
        self._architecture = architecture
        self._targets = targets
        self._model_weights = weights
        self._optimizer_state = optimizer_state
        self._training_state = state
        self.history_ = {name: list(values) for name, values in state.history.items()}
        return self

    def _metadata(self, X, y, targets):
        """What the build function's ``meta`` holds, set as fitted attributes too (scikeras)."""
        meta = {
            "n_features_in_": self.n_features_in_,  # X's as given, before any encoder
            "X_shape_": (X.shape[0], self.n_features_in_),
            "X_dtype_": X.dtype,
            "y_dtype_": y.dtype,
            "y_ndim_": y.ndim,
            **self._target_metadata(y, targets),
        }
        if hasattr(self, "feature_names_in_"):
            meta["feature_names_in_"] = self.feature_names_in_
        layout = self._input_layout
        if layout is not None and layout.call != "tensor":  # several inputs: their shapes
            shapes = dict(zip(layout.keys, layout.shapes, strict=True))
            meta["input_shapes_"] = shapes if layout.call == "dict" else list(layout.shapes)
        vars(self).update(meta)
        return dict(meta)

    def _target_metadata(self, y, targets):
        return targets.metadata()

    def _training_config(self, max_epochs, data, options, architecture, targets, callbacks):
        batch_size = options["batch_size"]
        if batch_size is None:
            batch_size = _DEFAULT_BATCH_SIZE
        elif batch_size == -1:  # scikeras: the whole data set as one batch
            batch_size = data.n_samples
        return TrainingConfig(
            max_epochs=max_epochs,
            batch_size=int(min(batch_size, data.n_samples)),
            shuffle=options["shuffle"],
            tol=0.0,
            n_iter_no_change=math.inf,  # Keras trains every epoch; callbacks may stop it
            learning_rate_init=architecture.learning_rate,
            callbacks=tuple(callbacks),
            verbose=int(options["verbose"]),
            score_name=targets.score_name,
            restore_best_validation_weights=False,
        )

    # --- predicting --------------------------------------------------------------------------

    def _outputs(self, X):
        """The model's outputs for ``X`` as a 2-D array, float64 for float64 ``X`` (as
        scikit-learn's estimators give)."""
        check_is_fitted(self, "_architecture")
        if self._input_source == "arrays":
            X = self._input_layout.pack(X)
        X = self._model_inputs(validated_input(self, X))
        _runtime.load_keras()
        from skdense._keras_network import borrow_keras_network

        with (
            _runtime.device_scope(self.device) as device,
            borrow_keras_network(self._architecture, device) as network,
        ):
            network.model.set_weights(self._model_weights)
            outputs = network.predict_logits(X)
        return outputs.reshape(len(outputs), -1).astype(X.dtype, copy=False)

    def score(self, X, y, sample_weight=None):
        """The estimator's ``scorer`` on ``X``'s predictions: accuracy for classifiers (the
        mean over outputs for several), R² for regressors, as in scikeras.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or a dict or list
            of arrays for a model with several inputs
            The input rows.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), or a list or dict
            of arrays
            The true targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        score : float
            The score.
        """
        y, _, _ = _keras_io.stacked_targets(y)
        return self.scorer(y, self.predict(X), sample_weight=sample_weight)

    @property
    def model_(self):
        """The trained model as a compiled ``keras.Model``, rebuilt from its configuration
        and the fitted weights, and cached: changing it does not change the estimator."""
        check_is_fitted(self, "_architecture")
        built_from, model = _standalone_models.get(self, (None, None))
        if built_from is not self._model_weights:
            _runtime.load_keras()
            from skdense._keras_network import standalone_model
            from skdense._pool import BUILD_LOCK

            with _runtime.device_scope("cpu"), BUILD_LOCK:
                model = standalone_model(self._architecture, self._model_weights)
            _standalone_models[self] = (self._model_weights, model)
        return model

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
