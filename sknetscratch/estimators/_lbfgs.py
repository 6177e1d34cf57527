"""The L-BFGS solver of the estimators, as scikit-learn's ``_fit_lbfgs``.

SciPy's L-BFGS-B minimises the loss over one vector of parameters. As in
scikit-learn, the vector is packed kernels first, then biases
(``[W_1, ..., W_L, b_1, ..., b_L]``, each flattened in C order), and the
options are ``maxfun``, ``maxiter`` and ``gtol=tol``: the same vector and the
same options give SciPy the same problem, so it takes the same steps.

The same steps, also after hundreds of iterations, need the same loss and
gradient to the last bit: L-BFGS feeds every gradient into its curvature
pairs and its line search compares losses, so a difference in the last bit
at the first evaluation grows to 1e-5 in the weights after 100 iterations
and changes where the fit stops. For scikit-learn's network (its hidden
activations, its losses, no L1 term) the loss and gradient are therefore
computed by :class:`SklearnObjective`, in the order of operations of
scikit-learn's ``_backprop``: the unscaled output delta, the products, the
L2 term, and only then the division by the weight sum; the losses valued on
clipped probabilities with ``xlogy``; the logistic function as
``scipy.special.expit``. Any other network (activations or losses
scikit-learn lacks, ``l1``) is the same objective, computed by the core's
``Model.loss_and_gradient``, and so is any network whose arrays live on another
Array API namespace (:mod:`sknetscratch.backend`): there the loss and gradient
are computed on the arrays' device, and only SciPy's vector is on the host.

Why not the core: its full-batch loss and gradient scale the output delta by
``w_i / sum(w)`` *before* the products (one small array, then nothing to
divide per layer: the hot path of every mini-batch of SGD and Adam, which
must stay as fast and give the same numbers as before), computes losses from
the logits (``logaddexp``, finite where probabilities saturate) and uses the
package's one stable sigmoid, which differs from ``expit`` in the last bit of
about a quarter of its values. Carrying scikit-learn's order there would mean
a second order through the losses, the dense layer and the penalties, and
SciPy in the NumPy-only core, for the benefit of one full-batch solver; here
it is one function that reads as ``_backprop`` does.

Each iteration is recorded as an epoch is: its loss goes to the estimator's
History (``history_['loss']``, so ``loss_curve_``) and to the ``verbose`` line.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.optimize
from scipy.special import expit, xlogy
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


def _matmul(a, b, out):
    """``out[...] = a @ b`` (``a`` may be a scipy sparse matrix)."""
    if isinstance(a, np.ndarray):
        return np.matmul(a, b, out=out)
    out[...] = a @ b
    return out


# -- scikit-learn's formulas (sklearn/neural_network/_base.py), by our names ----
def _softmax(Z):
    """Row-wise softmax in place, as scikit-learn's ``inplace_softmax``."""
    tmp = Z - Z.max(axis=1)[:, np.newaxis]
    np.exp(tmp, out=Z)
    Z /= Z.sum(axis=1)[:, np.newaxis]


#: ``f(Z)`` written over ``Z``, for each activation scikit-learn has.
_ACTIVATIONS = {
    "linear": lambda Z: None,
    "relu": lambda Z: np.maximum(Z, 0, out=Z),
    "tanh": lambda Z: np.tanh(Z, out=Z),
    "sigmoid": lambda Z: expit(Z, out=Z),
    "softmax": _softmax,
    "exp": lambda Z: np.exp(Z, out=Z),
}


def _logistic_derivative(A, delta):
    delta *= A  # sigma' = A (1 - A), multiplied in scikit-learn's order
    delta *= 1 - A


def _relu_derivative(A, delta):
    delta[A == 0] = 0  # relu' = [A > 0]


def _tanh_derivative(A, delta):
    delta *= 1 - A**2  # tanh' = 1 - A^2


#: ``delta *= f'`` from the layer's output ``A``, for scikit-learn's hidden activations.
_DERIVATIVES = {
    "linear": lambda A, delta: None,
    "relu": _relu_derivative,
    "tanh": _tanh_derivative,
    "sigmoid": _logistic_derivative,
}


def _binary_log_loss(y, p, sample_weight):
    r""":math:`-\sum_k \operatorname{avg}_i [y \log p + (1-y) \log(1-p)]`, ``p``
    clipped to :math:`[\epsilon, 1-\epsilon]` (sigmoid outputs)."""
    eps = np.finfo(p.dtype).eps
    p = np.clip(p, eps, 1 - eps)
    terms = xlogy(y, p) + xlogy(1 - y, 1 - p)
    return -np.average(terms, weights=sample_weight, axis=0).sum()


def _log_loss(y, p, sample_weight):
    r""":math:`-\sum_k \operatorname{avg}_i y_k \log p_k`, ``p`` clipped to
    :math:`[\epsilon, 1-\epsilon]` (softmax outputs: two columns or more)."""
    eps = np.finfo(p.dtype).eps
    p = np.clip(p, eps, 1 - eps)
    return -np.average(xlogy(y, p), weights=sample_weight, axis=0).sum()


def _squared_loss(y, p, sample_weight):
    r""":math:`\tfrac12 \operatorname{mean}_k \operatorname{avg}_i (y - p)^2`."""
    return 0.5 * np.average((y - p) ** 2, weights=sample_weight, axis=0).mean()


