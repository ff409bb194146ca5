"""The epoch loop, written once for every network and backend: stopping, schedules,
callbacks, history and faults, as scikit-learn's MLP does them. No scikit-learn here.

It drives a network lent by :func:`skdense._training.borrow_network` through its methods
(``train_epoch``, ``evaluate``, ``weights``, ``learning_rate``, ...).
"""

import math

import keras
import numpy as np

from skdense._progress import ProgressLines
from skdense._spec import NonFiniteLossError


def reshuffled(order, random_state):
    """``sklearn.utils.shuffle(order, random_state=random_state)``, without its checks.

    The same draw from the stream (``RandomState.permutation`` shuffles an ``arange`` as
    scikit-learn does), so the batches stay scikit-learn's; its input checks cost 0.3 ms an
    epoch, as much as a small network's epoch of training.
    """
    return order[random_state.permutation(len(order))]


class _NoCallbacks:
    """What an empty ``keras.callbacks.CallbackList`` does, without its per-epoch conversion
    of the logs to Python numbers (0.1 ms an epoch, 7% of a small default fit's)."""

    def _nothing(self, *args):
        pass

    on_train_begin = on_epoch_begin = on_epoch_end = on_train_end = _nothing


_NO_CALLBACKS = _NoCallbacks()

# scikit-learn's message first (its tests and users' code match it), then what to change.
_DIVERGED = (
    "Solver produced non-finite parameter weights. The input data may contain large values and "
    "need to be preprocessed."
)
_DIVERGED_ADVICE = (
    "Lower learning_rate_init, scale the features (StandardScaler), or add regularization (alpha)."
)


def train(network, data, config, state, random_state, validation=None):
    """Run up to ``config.max_epochs`` epochs of ``network`` on ``data``, updating ``state``.

    Early stopping follows scikit-learn's MLP: an epoch is "no improvement" when the
    validation score (with ``validation``) or else the training loss fails to beat the best by
    ``tol``; after more than ``n_iter_no_change`` of those in a row, training stops, or with
    the "adaptive" schedule the learning rate is divided by 5 first. With ``validation``, the
    weights of the best-scoring epoch are restored at the end.

    A loss that becomes NaN or infinite raises :class:`NonFiniteLossError`, except with
    ``validation``: as in scikit-learn, that epoch scores NaN and the best weights are kept;
    training stops there (``state.diverged``), since no update brings NaN weights back.

    With ``config.shuffle``, each epoch reshuffles the previous epoch's order with
    ``random_state`` (a ``numpy.random.RandomState``), as scikit-learn's MLP does, so the same
    stream gives the same batches.
    """
    if state.learning_rate is None:
        state.learning_rate = config.learning_rate_init
    network.learning_rate = state.learning_rate
    rate_set = state.learning_rate
    # Only a callback or a schedule changes the rate behind the loop's back. Otherwise it is
    # what the loop last set, and reading it back is skipped: on TensorFlow each read is an
    # eager operation, 0.2 ms, and three an epoch were 8% of a small network's fit.
    rate_may_change = bool(config.callbacks) or not network.learning_rate_is_variable
    callbacks = _NO_CALLBACKS
    if config.callbacks:
        callbacks = keras.callbacks.CallbackList(
            list(config.callbacks), model=network.model, epochs=config.max_epochs, verbose=0
        )
    progress = ProgressLines(config, on_validation=validation is not None)
    network.model.stop_training = False
    n_batches = -(-data.n_samples // config.batch_size)
    compilation = network.engine.choose_compilation(
        config.max_epochs, n_batches, config.batch_size
    )
    network.fits += 1
    best_weights, no_improvement = None, 0
    state.converged = state.plateaued = False
    state.interrupted = False
    state.diverged = False
    callbacks.on_train_begin()
    try:
        order = np.arange(data.n_samples)
        for epoch in range(config.max_epochs):
            callbacks.on_epoch_begin(epoch)
            if config.shuffle:
                order = reshuffled(order, random_state)
            loss = network.train_epoch(data, order, config.batch_size, compilation)
            state.diverged = not math.isfinite(loss)
            if state.diverged and validation is None:
                raise NonFiniteLossError(
                    f"{_DIVERGED} The training loss became {loss} at epoch "
                    f"{state.n_iter + 1}: the weights diverged. {_DIVERGED_ADVICE}"
                )
            state.n_iter += 1
            state.t += data.n_samples
            state.loss = loss
            state.loss_curve.append(loss)
            logs = {"loss": loss}
            score = val_logits = None
            if validation is not None:
                val_loss, val_logits = network.evaluate(validation.data)
                score = float(validation.score(val_logits))  # NaN for non-finite logits
                state.validation_scores.append(score)
                logs["val_loss"] = val_loss
                logs[f"val_{config.score_name}"] = score
                improved = score >= state.best_validation_score + config.tol
                if score > state.best_validation_score:
                    state.best_validation_score = score
                    if config.restore_best_validation_weights:
                        best_weights = network.weights()
            else:
                improved = loss <= state.best_loss - config.tol
                state.best_loss = min(state.best_loss, loss)
            no_improvement = 0 if improved else no_improvement + 1
            if config.epoch_metrics:
                measured = None if validation is None else (validation.data, val_logits)
                logs.update(config.epoch_metrics(network, data, measured))

            if rate_may_change:  # a callback may have changed it
                state.learning_rate = network.learning_rate
            logs["learning_rate"] = state.learning_rate
            for name, value in logs.items():
                state.history.setdefault(name, []).append(value)
            if config.callbacks:  # they may read or set the model's variables
                network.sync_variables()
            callbacks.on_epoch_end(epoch, logs)
            # ... and one at the epoch's end (ReduceLROnPlateau) sets the next epoch's.
            if rate_may_change:
                state.learning_rate = network.learning_rate
            progress.epoch(state.n_iter, loss, score)
            if state.diverged:
                break

            if config.learning_rate_schedule == "invscaling" and config.learning_rate_init:
                state.learning_rate = config.learning_rate_init / (state.t + 1) ** config.power_t
            if no_improvement > config.n_iter_no_change:
                if config.learning_rate_schedule != "adaptive" or state.learning_rate <= 1e-6:
                    progress.stopping(config.learning_rate_schedule)
                    state.converged = state.plateaued = True
                    break
                state.learning_rate /= 5.0
                progress.learning_rate_lowered(state.learning_rate)
                no_improvement = 0
            if rate_may_change or state.learning_rate != rate_set:
                network.learning_rate = rate_set = state.learning_rate
            if network.model.stop_training:
                state.converged = True
                break
    except KeyboardInterrupt:
        state.interrupted = True
    finally:  # also when training failed: nothing but the variables holds the network
        network.sync_variables()
    # The best validation epoch's weights go back before the callbacks end, so that a
    # callback restoring its own best (EarlyStopping(restore_best_weights=True)) has the
    # last word.
    if best_weights is not None:
        network.model.set_weights(best_weights)
    callbacks.on_train_end()
    # An epoch's loss is measured before its updates: the last update can diverge unseen.
    if not network.weights_are_finite():
        raise NonFiniteLossError(
            f"{_DIVERGED} The weights became NaN or infinite in the last update (epoch "
            f"{state.n_iter}): training diverged. {_DIVERGED_ADVICE}"
        )
    return state
