r"""Numerically stable elementwise functions shared by the activations and the
losses: :func:`sigmoid`, :func:`softmax`, :func:`log_softmax` (the package's
one log-softmax) and :func:`safe_exp`, with the dtype rule of their results."""

from __future__ import annotations

import numpy as np

from ..backend import astype, namespace, xmax, xsum

__all__ = [
    "float_dtype",
    "log_softmax",
    "safe_exp",
    "sigmoid",
    "softmax",
    "write_into",
    "zeros_like_scalar",
]


def float_dtype(z: np.ndarray, xp=None) -> np.dtype:
    """The floating dtype of a result: float32 stays float32, integers become
    float64 (``xp``: the namespace of ``z``, when the caller knows it)."""
    xp = namespace(z) if xp is None else xp
    if xp is np:
        return np.result_type(z.dtype, np.float32)
    return z.dtype if xp.isdtype(z.dtype, "real floating") else xp.float64


def write_into(value: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``value``, or ``out`` holding it (for formulas NumPy cannot write into
    ``out``); other namespaces return ``value`` (they write into no ``out``)."""
    if out is None or not isinstance(out, np.ndarray):
        return value
    out[...] = value
    return out


def zeros_like_scalar(xp, z):
    """``0`` for NumPy, or zeros like ``z`` (``logaddexp(0, z)`` elsewhere: not
    every Array API library takes a Python scalar there)."""
    return 0 if xp is np else xp.zeros_like(z)


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
    xp = namespace(z)
    e = xp.exp(-xp.abs(z))
    return astype(
        xp, xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)), float_dtype(z, xp)
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
    xp = namespace(z)
    e = xp.exp(z - xmax(xp, z, axis=1, keepdims=True))
    e /= xsum(xp, e, axis=1, keepdims=True)
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
    xp = namespace(z)
    zm = z - xmax(xp, z, axis=1, keepdims=True)
    return zm - xp.log(xsum(xp, xp.exp(zm), axis=1, keepdims=True))


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
    xp = namespace(z)
    name = "float32" if z.dtype == xp.float32 else "float64"
    dtype = np.dtype(name)
    cap = np.nextafter(dtype.type(np.log(np.finfo(dtype).max)), dtype.type(-np.inf))
    if xp is not np:
        cap = float(cap)  # exact: a float32 value is a float64 one
    return xp.exp(xp.minimum(z, cap))
