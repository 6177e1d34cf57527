"""``adopt_model``: a core ``Model`` becomes a fitted scikit-learn estimator.

The network is read layer by layer into the estimators' parameters (what
:mod:`._network` builds from them, in reverse)::

    DenseBlock(units, f)                          -> one hidden layer, activation f
    DenseBlock(units) [-> BatchNormalization] -> Activation(f)   (the same, batch_norm)
    ... [-> Dropout(rate)]                        -> dropout rate of that layer
    DenseBlock(n_outputs, g) [-> Activation(g)]   -> the output layer

and the estimator's own network is then built from those parameters and given
copies of the weights, the batch norms' statistics and, where it is the one the
estimator's ``solver`` would make, the optimizer with its state. So ``model_``
is exactly what a ``fit`` of the same parameters builds (``warm_start`` and
``partial_fit`` accept it), and the given model is never changed.
"""

from __future__ import annotations

import copy

import numpy as np
from numpy.typing import ArrayLike

from ..nn.activations import ACTIVATIONS
from ..nn.layers import Activation, BatchNormalization, DenseBlock, Dropout
from ..training.model import Model
from ._install import install_model
from ._params import make_optimizer
from .classifier import ScratchMLPClassifier
from .regressor import ScratchMLPRegressor

#: Registry names -> the words of scikit-learn's ``activation`` parameter.
_SKLEARN_WORDS = {"linear": "identity", "sigmoid": "logistic"}

#: What the estimators build, for the messages.
_GRAMMAR = (
    "the estimators build DenseBlock [BatchNormalization] [Activation] [Dropout] "
    "per hidden layer, then an output DenseBlock [Activation]"
)


def _where(model: Model, layer) -> str:
    i = model.layers.index(layer)
    return f"layer {i} ({layer.name!r}, {type(layer).__name__})"


def _activation(model, layer, act) -> str:
    """The name of activation ``act`` of ``layer``, in scikit-learn's words."""
    registered = ACTIVATIONS.get(act.name)
    if registered is not type(act) or act.get_config() != registered().get_config():
        raise ValueError(
            f"{_where(model, layer)} has the activation {act!r}, which the "
            "estimators' activation parameter cannot name (a registered activation "
            "with its default settings)."
        )
    return _SKLEARN_WORDS.get(act.name, act.name)


def read_network(model: Model) -> dict:
    """The estimator parameters that build ``model``'s architecture, and its layers.

    Returns
    -------
    dict
        ``hidden_layer_sizes``, ``activation``, ``dropout``, ``batch_norm``
        (estimator parameters; one activation / rate where all layers share
        it), ``out_activation`` (scikit-learn's word), ``blocks`` (per hidden
        layer ``(dense, batch norm or None)``) and ``output`` (the dense layer).

    Raises
    ------
    ValueError
        Naming the first layer the estimators cannot express, and why.
    """
    layers = list(model.layers)
    dense = [i for i, lay in enumerate(layers) if isinstance(lay, DenseBlock)]
    if not dense:
        raise ValueError(f"model has no DenseBlock layer; {_GRAMMAR}.")
    out = dense[-1]
    out_act = _activation(model, layers[out], layers[out].activation)
    for layer in layers[out + 1 :]:
        if isinstance(layer, Activation) and out_act == "identity":
            out_act = _activation(model, layer, layer.activation)
            continue
        raise ValueError(
            f"{_where(model, layer)} follows the output layer; {_GRAMMAR} "
            "(one activation at most)."
        )
    blocks, i = [], 0
    while i < out:
        layer = layers[i]
        if not isinstance(layer, DenseBlock):
            raise ValueError(
                f"{_where(model, layer)} cannot be expressed: {_GRAMMAR}, and no "
                f"{type(layer).__name__} elsewhere."
            )
        act, bn, rate = _activation(model, layer, layer.activation), None, 0.0
        i += 1
        if isinstance(layers[i], BatchNormalization):
            bn = layers[i]
            if act != "identity":
                raise ValueError(
                    f"{_where(model, bn)} follows the activation {act!r}; the "
                    "estimators' batch norm comes between the dense layer and "
                    "its activation."
                )
            i += 1
        elif not layer.use_bias:
            raise ValueError(
                f"{_where(model, layer)} has no bias; the estimators' dense layers "
                "have one, unless a batch norm follows."
            )
        if isinstance(layers[i], Activation):
            if act != "identity":
                raise ValueError(
                    f"{_where(model, layers[i])} follows the activation {act!r} "
                    "of the dense layer before it; one activation per hidden layer."
                )
            act = _activation(model, layers[i], layers[i].activation)
            i += 1
        if isinstance(layers[i], Dropout):
            rate = float(layers[i].rate)
            i += 1
        blocks.append((layer, bn, act, rate))
    with_bn = [bn is not None for _, bn, _, _ in blocks]
    if any(with_bn) and not all(with_bn):
        lone = blocks[with_bn.index(False)][0]
        raise ValueError(
            f"{_where(model, lone)} has no batch norm after it while other hidden "
            "layers have one; batch_norm is one setting for all hidden layers."
        )
    acts = [act for _, _, act, _ in blocks]
    rates = [rate for *_, rate in blocks]
    return {
        "hidden_layer_sizes": tuple(d.units for d, *_ in blocks),
        "activation": acts[0] if len(set(acts)) == 1 else acts,
        "dropout": rates[0] if len(set(rates)) == 1 else rates or 0.0,
        "batch_norm": bool(with_bn) and all(with_bn),
        "out_activation": out_act,
        "blocks": [(d, bn) for d, bn, _, _ in blocks],
        "output": layers[out],
    }


