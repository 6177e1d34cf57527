"""Training memory that belongs to one running fit, not to the layers.

A layer's forward pass in training keeps what its backward pass needs (its
input ``X``, pre-activation ``Z``, output ``A``, a dropout mask, ...) in a
:class:`LayerCache`, and may reuse scratch arrays from it from one batch to the
next. A :class:`Workspace` holds one ``LayerCache`` per layer and the flat work
vector of the penalty and the optimizer; the training loop makes one per fit
and drops it at the end.

With arrays of another Array API library than NumPy (:mod:`.backend`) no
buffer is reused: :func:`scratch` and :meth:`LayerCache.buffer` give None,
and the layers compute new arrays, as that library's own code does.

Inference passes no cache: a layer then writes only arrays of its own call,
so any number of threads can predict with one network, and predicting while
another thread trains it changes nothing the training reads.
"""

from __future__ import annotations

import numpy as np

from ..backend import namespace

__all__ = ["LayerCache", "Workspace", "scratch"]


class LayerCache(dict):
    """What one layer keeps between its forward and backward pass.

    A dict (``cache["X"]``, ``cache["Z"]``, ...) plus :meth:`buffer`, scratch
    arrays that live as long as the cache: reusing them avoids allocating (and
    page-faulting) fresh memory on every batch.
    """

    def __init__(self) -> None:
        super().__init__()
        self.buffers: dict[str, np.ndarray] = {}

    def buffer(self, key: str, n_rows: int, n_cols: int, dtype) -> np.ndarray | None:
        """A reusable ``(n_rows, n_cols)`` array, grown to the largest batch seen
        (a smaller batch gets its first rows); the next call overwrites it.

        A cache serves one layer in one fit, so a key's columns and dtype never
        change: only the number of rows is checked. None for a dtype of
        another namespace than NumPy (no ``out=`` there)."""
        buf = self.buffers.get(key)
        if buf is None or buf.shape[0] < n_rows:
            if not isinstance(dtype, np.dtype):
                return None
            buf = self.buffers[key] = np.empty((max(n_rows, 1), n_cols), dtype=dtype)
        return buf[:n_rows]

    def ones(self, n: int, dtype, xp=np, device=None) -> np.ndarray:
        """A reused vector of ``n`` ones (sums over the batch as products)."""
        if xp is not np:
            return xp.ones(n, dtype=dtype, device=device)
        ones = self.buffers.get("ones")
        if ones is None or ones.shape[0] < n or ones.dtype != dtype:
            ones = self.buffers["ones"] = np.ones(n, dtype=dtype)
        return ones[:n]


def scratch(cache: LayerCache | None, key: str, n_rows: int, n_cols: int, dtype):
    """``cache.buffer(...)`` in training; a new array at inference (no cache);
    None for another namespace than NumPy (whose dtypes are no ``np.dtype``)."""
    if not isinstance(dtype, np.dtype):
        return None
    if cache is None:
        return np.empty((n_rows, n_cols), dtype=dtype)
    return cache.buffer(key, n_rows, n_cols, dtype)


class Workspace:
    """One fit's training memory for a built network.

    Attributes
    ----------
    caches : list of LayerCache
        One per layer, in order.
    work : ndarray or None
        (None for another namespace than NumPy.) Shaped like the flat parameter vector: room for the penalty's and the
        optimizer's temporaries, so that a step allocates nothing.
    kernels : list of (W, dW, tmp)
        Each penalised kernel, its gradient and its part of ``work``.
    """

    def __init__(self, network) -> None:
        self.caches = [LayerCache() for _ in network.layers]
        params = network.params
        xp = namespace(params)
        # NumPy: room for the temporaries; elsewhere a step computes new arrays
        self.work = np.empty_like(params) if xp is np else None
        self.kernels = [
            (W, dW, None if self.work is None else self.work[where].reshape(W.shape))
            for W, dW, where in network.penalised()
        ]
