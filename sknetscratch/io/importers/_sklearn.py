"""``from_sklearn``: a fitted scikit-learn MLP becomes the matching estimator.

Everything that decides what the model predicts and how it trains on is
carried over: the parameters, the weights, the classes, the counters and
curves, and the state of scikit-learn's stochastic optimizer (SGD's
velocities and current learning rate, Adam's moments and step count), moved
from scikit-learn's order of the parameter arrays (all kernels, then all
biases) to the network's flat layout. The network itself is built as a core
:class:`~sknetscratch.Model` and wrapped by
:func:`sknetscratch.estimators.adopt_model`.
"""

from __future__ import annotations

import copy

import numpy as np
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.validation import check_is_fitted

from ...estimators import adopt_model
from ...nn.layers import DenseBlock
from ...optim import SGD, Adam
from ...training.model import Model

#: Fitted attributes carried over as they are, where scikit-learn has them.
_COUNTERS = (
    "n_iter_",
    "t_",
    "loss_",
    "best_loss_",
    "best_validation_score_",
    "loss_curve_",
    "validation_scores_",
)

#: scikit-learn's ``out_activation_`` -> our activation name.
_OUTPUTS = {"logistic": "sigmoid", "softmax": "softmax", "identity": "linear"}


def _network(mlp) -> Model:
    """scikit-learn's layers as a built core Model holding its weights."""
    hidden = [W.shape[1] for W in mlp.coefs_[:-1]]
    model = Model(name=type(mlp).__name__)
    for units in hidden:
        model.add(DenseBlock(units, mlp.activation))
    out = mlp.out_activation_
    model.add(DenseBlock(mlp.n_outputs_, _OUTPUTS.get(out, out)))
    model.build(mlp.n_features_in_, 0, mlp.coefs_[0].dtype)  # draws overwritten
    model.set_weights([a for pair in zip(mlp.coefs_, mlp.intercepts_) for a in pair])
    return model


def _optimizer(mlp, model: Model):
    """scikit-learn's stochastic optimizer as ours, with its state, or None.

    scikit-learn keeps it in the private ``_optimizer`` attribute: there is no
    public name for it, and without it the next ``partial_fit`` would not take
    the step scikit-learn's takes. Its lists follow scikit-learn's packing,
    ``coefs_ + intercepts_``; ours is one vector, layer by layer (W, b).
    """
    sk = getattr(mlp, "_optimizer", None)  # no public name (see above)
    if sk is None:
        return None
    n = len(mlp.coefs_)
    where = [model.param_slices[i, "W"] for i in range(n)]
    where += [model.param_slices[i, "b"] for i in range(n)]

    def flat(arrays):
        vector = np.zeros_like(model.params)
        for at, a in zip(where, arrays):
            vector[at] = np.ravel(a)
        return vector

    if type(sk).__name__ == "SGDOptimizer":
        # its learning_rate is the current one ('invscaling', 'adaptive')
        opt = SGD(sk.learning_rate, mlp.momentum, mlp.nesterovs_momentum)
        opt.velocity = flat(sk.velocities)
    elif type(sk).__name__ == "AdamOptimizer":
        # its learning_rate is the last bias-corrected step size; ours is the
        # base rate, corrected at each step from the step count t
        opt = Adam(mlp.learning_rate_init, mlp.beta_1, mlp.beta_2, mlp.epsilon)
        opt.iterations, opt.m, opt.v = sk.t, flat(sk.ms), flat(sk.vs)
    else:
        raise TypeError(
            f"mlp has an optimizer of type {type(sk).__name__}, which from_sklearn "
            "does not know (scikit-learn's SGDOptimizer and AdamOptimizer only)."
        )
    return opt


def from_sklearn(mlp: MLPClassifier | MLPRegressor):
    """Convert a fitted scikit-learn MLP into the matching sknetscratch estimator.

    A fitted :class:`~sklearn.neural_network.MLPClassifier` becomes a fitted
    :class:`~sknetscratch.ScratchMLPClassifier`, a fitted
    :class:`~sklearn.neural_network.MLPRegressor` a fitted
    :class:`~sknetscratch.ScratchMLPRegressor`, with the same parameters,
    weights, classes (string labels and multilabel targets too), counters
    (``n_iter_``, ``t_``, ``loss_``, ``best_loss_``,
    ``best_validation_score_``), curves (``loss_curve_``,
    ``validation_scores_``) and optimizer state (SGD's velocities and
    current learning rate, Adam's moments and step count). Its predictions are
    scikit-learn's to rounding, and its next ``partial_fit`` or warm-start
    ``fit`` takes the steps scikit-learn's would take; it can be saved with
    :func:`sknetscratch.save` (a file that runs no code when loaded).

    ``learning_rate`` is taken as 'constant' for solver='adam', which
    scikit-learn's Adam ignores (ours would apply 'invscaling' or 'adaptive'
    to any solver). ``random_state``, if a ``RandomState``, is copied.

    Parameters
    ----------
    mlp : MLPClassifier or MLPRegressor
        Fitted.

    Returns
    -------
    estimator : ScratchMLPClassifier or ScratchMLPRegressor
        Fitted; it shares no array with ``mlp``.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``mlp`` is not fitted.
    TypeError
        If ``mlp`` is not an ``MLPClassifier`` or ``MLPRegressor``.
    ValueError
        If ``mlp`` has parameters the sknetscratch estimators do not have.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> import sknetscratch
    >>> X, y = load_iris(return_X_y=True)
    >>> mlp = MLPClassifier(solver="sgd", max_iter=5, random_state=0)
    >>> mlp = mlp.partial_fit(X, y, classes=[0, 1, 2])
    >>> clf = sknetscratch.from_sklearn(mlp)
    >>> type(clf).__name__, clf.t_ == mlp.t_
    ('ScratchMLPClassifier', True)
    >>> np.allclose(clf.predict_proba(X), mlp.predict_proba(X), rtol=1e-12)
    True
    >>> mlp, clf = mlp.partial_fit(X, y), clf.partial_fit(X, y)  # one more epoch
    >>> np.allclose(clf.coefs_[0], mlp.coefs_[0], rtol=0, atol=1e-10)
    True
    """
    if not isinstance(mlp, (MLPClassifier, MLPRegressor)):
        raise TypeError(
            "mlp must be a scikit-learn MLPClassifier or MLPRegressor; got "
            f"{type(mlp).__name__}."
        )
    check_is_fitted(mlp, ["coefs_", "intercepts_"])
    classifier = isinstance(mlp, MLPClassifier)
    params = mlp.get_params(deep=False)
    if isinstance(params["random_state"], np.random.RandomState):
        params["random_state"] = copy.deepcopy(params["random_state"])
    if params["solver"] == "adam":
        params["learning_rate"] = "constant"  # scikit-learn's Adam ignores it
    model = _network(mlp)
    model.optimizer = _optimizer(mlp, model)
    fitted = {k: getattr(mlp, k) for k in _COUNTERS if hasattr(mlp, k)}
    if hasattr(mlp, "_no_improvement_count"):  # no public name either
        fitted["_no_improvement_count"] = mlp._no_improvement_count
    labels = {}
    if classifier:
        multilabel = mlp.out_activation_ == "logistic" and mlp.n_outputs_ > 1
        labels = {"multilabel": True} if multilabel else {"classes": mlp.classes_}
    try:
        return adopt_model(model, **labels, fitted=fitted, **params)
    except TypeError as exc:  # a parameter of a newer scikit-learn
        raise ValueError(
            f"mlp has a parameter the sknetscratch estimators do not have: {exc}"
        ) from None
