r"""Learning-rate schedules, counted in epochs.

A schedule is a small callable object: ``schedule(epoch)`` is the learning rate
used during epoch ``epoch`` (0-based, so ``schedule(0)`` is the first epoch's
rate). Whoever runs the epochs sets ``optimizer.learning_rate = schedule(epoch)``
before each one; the optimizers read their ``learning_rate`` attribute at every
step (:class:`sknetscratch.optim.Optimizer`). A schedule holds no state: its value
depends on the epoch only, so a resumed fit continues the same sequence.

Like Keras' ``keras.optimizers.schedules``, with epochs where Keras counts
steps. ``get_config()`` holds the constructor arguments, so
``type(s)(**s.get_config())`` is an equal schedule; :data:`SCHEDULES` and
:func:`get_schedule` give them by name.

Examples
--------
>>> from sknetscratch import get_schedule
>>> schedule = get_schedule("step", 0.1, drop=0.5, every=2)
>>> [schedule(epoch) for epoch in range(5)]
[0.1, 0.1, 0.05, 0.05, 0.025]
"""

from __future__ import annotations

import abc
import inspect
import math
import numbers

import numpy as np

from .checks import check_number

__all__ = [
    "SCHEDULES",
    "ConstantSchedule",
    "CosineDecay",
    "ExponentialDecay",
    "LearningRateSchedule",
    "StepDecay",
    "check_rate",
    "get_schedule",
]


def _check_int(name: str, value, low: int) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is an int >= ``low``."""
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, numbers.Integral)
        or value < low
    ):
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")


def _check_positive(name: str, value) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is a finite real > 0."""
    check_number(name, value, 0, low_open=True)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number > 0; got {value!r}.")


def check_rate(rate, schedule, epoch) -> float:
    """``rate`` as a float, or a ValueError naming ``schedule`` and ``epoch``
    unless it is a finite real number >= 0.

    Parameters
    ----------
    rate : object
        What the schedule returned.
    schedule : object
        The schedule, for the message.
    epoch : int
        The epoch it was asked for (0-based), for the message.

    Returns
    -------
    rate : float

    Raises
    ------
    ValueError
        If ``rate`` is not a real number, or is negative, NaN or infinite.
    """
    ok = isinstance(rate, numbers.Real) and not isinstance(rate, (bool, np.bool_))
    if not ok or not (math.isfinite(rate) and rate >= 0):
        raise ValueError(
            f"The learning-rate schedule {schedule!r} returned {rate!r} for epoch "
            f"{epoch}; a learning rate must be a finite number >= 0."
        )
    return float(rate)


class LearningRateSchedule(abc.ABC):
    """Abstract per-epoch schedule: ``schedule(epoch) -> float``.

    A subclass implements ``_rate(epoch)`` for a checked ``int`` epoch >= 0 and
    :meth:`get_config`; ``__call__`` checks the epoch and returns a ``float``.

    Examples
    --------
    >>> from sknetscratch.optim.schedules import LearningRateSchedule
    >>> class Halving(LearningRateSchedule):
    ...     def _rate(self, epoch):
    ...         return 2.0**-epoch
    ...     def get_config(self):
    ...         return {}
    >>> [Halving()(epoch) for epoch in range(3)]
    [1.0, 0.5, 0.25]
    """

    #: The schedule's key in :data:`SCHEDULES`.
    name = "schedule"

    @abc.abstractmethod
    def _rate(self, epoch: int) -> float:
        """The learning rate during epoch ``epoch`` (an int >= 0)."""

    def __call__(self, epoch: int) -> float:
        """The learning rate used during epoch ``epoch`` (0-based).

        Parameters
        ----------
        epoch : int
            0 for the first epoch.

        Returns
        -------
        learning_rate : float

        Raises
        ------
        ValueError
            If ``epoch`` is not an int >= 0, or the rate is negative, NaN or
            infinite (the message names the schedule and the epoch).
        """
        if (
            isinstance(epoch, (bool, np.bool_))
            or not isinstance(epoch, numbers.Integral)
            or epoch < 0
        ):
            raise ValueError(
                f"epoch must be a non-negative integer (0 for the first epoch); "
                f"got {epoch!r}."
            )
        return check_rate(self._rate(int(epoch)), self, epoch)

    @abc.abstractmethod
    def get_config(self) -> dict:
        """Constructor arguments: ``type(self)(**self.get_config())`` is a copy."""

    def __repr__(self) -> str:
        cfg = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({cfg})"


