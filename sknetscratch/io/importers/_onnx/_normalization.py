r"""Batch and layer normalisation in an ONNX graph, as operators or as formulas.

A ``BatchNormalization`` layer is the ONNX operator of that name, or the
inference formula :math:`\gamma (X - m) / \sqrt{v + \epsilon} + \beta` as
nodes: ``Sub``, ``Div`` by ``Sqrt(Add(v, eps))`` (what ``to_onnx`` writes), or
``Div`` by one constant :math:`c = \sqrt{v + \epsilon}` (what ``to_onnx``
wrote before it kept :math:`v` and :math:`\epsilon` apart), then the optional
``Mul`` by :math:`\gamma` and ``Add`` of :math:`\beta`. A
``LayerNormalization`` is the operator (opset 17) or ``to_onnx``'s
``ReduceMean`` formula.
"""

from __future__ import annotations

import numpy as np

from ....nn.layers import BatchNormalization
from ._graph import Step, scalar


def _affine_tail(index, x, nodes):
    """The optional ``Mul(gamma)`` then ``Add(beta)`` after a normalisation."""
    gamma = beta = None
    mul = index.only_user(x, "Mul")
    if mul is not None and index.other_input(mul, x) is not None:
        gamma, x = index.other_input(mul, x).reshape(-1), mul.output[0]
        nodes.append(mul)
    add = index.only_user(x, "Add")
    if add is not None and index.other_input(add, x) is not None:
        beta, x = index.other_input(add, x).reshape(-1), add.output[0]
        nodes.append(add)
    return gamma, beta, x


def batch_norm_op(index, node, x):
    """The ONNX ``BatchNormalization`` operator at inference."""
    attrs = index.attrs(node)
    if node.input[0] != x or len(node.output) != 1 or attrs.get("training_mode", 0):
        return None
    arrays = [index.const(name) for name in node.input[1:5]]
    if len(arrays) != 4 or any(a is None for a in arrays):
        return None
    gamma, beta, mean, var = (a.reshape(-1) for a in arrays)
    config = {
        "epsilon": float(attrs.get("epsilon", 1e-5)),
        "momentum": float(attrs.get("momentum", 0.9)),
    }
    values = {"gamma": gamma, "beta": beta, "moving_mean": mean, "moving_variance": var}
    return Step("batch_norm", [node], node.output[0], values, config)


def batch_norm_formula(index, sub, x):
    """``Sub(x, m)``, ``Div`` by ``Sqrt(Add(v, eps))`` or by one constant
    ``sqrt(v + eps)``, then ``Mul``/``Add``."""
    mean = index.other_input(sub, x)
    if sub.input[0] != x or mean is None:
        return None
    div = index.only_user(sub.output[0], "Div")
    if div is None or div.input[0] != sub.output[0]:
        return None
    std = index.const(div.input[1])
    if std is not None:  # the export before the Sqrt node: one constant
        found = _variance_from_std(std, mean.size)
        if found is None:
            return None
        (var, epsilon), nodes = found, [sub, div]
    else:
        sqrt = index.producer.get(div.input[1])
        if sqrt is None or sqrt.op_type != "Sqrt":
            return None
        add = index.producer.get(sqrt.input[0])
        if add is None or add.op_type != "Add":
            return None
        var, eps = (index.const(name) for name in add.input)
        if var is None or eps is None or eps.size != 1:
            return None
        epsilon, nodes = scalar(eps), [sub, add, sqrt, div]
    gamma, beta, out = _affine_tail(index, div.output[0], nodes)
    values = {
        "gamma": gamma,
        "beta": beta,
        "moving_mean": mean.reshape(-1),
        "moving_variance": var.reshape(-1),
    }
    return Step("batch_norm", nodes, out, values, {"epsilon": epsilon})