def _per_layer(name: str, value, n_hidden: int) -> list:
    """A parameter as one value per hidden layer (sizes: the list), in
    scikit-learn's activation words, for comparing."""
    if name == "hidden_layer_sizes":
        return [value] if not hasattr(value, "__iter__") else list(value)
    if name == "batch_norm":
        return [bool(value)]
    values = list(value) if isinstance(value, (list, tuple)) else [value] * n_hidden
    if name == "activation":
        return [_SKLEARN_WORDS.get(v, v) for v in values]
    return values


def _estimator(net: dict, classes, multilabel: bool, params: dict):
    """The unfitted estimator with the inferred and the given parameters, and
    its ``(y_type, classes_)`` (None for a regressor)."""
    names = ("hidden_layer_sizes", "activation", "dropout", "batch_norm")
    if not net["blocks"]:  # no hidden layer: no activation or dropout to read
        names = ("hidden_layer_sizes", "batch_norm")
    inferred = {k: net[k] for k in names}
    n_hidden = len(net["hidden_layer_sizes"])
    for name, value in inferred.items():
        if name in params and _per_layer(name, params[name], n_hidden) != _per_layer(
            name, value, n_hidden
        ):
            raise ValueError(
                f"{name}={params[name]!r} was given, but the network has "
                f"{name}={value!r}."
            )
    params = {**inferred, **params}
    width, out = net["output"].units, net["out_activation"]
    if classes is None and not multilabel:
        if out == "exp":
            params.setdefault("loss", "poisson")
        est = ScratchMLPRegressor(**params)
        est._validate_params()
        if est._output()[0] != out:
            raise ValueError(
                f"The output layer's activation is {out!r}, but a regressor with "
                f"loss={est.loss!r} has the output activation {est._output()[0]!r}."
            )
        return est, None
    est = ScratchMLPClassifier(**params)
    est._validate_params()
    if multilabel:
        expected = np.arange(width)
        if classes is not None and not np.array_equal(np.asarray(classes), expected):
            raise ValueError(
                "classes of a multilabel classifier are the output columns, "
                f"{expected.tolist()}; got {np.asarray(classes).tolist()!r}."
            )
        y_type, classes, need = "multilabel-indicator", expected, ("logistic", width)
    else:
        classes = np.asarray(classes)
        unique = np.unique(classes)
        if (
            classes.ndim != 1
            or len(unique) != len(classes)
            or not np.array_equal(unique, classes)
        ):
            raise ValueError(
                "classes must be distinct labels in sorted order (the order of "
                f"np.unique: output column i is classes[i]); got {classes.tolist()!r}."
            )
        y_type = "binary" if len(classes) <= 2 else "multiclass"
        need = ("logistic", 1) if y_type == "binary" else ("softmax", len(classes))
    if (out, width) != need:
        raise ValueError(
            f"The output layer has {width} unit(s) with the activation {out!r}, but "
            f"{len(classes)} {y_type} classes need {need[1]} with {need[0]!r}."
        )
    return est, (y_type, classes)


