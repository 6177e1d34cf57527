r"""The losses the estimators train with: the core's, valued as scikit-learn values them.

scikit-learn's MLP reports its log-loss on probabilities clipped to
:math:`[\epsilon, 1-\epsilon]` and its squared error averaged over the outputs;
its gradients (``_backprop``) are the unclipped, output-summed ones. These
subclasses change only the values, so ``loss_curve_``, ``best_loss_`` and the
``tol`` rule see scikit-learn's numbers while the steps are the core's.
"""

from __future__ import annotations

import functools

import numpy as np

from ..backend import astype, namespace, xsum
from ..nn.losses import BinaryCrossentropy, CategoricalCrossentropy, SquaredError


def _np_dtype(xp, dtype) -> np.dtype:
    """The NumPy dtype of the same name (finfo is the host's)."""
    if xp is np:
        return dtype
    return np.dtype("float32" if dtype == xp.float32 else "float64")


@functools.cache
def _log_loss_bounds(dtype: np.dtype) -> tuple[np.floating, np.floating]:
    r""":math:`[-\log(1-\epsilon), -\log\epsilon]`, in ``dtype``."""
    eps = np.finfo(dtype).eps
    return -np.log1p(-eps), -np.log(eps)


def _log_loss_terms(y, p):
    r"""Per-sample :math:`-\sum_k y_k \log p_k`, ``p`` clipped as scikit-learn clips it."""
    xp = namespace(p)
    eps = np.finfo(_np_dtype(xp, p.dtype)).eps
    if xp is not np:
        eps = float(eps)
    return -xsum(xp, y * xp.log(xp.clip(p, eps, 1 - eps)), axis=1)


class SklearnBinaryLogLoss(BinaryCrossentropy):
    r"""Binary cross-entropy with scikit-learn's values: each :math:`-\log p` term
    clipped to :math:`[-\log(1-\epsilon), -\log\epsilon]`; the gradient is unchanged."""

    def per_sample(self, y, z):
        xp = namespace(z)
        if xp is np:
            losses = np.logaddexp(0, z) - y * z
            return np.clip(losses, *_log_loss_bounds(z.dtype), out=losses).sum(axis=1)
        losses = xp.logaddexp(xp.zeros_like(z), z) - y * z
        low, high = (float(b) for b in _log_loss_bounds(_np_dtype(xp, z.dtype)))
        return xsum(xp, xp.clip(losses, low, high), axis=1)


class SklearnLogLoss(CategoricalCrossentropy):
    r"""Categorical cross-entropy valued as scikit-learn's ``log_loss``:
    :math:`-\sum_k y_k \log \operatorname{clip}(p_k, \epsilon, 1-\epsilon)` with
    :math:`p = \operatorname{softmax}(z)`; the gradient is unchanged, :math:`p - y`."""

    def per_sample(self, y, z):
        return _log_loss_terms(y, self.output(z))

    def value_and_gradient(self, y, z, sample_weight=None):
        # one softmax gives both scikit-learn's loss and the output delta:
        # 0.08 ms against 0.12 ms for per_sample + gradient on 256 x 10 float64
        # logits ("log loss" in benchmarks/bench_kernels.py)
        # (the weighted mean and the row scaling of Loss.__call__ and
        # Loss.gradient, the same operations in the same order)
        xp = namespace(z)
        p = self.output(z)
        terms = _log_loss_terms(y, p)
        p -= y  # y_hat - y
        if sample_weight is None:
            p /= p.shape[0]
            return float(xsum(xp, terms) / terms.shape[0]), p
        w = sample_weight / xsum(xp, sample_weight)
        p *= xp.reshape(astype(xp, w, p.dtype), (-1, 1))
        if xp is np:
            return float(np.dot(sample_weight, terms) / sample_weight.sum()), p
        return float(xp.vecdot(sample_weight, terms) / xsum(xp, sample_weight)), p


class OutputMeanSquaredError(SquaredError):
    r"""scikit-learn's regression loss: :math:`\frac12` the squared error averaged
    over samples *and* outputs.

    Its gradient is left as :class:`SquaredError`'s (summed over outputs), as
    scikit-learn's ``_backprop`` computes it: with several outputs the reported
    value is ``1 / n_outputs`` of the loss whose gradient is followed. With one
    output the two agree.
    """

    def __call__(self, y, z, sample_weight=None) -> float:
        return super().__call__(y, z, sample_weight) / y.shape[1]
