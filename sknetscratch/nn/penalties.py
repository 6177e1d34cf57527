r"""The L2 and L1 penalties on the kernels, and their gradients.

With sample weights :math:`w_i` (scikit-learn's convention: the penalty is
divided by the batch's weight sum),

.. math::
    P = \frac{1}{\sum_i w_i}\Big(\frac{\alpha}{2} \sum_l \lVert W_l\rVert_F^2
        + \lambda_1 \sum_l \lVert W_l \rVert_1\Big),\qquad
    \frac{\partial P}{\partial W_l} = \frac{\alpha W_l
        + \lambda_1 \operatorname{sign}(W_l)}{\sum_i w_i}

(the L1 term's subgradient is 0 at 0; docs/derivation.md §3).
"""

from __future__ import annotations

import numpy as np

from ..backend import binary, namespace, unary, xsum

__all__ = ["add_penalty_gradient", "penalty"]


def penalty(kernels, alpha: float, l1: float, sw_sum: float) -> float:
    r""":math:`(\tfrac{\alpha}{2} \sum_l \lVert W_l\rVert^2 + \lambda_1 \sum_l
    \lVert W_l\rVert_1) / \sum_i w_i` over the ``kernels`` :math:`W_l`."""
    if alpha == 0 and l1 == 0:
        return 0.0
    xp = namespace(*kernels)
    if xp is np:
        squares = [float(np.vdot(W, W)) for W in kernels]
    else:
        squares = [float(xsum(xp, W * W)) for W in kernels]
    l2 = 0.5 * alpha * sum(squares)
    l1_term = l1 * sum(float(xsum(xp, xp.abs(W))) for W in kernels) if l1 else 0.0
    return (l2 + l1_term) / sw_sum


def add_penalty_gradient(kernels, alpha: float, l1: float, sw_sum: float) -> None:
    r""":math:`\partial L/\partial W_l \mathrel{+}= (\alpha W_l + \lambda_1
    \operatorname{sign}(W_l)) / \sum_i w_i` for each ``(W, dW, tmp)`` of
    ``kernels`` (scikit-learn's ``alpha * coef`` next to :math:`X^\top\delta`).

    ``tmp`` is room shaped like ``W`` (a view of the workspace's work vector):
    no temporary array per batch.
    """
    xp = namespace(kernels[0][0]) if kernels else np
    for W, dW, tmp in kernels:
        if alpha:
            dW += binary(
                xp, np.multiply, W, alpha / sw_sum, out=tmp
            )  # += alpha W / sum(w)
        if l1:
            s = unary(xp, np.sign, W, out=tmp)
            s *= l1 / sw_sum
            dW += s  # dL/dW += l1 sign(W) / sum(w)
