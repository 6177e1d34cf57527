"""The estimators' parameters: their constraints, and the core objects they
translate to (the optimizer and the per-epoch learning-rate schedule).

Reads only the public parameters of an estimator.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.metrics import get_scorer_names
from sklearn.utils._param_validation import Interval, Options, StrOptions

from ..nn.activations import ACTIVATIONS
from ..nn.initializers import INITIALIZERS
from ..optim import SGD, Adam, AdamW, LearningRateSchedule, Nadam, RMSprop, get_schedule

STOCHASTIC_SOLVERS = ("sgd", "adam", "adamw", "rmsprop", "nadam")
#: Per-epoch schedules by name ('constant', 'invscaling' and 'adaptive' are
#: scikit-learn's rules, kept by the callbacks of :mod:`._rules`).
SCHEDULE_NAMES = ("step", "exponential", "cosine")

#: ``_parameter_constraints`` of the parameters both estimators share.
PARAMETER_CONSTRAINTS: dict = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS)), "array-like"],
    "solver": [StrOptions({"lbfgs", *STOCHASTIC_SOLVERS})],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [
        StrOptions({"constant", "invscaling", "adaptive", *SCHEDULE_NAMES}),
        LearningRateSchedule,
    ],
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
    "max_fun": [Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
    "batch_norm": ["boolean"],
    "kernel_initializer": [StrOptions({"sklearn", "auto", *INITIALIZERS})],
    "l1": [Interval(Real, 0, None, closed="left")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "rho": [Interval(Real, 0, 1, closed="left")],
    "clipnorm": [Interval(Real, 0, None, closed="neither"), None],
    "clipvalue": [Interval(Real, 0, None, closed="neither"), None],
    "early_stopping_monitor": [
        StrOptions({"val_score", "val_loss", *get_scorer_names()})
    ],
    "metrics": [list, tuple, None],
    "callbacks": [list, tuple, None],
}


def hidden_layer_sizes(est) -> list[int]:
    """``hidden_layer_sizes`` as a list of positive ints (scikit-learn's check)."""
    sizes = est.hidden_layer_sizes
    sizes = [sizes] if not hasattr(sizes, "__iter__") else list(sizes)
    if any(isinstance(s, bool) or not isinstance(s, Integral) or s <= 0 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
    return [int(s) for s in sizes]


def make_optimizer(est):
    """A fresh optimizer of ``est.solver`` with the estimator's settings."""
    lr, clip = est.learning_rate_init, (est.clipnorm, est.clipvalue)
    if est.solver == "sgd":
        return SGD(lr, est.momentum, est.nesterovs_momentum, *clip)
    if est.solver == "adam":
        return Adam(lr, est.beta_1, est.beta_2, est.epsilon, *clip)
    if est.solver == "adamw":
        return AdamW(lr, est.beta_1, est.beta_2, est.epsilon, est.weight_decay, *clip)
    if est.solver == "rmsprop":
        return RMSprop(lr, rho=est.rho, epsilon=est.epsilon, clipnorm=clip[0],
                       clipvalue=clip[1])  # fmt: skip
    return Nadam(lr, est.beta_1, est.beta_2, est.epsilon, *clip)


def make_schedule(est) -> tuple[LearningRateSchedule | None, int | None]:
    """The per-epoch schedule of ``learning_rate`` and its period, or ``(None, None)``.

    'cosine' decays over ``max_iter`` epochs and then restarts (period
    ``max_iter``: SGDR's warm restarts), so that ``partial_fit``, whose epochs
    count over the calls, never stalls at rate 0; the other schedules run on.
    """
    if isinstance(est.learning_rate, LearningRateSchedule):
        return est.learning_rate, None
    if est.learning_rate == "cosine":
        schedule = get_schedule(
            "cosine", est.learning_rate_init, decay_epochs=est.max_iter
        )
        return schedule, est.max_iter
    if est.learning_rate in SCHEDULE_NAMES:
        return get_schedule(est.learning_rate, est.learning_rate_init), None
    return None, None


def check_metrics(est, validating: bool) -> None:
    """``metrics`` are scorer names, evaluated only where there is validation data."""
    unknown = sorted(set(est.metrics) - set(get_scorer_names())) if est.metrics else []
    if unknown:
        raise ValueError(
            f"metrics must be scikit-learn scorer names; {unknown} are not (see "
            "sklearn.metrics.get_scorer_names())."
        )
    if est.metrics and not validating:
        raise ValueError(
            "metrics are evaluated on validation data each epoch: pass X_val and "
            "y_val to fit, or set early_stopping=True."
        )


def monitored_scorers(est) -> list[str]:
    """scikit-learn scorers evaluated on the validation data each epoch."""
    names = list(est.metrics or [])
    if est.early_stopping_monitor not in ("val_score", "val_loss", *names):
        names.append(est.early_stopping_monitor)
    return names