class ConstantSchedule(LearningRateSchedule):
    r"""The same learning rate every epoch: :math:`\eta_e = \eta`.

    Parameters
    ----------
    learning_rate : float > 0

    Examples
    --------
    >>> from sknetscratch import ConstantSchedule
    >>> [ConstantSchedule(0.01)(epoch) for epoch in range(3)]
    [0.01, 0.01, 0.01]
    """

    name = "constant"

    def __init__(self, learning_rate: float):
        _check_positive("learning_rate", learning_rate)
        self.learning_rate = learning_rate

    def _rate(self, epoch):
        return self.learning_rate

    def get_config(self):
        return {"learning_rate": self.learning_rate}


class StepDecay(LearningRateSchedule):
    r"""Multiply the rate by ``drop`` every ``every`` epochs.

    .. math:: \eta_e = \eta_0 \cdot \text{drop}^{\lfloor e / \text{every} \rfloor}

    Parameters
    ----------
    initial_learning_rate : float > 0
        :math:`\eta_0`, the rate of the first ``every`` epochs.
    drop : float in (0, 1], default=0.5
    every : int >= 1, default=10

    Examples
    --------
    >>> from sknetscratch import StepDecay
    >>> [StepDecay(1.0, drop=0.1, every=2)(epoch) for epoch in range(5)]
    [1.0, 1.0, 0.1, 0.1, 0.010000000000000002]
    """

    name = "step"

    def __init__(
        self, initial_learning_rate: float, drop: float = 0.5, every: int = 10
    ):
        _check_positive("initial_learning_rate", initial_learning_rate)
        check_number("drop", drop, 0, 1, low_open=True)
        _check_int("every", every, 1)
        self.initial_learning_rate = initial_learning_rate
        self.drop = drop
        self.every = every

    def _rate(self, epoch):
        return self.initial_learning_rate * self.drop ** (epoch // self.every)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "drop": self.drop,
            "every": self.every,
        }


class ExponentialDecay(LearningRateSchedule):
    r"""Smooth exponential decay, Keras' ``ExponentialDecay`` (not staircase) per epoch.

    .. math:: \eta_e = \eta_0 \cdot \text{decay\_rate}^{\,e / \text{decay\_epochs}}

    Parameters
    ----------
    initial_learning_rate : float > 0
        :math:`\eta_0`, the rate of epoch 0.
    decay_rate : float in (0, 1], default=0.96
        The factor applied every ``decay_epochs`` epochs.
    decay_epochs : float > 0, default=1

    Examples
    --------
    >>> from sknetscratch import ExponentialDecay
    >>> [ExponentialDecay(1.0, decay_rate=0.25, decay_epochs=2)(e) for e in range(4)]
    [1.0, 0.5, 0.25, 0.125]
    """

    name = "exponential"

    def __init__(
        self,
        initial_learning_rate: float,
        decay_rate: float = 0.96,
        decay_epochs: float = 1,
    ):
        _check_positive("initial_learning_rate", initial_learning_rate)
        check_number("decay_rate", decay_rate, 0, 1, low_open=True)
        _check_positive("decay_epochs", decay_epochs)
        self.initial_learning_rate = initial_learning_rate
        self.decay_rate = decay_rate
        self.decay_epochs = decay_epochs

    def _rate(self, epoch):
        return self.initial_learning_rate * self.decay_rate ** (
            epoch / self.decay_epochs
        )

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_rate": self.decay_rate,
            "decay_epochs": self.decay_epochs,
        }


