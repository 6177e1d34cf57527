r"""``Dropout``: inverted dropout, the identity at inference."""

from __future__ import annotations

import numpy as np

from ...backend import device, namespace, to_namespace
from .base import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    r"""Inverted dropout: in training, :math:`A = X \odot M / (1 - r)` with
    :math:`M_{ij} \sim \mathrm{Bernoulli}(1 - r)`; identity at inference.

    The backward step is :math:`\partial L/\partial X = G \odot M / (1 - r)`.
    The mask is drawn from the ``rng`` the network passes in training (a stream
    separate from the one that initialises and shuffles).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import Dropout
    >>> layer = Dropout(0.5)
    >>> X = np.ones((2, 4))
    >>> np.array_equal(layer(X), X)  # the identity at inference
    True
    >>> out = layer(X, training=True, rng=np.random.default_rng(0))
    >>> sorted(set(out.ravel().tolist()))  # dropped, or scaled by 1 / (1 - 0.5)
    [0.0, 2.0]
    """

    kind = "dropout"
    uses_rng = True

    def __init__(self, rate: float, name: str | None = None):
        super().__init__(name=name)
        if isinstance(rate, bool) or not (0.0 <= float(rate) < 1.0):
            raise ValueError(f"Dropout rate must be in [0, 1); got {rate!r}.")
        self.rate = float(rate)

    def forward(self, X, *, training=False, rng=None, sample_weight=None, cache=None):
        mask = None
        if training and self.rate > 0.0:
            if rng is None:
                raise ValueError(
                    "Dropout in training mode needs a random generator `rng`."
                )
            xp = namespace(X)
            if xp is np:
                keep = rng.random(X.shape, dtype=X.dtype) >= self.rate
                mask = keep.astype(X.dtype) / X.dtype.type(1.0 - self.rate)  # M/(1-r)
            else:  # the same draws on the host, then moved to X's device
                host = np.dtype("float32" if X.dtype == xp.float32 else "float64")
                keep = rng.random(tuple(X.shape), dtype=host) >= self.rate
                mask = keep.astype(host) / host.type(1.0 - self.rate)
                mask = to_namespace(mask, xp, device(X))
        if cache is not None:
            cache["mask"] = mask
        if mask is None:
            return X
        if hasattr(X, "multiply") and hasattr(X, "nnz"):  # scipy.sparse: elementwise
            return X.multiply(mask).tocsr()
        return X * mask

    def backward(self, grad, cache, *, need_input_grad=True):
        if not need_input_grad:
            return None
        mask = cache["mask"]
        return grad if mask is None else grad * mask  # dL/dX = G * M/(1-r)

    def get_config(self):
        return {"rate": self.rate, "name": self.name}
