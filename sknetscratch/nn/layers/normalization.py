r"""Normalisation layers: ``BatchNormalization`` and ``LayerNormalization``.

Both standardise their input and then scale and shift it, feature by feature,

.. math::
    \hat X = \frac{X - \mu}{\sqrt{v + \epsilon}}, \qquad A = \gamma \odot \hat X + \beta,

with trainable ``gamma`` (:math:`\gamma`, if ``scale``) and ``beta``
(:math:`\beta`, if ``center``), one per feature. They differ in what
:math:`\mu` and :math:`v` average over (docs/derivation.md §12 and §13):

* ``BatchNormalization``: each feature over the batch's rows in training, and
  the moving averages of those statistics (non-trainable ``state``
  ``moving_mean`` and ``moving_variance``) at inference, so that a prediction
  depends on its own row only;
* ``LayerNormalization``: each row over its features, in training and at
  inference alike.

Given :math:`G = \partial L/\partial A` and :math:`D = G \odot \gamma =
\partial L/\partial \hat X`, the backward step through statistics computed
from the same :math:`X` (a mean :math:`\langle\cdot\rangle` over the axis the
statistics average over, each term weighted by :math:`\pi_i`, the sample
weights over their sum for batch norm and :math:`1/d` for layer norm) is

.. math::
    \frac{\partial L}{\partial X_i} = \frac{1}{\sqrt{v + \epsilon}}
    \Big(D_i - \pi_i \textstyle\sum_j D_j - \pi_i \hat X_i \odot \sum_j D_j \odot \hat X_j\Big),

and :math:`D / \sqrt{v + \epsilon}` when they are constants (batch norm at
inference). Defaults and semantics are Keras's.
"""

from __future__ import annotations

import math

import numpy as np

from ...backend import astype, device, namespace, ufunc, xmean, xsum
from ...backend import copy as copy_array
from .base import Layer
from .dense import as_dense

__all__ = ["BatchNormalization", "LayerNormalization"]


def _on(xp, X) -> dict:
    """``device=`` of ``X`` for array constructors outside NumPy."""
    return {} if xp is np else {"device": device(X)}


def _standardize_backward(D, X_hat, inv_std, pi, axis):
    r""":math:`\partial L/\partial X` of :math:`\hat X = (X - \mu)/\sqrt{v + \epsilon}`,
    :math:`\mu` and :math:`v` the weighted mean and (biased) variance of :math:`X`
    along ``axis`` with weights ``pi`` (summing to 1 along it), given
    :math:`D = \partial L/\partial \hat X` (docs/derivation.md §12):
    :math:`s\,(D_i - \pi_i \sum_j D_j - \pi_i \hat X_i \sum_j D_j \hat X_j)`."""
    xp = namespace(D)
    D_sum = xsum(xp, D, axis=axis, keepdims=True)  # sum_j D_j
    DX_sum = xsum(xp, D * X_hat, axis=axis, keepdims=True)  # sum_j D_j X_hat_j
    return inv_std * (D - pi * (D_sum + X_hat * DX_sum))


class _Normalization(Layer):
    """What both normalisations share: ``epsilon``, the optional ``gamma`` and
    ``beta`` and the affine step :math:`A = \\gamma \\odot \\hat X + \\beta`."""

    def __init__(self, epsilon, center, scale, name):
        super().__init__(name=name)
        if isinstance(epsilon, bool) or not (
            isinstance(epsilon, (int, float, np.floating, np.integer))
            and math.isfinite(epsilon)
            and epsilon > 0
        ):
            raise ValueError(f"epsilon must be a positive number; got {epsilon!r}.")
        for key, value in (("center", center), ("scale", scale)):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{key} must be a bool; got {value!r}.")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)

    def param_shapes(self, input_dim):
        shapes = {}
        if self.scale:
            shapes["gamma"] = (int(input_dim),)
        if self.center:
            shapes["beta"] = (int(input_dim),)
        return shapes

    def initialize(self, rng):
        # gamma = 1, beta = 0: the layer starts as the plain standardisation
        # (no random draws, so the generator's stream is left as it is)
        if self.scale:
            self.params["gamma"][...] = 1.0
        if self.center:
            self.params["beta"][...] = 0.0

    def _affine(self, X_hat):
        r""":math:`A = \gamma \odot \hat X + \beta` (each term only if enabled)."""
        A = X_hat * self.params["gamma"] if self.scale else copy_array(X_hat)
        if self.center:
            A += self.params["beta"]
        return A

    def _affine_backward(self, grad, X_hat):
        r"""The gradients of :math:`\gamma` and :math:`\beta` (into ``grads``);
        returns :math:`D = \partial L/\partial \hat X = G \odot \gamma`."""
        xp = namespace(grad)
        if self.scale:  # dL/dgamma = sum_i G * X_hat
            g = ufunc(xp, "sum", grad * X_hat, axis=0, out=self.grads["gamma"])
            if xp is not np:
                self.grads["gamma"][...] = g
        if self.center:  # dL/dbeta = sum_i G
            g = ufunc(xp, "sum", grad, axis=0, out=self.grads["beta"])
            if xp is not np:
                self.grads["beta"][...] = g
        return grad * self.params["gamma"] if self.scale else grad

    def get_config(self):
        return {
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "name": self.name,
        }


class BatchNormalization(_Normalization):
    r"""Batch normalisation (Ioffe and Szegedy, 2015), as Keras's.

    In training (``forward(X, training=True)``, as in :meth:`Model.fit`), each
    feature :math:`k` is standardised with the batch's mean and biased variance,
    rows weighted by :math:`\pi_i = w_i / \sum_j w_j` (:math:`1/n` without
    sample weights),

    .. math::
        \mu_k = \sum_i \pi_i X_{ik}, \qquad
        v_k = \sum_i \pi_i (X_{ik} - \mu_k)^2, \qquad
        A = \gamma \odot \frac{X - \mu}{\sqrt{v + \epsilon}} + \beta,

    and the moving statistics are updated,
    ``moving = momentum * moving + (1 - momentum) * batch_statistic``. At
    inference they replace :math:`\mu` and :math:`v`, so every row is
    normalised on its own.

    With ``debias=True`` the moving statistics are the bias-corrected averages
    (as Adam corrects its moments): after :math:`t` steps,
    :math:`\hat m_t = m_t / (1 - p^t)` of the average :math:`m_t` started at 0,
    kept directly by :math:`\hat m_t = \hat m_{t-1} + \frac{1 - p}{1 - p^t}
    (x_t - \hat m_{t-1})` with :math:`p` the momentum: the first step stores
    the batch's statistics, and the starting values 0 and 1 weigh nothing.
    The count :math:`t` is the non-trainable ``state["steps"]``. Weighting the statistics keeps scikit-learn's
    contract that a sample weight of 2 is the row repeated twice (Keras
    weights the loss only); without sample weights the layer is Keras's.

    Parameters
    ----------
    momentum : float, default=0.99
        Weight of the old moving statistics in each update, in [0, 1].
    epsilon : float, default=1e-3
        Added to the variance (:math:`\epsilon > 0`).
    center : bool, default=True
        Learn a shift ``beta``.
    scale : bool, default=True
        Learn a scale ``gamma``.
    name : str, default=None
        Layer name for ``summary``; the model assigns ``batch_normalization``, ...
    debias : bool, default=False
        Keep bias-corrected moving statistics (see above). The estimators'
        ``batch_norm=True`` uses ``momentum=0.9, debias=True``: a short fit
        then predicts with the statistics it trained with
        (``benchmarks/bench_batch_norm.py``); False is Keras' layer.

    Attributes
    ----------
    params : dict
        ``"gamma"`` (if ``scale``, initially ones) and ``"beta"`` (if ``center``,
        initially zeros), each of shape ``(n_features,)``.
    state : dict
        Non-trainable ``"moving_mean"`` (initially zeros) and
        ``"moving_variance"`` (initially ones), each of shape ``(n_features,)``,
        and with ``debias`` the number of training steps ``"steps"``, shape (1,).

    Examples
    --------
    >>> import numpy as np
    >>> bn = BatchNormalization(momentum=0.5).build(2)
    >>> A = bn(np.array([[1.0, 2.0], [3.0, 6.0]]), training=True)
    >>> np.round(A, 4)  # (X - mu) / sqrt(v + 0.001): mu = [2, 4], v = [1, 4]
    array([[-0.9995, -0.9999],
           [ 0.9995,  0.9999]])
    >>> bn.state["moving_mean"], bn.state["moving_variance"]
    (array([1., 2.]), array([1. , 2.5]))
    >>> bn.count_params(2), bn.count_non_trainable(2)
    (4, 4)
    """

    kind = "batch_normalization"

    def __init__(
        self,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        name: str | None = None,
        debias: bool = False,
    ):
        super().__init__(epsilon, center, scale, name)
        if not isinstance(debias, (bool, np.bool_)):
            raise TypeError(f"debias must be a bool; got {debias!r}.")
        self.debias = bool(debias)
        if isinstance(momentum, bool) or not (
            isinstance(momentum, (int, float, np.floating, np.integer))
            and 0.0 <= momentum <= 1.0
        ):
            raise ValueError(f"momentum must be a number in [0, 1]; got {momentum!r}.")
        self.momentum = float(momentum)

    def state_shapes(self, input_dim):
        shapes = {
            "moving_mean": (int(input_dim),),
            "moving_variance": (int(input_dim),),
        }
        if self.debias:
            shapes["steps"] = (1,)
        return shapes

    def initialize(self, rng):
        super().initialize(rng)
        self.state["moving_mean"][...] = 0.0
        self.state["moving_variance"][...] = 1.0

    def validate_state(self, state):
        for key, arr in state.items():
            if not np.isfinite(arr).all():
                raise ValueError(f"{key} holds non-finite values.")
        if (state["moving_variance"] < 0).any():
            # zero is a valid variance (a constant feature): epsilon > 0 keeps
            # the square root's argument positive
            raise ValueError("moving_variance holds negative values.")
        if "steps" in state and (state["steps"] < 0).any():
            raise ValueError("steps holds a negative count.")

    def forward(self, X, *, training=False, rng=None, sample_weight=None, cache=None):
        X = as_dense(X)
        xp = namespace(X)
        pi = None
        if training:  # the batch's statistics, then the moving averages
            n = X.shape[0]
            if sample_weight is None:  # pi_i = 1 / n
                pi = xp.full(n, 1.0 / n, dtype=X.dtype, **_on(xp, X))
            else:  # pi_i = w_i / sum_j w_j
                pi = astype(xp, sample_weight / xsum(xp, sample_weight), X.dtype)
            mu = pi @ X  # mu_k = sum_i pi_i X_ik
            Xc = X - mu
            var = pi @ (Xc * Xc)  # v_k = sum_i pi_i (X_ik - mu_k)^2 (biased)
            # moving = momentum * moving + (1 - momentum) * batch statistic
            mean, variance = self.state["moving_mean"], self.state["moving_variance"]
            p = self.momentum
            if self.debias:  # m_hat += (1 - p) / (1 - p^t) (x - m_hat)
                steps = self.state["steps"]
                steps += 1
                w = (1 - p) / (1 - p ** float(steps[0])) if p < 1 else 0.0
                mean += w * (mu - mean)
                variance += w * (var - variance)
            else:
                mean[...] = p * mean + (1 - p) * mu
                variance[...] = p * variance + (1 - p) * var
        else:  # inference: the moving statistics, constants
            Xc = X - self.state["moving_mean"]
            var = self.state["moving_variance"]
        inv_std = 1.0 / xp.sqrt(var + self.epsilon)  # 1 / sqrt(v + eps)
        X_hat = Xc * inv_std
        if cache is not None:
            cache.update(X_hat=X_hat, inv_std=inv_std, pi=pi)
        return self._affine(X_hat)  # A = gamma * X_hat + beta

    def backward(self, grad, cache, *, need_input_grad=True):
        X_hat, inv_std, pi = cache["X_hat"], cache["inv_std"], cache["pi"]
        D = self._affine_backward(grad, X_hat)  # D = dL/dX_hat = G * gamma
        if not need_input_grad:
            return None
        if pi is not None:  # training: mu and v depend on every row of X
            pi = namespace(pi).reshape(pi, (-1, 1))
            return _standardize_backward(D, X_hat, inv_std, pi, axis=0)
        return D * inv_std  # constants: dL/dX = D / sqrt(v + eps)

    def get_config(self):
        return {
            "momentum": self.momentum,
            **super().get_config(),
            "debias": self.debias,
        }


