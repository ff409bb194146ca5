"""The shared estimator base: the fit / partial_fit / predict recipe.

This is the only module that joins scikit-learn and Keras. Fitted state is plain numpy
(``coefs_``, ``intercepts_`` and the other weights, the optimizer state) plus a small
:class:`~skdense._network.NetworkSpec`; the Keras model that trains (or predicts, on a GPU
or in mixed precision) is borrowed from the training module's pool for the duration of a call,
and other predictions are numpy's (:mod:`skdense._forward`). So pickling, ``clone`` and
``joblib`` need nothing special, and a grid search reuses one traced network per architecture.
"""

import copy
import warnings
import weakref
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
)

from skdense import _forward, _runtime
from skdense._docs import API_PAGE_TEMPLATE, api_page_parameters
from skdense._fit_guards import (
    caller_stacklevel,
    unchanged_on_failure,
    validated_input,
    validated_training_data,
    warn_about_stop,
)
from skdense._spec import (
    ACTIVATIONS,
    SKLEARN_INIT_FACTORS,
    SOLVERS,
    NetworkSpec,
    OptimizerSpec,
    TrainingConfig,
    TrainingState,
    dense_layer_weights,
    resolve_initializer,
)
from skdense._validation_split import hold_out_validation, training_data

_standalone_models = weakref.WeakKeyDictionary()  # estimator -> (weights it was built from, model)


