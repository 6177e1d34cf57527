r"""Losses, each fused with the output activation it is the canonical pair of.

A loss is computed from the **pre-activation** :math:`z` of the output layer
(the logits), never from probabilities, so :math:`p = 0` or :math:`1` cannot
produce :math:`\log 0`. Each loss names its ``link``: the output activation it is
fused with. For every pair here the output delta is the same simple expression,

.. math:: \delta^{(L)}_i = \frac{\partial L}{\partial z_i} = \frac{w_i}{\sum_j w_j} (\hat y_i - y_i),

where :math:`\hat y = f(z)` is the output activation (sigmoid, softmax, identity
or exp) and :math:`w` are the sample weights (all ones when none are given).
``docs/derivation.md`` derives each case. The value is the weighted mean over
samples of the per-sample loss, summed over output units.

=========================  ==========  =============================================
name                       link        per-sample loss :math:`\ell(y, z)`
=========================  ==========  =============================================
binary_crossentropy        sigmoid     :math:`\sum_k \log(1 + e^{z_k}) - y_k z_k`
categorical_crossentropy   softmax     :math:`\log \sum_k e^{z_k} - \sum_k y_k z_k`
squared_error              linear      :math:`\tfrac12 \sum_k (z_k - y_k)^2`
poisson                    exp         :math:`\sum_k e^{z_k} - y_k z_k + y_k \log y_k - y_k`
=========================  ==========  =============================================
"""

from __future__ import annotations

import abc

import numpy as np

from .activations import _safe_exp, _sigmoid

__all__ = [
    "LOSSES",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Loss",
    "Poisson",
    "SquaredError",
    "get_loss",
]


def _mean(losses, sample_weight) -> float:
    """Weighted mean :math:`\\sum_i w_i \\ell_i / \\sum_i w_i` of per-sample losses."""
    if sample_weight is None:
        return float(losses.mean())
    return float(np.dot(sample_weight, losses) / sample_weight.sum())


def _scale(delta, sample_weight):
    """``delta *= w_i / sum(w)`` row by row, in place (``1/n`` without weights)."""
    if sample_weight is None:
        delta /= delta.shape[0]
    else:
        w = sample_weight / sample_weight.sum()
        delta *= w.astype(delta.dtype, copy=False).reshape(-1, 1)
    return delta


class Loss(abc.ABC):
    """Abstract loss: a value and its gradient with respect to the output logits."""

    name: str = "loss"
    #: Name of the output activation this loss is fused with.
    link: str = "linear"

    @abc.abstractmethod
    def per_sample(self, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Loss of each sample, shape ``(n_samples,)``."""

    @abc.abstractmethod
    def output(self, z: np.ndarray) -> np.ndarray:
        """The link's output :math:`\\hat y = f(z)`."""

    def __call__(self, y, z, sample_weight=None) -> float:
        """Weighted mean loss :math:`\\sum_i w_i \\ell_i / \\sum_i w_i`."""
        return _mean(self.per_sample(y, z), sample_weight)

    def gradient(self, y, z, sample_weight=None) -> np.ndarray:
        r""":math:`\partial L / \partial z = w_i (\hat y - y) / \sum_j w_j`."""
        return _scale(self.output(z) - y, sample_weight)

    def value_and_gradient(self, y, z, sample_weight=None) -> tuple[float, np.ndarray]:
        """``(self(y, z, sample_weight), self.gradient(y, z, sample_weight))``.

        The one method the training loop calls; a subclass may override it to
        compute both from shared intermediate arrays.
        """
        return self(y, z, sample_weight), self.gradient(y, z, sample_weight)

    def get_config(self) -> dict:
        """Constructor arguments: ``type(self)(**self.get_config())`` is a copy."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


class BinaryCrossentropy(Loss):
    r"""Binary cross-entropy from logits, fused with a sigmoid output.

    :math:`-[y \log\sigma(z) + (1-y)\log(1-\sigma(z))] = \log(1+e^{z}) - y z`,
    computed with ``logaddexp`` so it is finite for any finite ``z``.
    Summed over output units (multilabel), averaged over samples.
    """

    name = "binary_crossentropy"
    link = "sigmoid"

    def per_sample(self, y, z):
        return (np.logaddexp(0, z) - y * z).sum(axis=1)

    def output(self, z):
        return _sigmoid(z)


class CategoricalCrossentropy(Loss):
    r"""Categorical cross-entropy from logits, fused with a softmax output.

    :math:`-\sum_k y_k \log \mathrm{softmax}(z)_k = \log\sum_k e^{z_k} - \sum_k y_k z_k`
    for one-hot (or any probability-vector) targets ``y``.
    """

    name = "categorical_crossentropy"
    link = "softmax"

    def per_sample(self, y, z):
        m = z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]
        return lse - (y * z).sum(axis=1)

    def output(self, z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


class SquaredError(Loss):
    r"""Half squared error :math:`\tfrac12\sum_k (z_k - y_k)^2`, with a linear output.

    Summed over outputs, averaged over samples: its gradient is exactly
    scikit-learn's MLP output delta ``y_pred - y``.
    """

    name = "squared_error"
    link = "linear"

    def per_sample(self, y, z):
        d = z - y
        return 0.5 * (d * d).sum(axis=1)

    def output(self, z):
        return z


class Poisson(Loss):
    r"""Half Poisson deviance with a log link (``exp`` output), as scikit-learn's.

    With :math:`\hat y = e^{z}`:
    :math:`\ell = \sum_k \hat y_k - y_k z_k + y_k\log y_k - y_k` (with
    :math:`0 \log 0 = 0`), and :math:`\partial\ell/\partial z_k = \hat y_k - y_k`.
    """

    name = "poisson"
    link = "exp"

    def per_sample(self, y, z):
        y = np.asarray(y, dtype=z.dtype)  # log of uint8 counts would be float16
        pos = y > 0
        ylogy = np.where(pos, y * np.log(np.where(pos, y, 1)), 0)
        return (self.output(z) - y * z + ylogy - y).sum(axis=1)

    def output(self, z):
        return _safe_exp(z)


LOSSES: dict[str, type[Loss]] = {
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "squared_error": SquaredError,
    "poisson": Poisson,
}


def get_loss(loss: str | Loss) -> Loss:
    """Return a loss instance from a registered name or an instance."""
    if isinstance(loss, Loss):
        return loss
    try:
        return LOSSES[loss]()
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown loss {loss!r}. Expected one of {sorted(LOSSES)} or a Loss."
        ) from None