class LayerNormalization(_Normalization):
    r"""Layer normalisation (Ba, Kiros and Hinton, 2016), as Keras's.

    Each row :math:`i` is standardised over its :math:`d` features, the same
    way in training and at inference,

    .. math::
        \mu_i = \frac1d \sum_k X_{ik}, \qquad
        v_i = \frac1d \sum_k (X_{ik} - \mu_i)^2, \qquad
        A = \gamma \odot \frac{X - \mu}{\sqrt{v + \epsilon}} + \beta,

    with one ``gamma`` and ``beta`` per feature. A single feature normalises
    to 0 (so ``A = beta``), as in Keras.

    Parameters
    ----------
    epsilon : float, default=1e-3
        Added to the variance (:math:`\epsilon > 0`).
    center : bool, default=True
        Learn a shift ``beta``.
    scale : bool, default=True
        Learn a scale ``gamma``.
    name : str, default=None
        Layer name for ``summary``; the model assigns ``layer_normalization``, ...

    Attributes
    ----------
    params : dict
        ``"gamma"`` (if ``scale``, initially ones) and ``"beta"`` (if ``center``,
        initially zeros), each of shape ``(n_features,)``.

    Examples
    --------
    >>> import numpy as np
    >>> ln = LayerNormalization().build(3)
    >>> np.round(ln(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 3.0]])), 3)
    array([[-1.224,  0.   ,  1.224],
           [-0.707, -0.707,  1.414]])
    """

    kind = "layer_normalization"

    def __init__(
        self,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        name: str | None = None,
    ):
        super().__init__(epsilon, center, scale, name)

    def forward(self, X, *, training=False, rng=None, sample_weight=None, cache=None):
        X = as_dense(X)
        xp = namespace(X)
        mu = xmean(xp, X, axis=1, keepdims=True)  # mu_i = sum_k X_ik / d
        Xc = X - mu
        var = xmean(
            xp, Xc * Xc, axis=1, keepdims=True
        )  # v_i = sum_k (X_ik - mu_i)^2 / d
        inv_std = 1.0 / xp.sqrt(var + self.epsilon)
        X_hat = Xc * inv_std
        if cache is not None:
            cache.update(X_hat=X_hat, inv_std=inv_std)
        return self._affine(X_hat)  # A = gamma * X_hat + beta

    def backward(self, grad, cache, *, need_input_grad=True):
        X_hat, inv_std = cache["X_hat"], cache["inv_std"]
        D = self._affine_backward(grad, X_hat)  # D = dL/dX_hat = G * gamma
        if not need_input_grad:
            return None
        return _standardize_backward(D, X_hat, inv_std, 1.0 / D.shape[1], axis=1)
