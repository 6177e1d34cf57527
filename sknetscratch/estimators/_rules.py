"""scikit-learn's training rules, as callbacks on the core's training loop.

scikit-learn's ``_fit_stochastic`` ends each epoch with, in this order: the
``Iteration N`` line, the stopping rule's count (on the training loss, or with
early stopping on the validation score, keeping the best weights), the
'invscaling' rate, then, after ``n_iter_no_change`` epochs without an
improvement larger than ``tol``, stopping (or, with 'adaptive', dividing the
rate by 5) and, when ``max_iter`` epochs have run, a ``ConvergenceWarning``.
The estimators pass these callbacks to the loop in that order
(:func:`._stochastic.epoch_callbacks`), so the same epochs stop training and the
same rates are used. Each callback keeps its own state (the best loss, the
count, the best weights); the estimator copies it to its fitted attributes when
the fit succeeds.

Beyond scikit-learn: the per-epoch schedules ('step', 'exponential', 'cosine'
or a schedule instance) set the rate before each epoch, and every rule applies
to every stochastic solver.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..backend import copy as copy_array
from ..optim.schedules import check_rate
from ..training.callbacks import Callback
from ..training.state import layer_states, restore_layer_states

#: Our advice, after the messages of a diverged training.
ADVICE = (
    " Scale the input features (for example with StandardScaler) or lower "
    "learning_rate_init."
)


class IterationPrinter(Callback):
    """scikit-learn's ``verbose`` lines: ``Iteration N, loss = ...`` after each
    epoch (or L-BFGS iteration) of the call, then ``Validation score: ...``
    when the epoch's logs have one."""

    def on_epoch_end(self, epoch, logs=None):
        print(f"Iteration {epoch + 1}, loss = {logs['loss']:.8f}")
        if "val_score" in logs:
            print(f"Validation score: {logs['val_score']:f}")


class EpochSchedule(Callback):
    """Set the rate from a per-epoch schedule before each epoch.

    Parameters
    ----------
    schedule : LearningRateSchedule
    first_epoch : int, default=0
        The schedule's epoch of this fit's first epoch: 0 in ``fit`` (a warm
        start restarts the schedule), the epochs trained so far in
        ``partial_fit`` (its epochs count over the calls).
    period : int or None, default=None
        Restart the schedule every ``period`` epochs ('cosine': ``max_iter``).
    """

    def __init__(self, schedule, first_epoch: int = 0, period: int | None = None):
        super().__init__()
        self.schedule, self.first_epoch, self.period = schedule, first_epoch, period

    def on_epoch_begin(self, epoch, logs=None):
        e = self.first_epoch + epoch
        if self.period:
            e %= self.period
        try:  # (a schedule's own __call__ checks its rates; an override may not)
            rate = check_rate(self.schedule(e), self.schedule, e)
        except ValueError as exc:
            text = str(exc)
            raise ValueError(
                f"learning_rate: {text[:1].lower()}{text[1:]} (epoch {epoch + 1} of "
                "this fit; nothing was trained in it)"
            ) from None
        self.model.optimizer.learning_rate = rate


class InvScaling(Callback):
    """scikit-learn's 'invscaling': after each epoch, the rate is
    ``learning_rate_init / (t + 1) ** power_t``, ``t`` the training samples
    seen so far (``t_``, over every fit)."""

    def __init__(self, learning_rate_init, power_t, samples_seen, samples_per_epoch):
        super().__init__()
        self.learning_rate_init, self.power_t = float(learning_rate_init), power_t
        self.samples_seen, self.samples_per_epoch = samples_seen, samples_per_epoch

    def on_epoch_end(self, epoch, logs=None):
        t = self.samples_seen + (epoch + 1) * self.samples_per_epoch
        self.model.optimizer.learning_rate = self.learning_rate_init / (t + 1) ** (
            self.power_t
        )


