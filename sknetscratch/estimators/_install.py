"""A fitted estimator from a network that it did not train: every fitted attribute.

Two roads lead here. :func:`sknetscratch.estimators.adopt_model` wraps a core
``Model`` (imported from scikit-learn, ONNX or Keras); and weights set by hand
on an unfitted estimator (``est.coefs_ = [...]``, ``est.intercepts_ = [...]``,
as scikit-learn's own ``test_fit`` sets them) become its network on the first
``predict``, ``partial_fit`` or warm-start ``fit`` (:func:`adopt_assigned_weights`).
Both end in :func:`install_model`, which sets what a fit sets (``model_``, the
views, the counters and curves), with the counters of a network that has not
trained yet (``n_iter_ = t_ = 0``, empty curves) unless given.
"""

from __future__ import annotations

import numpy as np

from ._params import hidden_layer_sizes
from ._views import dense_layers

#: The attributes whose assignment on an unfitted estimator is a network.
WEIGHTS = ("coefs_", "intercepts_")

#: Fitted attributes a network's owner may give (scikit-learn's names): the
#: counters training continues from, and the curves so far.
GIVEN = (
    "n_iter_",
    "t_",
    "loss_",
    "best_loss_",
    "best_validation_score_",
    "_no_improvement_count",
    "loss_curve_",
    "validation_scores_",
)

#: scikit-learn's working arrays that its ``test_fit`` sets by hand too
#: (gradient buffers; the SGD velocities of its versions before 0.18): nothing
#: here reads them, and they are dropped when the weights become the network,
#: so that the estimator saves (:func:`sknetscratch.save`) as a fitted one.
SKLEARN_SCRATCH = (
    "_coef_grads",
    "_intercept_grads",
    "_coef_velocity",
    "_intercept_velocity",
)

#: Fitted attributes that describe the network: given ones must agree with it.
DESCRIBED = ("n_features_in_", "n_outputs_", "n_layers_", "out_activation_")


def weights_by_hand(est) -> bool:
    """Whether ``coefs_`` or ``intercepts_`` were set on an estimator with no
    network yet (``model_``)."""
    attrs = vars(est)
    return "model_" not in attrs and any(name in attrs for name in WEIGHTS)


def install_model(est, model, given: dict | None = None) -> None:
    """Make ``est`` a fitted estimator whose network is ``model`` (built).

    ``model`` must be the network ``est`` builds for its parameters (the
    caller checks). Its loss and penalties become the estimator's. ``given``
    maps names of :data:`GIVEN` and :data:`DESCRIBED` to values; the counters
    default to a network that has not trained (``n_iter_ = t_ = 0``, no loss
    yet, empty curves), and a given description must agree with ``model``.
    """
    given = dict(given or {})
    layers = dense_layers(model)
    described = {
        "n_features_in_": int(model.input_dim),
        "n_outputs_": int(layers[-1].units),
        "n_layers_": len(layers) + 1,
        "out_activation_": est._output()[0],
    }
    for name, value in described.items():
        got = given.pop(name, value)
        if got != value:
            raise ValueError(
                f"{name} was set to {got!r}, but the network has {name} = {value!r}."
            )
    validating = bool(est.early_stopping) and est.solver != "lbfgs"
    worst = np.inf if est.early_stopping_monitor == "val_loss" else -np.inf
    fitted = {
        "n_iter_": 0,
        "t_": 0,
        "loss_": np.nan,
        "best_loss_": None if validating else np.inf,
        "best_validation_score_": worst if validating else None,
        "_no_improvement_count": 0,
        "interrupted_": False,
    }
    records: dict = {"loss": list(given.pop("loss_curve_", None) or [])}
    scores = given.pop("validation_scores_", None)
    if scores is not None:
        records["val_score"] = list(scores)
    unknown = sorted(set(given) - set(GIVEN))
    if unknown:
        raise ValueError(f"Unknown fitted attributes {unknown}; expected {GIVEN}.")
    fitted.update(given)
    model.loss = est._loss()
    model.alpha, model.l1 = float(est.alpha), float(est.l1)
    est.__dict__.update(fitted, **described)
    est.model_ = model
    est._link_weights()
    est._link_history(records)


