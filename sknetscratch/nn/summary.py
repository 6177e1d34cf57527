"""The Keras 3 summary table of a :class:`~sknetscratch.training.model.Model` (as Keras'
``utils/summary_utils.py``): one row per layer, then the parameter counts."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import numpy as np

__all__ = ["print_summary"]

_WIDTHS = (33, 24, 15)


def _readable_size(n_bytes: float) -> str:
    """Keras' ``readable_memory_size``: 57348 -> '56.00 KB'."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes < 1024 or unit == "TB":
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024


def _line(left, mid, right, fill):
    return left + mid.join(fill * w for w in _WIDTHS) + right


def _row(cells, bar):
    """One table row; a cell too long for its column wraps onto more lines (as
    Keras' ``batch_normalization`` above ``(BatchNormalization)``)."""
    w0, w1, w2 = (w - 2 for w in _WIDTHS)
    wrapped = [textwrap.wrap(str(c), w) or [""] for c, w in zip(cells, (w0, w1, w2))]
    lines = []
    for k in range(max(len(c) for c in wrapped)):
        a, b, c = (col[k] if k < len(col) else "" for col in wrapped)
        lines.append(
            bar + bar.join((f" {a:<{w0}} ", f" {b:<{w1}} ", f" {c:>{w2}} ")) + bar
        )
    return "\n".join(lines)


def print_summary(model, print_fn: Callable[[str], object] | None = None) -> None:
    """Print ``Layer (type) | Output Shape | Param #``, then Total, Trainable and
    Non-trainable params (the layers' ``state``) with their size in memory.

    Parameters
    ----------
    model : Model
    print_fn : callable, default=None
        Called once with the whole table; ``print`` if None.
    """
    known = model.input_dim is not None
    dims = model.layer_dims(model.input_dim) if known else None
    rows = []
    for i, lay in enumerate(model.layers):
        if dims is None:
            shape, count = "?", "0 (unbuilt)"
        else:
            n = lay.count_params(dims[i]) + lay.count_non_trainable(dims[i])
            shape, count = f"(None, {dims[i + 1]})", f"{n:,}"
        rows.append((f"{lay.name} ({type(lay).__name__})", shape, count))

    out = [f'Model: "{model.name}"', _line("┏", "┳", "┓", "━")]
    out.append(_row(("Layer (type)", "Output Shape", "Param #"), "┃"))
    out.append(_line("┡", "╇", "┩", "━"))
    for k, r in enumerate(rows):
        out.append(_row(r, "│"))
        if k < len(rows) - 1:
            out.append(_line("├", "┼", "┤", "─"))
    out.append(_line("└", "┴", "┘", "─"))
    itemsize = np.dtype(model.dtype or np.float64).itemsize
    trainable = model.count_params() if known else 0
    frozen = model.count_non_trainable() if known else 0
    for label, n in (
        ("Total", trainable + frozen),
        ("Trainable", trainable),
        ("Non-trainable", frozen),
    ):
        out.append(f" {label} params: {n:,} ({_readable_size(n * itemsize)})")
    (print_fn or print)("\n".join(out))