def _variance_from_std(std, n_features):
    r"""``(moving_variance, epsilon)`` from the constant :math:`c = \sqrt{v + \epsilon}`
    that ``to_onnx`` wrote before it kept :math:`v` and :math:`\epsilon` apart,
    or None if ``std`` cannot be one (not positive and finite, or of another size).

    That graph holds no :math:`\epsilon`, so the layer's default is taken, or
    the smallest :math:`c^2` where that is below the default (a layer made with
    a smaller :math:`\epsilon`; that feature's variance is then 0), so that
    :math:`v = c^2 - \epsilon \ge 0`. Predictions depend on :math:`v + \epsilon`
    alone, so they are the file's; training on normalises the batches with this
    :math:`\epsilon`. A graph whose ``Sqrt(Add(v, eps))`` an optimiser folded
    into one constant is read the same way.
    """
    c = np.asarray(std).reshape(-1)
    if c.dtype.kind != "f" or c.size not in (1, n_features):
        return None
    if not (np.isfinite(c) & (c > 0)).all():
        return None
    dtype = c.dtype
    c2 = np.square(c, dtype=np.float64)  # exact for float32 c; one rounding for float64
    epsilon = min(BatchNormalization().epsilon, float(c2.min()))
    # Rounding: eps is taken in the graph's dtype, as the layer adds it there;
    # v = c^2 - eps is rounded once to that dtype (clipped at 0 against the
    # rounding of eps), so sqrt(v + eps) in the layer's forward is c to within a
    # few units in the last place of the dtype (float64: ~1e-16 relative).
    eps = np.float64(dtype.type(epsilon))
    var = np.maximum(c2 - eps, 0.0).astype(dtype)
    return np.broadcast_to(var, (n_features,)).copy(), epsilon


def _row_mean(index, node, x) -> bool:
    """Whether ``node`` is ``ReduceMean(x)`` over axis 1 (or -1), keeping it."""
    if node.op_type != "ReduceMean" or node.input[0] != x:
        return False
    attrs = index.attrs(node)
    axes = attrs.get("axes")
    if len(node.input) > 1:
        axes = index.const(node.input[1])
    return (
        axes is not None
        and list(np.ravel(axes)) in ([1], [-1])
        and attrs.get("keepdims", 1) == 1
    )


def layer_norm_formula(index, x):
    """``to_onnx``'s layer norm: ``X - mean``, its mean square, ``Sqrt``, ``Div``."""
    users = index.users(x)
    mean = next((n for n in users if _row_mean(index, n, x)), None)
    sub = next((n for n in users if n.op_type == "Sub"), None)
    if len(users) != 2 or mean is None or sub is None:
        return None
    if list(sub.input) != [x, mean.output[0]] or len(index.users(mean.output[0])) != 1:
        return None
    c = sub.output[0]
    c_users = index.users(c)
    square = next(
        (
            n
            for n in c_users
            if (n.op_type == "Mul" and list(n.input) == [c, c])
            or (
                n.op_type == "Pow"
                and n.input[0] == c
                and np.array_equal(index.const(n.input[1]), 2)
            )
        ),
        None,
    )
    div = next((n for n in c_users if n.op_type == "Div" and n.input[0] == c), None)
    if len(c_users) != 2 or square is None or div is None:
        return None
    var = index.only_user(square.output[0], "ReduceMean")
    if var is None or not _row_mean(index, var, square.output[0]):
        return None
    add = index.only_user(var.output[0], "Add")
    eps = None if add is None else index.other_input(add, var.output[0])
    if eps is None or eps.size != 1:
        return None
    sqrt = index.only_user(add.output[0], "Sqrt")
    if sqrt is None or div.input[1] != sqrt.output[0]:
        return None
    nodes = [mean, sub, square, var, add, sqrt, div]
    gamma, beta, out = _affine_tail(index, div.output[0], nodes)
    return Step(
        "layer_norm",
        nodes,
        out,
        {"gamma": gamma, "beta": beta},
        {"epsilon": scalar(eps)},
    )


def layer_norm_op(index, node, x):
    """The ONNX ``LayerNormalization`` operator (opset 17) over the last axis."""
    attrs = index.attrs(node)
    if (
        node.input[0] != x
        or len(node.output) != 1
        or attrs.get("axis", -1) not in (1, -1)
    ):
        return None
    gamma = index.const(node.input[1])
    beta = index.const(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    if gamma is None or (len(node.input) > 2 and node.input[2] and beta is None):
        return None
    values = {
        "gamma": gamma.reshape(-1),
        "beta": None if beta is None else beta.reshape(-1),
    }
    config = {"epsilon": float(attrs.get("epsilon", 1e-5))}
    return Step("layer_norm", [node], node.output[0], values, config)
