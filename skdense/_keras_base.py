"""The shared base of KerasClassifier and KerasRegressor: scikeras's parameters, the build
function's call and the fit / partial_fit / predict recipe on skdense's core.

The build function runs at each fresh fit (as in scikeras); its model then trains on a
pooled network with the same configuration (:mod:`skdense._keras_network`), so refits and
the folds of a search reuse one compiled epoch. Fitted state is plain data: the model's
Keras configuration (JSON), its weights and its optimizer's state as numpy arrays, and the
training record. Nothing traced or built is pickled; ``model_`` is rebuilt from them.
"""

import copy
import math
import weakref
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import HasMethods, Interval, Options
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
)

from skdense import _keras_routing, _runtime
from skdense._fit_guards import (
    fit_seed_sequence,
    unchanged_on_failure,
    validated_input,
    validated_training_data,
)
from skdense._spec import TrainingConfig, TrainingState
from skdense._validation_split import hold_out_validation, training_data

_standalone_models = weakref.WeakKeyDictionary()  # estimator -> (weights, model_)
_DEFAULT_BATCH_SIZE = 32  # Keras's, when batch_size is None


class BaseKerasEstimator(BaseEstimator, metaclass=ABCMeta):
    """Base class of KerasClassifier and KerasRegressor. Not for direct use."""

    _parameter_constraints: dict = {
        "model": [callable],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "optimizer": [str, type, HasMethods(["apply", "get_config"])],
        "loss": [str, type, callable, None],
        "metrics": [list, None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1}), None],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "shuffle": ["boolean"],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
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
        # Routed (model__units) and bare (units) parameters, as scikeras stores them.
        vars(self).update(kwargs)

    # --- parameters: the named ones, plus the routed and bare ones given ---------------------

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

    def _check_target_shape(self, y):
        return y

    # --- fitting -----------------------------------------------------------------------------

    @unchanged_on_failure
    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        continuing = (incremental or self.warm_start) and hasattr(self, "_architecture")
        X, y = validated_training_data(self, X, y, reset=not continuing)
        y = self._check_target_shape(y)
        if continuing:
            targets = self._targets
            targets.check_compatible(y)
        else:
            targets = self._make_targets(y, classes)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True
        )
        sample_weight = self._training_sample_weight(y, sample_weight)
        params = self.get_params(deep=False)
        fit_options = {**params, **_keras_routing.routed(params, "fit")}
        state = copy.deepcopy(self._training_state) if continuing else TrainingState()
        seeds = fit_seed_sequence(self.random_state, state.t)
        split_seed, build_seed, dropout_seed, shuffle_seed = seeds.spawn(4)
        state.n_iter = 0

        _runtime.load_keras()  # Keras loads at the first fit, never at import
        from skdense import _keras_network
        from skdense._keras_metrics import EpochMetrics
        from skdense._training import train

        with _runtime.device_scope(self.device) as device:
            if continuing:
                architecture = self._architecture
                weights, optimizer_state = self._model_weights, self._optimizer_state
            else:
                meta = self._metadata(X, y, targets)
                n_targets = targets.encode(y[:1]).shape[1]
                architecture, weights = self._build(params, meta, targets, n_targets, build_seed)
                optimizer_state = None
            if fit_options["validation_split"]:
                data, validation = hold_out_validation(
                    X, y, targets, sample_weight, fit_options["validation_split"], split_seed
                )
            else:
                data, validation = training_data(X, y, targets, sample_weight), None
            callbacks = _keras_network.make_callbacks(
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
                train(
                    network, data, config, state, np.random.default_rng(shuffle_seed), validation
                )
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
            "n_features_in_": X.shape[1],
            "X_shape_": X.shape,
            "X_dtype_": X.dtype,
            "y_dtype_": y.dtype,
            "y_ndim_": y.ndim,
            **self._target_metadata(y, targets),
        }
        if hasattr(self, "feature_names_in_"):
            meta["feature_names_in_"] = self.feature_names_in_
        vars(self).update(meta)
        return dict(meta)

    def _build(self, params, meta, targets, n_targets, seed):
        """Call the build function; ``(KerasArchitecture, initial weights)`` of its model."""
        from skdense import _keras_metrics, _keras_network

        bare = {k: v for k, v in self._extra_params().items() if "__" not in k}
        compile_options = {**params, **_keras_routing.routed(params, "compile")}
        model_param = self.model
        is_instance = hasattr(model_param, "get_config") and hasattr(model_param, "layers")
        build_fn = (lambda: model_param) if is_instance else model_param
        if model_param is None:
            raise ValueError(
                f"{type(self).__name__} needs `model`: a function returning a Keras model, "
                "or a keras.Model instance."
            )
        optimizer, loss = compile_options["optimizer"], compile_options["loss"]
        _keras_routing.check_consumed(
            params,
            bare,
            build_fn,
            _keras_network.optimizer_class(optimizer),
            _keras_network.loss_class(loss) if loss is not None else None,
            [c for c in (self.callbacks or ()) if isinstance(c, type)],
        )
        optimizer = _keras_network.make_optimizer(
            optimizer, _keras_routing.routed(params, "optimizer")
        )
        if loss is not None:
            loss = _keras_network.make_loss(loss, _keras_routing.routed(params, "loss"))
        metrics = _keras_metrics.instantiate(self.metrics, *_keras_routing.metric_options(params))
        compile_kwargs = {"optimizer": optimizer, "loss": loss, "metrics": metrics}
        extras = {"meta": meta, "compile_kwargs": compile_kwargs, "params": params}
        arguments = _keras_routing.build_arguments(build_fn, bare, params, extras)
        with _keras_network.seeded(int(seed.generate_state(1)[0] % 2**31)):
            model = build_fn(**arguments)
        _keras_network.check_serializable_layers(model)
        model, compiled_loss, compiled_optimizer, compiled_metrics = _keras_network.prepared_model(
            model, meta["n_features_in_"]
        )
        self._check_model_sizes(model, meta["n_features_in_"], targets)
        metrics = compiled_metrics or _keras_metrics.serialize(metrics)
        if compiled_loss is not None:  # the build function compiled it: its settings win
            loss, optimizer = compiled_loss, compiled_optimizer
        if loss is None:
            raise ValueError(
                f"{type(self).__name__} has no loss to train with: pass `loss=` (for example "
                "loss='sparse_categorical_crossentropy') or compile the model in the build "
                "function."
            )
        architecture = _keras_network.architecture(
            model, loss, optimizer, meta["n_features_in_"], n_targets, metrics
        )
        return architecture, _keras_network.values(model.weights)

    def _check_model_sizes(self, model, n_features, targets):
        """Raise before training when the model cannot take ``X`` or fit the targets: Keras
        would fail inside the compiled epoch, or broadcast the loss silently."""
        from skdense._keras_network import model_sizes

        n_inputs, n_outputs = model_sizes(model)
        if n_inputs is not None and n_inputs != n_features:
            raise ValueError(
                f"The model built by {type(self).__name__} takes {n_inputs} input features, "
                f"but X has {n_features} features (n_features_in_={n_features}). Build its "
                "input from meta['n_features_in_']."
            )
        allowed, expected = self._output_sizes(targets)
        if n_outputs is not None and n_outputs not in allowed:
            raise ValueError(
                f"The model built by {type(self).__name__} has {n_outputs} output "
                f"unit{'s' if n_outputs != 1 else ''}, "
                f"but the targets need {expected}."
            )

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
        X = validated_input(self, X)
        _runtime.load_keras()
        from skdense._keras_network import borrow_keras_network

        with (
            _runtime.device_scope(self.device) as device,
            borrow_keras_network(self._architecture, device) as network,
        ):
            network.model.set_weights(self._model_weights)
            outputs = network.predict_logits(X)
        return outputs.reshape(len(outputs), -1).astype(X.dtype, copy=False)

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