def _carry_optimizer(source: Model, target: Model, pairs, est) -> None:
    """``target.optimizer``: a copy of ``source``'s with its state moved to
    ``target``'s parameter layout, if it is the optimizer ``est`` trains with
    (class and settings, the learning rate aside); else None (``partial_fit``
    then starts a fresh one)."""
    opt = source.optimizer
    if opt is None:
        return
    fresh = make_optimizer(est)
    config = {k: v for k, v in opt.get_config().items() if k != "learning_rate"}
    wanted = {k: v for k, v in fresh.get_config().items() if k != "learning_rate"}
    if type(opt) is not type(fresh) or config != wanted:
        return
    opt = copy.deepcopy(opt)
    src, dst = source.param_slices, target.param_slices
    for name in opt.state_names:
        state = getattr(opt, name)
        if state is None:
            continue
        moved = np.zeros_like(target.params)
        for (s_layer, s_key), (t_layer, t_key) in pairs:
            moved[dst[t_layer, t_key]] = state[src[s_layer, s_key]]
        setattr(opt, name, moved)
    target.optimizer = opt


def _copy_weights(source: Model, target: Model, net: dict):
    """Copy the weights and batch-norm statistics of ``source`` into ``target``
    (the estimator's network); return the pairs of ``(layer index, name)``
    that hold the same parameter in the two."""
    s_index = {id(lay): i for i, lay in enumerate(source.layers)}
    t_dense = [lay for lay in target.layers if isinstance(lay, DenseBlock)]
    t_bn = [lay for lay in target.layers if isinstance(lay, BatchNormalization)]
    t_index = {id(lay): i for i, lay in enumerate(target.layers)}
    pairs = []
    s_dense = [d for d, _ in net["blocks"]] + [net["output"]]
    s_bn = [bn for _, bn in net["blocks"] if bn is not None]
    for s, t in [*zip(s_dense, t_dense), *zip(s_bn, t_bn)]:
        for key, value in t.params.items():
            if key in s.params:
                value[...] = s.params[key]
                pairs.append(((s_index[id(s)], key), (t_index[id(t)], key)))
            # else: a batch norm without scale / center gets gamma = 1 / beta = 0
        for key, value in t.state.items():
            if key in s.state:
                value[...] = s.state[key]
    normed = [dense for dense, norm in net["blocks"] if norm is not None]
    for dense, t in zip(normed, t_bn):
        if dense.b is not None:
            # the estimator's dense layer before a batch norm has no bias: the
            # norm subtracts the mean, so (xW + b) - m = xW - (m - b), in
            # training (the batch mean moves by b) as at inference
            t.state["moving_mean"][...] -= dense.b
    return pairs


