"""The walk from layer to layer: which layer reads a value, and the Model they make.

:func:`next_step` recognises the layer that reads a value (a dense layer, an
activation, a normalisation, or an identity), and :func:`build_model` turns
the recognised steps into a built core :class:`~sknetscratch.Model` holding
the graph's weights.
"""

from __future__ import annotations

import numpy as np

from ....nn.layers import (
    Activation,
    BatchNormalization,
    DenseBlock,
    LayerNormalization,
)
from ....training.model import Model
from ._activations import match_single_op, match_template
from ._graph import Step
from ._normalization import (
    batch_norm_formula,
    batch_norm_op,
    layer_norm_formula,
    layer_norm_op,
)


def _dense(index, node, x):
    """``MatMul`` (+ ``Add``) or ``Gemm`` reading ``x``."""
    if node.op_type == "MatMul":
        if node.input[0] != x or index.const(node.input[1]) is None:
            return None
        W = index.const(node.input[1])
        if W.ndim != 2:
            return None
        nodes, out, b = [node], node.output[0], None
        add = index.only_user(out, "Add")
        if add is not None:
            bias = index.other_input(add, out)
            if bias is not None and bias.size == W.shape[1]:
                nodes, out, b = [node, add], add.output[0], bias.reshape(-1)
        return Step("dense", nodes, out, {"W": W, "b": b}, {"z": out})
    if node.op_type == "Gemm":
        attrs = index.attrs(node)
        if node.input[0] != x or attrs.get("transA", 0):
            return None
        B = index.const(node.input[1])
        if B is None or B.ndim != 2:
            return None
        W = B.T if attrs.get("transB", 0) else B
        alpha, beta = attrs.get("alpha", 1.0), attrs.get("beta", 1.0)
        if alpha != 1.0:
            W = W * W.dtype.type(alpha)
        b = None
        if len(node.input) > 2 and node.input[2]:
            C = index.const(node.input[2])
            if C is None or C.size not in (1, W.shape[1]):
                return None
            b = np.broadcast_to(C.reshape(-1), (W.shape[1],)).copy()
            if beta != 1.0:
                b = b * b.dtype.type(beta)
        out = node.output[0]
        return Step("dense", [node], out, {"W": W, "b": b}, {"z": out})
    return None


def next_step(index, x, dtype, templates):
    """The layer that reads ``x`` (a :class:`Step`), or None."""
    for template in templates:
        hit = match_template(index, x, template, dtype)
        if hit is not None:
            activation, out, nodes = hit
            return Step("activation", nodes, out, config={"activation": activation})
    step = layer_norm_formula(index, x)
    if step is not None:
        return step
    node = index.only_user(x)
    if node is None or node.domain not in ("", "ai.onnx"):
        return None
    op = node.op_type
    if op == "Identity" or (op == "Dropout" and len(node.input) < 3):
        # inference: no training_mode input; the mask output must not be read
        if op == "Dropout" and len(node.output) > 1 and index.users(node.output[1]):
            return None
        return Step("identity", [node], node.output[0])
    activation = match_single_op(index, node)
    if activation is not None:
        return Step(
            "activation", [node], node.output[0], config={"activation": activation}
        )
    if op in ("MatMul", "Gemm"):
        return _dense(index, node, x)
    if op == "BatchNormalization":
        return batch_norm_op(index, node, x)
    if op == "Sub":
        return batch_norm_formula(index, node, x)
    if op == "LayerNormalization":
        return layer_norm_op(index, node, x)
    return None


# -- the model -------------------------------------------------------------------


def build_model(steps, n_features, dtype, name) -> Model:
    """A built core Model with the weights of ``steps``."""
    layers, weights = [], []
    dense_open = False  # the last layer is a dense one without its activation yet
    for step in steps:
        if step.kind == "identity":
            continue
        if step.kind == "activation" and dense_open:
            layers[-1].activation = step.config["activation"]  # f(XW + b)
        elif step.kind == "activation":
            layers.append(Activation(step.config["activation"]))
        elif step.kind == "dense":
            W, b = step.values["W"], step.values["b"]
            layers.append(DenseBlock(W.shape[1], use_bias=b is not None))
            weights.append((layers[-1], {"W": W, "b": b}, {}))
        else:  # batch_norm, layer_norm
            values = step.values
            cls = (
                BatchNormalization if step.kind == "batch_norm" else LayerNormalization
            )
            center, scale = values["beta"] is not None, values["gamma"] is not None
            layers.append(cls(center=center, scale=scale, **step.config))
            params = {"gamma": values["gamma"], "beta": values["beta"]}
            state = {k: v for k, v in values.items() if k.startswith("moving")}
            weights.append((layers[-1], params, state))
        dense_open = step.kind == "dense"
    model = Model(layers, input_dim=n_features, name=name or "sequential")
    model.build(n_features, dtype=dtype)
    for layer, params, state in weights:
        for key, value in params.items():
            if value is not None:
                _assign(layer.params[key], value, layer, key)
        for key, value in state.items():
            _assign(layer.state[key], value, layer, key)
        if state:
            layer.validate_state(layer.state)
    return model


def _assign(target, value, layer, key):
    value = np.asarray(value)
    if value.size != target.size:
        raise ValueError(
            f"The ONNX graph's {key} of layer {layer.name!r} has {value.size} values; "
            f"the layer's input needs {target.size}."
        )
    target[...] = value.reshape(target.shape)