class CosineDecay(LearningRateSchedule):
    r"""Linear warm-up, then cosine decay (Loshchilov and Hutter's SGDR, one cycle).

    With :math:`W` = ``warmup_epochs``, :math:`D` = ``decay_epochs`` and
    :math:`\alpha` = ``alpha``:

    .. math::
        \eta_e = \begin{cases}
            \eta_0\, e / W & e < W \\
            \eta_0 \left((1-\alpha)\,\tfrac12\left(1 + \cos\left(\pi\,
                \tfrac{\min(e - W,\ D)}{D}\right)\right) + \alpha\right) & e \ge W
        \end{cases}

    so the rate climbs from 0 (epoch 0) to :math:`\eta_0` (epoch :math:`W`),
    falls along a half cosine to :math:`\alpha\eta_0` (epoch :math:`W + D`) and
    stays there. This is Keras' ``CosineDecay`` with ``initial_learning_rate=0``,
    ``warmup_target`` :math:`=\eta_0` and steps counted in epochs; as with Keras'
    step 0, the first warm-up epoch runs at rate 0 (its optimizer moments still
    accumulate). With ``warmup_epochs=0`` it starts at :math:`\eta_0`.

    Parameters
    ----------
    initial_learning_rate : float > 0
        :math:`\eta_0`, the peak rate.
    decay_epochs : int >= 1
        Length :math:`D` of the cosine part.
    alpha : float in [0, 1], default=0.0
        The final rate as a fraction of :math:`\eta_0`.
    warmup_epochs : int >= 0, default=0

    Examples
    --------
    >>> from sknetscratch import CosineDecay
    >>> schedule = CosineDecay(1.0, decay_epochs=2, alpha=0.2, warmup_epochs=2)
    >>> [round(schedule(epoch), 6) for epoch in range(6)]
    [0.0, 0.5, 1.0, 0.6, 0.2, 0.2]
    """

    name = "cosine"

    def __init__(
        self,
        initial_learning_rate: float,
        decay_epochs: int,
        alpha: float = 0.0,
        warmup_epochs: int = 0,
    ):
        _check_positive("initial_learning_rate", initial_learning_rate)
        _check_int("decay_epochs", decay_epochs, 1)
        check_number("alpha", alpha, 0, 1)
        _check_int("warmup_epochs", warmup_epochs, 0)
        self.initial_learning_rate = initial_learning_rate
        self.decay_epochs = decay_epochs
        self.alpha = alpha
        self.warmup_epochs = warmup_epochs

    def _rate(self, epoch):
        eta0, warmup = self.initial_learning_rate, self.warmup_epochs
        if epoch < warmup:
            return eta0 * epoch / warmup  # linear from 0
        fraction = min(epoch - warmup, self.decay_epochs) / self.decay_epochs
        cosine = 0.5 * (1.0 + math.cos(math.pi * fraction))
        return eta0 * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_epochs": self.decay_epochs,
            "alpha": self.alpha,
            "warmup_epochs": self.warmup_epochs,
        }


#: Schedules by name, the names :func:`get_schedule` accepts.
SCHEDULES: dict[str, type[LearningRateSchedule]] = {
    "constant": ConstantSchedule,
    "step": StepDecay,
    "exponential": ExponentialDecay,
    "cosine": CosineDecay,
}


def get_schedule(
    name_or_schedule: str | LearningRateSchedule,
    initial_learning_rate: float,
    **kwargs,
) -> LearningRateSchedule:
    """A schedule from a registered name, or a schedule instance unchanged.

    Parameters
    ----------
    name_or_schedule : {'constant', 'step', 'exponential', 'cosine'} or \
LearningRateSchedule
        A name from :data:`SCHEDULES`, or an instance, returned as it is (its
        own rates win over ``initial_learning_rate``).
    initial_learning_rate : float
        The first argument of the named schedule's class.
    **kwargs
        Its other arguments (``drop``, ``every``; ``decay_rate``,
        ``decay_epochs``; ``decay_epochs``, ``alpha``, ``warmup_epochs``). Only
        with a name.

    Returns
    -------
    schedule : LearningRateSchedule

    Examples
    --------
    >>> from sknetscratch import get_schedule
    >>> get_schedule("cosine", 0.1, decay_epochs=50, warmup_epochs=5)
    CosineDecay(initial_learning_rate=0.1, decay_epochs=50, alpha=0.0, warmup_epochs=5)
    """
    if isinstance(name_or_schedule, LearningRateSchedule):
        if kwargs:
            raise TypeError(
                f"get_schedule() got the schedule {name_or_schedule!r} and keyword "
                f"arguments {sorted(kwargs)}; those are for a schedule name only."
            )
        return name_or_schedule
    if not isinstance(name_or_schedule, str) or name_or_schedule not in SCHEDULES:
        raise ValueError(
            f"Unknown learning-rate schedule {name_or_schedule!r}. Expected one of "
            f"{sorted(SCHEDULES)} or a LearningRateSchedule instance."
        )
    cls = SCHEDULES[name_or_schedule]
    signature = inspect.signature(cls)
    try:
        signature.bind(initial_learning_rate, **kwargs)
    except TypeError as exc:
        takes = ", ".join(
            p.name if p.default is p.empty else f"{p.name}={p.default!r}"
            for p in signature.parameters.values()
        )
        raise TypeError(
            f"Schedule {name_or_schedule!r} is {cls.__name__}({takes}): {exc}."
        ) from None
    return cls(initial_learning_rate, **kwargs)
