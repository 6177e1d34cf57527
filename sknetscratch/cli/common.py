"""What the commands share: the program's name, how to install what
``--plot`` needs, the exception that stops a command (Ctrl-C, SIGTERM), and
the one-line curves and descriptions of the reports.

The rest is in modules of their own: :mod:`.progress` (progress lines),
:mod:`.files` (checks of the file arguments, files written whole or not at
all) and :mod:`.models` (model files written by ``train`` and the model's
columns of a table).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["PLOT_HINT", "PROG", "Interrupted", "curve", "describe", "unit"]

#: The command's name, in its messages.
PROG = "sknetscratch"
#: How to install what ``--plot`` needs.
PLOT_HINT = 'pip install "sknetscratch[plot]"'


# ------------------------------------------------------------------ reports
def _sparkline(values: Sequence[float], width: int = 48) -> str:
    """A one-line text curve: each character is the mean of a run of values."""
    v = np.asarray(values, dtype=np.float64)
    if v.size > width:
        v = np.array([part.mean() for part in np.array_split(v, width)])
    levels = "▁▂▃▄▅▆▇█"
    lo, hi = float(v.min()), float(v.max())
    if not hi > lo:
        return levels[0] * v.size
    idx = np.rint((v - lo) / (hi - lo) * (len(levels) - 1)).astype(int)
    return "".join(levels[i] for i in idx)


def curve(name: str, values: Sequence[float], unit: str = "epochs", best=min) -> str:
    """``name (n epochs): first ▇▅▃▂▁ last (min ...)``: a curve on one line.

    Parameters
    ----------
    name : str
        What the values are.
    values : sequence of float
        The curve (a loss or a score per epoch).
    unit : str, default="epochs"
        What the values are counted in.
    best : {min, max}, default=min
        The function that picks the best value.

    Returns
    -------
    str

    Examples
    --------
    >>> curve("loss", [0.9, 0.5, 0.4])
    'loss (3 epochs): 0.9000 █▂▁ 0.4000 (min 0.4000)'
    """
    if not values:
        return f"{name}: (none)"
    return (
        f"{name} ({len(values)} {unit}): {values[0]:.4f} {_sparkline(values)} "
        f"{values[-1]:.4f} ({best.__name__} {best(values):.4f})"
    )


def unit(net) -> str:
    """What the network's curves count: ``"iterations"`` (lbfgs) or ``"epochs"``.

    Parameters
    ----------
    net : ScratchMLPClassifier or ScratchMLPRegressor

    Returns
    -------
    str
    """
    return "iterations" if net.solver == "lbfgs" else "epochs"


def describe(est) -> str:
    """The estimator's parameters that differ from the defaults, as ``k=v, ...``.

    Parameters
    ----------
    est : estimator
        Its class must build with no arguments.

    Returns
    -------
    str
    """
    defaults = type(est)().get_params()
    return ", ".join(
        f"{k}={v!r}" for k, v in est.get_params().items() if defaults[k] != v
    )


class Interrupted(BaseException):
    """Ctrl-C (SIGINT) or SIGTERM: the whole command stops (exit status 130).

    Not a :class:`KeyboardInterrupt`, which the training loops catch to stop
    only the fit they are in.
    """