def adopt_model(
    model: Model,
    *,
    classes: ArrayLike | None = None,
    multilabel: bool = False,
    fitted: dict | None = None,
    **params,
) -> ScratchMLPClassifier | ScratchMLPRegressor:
    """Wrap a built core ``Model`` into a fitted scikit-learn estimator.

    The network's architecture gives the estimator's ``hidden_layer_sizes``,
    ``activation`` (one name, or one per hidden layer), ``dropout`` and
    ``batch_norm``; ``params`` give the others. The estimator's ``model_`` is
    the network that a ``fit`` with those parameters builds, holding copies of
    ``model``'s weights and batch-norm statistics: ``model`` itself is not
    changed or shared. ``get_params()`` then describes the network, and
    ``predict``, ``partial_fit``, a ``warm_start`` fit and
    :func:`sknetscratch.save` work as after a ``fit``.

    Parameters
    ----------
    model : sknetscratch.Model
        A built network: hidden layers of ``DenseBlock`` (optionally followed
        by ``BatchNormalization``, ``Activation`` and ``Dropout``) and an
        output ``DenseBlock`` (optionally followed by an ``Activation``). Its
        optimizer, with its state, is kept when it is the one the estimator's
        ``solver`` makes (same class and settings; the learning rate may
        differ, as after 'invscaling' or 'adaptive'); otherwise the first
        ``partial_fit`` starts a fresh one.
    classes : array-like of shape (n_classes,), default=None
        The class labels, sorted as :func:`numpy.unique` sorts them (output
        column ``i`` is ``classes[i]``): the result is a
        :class:`ScratchMLPClassifier`. One sigmoid output for two classes,
        one softmax output per class for more. None (and ``multilabel=False``)
        gives a :class:`ScratchMLPRegressor`.
    multilabel : bool, default=False
        A classifier of several 0/1 outputs (one sigmoid each);
        ``classes`` is then None or ``range(n_outputs)``.
    fitted : dict, default=None
        Fitted attributes to carry over, by scikit-learn's names: ``n_iter_``,
        ``t_``, ``loss_``, ``best_loss_``, ``best_validation_score_``,
        ``_no_improvement_count``, ``loss_curve_``, ``validation_scores_``.
        The others are those of a network that has not trained yet
        (``n_iter_ = t_ = 0``, empty ``loss_curve_``).
    **params
        Other constructor parameters of the estimator (``solver``,
        ``alpha``, ``random_state``, ...). Architecture parameters may be given
        too, if they agree with the network.

    Returns
    -------
    estimator : ScratchMLPClassifier or ScratchMLPRegressor
        Fitted.

    Raises
    ------
    ValueError
        For a network the estimators cannot express (the message names the
        layer and why), an output layer that does not fit the task (its
        activation and width against ``classes``), parameters that disagree
        with the network.
    TypeError
        If ``model`` is not a :class:`sknetscratch.Model`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import DenseBlock, Model
    >>> from sknetscratch.estimators import adopt_model
    >>> model = Model([DenseBlock(4, "tanh"), DenseBlock(3, "softmax")])
    >>> model = model.build(2, random_state=0)
    >>> clf = adopt_model(model, classes=["a", "b", "c"], random_state=0)
    >>> clf.hidden_layer_sizes, clf.activation, clf.classes_.tolist()
    ((4,), 'tanh', ['a', 'b', 'c'])
    >>> X = np.array([[0.5, -1.0], [2.0, 0.0]])
    >>> np.allclose(clf.predict_proba(X), model.predict(X))
    True
    >>> clf.partial_fit(X, ["a", "c"]).n_iter_
    1
    """
    if not isinstance(model, Model):
        raise TypeError(
            f"model must be a sknetscratch.Model; got {type(model).__name__}."
        )
    if not model.built:
        raise ValueError("model must be built (call model.build(n_features) first).")
    if not isinstance(multilabel, (bool, np.bool_)):
        raise TypeError(f"multilabel must be a bool; got {multilabel!r}.")
    if fitted is not None and not isinstance(fitted, dict):
        raise TypeError(f"fitted must be a dict or None; got {type(fitted).__name__}.")
    net = read_network(model)
    est, labels = _estimator(net, classes, bool(multilabel), params)
    if labels is not None:
        y_type, classes_ = labels
        dummy = np.zeros((0, len(classes_)))
        multi = y_type == "multilabel-indicator"
        est._set_classes(dummy, y_type, None if multi else classes_)
    target = est._network(net["output"].units)
    # the batch norms train on as they were made (momentum, epsilon, statistics)
    norms = [
        i for i, lay in enumerate(target.layers) if isinstance(lay, BatchNormalization)
    ]
    for i, (_, norm) in zip(norms, net["blocks"]):  # batch_norm: all have one
        config = {**norm.get_config(), "center": True, "scale": True}
        target.layers[i] = BatchNormalization(
            **{**config, "name": target.layers[i].name}
        )
    target.build(model.input_dim, 0, model.dtype)  # the initial draws are overwritten
    pairs = _copy_weights(model, target, net)
    _carry_optimizer(model, target, pairs, est)
    install_model(est, target, fitted)
    return est
