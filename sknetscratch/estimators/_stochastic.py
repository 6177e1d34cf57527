"""The stochastic solvers of the estimators, as scikit-learn's ``_fit_stochastic``:
the optimizer, the core's training loop (``Model.fit``), and scikit-learn's
rules as callbacks on it (:mod:`._rules`, :mod:`._validation`).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..training.loop import TrainingDivergedError
from ._params import make_optimizer, make_schedule, monitored_scorers
from ._rules import (
    EpochSchedule,
    InvScaling,
    IterationPrinter,
    TrainingLossRule,
    ValidationRule,
)
from ._validation import ValidationScoring


def batch_size(est, n_samples: int) -> int:
    """scikit-learn's batch size: 'auto' is ``min(200, n_samples)``, others clipped."""
    if est.batch_size == "auto":
        return min(200, n_samples)
    if est.batch_size > n_samples:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. It is going "
            "to be clipped",
            stacklevel=1,
        )
    return int(np.clip(est.batch_size, 1, n_samples))


def epoch_callbacks(
    est,
    *,
    fitted,
    n_samples,
    incremental,
    epochs_before,
    validation=None,
    score=None,
    sklearn_callbacks=None,
):
    """The callbacks of one fit, in scikit-learn's order, and the stopping rule.

    ``fitted`` holds the estimator's state before this fit (``t_``,
    ``best_loss_``, ``_no_improvement_count``, ``best_validation_score_`` and,
    with early stopping, ``best_params``); ``epochs_before`` is the number of
    epochs in its history (where ``partial_fit``'s schedule goes on).
    """
    callbacks = []
    if validation is not None:
        callbacks.append(
            ValidationScoring(validation, score, monitored_scorers(est), est)
        )
    if est.verbose:
        callbacks.append(IterationPrinter())
    if sklearn_callbacks is not None:
        callbacks.append(sklearn_callbacks)
    schedule, period = make_schedule(est)
    if schedule is not None:
        first = epochs_before if incremental else 0
        callbacks.append(EpochSchedule(schedule, first, period))
    elif est.learning_rate == "invscaling":
        callbacks.append(
            InvScaling(est.learning_rate_init, est.power_t, fitted["t_"], n_samples)
        )
    common = dict(
        tol=est.tol,
        n_iter_no_change=est.n_iter_no_change,
        no_improvement_count=fitted["_no_improvement_count"],
        adaptive=est.learning_rate == "adaptive",
        max_iter=None if incremental else est.max_iter,
        verbose=bool(est.verbose),
    )
    if est.early_stopping:
        monitor = est.early_stopping_monitor
        rule = ValidationRule(
            monitor=monitor
            if monitor in ("val_score", "val_loss")
            else f"val_{monitor}",
            best_score=fitted["best_validation_score_"],
            best_params=fitted["best_params"],
            **common,
        )
    else:
        rule = TrainingLossRule(best_loss=fitted["best_loss_"], **common)
    return [*callbacks, rule], rule


def fit_stochastic(
    est,
    model,
    X,
    Y,
    sample_weight,
    *,
    history,
    callbacks,
    rule,
    incremental,
    random_state,
) -> dict:
    """Train ``model`` through the loop; return the fitted attributes it changed.

    ``callbacks`` and ``rule`` come from :func:`epoch_callbacks`; the user's
    ``callbacks`` follow them, and ``history`` (the estimator's History) ends
    the list, so that it records every key the others log.
    """
    if not incremental or model.optimizer is None:
        model.optimizer = make_optimizer(est)  # fresh state per fit, as sklearn
    done = len(history.history.get("loss", ()))
    try:
        returned = model.fit(
            X,
            Y,
            batch_size=batch_size(est, X.shape[0]),
            epochs=1 if incremental else est.max_iter,
            shuffle=est.shuffle,
            random_state=random_state,
            callbacks=[*callbacks, *(est.callbacks or []), history],
            sample_weight=sample_weight,
            restore_on_divergence=False,  # the estimator's fit restores model_
        )
    except TrainingDivergedError:
        if not isinstance(rule, ValidationRule):
            raise
        # early stopping keeps the best weights: the model stays usable
        rule.abort("the weights became non-finite; the epoch is not recorded")
        returned = history
    losses = history.history.get("loss", [])[done:]
    fitted = {"n_iter_": len(losses), "interrupted_": bool(returned.interrupted)}
    if losses:
        fitted["loss_"] = losses[-1]
    if isinstance(rule, ValidationRule):
        fitted["best_validation_score_"] = rule.best_score
    else:
        fitted["best_loss_"] = rule.best_loss
    fitted["_no_improvement_count"] = rule.no_improvement_count
    return fitted