class BaseDenseNetwork(BaseEstimator, metaclass=ABCMeta):
    """Base class for skdense estimators. Not for direct use: see the public estimators."""

    # scikit-learn's HTML repr links each estimator to its API page through these.
    _doc_link_module = "skdense"
    _doc_link_template = API_PAGE_TEMPLATE

    def _doc_link_url_param_generator(self):
        return api_page_parameters(type(self).__name__)

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        # A keras.optimizers.Optimizer, recognised without importing Keras.
        "solver": [StrOptions({*SOLVERS, "lbfgs"}), HasMethods(["apply", "get_config"])],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "batch_normalization": ["boolean"],
        "kernel_initializer": [str],
        "callbacks": [list, None],
        "device": [str],
        "precision": [StrOptions({"float32", "mixed_float16", "mixed_bfloat16"})],
    }

    # ``batch_size="auto"`` is min(this, n_samples): scikit-learn's MLP takes 200.
    _auto_batch_size = 200

    # Set by subclasses without hidden layers (SoftmaxClassifier).
    hidden_layer_sizes = ()
    activation = "identity"
    dropout = 0.0
    batch_normalization = False

    @abstractmethod
    def __init__(self):  # each public class spells out its parameters
        pass

    # --- hooks for the subclasses ----------------------------------------------------------

    @abstractmethod
    def _make_targets(self, y, classes):
        """The target encoder (see ``_targets``) for the first fit."""

    def _training_sample_weight(self, y, sample_weight):
        return sample_weight

    # --- fitting ---------------------------------------------------------------------------

    @unchanged_on_failure
    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        continuing = (incremental or self.warm_start) and hasattr(self, "_network_weights")
        self._check_solver()
        if incremental and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: a validation set is held "
                "out only by fit. Set early_stopping=False to train with partial_fit."
            )
        X, y = self._validate_training_data(X, y, reset=not continuing)
        if continuing:
            targets = self._targets
            targets.check_compatible(y, warm_start_fit=not incremental)
        else:
            targets = self._make_targets(y, classes)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True
        )
        sample_weight = self._training_sample_weight(y, sample_weight)
        spec = self._network_spec_for(X.shape[1], targets)
        if continuing and spec != self._network_spec:
            raise ValueError(
                "The network architecture changed since the last fit (hidden_layer_sizes, "
                "activation, dropout, batch_normalization, penalty or alpha); warm_start and "
                "partial_fit continue the same network. Set warm_start=False to start anew."
            )
        state = copy.deepcopy(self._training_state) if continuing else TrainingState()
        state.n_iter = 0
        if not incremental:  # each fit starts from learning_rate_init, as scikit-learn's does
            state.learning_rate = None
        optimizer = self._optimizer_spec()
        # One stream of random numbers per fit, drawn in scikit-learn's order: first weights,
        # validation split, one shuffle per epoch. With the same random_state, the network
        # starts from scikit-learn's weights and sees its batches. Like scikit-learn, each fit
        # (partial_fit and warm_start included) restarts an int random_state's stream.
        random_state = check_random_state(self.random_state)
        # Keras and the backend load here, at the first fit, never at import.
        _runtime.load_keras()
        from skdense._epoch_loop import train
        from skdense._training import borrow_network

        with (
            _runtime.device_scope(self.device) as device,
            borrow_network(spec, targets.loss, optimizer, device) as network,
        ):
            if continuing:
                # The optimizer's moments carry over only to the same optimizer.
                key, optimizer_state = self._optimizer_state
                optimizer_state = optimizer_state if key == optimizer.key else None
                network.load(self._network_weights, optimizer_state, random_state, state.t)
            else:
                network.reset(random_state)
            if self.early_stopping:
                data, validation = hold_out_validation(
                    X, y, targets, sample_weight, self.validation_fraction, random_state
                )
            else:
                data, validation = training_data(X, y, targets, sample_weight), None
            config = self._training_config(
                1 if incremental else self.max_iter, data, targets, optimizer
            )
            train(network, data, config, state, random_state, validation)
            weights = network.weights()
            optimizer_state = (optimizer.key, network.optimizer_state())
        self._store_fit(spec, targets, weights, optimizer_state, state, X.dtype)
        warn_about_stop(self, state, incremental)
        return self

    def _check_solver(self):
        if isinstance(self.solver, str) and self.solver == "lbfgs":
            raise ValueError(
                "solver='lbfgs' is not available in skdense: networks train with mini-batch "
                f"optimizers. Use one of {sorted(SOLVERS)} ('adam' is a good default; "
                "'sgd' with momentum for scikit-learn's other solver) or a keras.optimizers "
                "instance."
            )

    def _validate_training_data(self, X, y, reset):
        X, y = validated_training_data(self, X, y, reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _network_spec_for(self, n_features, targets):
        hidden = self._hidden_layer_sizes()
        l1_share = {"l2": 0.0, "l1": 1.0, "elasticnet": self.l1_ratio, None: 0.0}[self.penalty]
        alpha = 0.0 if self.penalty is None else float(self.alpha)
        return NetworkSpec(
            n_features=int(n_features),
            hidden_layer_sizes=hidden,
            activation=self.activation,
            n_outputs=targets.n_outputs,
            out_activation=targets.out_activation,
            dropout=self._dropout_rates(len(hidden)),
            batch_normalization=bool(self.batch_normalization),
            kernel_initializer=self._kernel_initializer(),
            # elastic net as SGDClassifier writes it: alpha * (r |w|_1 + (1 - r) / 2 |w|^2)
            l1=alpha * l1_share,
            l2=alpha * (1.0 - l1_share) / 2.0,
            dtype_policy=self.precision,
        )

    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        if any(not isinstance(s, Integral) or s < 1 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must contain positive integers; "
                f"got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _dropout_rates(self, n_hidden):
        if isinstance(self.dropout, Real):
            rates = (float(self.dropout),) * n_hidden
        else:
            rates = tuple(float(r) for r in self.dropout)
            if len(rates) != n_hidden:
                raise ValueError(
                    f"dropout has {len(rates)} rates but there are {n_hidden} hidden layers; "
                    "give one rate per hidden layer or a single float."
                )
        if any(not 0.0 <= r < 1.0 for r in rates):
            raise ValueError(f"dropout rates must be in [0, 1); got {self.dropout!r}.")
        return rates

    def _kernel_initializer(self):
        name = resolve_initializer(self.kernel_initializer, self.activation)
        if name in SKLEARN_INIT_FACTORS:
            return name
        try:
            keras = _runtime.load_keras()
            keras.initializers.get(name)
        except ValueError:
            raise ValueError(
                f"kernel_initializer={self.kernel_initializer!r} is not a Keras initializer; "
                "use 'auto', 'glorot_uniform', 'he_normal', 'lecun_normal', 'orthogonal', ..."
            ) from None
        return name

    def _optimizer_spec(self):
        return OptimizerSpec.from_params(
            self.solver,
            momentum=self.momentum,
            nesterov=self.nesterovs_momentum,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
        )

    def _training_config(self, max_epochs, data, targets, optimizer):
        if self.batch_size == "auto":
            batch_size = min(self._auto_batch_size, data.n_samples)
        else:
            if self.batch_size > data.n_samples:
                warnings.warn(
                    f"Got batch_size={self.batch_size} larger than the {data.n_samples} training "
                    "samples; it is clipped to the number of samples.",
                    UserWarning,
                    stacklevel=caller_stacklevel(),
                )
            batch_size = min(self.batch_size, data.n_samples)
        return TrainingConfig(
            max_epochs=max_epochs,
            batch_size=int(batch_size),
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            learning_rate_schedule=self.learning_rate,
            learning_rate_init=optimizer.initial_learning_rate(self.learning_rate_init),
            power_t=self.power_t,
            callbacks=tuple(self.callbacks or ()),
            verbose=int(self.verbose),
            score_name=targets.score_name,
        )

    def _store_fit(self, spec, targets, weights, optimizer_state, state, dtype):
        """Write the fitted attributes, all at once, only after training succeeded.

        ``optimizer_state`` is ``(optimizer key, state arrays)``; ``dtype`` is the training
        data's, which ``coefs_`` and ``intercepts_`` take as in scikit-learn.
        """
        self._network_spec = spec
        self._targets = targets
        self._network_weights = weights
        self._optimizer_state = optimizer_state
        self._training_state = state
        self.n_outputs_ = spec.n_outputs
        self.out_activation_ = spec.out_activation
        self.n_layers_ = len(spec.hidden_layer_sizes) + 2
        self.n_iter_ = state.n_iter
        self.t_ = state.t
        self.loss_ = state.loss
        self.loss_curve_ = list(state.loss_curve)
        self.history_ = {name: list(values) for name, values in state.history.items()}
        if self.early_stopping:
            self.validation_scores_ = list(state.validation_scores)
            self.best_validation_score_ = state.best_validation_score
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = state.best_loss
        # The network trains in float32; float64 data gets float64 copies of its weights, as
        # scikit-learn's MLP has. float32 data shares the stored arrays: no copy.
        coef_indices, intercept_indices = dense_layer_weights(spec)
        self.coefs_ = [weights[i].astype(dtype, copy=False) for i in coef_indices]
        self.intercepts_ = [
            weights[i].astype(dtype, copy=False)
            if i is not None
            else np.zeros(weights[c].shape[1], dtype=dtype)
            for i, c in zip(intercept_indices, coef_indices, strict=True)
        ]

    # --- predicting ------------------------------------------------------------------------

    def _logits(self, X):
        """The network's outputs before the output activation, in scikit-learn's output dtype:
        float32 when both ``X`` and the fitted weights are, else float64."""
        check_is_fitted(self, "_network_weights")
        X = validated_input(self, X)
        result_dtype = np.result_type(X.dtype, self.coefs_[0].dtype)
        spec = self._network_spec
        # On the CPU, a few matrix products, as scikit-learn's MLP predicts: no Keras needed.
        if _forward.computes(spec) and _runtime.parse_device(self.device)[0] != "gpu":
            logits = _forward.logits(spec, self._network_weights, X)
            return logits.astype(result_dtype, copy=False)
        _runtime.load_keras()
        from skdense._training import predict_logits

        with _runtime.device_scope(self.device) as device:
            logits = predict_logits(
                spec,
                self._targets.loss,
                self._optimizer_spec(),
                device,
                self._network_weights,
                X,
            )
        return logits.astype(result_dtype, copy=False)

    @property
    def model_(self):
        """The trained network as a ``keras.Model`` (outputs after the output activation).

        Rebuilt from the fitted weights and cached; changing it does not change the estimator.
        """
        check_is_fitted(self, "_network_weights")
        built_from, model = _standalone_models.get(self, (None, None))
        if built_from is not self._network_weights:
            _runtime.load_keras()
            from skdense._network import build_network
            from skdense._pool import BUILD_LOCK

            # this may be the process's first Keras call
            with _runtime.device_scope("cpu"), BUILD_LOCK:
                model = build_network(self._network_spec)[0]
            model.set_weights(self._network_weights)
            _standalone_models[self] = (self._network_weights, model)
        return model

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags
