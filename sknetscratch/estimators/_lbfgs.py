"""The L-BFGS solver of the estimators, as scikit-learn's ``_fit_lbfgs``.

SciPy's L-BFGS-B minimises the loss over one vector of parameters. As in
scikit-learn, the vector is packed kernels first, then biases
(``[W_1, ..., W_L, b_1, ..., b_L]``, each flattened in C order), and the
options are ``maxfun``, ``maxiter`` and ``gtol=tol``: the same vector and the
same options give SciPy the same problem, so it takes the same steps.

Each iteration is recorded as an epoch is: its loss goes to the estimator's
History (``history_['loss']``, so ``loss_curve_``) and to the ``verbose`` line.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.optimize
from sklearn.utils.optimize import _check_optimize_result

from ..backend import device, namespace, to_host, to_namespace
from ._rules import IterationPrinter
from ._views import dense_layers


def _pack(arrays) -> np.ndarray:
    """One vector of ``arrays``, flattened in order (in their dtype: SciPy then
    evaluates float32 models in float32, as scikit-learn's do)."""
    return np.concatenate([to_host(a).ravel() for a in arrays])  # on the host


def _unpack(theta: np.ndarray, arrays) -> None:
    """Write ``theta`` back into ``arrays`` (the inverse of :func:`_pack`)."""
    start, xp, dev = 0, namespace(arrays[0]), device(arrays[0])
    for a in arrays:
        size = int(np.prod(a.shape))
        piece = theta[start : start + size].reshape(a.shape)
        if xp is not np:  # to the device, in the network's dtype
            piece = xp.astype(to_namespace(piece, xp, dev), a.dtype)
        a[...] = piece
        start += size


def fit_lbfgs(est, model, X, Y, sample_weight, *, history) -> dict:
    """Minimise the loss of ``model`` on ``(X, Y)``; return the fitted
    attributes it changed (``n_iter_``, ``loss_``, ``interrupted_``).

    ``history`` (the estimator's History) gets one entry per iteration.
    """
    dense = dense_layers(model)
    params = [lay.W for lay in dense] + [lay.b for lay in dense]
    grads = [lay.grads["W"] for lay in dense] + [lay.grads["b"] for lay in dense]
    callbacks = [IterationPrinter(), history] if est.verbose else [history]
    for cb in callbacks:
        cb.set_model(model)
        cb.on_train_begin()

    def loss_and_gradient(theta):
        _unpack(theta, params)
        loss = model.loss_and_gradient(X, Y, sample_weight, training=False)
        return loss, _pack(grads)

    last = {"x": _pack(params), "iterations": 0}

    def record(intermediate_result):
        last["x"] = intermediate_result.x.copy()
        logs = {"loss": float(intermediate_result.fun)}
        for cb in callbacks:
            cb.on_epoch_end(last["iterations"], logs)
        last["iterations"] += 1

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
        history.interrupted = True
        fitted = {"n_iter_": last["iterations"], "interrupted_": True}
        if last["iterations"]:
            fitted["loss_"] = history.history["loss"][-1]
        return fitted
    _unpack(res.x, params)
    if not last["iterations"]:  # converged before the first iteration
        history.on_epoch_end(0, {"loss": float(res.fun)})
    for cb in callbacks:
        cb.on_train_end()
    n_iter = _check_optimize_result("lbfgs", res, est.max_iter)
    return {"n_iter_": n_iter, "loss_": float(res.fun), "interrupted_": False}
