"""The stochastic solvers of the estimators ('sgd', 'adam'), as scikit-learn's
``_fit_stochastic``: the early-stopping split, the optimizer, and the core's
``Model.fit`` loop with scikit-learn's bookkeeping (:class:`._monitor.SklearnMonitor`).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ..training.model import TrainingDivergedError
from ._monitor import (
    SklearnMonitor,
    ValidationData,
    keras_verbosity,
    record_history,
    record_iteration,
    record_validation,
)

#: scikit-learn's error for a diverged solver; our advice follows it.
NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain "
    "large values and need to be preprocessed."
)
ADVICE = (
    " Scale the input features (for example with StandardScaler) or lower "
    "learning_rate_init."
)


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


def split_validation(est, X, Y, sample_weight, random_state):
    """scikit-learn's early-stopping split: the same ``train_test_split`` call."""
    stratify = Y if is_classifier(est) and Y.shape[1] == 1 else None
    arrays = [X, Y] if sample_weight is None else [X, Y, sample_weight]
    parts = train_test_split(
        *arrays,
        random_state=random_state,
        test_size=est.validation_fraction,
        stratify=stratify,
    )
    X, X_val, Y, Y_val = parts[:4]
    sw, sw_val = (None, None) if sample_weight is None else parts[4:]
    if X_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    return (X, Y, sw), ValidationData(X_val, Y_val, sw_val, est._targets(Y_val))


def fit_stochastic(
    est,
    model,
    X,
    Y,
    sample_weight,
    state,
    incremental,
    random_state,
    validation,
    skl=None,
) -> bool:
    """Train with 'sgd' or 'adam' through ``Model.fit``; return whether Ctrl-C
    stopped it. ``state`` gets scikit-learn's counters (see :mod:`._monitor`)."""
    if est.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    if not incremental or model.optimizer is None:
        model.optimizer = est._make_optimizer()  # fresh state per fit, as sklearn
    if est.early_stopping and validation is None:
        (X, Y, sample_weight), validation = split_validation(
            est, X, Y, sample_weight, random_state
        )
    monitor = SklearnMonitor(est, state, X.shape[0], validation, skl)
    diverged = False
    try:
        history = model.fit(
            X,
            Y,
            batch_size=batch_size(est, X.shape[0]),
            epochs=1 if incremental else est.max_iter,
            shuffle=est.shuffle,
            random_state=random_state,
            callbacks=[monitor, *(est.callbacks or [])],
            sample_weight=sample_weight,
            restore_on_divergence=False,  # _fit restores (or discards) model_
            verbose=keras_verbosity(est.verbose),  # 1 or 2: Keras' display
        )
    except TrainingDivergedError as exc:
        if not est.early_stopping:
            raise TrainingDivergedError(NON_FINITE + ADVICE) from exc
        # early stopping keeps the best weights: the model stays usable
        diverged, interrupted = True, False
        record_iteration(state, np.nan, est.verbose)
        state["t_"] += X.shape[0]
        values = validation.evaluate(est, model)
        record_validation(est, state, values, model.params)
        record_history(state, {"loss": np.nan, **values})
        warnings.warn(
            f"Training diverged in epoch {state['n_iter_']} (the loss became "
            "non-finite; its validation score is recorded as nan). Early stopping "
            "restored the weights with the best validation score, "
            f"{state['best_validation_score_']:.6g}." + ADVICE,
            UserWarning,
            stacklevel=1,
        )
    else:
        interrupted = history.interrupted
    if est.early_stopping:
        model.params[...] = state["_best_params"]  # restore the best weights
    if not (incremental or monitor.stopped or interrupted or diverged):
        warnings.warn(
            f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached "
            "and the optimization hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=1,
        )
    return interrupted