class _NoImprovementRule(Callback):
    """scikit-learn's stopping rule; a subclass counts the epochs without an
    improvement (:meth:`update`).

    When the count exceeds ``n_iter_no_change``, training stops, or with
    ``adaptive`` the rate is divided by 5 (until it is at most 1e-6) and the
    count restarts. When ``max_iter`` epochs have run and training is not
    stopping (by this rule, or a callback before it), a ``ConvergenceWarning``
    (``max_iter`` is None in ``partial_fit``, which never warns, as
    scikit-learn's).
    """

    what = ""  # the monitored quantity, in the messages

    def __init__(
        self,
        *,
        tol,
        n_iter_no_change,
        no_improvement_count=0,
        adaptive=False,
        max_iter=None,
        verbose=False,
    ):
        super().__init__()
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.no_improvement_count = no_improvement_count
        self.adaptive, self.max_iter, self.verbose = adaptive, max_iter, verbose
        self.stopped = False

    def update(self, logs: dict) -> None:
        """Count this epoch in ``no_improvement_count`` (and keep the best)."""
        raise NotImplementedError

    def on_epoch_end(self, epoch, logs=None):
        self.update(logs)
        if self.no_improvement_count > self.n_iter_no_change:
            self._no_improvement()
        if epoch + 1 == self.max_iter and not self.model.stop_training:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=1,
            )

    def _no_improvement(self):
        msg = (
            f"{self.what} did not improve more than tol={self.tol:f} for "
            f"{self.n_iter_no_change} consecutive epochs."
        )
        optimizer = self.model.optimizer
        if self.adaptive:
            if optimizer.learning_rate > 1e-6:
                optimizer.learning_rate /= 5.0
                self.no_improvement_count = 0
                self._print(
                    msg + f" Setting learning rate to {optimizer.learning_rate:f}"
                )
                return
            msg += " Learning rate too small."
        self._print(msg + " Stopping.")
        self.stopped = self.model.stop_training = True

    def _print(self, line):
        if self.verbose:
            print(line)


class TrainingLossRule(_NoImprovementRule):
    """The rule on the training loss (without early stopping), keeping
    ``best_loss`` (scikit-learn's ``best_loss_``)."""

    what = "Training loss"

    def __init__(self, *, best_loss=np.inf, **kwargs):
        super().__init__(**kwargs)
        self.best_loss = best_loss

    def update(self, logs):
        loss = logs["loss"]
        if loss > self.best_loss - self.tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        if loss < self.best_loss:
            self.best_loss = loss


class ValidationRule(_NoImprovementRule):
    """Early stopping: the rule on a validation value, with the best weights.

    ``monitor`` is a key of the epoch logs (put there by
    :class:`._validation.ValidationScoring`): 'val_score' (scikit-learn's rule),
    'val_loss' (lower is better: compared negated, kept as the loss) or
    'val_<scorer>'. The weights of the best epoch are kept and put back at the
    end of training. A non-finite batch loss ends training after that epoch
    (scored as nan, as scikit-learn scores it) instead of raising: the best
    weights are put back, with a warning.

    Parameters
    ----------
    best_score : float
        ``best_validation_score_`` so far (-inf, or +inf for 'val_loss', at first).
    best_params : ndarray
        The weights to restore unless an epoch scores better: a copy of the
        initial ones in a first fit; in a warm start the live vector itself (as
        in scikit-learn, whose kept best weights are the trained arrays), so
        the last epoch's.
    """

    what = "Validation score"

    def __init__(
        self, *, monitor="val_score", best_score=-np.inf, best_params=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.monitor, self.best_score, self.best_params = (
            monitor,
            best_score,
            best_params,
        )
        self.diverged = None  # why training diverged, if it did
        self.epoch = 0
        self.best_states = None  # the layers' state with best_params (None: live)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.best_params is not self.model.params:  # initial weights, copied
            self.best_states = layer_states(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.diverged = (
                "the loss became non-finite; its validation score is recorded as nan"
            )
            self.stopped = self.model.stop_training = True

    def update(self, logs):
        value, best = logs[self.monitor], self.best_score
        if self.monitor == "val_loss":  # lower is better: compare negated losses
            value, best = -value, -best
        if value < best + self.tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        if value > best:
            self.best_score = -value if self.monitor == "val_loss" else value
            self.best_params = copy_array(self.model.params)
            self.best_states = layer_states(self.model)  # batch norm statistics

    def abort(self, reason: str) -> None:
        """The loop raised for divergence (weights that became non-finite after
        a finite loss): end training here, as :meth:`on_train_end` does."""
        self.diverged = reason
        self.on_train_end()

    def on_train_end(self, logs=None):
        self.model.params[...] = self.best_params
        if self.best_states is not None:
            restore_layer_states(self.model, self.best_states)
        if self.diverged:
            warnings.warn(
                f"Training diverged in epoch {self.epoch + 1} ({self.diverged}). "
                "Early stopping restored the weights with the best validation "
                f"score, {self.best_score:.6g}." + ADVICE,
                UserWarning,
                stacklevel=1,
            )