def _poisson_loss(y, p, sample_weight):
    r""":math:`\sum_k \operatorname{avg}_i [y \log(y / p) - y + p]` (half the deviance)."""
    terms = xlogy(y, y / p) - y + p
    return np.average(terms, weights=sample_weight, axis=0).sum()


#: scikit-learn's loss for each of our losses, by name.
_LOSSES = {
    "binary_crossentropy": _binary_log_loss,
    "categorical_crossentropy": _log_loss,
    "squared_error": _squared_loss,
    "poisson": _poisson_loss,
}


class SklearnObjective:
    r"""Loss and gradient of scikit-learn's network, computed as its ``_backprop``.

    For the dense layers :math:`A_l = f_l(A_{l-1} W_l + b_l)`, :math:`A_0 = X`,
    with sample weights :math:`w` (all ones without) and :math:`s = \sum_i w_i`:

    .. math::
        L = \mathcal{L}(y, A_L) + \frac{\alpha}{2s} \sum_l \lVert W_l \rVert^2,
        \qquad \delta_L = (A_L - y) \odot w,\qquad
        \delta_{l-1} = (\delta_l W_l^\top) \odot f'_{l-1},

        \frac{\partial L}{\partial W_l} = \frac{A_{l-1}^\top \delta_l
        + \alpha W_l}{s},\qquad
        \frac{\partial L}{\partial b_l} = \frac{\sum_i \delta_{l,i}}{s}

    (:math:`\delta_L = A_L - y` for each canonical pair of output and loss,
    see :mod:`sknetscratch.nn.losses`), with the operations in scikit-learn's
    order, so that the floats are scikit-learn's.

    Parameters
    ----------
    model : Model
        The estimator's network: dense layers only (what L-BFGS trains).
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    """

    def __init__(self, model, X, Y, sample_weight):
        self.layers = dense_layers(model)
        self.alpha = model.alpha
        self.loss = _LOSSES[model.loss.name]
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.sw_sum = X.shape[0] if sample_weight is None else sample_weight.sum()
        # each layer's output and delta, written in place at every evaluation
        # (the same products as scikit-learn's fresh arrays, without
        # allocating them: about 15% of an evaluation)
        dtype, n = self.layers[0].W.dtype, X.shape[0]
        self.outputs = [np.empty((n, lay.units), dtype) for lay in self.layers]
        self.deltas = [np.empty((n, lay.units), dtype) for lay in self.layers]

    @staticmethod
    def applies(model) -> bool:
        """Whether ``model`` is a network scikit-learn has: its hidden
        activations and losses, dense layers with biases only, no L1 term,
        NumPy arrays (on another Array API namespace the core's objective runs
        on the arrays' device: the NumPy fit to rounding, not to the bit)."""
        layers = dense_layers(model)
        return (
            namespace(layers[0].W) is np
            and len(layers) == len(model.layers)
            and all(lay.use_bias for lay in layers)
            and all(lay.activation.name in _DERIVATIVES for lay in layers[:-1])
            and layers[-1].activation.name in _ACTIVATIONS
            and getattr(model.loss, "name", None) in _LOSSES
            and not model.l1
        )

    def __call__(self) -> float:
        """The loss at the current weights; the gradient goes into the layers'
        ``grads`` (as ``Model.loss_and_gradient`` leaves it)."""
        layers, alpha, sw_sum = self.layers, self.alpha, self.sw_sum
        # forward pass: A_l = f_l(A_{l-1} W_l + b_l)
        activations = [self.X]
        for lay, Z in zip(layers, self.outputs):
            _matmul(activations[-1], lay.W, out=Z)
            Z += lay.b
            _ACTIVATIONS[lay.activation.name](Z)
            activations.append(Z)
        loss = self.loss(self.Y, activations[-1], self.sample_weight)
        values = 0
        for lay in layers:
            s = lay.W.ravel()
            values += np.dot(s, s)
        loss += (0.5 * alpha) * values / sw_sum
        # backward pass: delta_L = (A_L - y) w for the canonical pairs
        delta = np.subtract(activations[-1], self.Y, out=self.deltas[-1])
        if self.sample_weight is not None:
            delta *= self.sample_weight.reshape(-1, 1)
        for i in range(len(layers) - 1, -1, -1):
            lay = layers[i]
            dW = lay.grads["W"]
            _matmul(activations[i].T, delta, out=dW)  # A^T delta (+ alpha W), / s
            dW += alpha * lay.W
            dW /= sw_sum
            lay.grads["b"][...] = np.sum(delta, axis=0) / sw_sum
            if i:  # delta W^T, then times f'(Z) of the layer below
                delta = np.matmul(delta, lay.W.T, out=self.deltas[i - 1])
                _DERIVATIVES[layers[i - 1].activation.name](activations[i], delta)
        return loss


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
    if SklearnObjective.applies(model):
        objective = SklearnObjective(model, X, Y, sample_weight)
    else:  # the same objective in the core's order of operations

        def objective():
            return model.loss_and_gradient(X, Y, sample_weight, training=False)

    def loss_and_gradient(theta):
        _unpack(theta, params)
        loss = objective()
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
