"""The text of Keras 3's progress bar (``keras/src/utils/progbar.py``).

``verbose=1`` on a terminal, updated in place with ``\\r``::

    12/12 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - loss: 0.1234 - val_loss: 0.1456

(the step count in bold, the done part of the bar green, the rest grey, as
Keras draws it); the same line without colour codes when the output is not a
terminal. These are pure functions of numbers: :class:`.callbacks.ProgbarLogger`
decides when to write them.
"""

from __future__ import annotations

import math

BAR_WIDTH = 20
_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def format_value(value: float) -> str:
    """Keras' number format: 4 decimals, or scientific notation below 1e-3."""
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def format_logs(logs: dict) -> str:
    """`` - loss: 0.1234 - val_loss: 0.1456`` for every entry of ``logs``."""
    return "".join(f" - {k}: {format_value(v)}" for k, v in logs.items())


def format_time_per_step(seconds: float) -> str:
    """``3ms/step``: seconds, milliseconds or microseconds, as Keras rounds them."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def format_eta(seconds: float) -> str:
    """Time left: ``7s``, ``2:05`` or ``1:02:05``."""
    if seconds > 3600:
        return (
            f"{seconds // 3600:.0f}:{(seconds % 3600) // 60:02.0f}:{seconds % 60:02.0f}"
        )
    if seconds > 60:
        return f"{seconds // 60:.0f}:{seconds % 60:02.0f}"
    return f"{seconds:.0f}s"


def bar_line(
    current: int,
    target: int,
    seconds: float,
    per_step: float,
    logs: dict,
    *,
    final: bool,
    color: bool,
) -> tuple[str, int]:
    """One line of the bar and its printed width (without the colour codes).

    Parameters
    ----------
    current, target : int
        Steps done and steps per epoch.
    seconds : float
        Elapsed seconds when ``final``, else the estimated seconds left.
    per_step : float
        Seconds per step.
    logs : dict of str -> float
    final : bool
        The epoch's last line (elapsed time instead of the time left).
    color : bool
        Keras' ANSI colours (on a terminal).
    """
    digits = int(math.log10(max(target, 1))) + 1
    count = f"{current:{digits}d}/{target}"
    done = int(BAR_WIDTH * current / max(target, 1))
    when = f"{seconds:.0f}s" if final else format_eta(seconds)
    tail = f" {format_time_per_step(per_step)}{format_logs(logs)}"
    if color:
        bar = f"{_BOLD}{count}{_RESET} "
        if done:
            bar += f"{_GREEN}{'━' * done}{_RESET}"
        bar += f"{_GREY}{'━' * (BAR_WIDTH - done)}{_RESET} {_BOLD}{when}{_RESET}"
    else:
        bar = f"{count} {'━' * done}{'.' * (BAR_WIDTH - done)} {when}"
    width = len(count) + 1 + BAR_WIDTH + 1 + len(when) + len(tail)
    return bar + tail, width


def epoch_line(
    epoch: int, epochs: int, steps: int, seconds: float, per_step: float, logs: dict
) -> str:
    """``verbose=2``: one line per epoch,
    ``Epoch 3/20 - 12/12 - 0s - 3ms/step - loss: 0.1234`` (Keras' two lines,
    ``Epoch 3/20`` and ``12/12 - 0s - ...``, joined)."""
    return (
        f"Epoch {epoch + 1}/{epochs} - {steps}/{steps} - {seconds:.0f}s - "
        f"{format_time_per_step(per_step)}{format_logs(logs)}"
    )
