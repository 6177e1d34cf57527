"""Argument checks shared by the optimizers and the learning-rate schedules."""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["check_bool", "check_number"]


def check_number(
    name: str,
    value,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is a real number
    (not a bool, not NaN) in the interval from ``low`` to ``high``.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : object
        The value to check.
    low, high : float, default=-inf, inf
        The interval's bounds.
    low_open, high_open : bool, default=False
        Whether the bound is excluded (``value > low`` rather than
        ``value >= low``, ``value < high`` rather than ``value <= high``).

    Raises
    ------
    ValueError
        If ``value`` is not a real number in the interval.

    Examples
    --------
    >>> from sknetscratch.optim.checks import check_number
    >>> check_number("rho", 0.9, 0, 1, high_open=True)
    >>> check_number("rho", 1.0, 0, 1, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: rho must be a real number in [0, 1); got 1.0.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high
        )
    if not ok:
        if high == math.inf:
            where = f"{'>' if low_open else '>='} {low:g}"
        else:
            where = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a real number {where}; got {value!r}.")


def check_bool(name: str, value) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is a bool.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : object
        The value to check (``bool`` or ``numpy.bool_``).

    Raises
    ------
    ValueError
        If ``value`` is not a bool.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool; got {value!r}.")
