"""What the callbacks that watch a logged value share: which way is better,
and the value with a warning when the logs lack it."""

from __future__ import annotations

import warnings
from collections.abc import Callable

__all__ = ["better", "monitored"]


def better(monitor: str, mode: str, min_delta: float) -> Callable:
    """``better(current, best)``: ``current`` improves on ``best`` by more than
    ``min_delta``. ``mode='auto'`` maximises accuracy-like names (``acc``,
    ``auc``) and minimises the rest, as Keras."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max'; got {mode!r}.")
    if mode == "auto":
        mode = "max" if any(s in monitor for s in ("acc", "auc")) else "min"
    delta = abs(float(min_delta))
    if mode == "min":
        return lambda current, best: best is None or current < best - delta
    return lambda current, best: best is None or current > best + delta


def monitored(logs: dict | None, monitor: str, who: str) -> float | None:
    """``logs[monitor]``, or None with a warning naming the keys there are."""
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(
            f"{who} is conditioned on metric {monitor!r}, which is not available. "
            f"Available metrics are: {', '.join(logs or {})}.",
            UserWarning,
            stacklevel=3,
        )
    return value
