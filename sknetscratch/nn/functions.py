r"""Numerically stable elementwise functions shared by the activations and the
losses: :func:`sigmoid`, :func:`softmax`, :func:`log_softmax` (the package's
one log-softmax) and :func:`safe_exp`, with the dtype rule of their results."""

from __future__ import annotations

import numpy as np

__all__ = [
    "float_dtype",
    "log_softmax",
    "safe_exp",
    "sigmoid",
    "softmax",
    "write_into",
]


def float_dtype(z: np.ndarray) -> np.dtype:
    """The floating dtype of a result: float32 stays float32, integers become float64."""
    return np.result_type(z.dtype, np.float32)


def write_into(value: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``value``, or ``out`` holding it (for formulas NumPy cannot write into ``out``)."""
    if out is None:
        return value
    out[...] = value
    return out


def sigmoid(z: np.ndarray) -> np.ndarray:
    r""":math:`\sigma(z) = 1 / (1 + e^{-z})` without overflow for any finite ``z``.

    ``exp(-|z|)`` never overflows; for ``z >= 0`` it is ``1/(1+e^{-z})`` and for
    ``z < 0`` it is ``e^{z}/(1+e^{z})``, the same value written the stable way.
    (The one sigmoid of the package: :class:`Sigmoid`, :class:`SiLU`, the
    derivative of :class:`Softplus` and the binary cross-entropy's output use it.)

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.nn.functions import sigmoid
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(
        float_dtype(z), copy=False
    )


def softmax(z: np.ndarray) -> np.ndarray:
    r""":math:`e^{z_k - m} / \sum_j e^{z_j - m}` row by row, :math:`m = \max_j z_j`
    (the one softmax of the package: :class:`Softmax` and the categorical
    cross-entropy's output use it).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.nn.functions import softmax
    >>> softmax(np.array([[0.0, 0.0], [0.0, 1000.0]]))
    array([[0.5, 0.5],
           [0. , 1. ]])
    """
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def log_softmax(z: np.ndarray) -> np.ndarray:
    r""":math:`\log \operatorname{softmax}(z)_k = (z_k - m) - \log \sum_j e^{z_j - m}`
    row by row, :math:`m = \max_j z_j`: finite for any finite ``z`` (the one
    log-softmax of the package: the categorical cross-entropy and the
    classifier's ``predict_log_proba`` use it).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.nn.functions import log_softmax
    >>> np.round(np.exp(log_softmax(np.array([[0.0, 1000.0]]))), 6)
    array([[0., 1.]])
    """
    zm = z - z.max(axis=1, keepdims=True)
    return zm - np.log(np.exp(zm).sum(axis=1, keepdims=True))


def safe_exp(z: np.ndarray) -> np.ndarray:
    """``exp(z)`` with ``z`` capped at the largest float below ``log(finfo.max)``: never inf.

    (The one capped exponential of the package: :class:`Exp` and the Poisson
    loss's output use it.)

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.nn.functions import safe_exp
    >>> bool(np.isfinite(safe_exp(np.array([1000.0]))).all())
    True
    """
    dtype = z.dtype if z.dtype.kind == "f" else np.dtype(np.float64)
    cap = np.nextafter(dtype.type(np.log(np.finfo(dtype).max)), dtype.type(-np.inf))
    return np.exp(np.minimum(z, cap))