def _assigned(est, name: str, n_layers: int, hidden: list[int]) -> list[np.ndarray]:
    """``est.<name>`` as a list of ``n_layers`` real arrays, or a ValueError."""
    value = vars(est).get(name)
    if value is None:
        other = WEIGHTS[1 - WEIGHTS.index(name)]
        raise ValueError(
            f"{other} was set by hand, but {name} was not: set both, one array "
            "per layer."
        )
    if not isinstance(value, (list, tuple)) or len(value) != n_layers:
        got = f"{type(value).__name__}" + (
            f" of length {len(value)}" if hasattr(value, "__len__") else ""
        )
        raise ValueError(
            f"{name} must be a list of {n_layers} arrays, one per layer of the "
            f"network that hidden_layer_sizes={tuple(hidden)} makes; got {got}."
        )
    arrays = []
    for i, a in enumerate(value):
        a = np.asarray(a)
        if a.dtype.kind not in "biuf":
            raise ValueError(
                f"{name}[{i}] must hold real numbers; got dtype {a.dtype}."
            )
        arrays.append(a)
    return arrays


def _width(est) -> int | None:
    """The number of output columns of the last array of ``coefs_``, if known."""
    coefs = vars(est).get("coefs_")
    if isinstance(coefs, (list, tuple)) and coefs:
        last = np.asarray(coefs[-1])
        if last.ndim == 2:
            return last.shape[1]
    return None


def read_targets_by_hand(est) -> None:
    """Before a fit reads ``y``: a classifier whose ``classes_`` were set by hand
    with the weights works out what they mean (binary, multiclass, multilabel)."""
    if "classes_" in vars(est):
        est._outputs_by_hand(_width(est))


def adopt_assigned_weights(est, n_features=None, n_outputs=None) -> None:
    """Build ``est``'s network from the ``coefs_`` / ``intercepts_`` set by hand.

    The architecture is the estimator's parameters' (``hidden_layer_sizes``,
    ``activation``, ``batch_norm``, ...), for ``n_features`` inputs and
    ``n_outputs`` outputs (those of the data being fitted; from the arrays'
    shapes when None). Every array is checked before the network is built:
    a shape that does not fit is a ValueError naming the attribute, the index
    and the shape expected. The counters and curves set by hand (``t_``,
    ``n_iter_``, ``best_loss_``, ``loss_curve_``, ...) are kept; the other
    fitted attributes are those of a network that has not trained.
    """
    hidden = hidden_layer_sizes(est)
    n_layers = len(hidden) + 1
    coefs = _assigned(est, "coefs_", n_layers, hidden)
    intercepts = _assigned(est, "intercepts_", n_layers, hidden)
    if n_features is None:
        n_features = coefs[0].shape[0] if coefs[0].ndim == 2 else None
    needed = est._outputs_by_hand(_width(est))  # a classifier's: from its classes
    n_outputs = needed if n_outputs is None else n_outputs
    units = [n_features, *hidden, n_outputs]
    where = (
        f"hidden_layer_sizes={tuple(hidden)}, {n_features} features and "
        f"{n_outputs} output{'s' if n_outputs != 1 else ''}"
    )
    for i in range(n_layers):
        for name, arrays, shape in (
            ("coefs_", coefs, (units[i], units[i + 1])),
            ("intercepts_", intercepts, (units[i + 1],)),
        ):
            if arrays[i].shape != shape:
                raise ValueError(
                    f"{name}[{i}] has shape {arrays[i].shape}, but the network of "
                    f"{where} needs shape {shape} there."
                )
    floats = [a for a in coefs + intercepts if a.dtype.kind == "f"]
    dtype = np.result_type(*floats) if floats else np.float64
    dtype = np.float32 if dtype == np.float32 else np.float64
    # the initial draws of build are all overwritten below
    model = est._network(n_outputs).build(n_features, 0, dtype)
    for i, layer in enumerate(dense_layers(model)):
        if layer.b is None and intercepts[i].any():
            raise ValueError(
                f"intercepts_[{i}] must be zeros: layer {i} has no bias (the batch "
                "norm after it shifts its output instead)."
            )
        layer.W[...] = coefs[i]
        if layer.b is not None:
            layer.b[...] = intercepts[i]
    attrs = vars(est)
    given = {k: attrs[k] for k in (*GIVEN, *DESCRIBED) if k in attrs}
    install_model(est, model, given)
    for name in SKLEARN_SCRATCH:
        attrs.pop(name, None)
