r"""Gradient checking: backpropagation against central finite differences.

For every parameter :math:`\theta_j` the numerical derivative is

.. math:: \hat g_j = \frac{L(\theta + \epsilon e_j) - L(\theta - \epsilon e_j)}{2\epsilon},

and each parameter array ``P`` (every ``W`` and ``b``, ``gamma`` and ``beta``) is compared with the
backpropagated gradient ``g`` by the norm-wise relative error
:math:`\lVert g_P - \hat g_P\rVert / (\lVert g_P\rVert + \lVert\hat g_P\rVert)`.
Norm-wise per array, rather than per element, because an element whose true
gradient is ~0 has a meaningless elementwise ratio (rounding noise over noise),
while a wrong formula for any array (say, a bias gradient averaged instead of
summed) shows up as an error of order one for that array. An array whose true
gradient is zero (the bias of a layer just before a batch normalisation in
training: the batch mean removes it) has finite differences of pure rounding
noise, :math:`\approx \mathrm{ulp}(L)/(2\epsilon)` per entry; when both norms are
within :data:`NOISE_FACTOR` times that noise, its error is reported as 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .model import Model

__all__ = ["check_gradients"]

#: An array whose backpropagated and numerical gradients both have norms below
#: this many times the finite differences' rounding noise counts as agreeing
#: (error 0): there the differences resolve nothing but rounding.
NOISE_FACTOR = 100.0


def check_gradients(
    model: Model,
    X: ArrayLike,
    y: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    eps: float = 1e-6,
    training: bool = False,
    random_state: int = 0,
    return_details: bool = False,
) -> float | tuple[float, dict[str, float]]:
    """Compare backprop with central finite differences; return the worst relative error.

    Parameters
    ----------
    model : Model
        A compiled model (built here from ``X`` if needed). Use float64.
    X, y : arrays
        A batch; ``y`` in the loss's encoding.
    sample_weight : array of shape (n_samples,), default=None
    eps : float, default=1e-6
        Finite-difference step.
    training : bool, default=False
        Run layers in training mode; dropout then draws the **same** mask on
        every evaluation (a fresh generator seeded with ``random_state``), and
        batch normalisation uses the batch's statistics (so the differences
        see how they move with the parameters). The moving statistics that the
        evaluations update do not enter the training loss; the layers'
        ``state`` is restored afterwards, so checking leaves the model as it was.
    random_state : int, default=0
    return_details : bool, default=False
        Also return a dict ``"layers[i].param" -> relative error``, keyed by
        layer index (``"layers[0].W"``, ``"layers[0].b"``, ...).

    Returns
    -------
    worst : float
        The largest relative error over all parameter arrays.
    details : dict, only if ``return_details``

    Raises
    ------
    ValueError
        If the model was not compiled (it has no loss to differentiate).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import DenseBlock, Model, check_gradients
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6)
    >>> model = Model([DenseBlock(4, "tanh"), DenseBlock(1, "sigmoid")]).compile()
    >>> model = model.build(3, random_state=0)
    >>> check_gradients(model, X, y) < 1e-6
    True
    """
    if model.loss is None:
        raise ValueError(
            "check_gradients needs a compiled model: call model.compile(loss=...) "
            "first (optimizer=None is enough)."
        )
    if not model.built:
        model.build(np.shape(X)[1], random_state=random_state, dtype=np.float64)
    X, y, sample_weight = model.prepare(X, y, sample_weight)

    def loss():
        rng = np.random.default_rng(random_state) if training else None
        return model.loss_and_gradient(X, y, sample_weight, training=training, rng=rng)

    theta = model.params
    saved = theta.copy()
    states = [{k: v.copy() for k, v in lay.state.items()} for lay in model.layers]
    value = loss()
    analytic = model.grads.copy()
    numeric = np.empty_like(theta)
    for j in range(theta.size):
        theta[j] = saved[j] + eps
        up = loss()
        theta[j] = saved[j] - eps
        down = loss()
        theta[j] = saved[j]
        numeric[j] = (up - down) / (2 * eps)
    loss()  # leave grads consistent with the restored parameters
    for layer, state in zip(model.layers, states):  # e.g. moving statistics
        for k, v in state.items():
            layer.state[k][...] = v

    # rounding noise of one central difference: the last bits of L, over 2 eps
    noise = float(np.spacing(max(abs(value), 1.0))) / (2 * eps)
    details, slices = {}, model.param_slices
    for i, layer in enumerate(model.layers):
        for name in layer.params:
            where = slices[i, name]  # this array's place in the flat vector
            a, n = analytic[where], numeric[where]
            denom = np.linalg.norm(a) + np.linalg.norm(n)
            # both within 100x the noise (norm-wise): a zero gradient, as a bias
            # just before a batch norm in training has, agrees with itself
            resolvable = denom > NOISE_FACTOR * noise * np.sqrt(a.size)
            details[f"layers[{i}].{name}"] = (
                float(np.linalg.norm(a - n) / denom) if resolvable else 0.0
            )
    worst = max(details.values(), default=0.0)
    return (worst, details) if return_details else worst
