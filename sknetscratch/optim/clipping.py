r"""Gradient clipping, in place, on one flat gradient vector.

Every optimizer can clip the gradient before its step (its ``clipvalue`` and
``clipnorm`` arguments, see :class:`sknetscratch.optim.base.Optimizer`).
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import namespace

__all__ = ["clip_by_global_norm", "clip_by_value"]


def clip_by_value(grads: np.ndarray, clipvalue: float) -> None:
    r"""Clip every entry of ``grads`` to :math:`[-c, c]`, in place.

    .. math:: g_i \leftarrow \min(\max(g_i, -c), c)

    Keras' ``clipvalue`` and PyTorch's ``clip_grad_value_``.

    Parameters
    ----------
    grads : ndarray of shape (n_params,)
        Rewritten in place.
    clipvalue : float > 0
        :math:`c`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.optim import clip_by_value
    >>> g = np.array([3.0, -0.5, -4.0])
    >>> clip_by_value(g, 1.0)
    >>> g
    array([ 1. , -0.5, -1. ])
    """
    xp = namespace(grads)
    if xp is np:
        np.clip(grads, -clipvalue, clipvalue, out=grads)
    else:
        grads[...] = xp.clip(grads, -clipvalue, clipvalue)


def clip_by_global_norm(grads: np.ndarray, clipnorm: float) -> float:
    r"""Scale ``grads`` down, in place, to an L2 norm of at most ``clipnorm``.

    .. math::
        g \leftarrow g \cdot \frac{c}{\max(\lVert g \rVert_2,\ c)}

    where :math:`\lVert g \rVert_2` is the norm of the whole gradient vector
    (every layer's kernels and biases together): the direction is kept, only a
    step that is too long is shortened. This is Keras' ``global_clipnorm`` and
    PyTorch's ``clip_grad_norm_`` over all parameters (Keras' per-variable
    ``clipnorm`` is not offered: here there is one vector).

    Parameters
    ----------
    grads : ndarray of shape (n_params,)
        Rewritten in place.
    clipnorm : float > 0
        :math:`c`.

    Returns
    -------
    norm : float
        The norm before clipping.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.optim import clip_by_global_norm
    >>> g = np.array([3.0, 4.0])
    >>> clip_by_global_norm(g, 1.0)  # the norm was 5
    5.0
    >>> g
    array([0.6, 0.8])
    """
    xp = namespace(grads)
    dot = np.dot(grads, grads) if xp is np else xp.vecdot(grads, grads)
    norm = math.sqrt(float(dot))
    if norm > clipnorm:
        grads *= clipnorm / norm
    return norm
