"""The L-BFGS solver of the estimators, as scikit-learn's ``_fit_lbfgs``.

SciPy's L-BFGS-B minimises the loss over one vector of parameters. As in
scikit-learn, the vector is packed kernels first, then biases
(``[W_1, ..., W_L, b_1, ..., b_L]``, each flattened in C order), and the
options are ``maxfun``, ``maxiter`` and ``gtol=tol``: the same vector and the
same options give SciPy the same problem, so it takes the same steps.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.optimize
from sklearn.utils.optimize import _check_optimize_result

from ..nn.layers import DenseBlock
from ._monitor import record_iteration


def _pack(arrays) -> np.ndarray:
    """One vector of ``arrays``, flattened in order (in their dtype: SciPy then
    evaluates float32 models in float32, as scikit-learn's do)."""
    return np.concatenate([a.ravel() for a in arrays])


def _unpack(theta: np.ndarray, arrays) -> None:
    """Write ``theta`` back into ``arrays`` (the inverse of :func:`_pack`)."""
    start = 0
    for a in arrays:
        a[...] = theta[start : start + a.size].reshape(a.shape)
        start += a.size


def fit_lbfgs(est, model, X, Y, sample_weight, state) -> bool:
    """Minimise the loss of ``model`` on ``(X, Y)``; return whether Ctrl-C stopped it.

    ``state`` gets ``n_iter_``, ``loss_``, ``loss_curve_`` (one entry per
    iteration) and ``best_loss_``.
    """
    dense = [layer for layer in model.layers if isinstance(layer, DenseBlock)]
    params = [lay.W for lay in dense] + [lay.b for lay in dense]
    grads = [lay.grads["W"] for lay in dense] + [lay.grads["b"] for lay in dense]

    def loss_and_gradient(theta):
        _unpack(theta, params)
        loss = model.loss_and_gradient(X, Y, sample_weight, training=False)
        return loss, _pack(grads)

    last = {"x": _pack(params)}

    def record(intermediate_result):
        last["x"] = intermediate_result.x.copy()
        loss = float(intermediate_result.fun)
        record_iteration(state, loss, est.verbose)
        state["best_loss_"] = min(state["best_loss_"], loss)

    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            res = scipy.optimize.minimize(
                loss_and_gradient,
                last["x"].copy(),
                method="L-BFGS-B",
                jac=True,
                callback=record,
                options={
                    "maxfun": est.max_fun,
                    "maxiter": est.max_iter,
                    "gtol": est.tol,
                },
            )
    except KeyboardInterrupt:
        _unpack(last["x"], params)
        warnings.warn(
            "Training interrupted by the user (Ctrl-C); the model keeps the weights "
            "of the last completed L-BFGS iteration.",
            UserWarning,
            stacklevel=1,
        )
        return True  # loss_ is the last completed iteration's (or NaN)
    state["n_iter_"] = _check_optimize_result("lbfgs", res, est.max_iter)
    _unpack(res.x, params)
    state["loss_"] = float(res.fun)
    if not state["loss_curve_"]:  # converged before the first iteration
        state["loss_curve_"].append(state["loss_"])
    return False
