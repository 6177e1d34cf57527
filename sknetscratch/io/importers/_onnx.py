r"""``from_onnx``: an ONNX graph of dense layers back into a ``Model`` or an estimator.

The graph is read as a chain of layers from its one input, each recognised by
the nodes that write it:

=====================  ===================================================
layer                  ONNX nodes
=====================  ===================================================
``DenseBlock``         ``MatMul`` (then ``Add`` of the bias), or ``Gemm``
activation             the nodes that sknetscratch's own converter writes for
                       it (:data:`sknetscratch.io.onnx.ACTIVATION_CONVERTERS`:
                       ``Relu``; ``Where(z > 0, z, s z)`` for leaky_relu; the
                       tanh form of gelu, ...), or the one ONNX operator of
                       that name (``Relu``, ``LeakyRelu``, ``Elu``,
                       ``Softplus``, ``Gelu`` with ``approximate='tanh'``, ...)
``BatchNormalization`` ``BatchNormalization``, or ``Sub``, ``Div`` by
                       ``Sqrt(Add(v, eps))``, ``Mul``, ``Add`` (what
                       ``to_onnx`` writes)
``LayerNormalization`` ``LayerNormalization``, or the ``ReduceMean`` formula
                       that ``to_onnx`` writes
(nothing)              ``Identity``, ``Dropout`` (inference), a first ``Cast``
=====================  ===================================================

An activation that directly follows a dense layer becomes that layer's
activation. Activations are matched against the nodes their own converter
writes (built by calling it), so an activation registered with
:func:`sknetscratch.io.onnx.register_activation_converter` is read back too.

What follows the last dense layer is the *head*. A graph with one output that is
the network's output is a core :class:`~sknetscratch.Model`. A graph with a label
and a probability output (what skl2onnx writes for a scikit-learn
``MLPClassifier``, and what :func:`sknetscratch.to_onnx` writes for a
``ScratchMLPClassifier``: ``ArgMax``, ``ArrayFeatureExtractor``, ``Gather``,
``ZipMap``, ``Binarizer``, ``Cast``, ...) is a classifier: the head is run by
``onnx.reference`` on probe logits, the class labels are read from its label
output, and its outputs must be those of a binary (one sigmoid unit), multiclass
(softmax) or multilabel (sigmoid per label) classifier.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...estimators import adopt_model
from ...nn.activations import ACTIVATIONS, get_activation
from ...nn.functions import sigmoid, softmax
from ...nn.layers import (
    Activation,
    BatchNormalization,
    DenseBlock,
    LayerNormalization,
)
from ...training.model import Model
from ..onnx import ACTIVATION_CONVERTERS, DEFAULT_TARGET_OPSET, Graph

__all__ = ["from_onnx"]

_INSTALL = 'pip install "sknetscratch[onnx]"'

#: Nodes the head after the last dense layer may hold (the label and
#: probability outputs of skl2onnx's classifiers and of ``to_onnx``).
HEAD_OPS = frozenset(
    {
        "ArgMax",
        "ArrayFeatureExtractor",
        "Binarizer",
        "Cast",
        "Concat",
        "Flatten",
        "Gather",
        "Greater",
        "Identity",
        "LabelEncoder",
        "Neg",
        "Reshape",
        "Sigmoid",
        "Softmax",
        "Squeeze",
        "Sub",
        "Unsqueeze",
        "ZipMap",
    }
)

_COMMUTATIVE = frozenset({"Add", "Mul", "Max", "Min"})
_FLOAT_TYPES = {1: np.float32, 11: np.float64}  # TensorProto.FLOAT, DOUBLE


def import_onnx():
    """Import ``onnx``, or raise an ImportError saying what to install."""
    try:
        return importlib.import_module("onnx")
    except ImportError as exc:
        raise ImportError(
            "from_onnx needs the optional package 'onnx', which is not installed. "
            f"Install the extra with: {_INSTALL}"
        ) from exc


def _describe(node) -> str:
    return f"{node.op_type} node {node.name!r}"


class _Index:
    """The graph's constants, producers and consumers, by value name."""

    def __init__(self, onnx, graph):
        self.onnx = onnx
        self.graph = graph
        self.consts: dict[str, np.ndarray] = {
            t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer
        }
        self.nodes = []
        for node in graph.node:
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
                self.consts[node.output[0]] = self._constant_value(node)
            else:
                self.nodes.append(node)
        self.producer = {out: n for n in self.nodes for out in n.output}
        self.consumers: dict[str, list] = {}
        for node in self.nodes:
            for name in dict.fromkeys(
                node.input
            ):  # a node consuming x twice counts once
                self.consumers.setdefault(name, []).append(node)
        self.outputs = [o.name for o in graph.output]

    def _constant_value(self, node):
        attr = node.attribute[0]
        value = self.onnx.helper.get_attribute_value(attr)
        if attr.name == "value":
            return self.onnx.numpy_helper.to_array(value)
        return np.asarray(value)

    def const(self, name: str):
        return self.consts.get(name)

    def users(self, name: str) -> list:
        return self.consumers.get(name, [])

    def only_user(self, name: str, op_type: str | None = None):
        """The one node consuming ``name`` (of type ``op_type``), or None."""
        users = self.users(name)
        if len(users) != 1 or name in self.outputs:
            return None
        if op_type is not None and users[0].op_type != op_type:
            return None
        return users[0]

    def attrs(self, node) -> dict:
        get = self.onnx.helper.get_attribute_value
        return {a.name: get(a) for a in node.attribute}

    def other_input(self, node, name: str):
        """The constant that a two-input node combines with ``name``, or None."""
        if len(node.input) != 2 or list(node.input).count(name) != 1:
            return None
        other = node.input[1] if node.input[0] == name else node.input[0]
        if node.input[1] != name or node.op_type in _COMMUTATIVE:
            return self.const(other)
        return None  # Sub(c, x), Div(c, x): not the layer's formula


# -- activations: the nodes each converter writes, matched node by node ---------


class _Recorder(Graph):
    """A :class:`~sknetscratch.io.onnx.Graph` that records what a converter writes."""

    def __init__(self, dtype):
        super().__init__(dtype, DEFAULT_TARGET_OPSET)
        self.nodes: list[tuple] = []
        self.consts: dict[str, np.ndarray] = {}

    def const(self, value, hint="const"):
        name = f"#const{len(self.consts)}"
        # as the graphs of sknetscratch.io.onnx store it (scalars become 1-d)
        self.consts[name] = np.ascontiguousarray(value)
        return name

    def op(self, op_type, *inputs, output=None, **attrs):
        name = output or f"#value{len(self.nodes)}"
        self.nodes.append((op_type, inputs, name, attrs))
        return name


@dataclass
class _Template:
    """An activation's nodes as its converter writes them, input ``z``."""

    cls: type
    config: dict
    nodes: list
    consts: dict
    output: str
    #: constant name -> the float parameter it holds
    slots: dict = field(default_factory=dict)


def _record(activation, dtype) -> tuple:
    g = _Recorder(dtype)
    out = ACTIVATION_CONVERTERS[activation.name](g, "z", activation)
    return g.nodes, g.consts, out


def _templates(dtype) -> list[_Template]:
    """One template per registered activation class with a converter, most
    nodes first (so silu, ``z * Sigmoid(z)``, is tried before sigmoid)."""
    found, seen = [], set()
    for cls in dict.fromkeys(ACTIVATIONS.values()):
        try:
            default = cls()
        except TypeError:  # needs arguments: cannot be probed
            continue
        if default.name not in ACTIVATION_CONVERTERS or cls in seen:
            continue
        seen.add(cls)
        config = default.get_config()
        nodes, consts, out = _record(default, dtype)
        if not nodes:  # linear: no nodes to match
            continue
        template = _Template(cls, config, nodes, consts, out)
        for key, value in config.items():  # which constant holds which parameter
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            probe = 0.3217 if value != 0.3217 else 0.4711
            _, probed, _ = _record(cls(**{**config, key: probe}), dtype)
            for name, arr in probed.items():
                if arr.size == 1 and arr.ravel()[0] == arr.dtype.type(probe):
                    if consts[name].ravel()[0] != arr.ravel()[0]:
                        template.slots[name] = key
        found.append(template)
    found.sort(key=lambda t: -len(t.nodes))
    return found


def _scalar(value) -> float:
    """A one-element array as a Python float: a float32 value as the shortest
    decimal that rounds to it (0.01, not 0.009999999776), the same float32."""
    value = np.ravel(value)[0]
    return float(str(value)) if value.dtype == np.float32 else float(value)


def _same_shape(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shapes, or both one value (a scalar stored 0-d or 1-d)."""
    return a.shape == b.shape or (a.size == 1 and b.size == 1)


def _same_attrs(index, node, attrs: dict) -> bool:
    have = index.attrs(node)
    if set(have) != set(attrs):
        return False
    for key, value in attrs.items():
        got = have[key]
        if isinstance(value, str):
            value = value.encode()
        if isinstance(got, list):
            got = list(got)
            value = list(np.atleast_1d(value))
        if got != value:
            return False
    return True


def _match_template(index, start: str, template: _Template, dtype):
    """``(activation, output value, matched nodes)`` if the nodes from ``start``
    are the template's, else None."""
    mapping = {"z": start}
    found: dict[str, np.ndarray] = {}
    matched = []
    for op_type, inputs, out, attrs in template.nodes:
        anchor = next(i for i in inputs if i not in template.consts)
        hit = None
        for node in index.users(mapping[anchor]):
            if (
                node in matched
                or node.op_type != op_type
                or node.domain not in ("", "ai.onnx")
            ):
                continue
            if len(node.input) != len(inputs) or not _same_attrs(index, node, attrs):
                continue
            orders = [list(node.input)]
            if op_type in _COMMUTATIVE and len(inputs) == 2:
                orders.append(list(node.input)[::-1])
            for order in orders:
                consts = {}
                for t_in, c_in in zip(inputs, order):
                    if t_in in template.consts:
                        value = index.const(c_in)
                        if value is None or not _same_shape(
                            value, template.consts[t_in]
                        ):
                            break
                        consts[t_in] = value
                    elif mapping.get(t_in) != c_in:
                        break
                else:
                    hit = node
                    found.update(consts)
                    break
            if hit is not None:
                break
        if hit is None:
            return None
        matched.append(hit)
        mapping[out] = hit.output[0]
    # the nodes are the activation's alone: nothing else reads z or an inner value
    inner = [v for k, v in mapping.items() if k != template.output]
    for value in inner:
        if value in index.outputs and value != start:
            return None
        if any(node not in matched for node in index.users(value)):
            return None
    params = {key: _scalar(found[name]) for name, key in template.slots.items()}
    activation = template.cls(**{**template.config, **params})
    _, expected, _ = _record(activation, dtype)
    for name, value in expected.items():  # every constant, parameters included
        if not np.array_equal(
            np.asarray(found[name], dtype).ravel(), np.asarray(value, dtype).ravel()
        ):
            return None
    return activation, mapping[template.output], matched


#: One ONNX operator -> (activation name, {attribute: parameter}), with the
#: attribute values the activation needs.
_SINGLE_OPS = {
    "Relu": ("relu", {}),
    "Sigmoid": ("sigmoid", {}),
    "Tanh": ("tanh", {}),
    "Softplus": ("softplus", {}),
    "Exp": ("exp", {}),
    "LeakyRelu": ("leaky_relu", {"alpha": ("negative_slope", 0.01)}),
    "Elu": ("elu", {"alpha": ("alpha", 1.0)}),
}


def _match_single_op(index, node):
    """The activation that one standard ONNX operator computes, or None."""
    attrs = index.attrs(node)
    if node.domain not in ("", "ai.onnx") or len(node.input) != 1:
        return None
    if node.op_type == "Softmax":
        return get_activation("softmax") if attrs.get("axis", -1) in (1, -1) else None
    if node.op_type == "Gelu":  # opset 20; the tanh form is sknetscratch's gelu
        return get_activation("gelu") if attrs.get("approximate") == b"tanh" else None
    if node.op_type not in _SINGLE_OPS:
        return None
    name, params = _SINGLE_OPS[node.op_type]
    if set(attrs) - set(params):
        return None
    cls = ACTIVATIONS[name]
    return cls(**{key: float(attrs.get(a, d)) for a, (key, d) in params.items()})


# -- layers ---------------------------------------------------------------------


@dataclass
class _Step:
    """One recognised layer: ``kind`` in dense, activation, batch_norm, layer_norm."""

    kind: str
    nodes: list
    output: str
    values: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)


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
        return _Step("dense", nodes, out, {"W": W, "b": b}, {"z": out})
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
        return _Step("dense", [node], out, {"W": W, "b": b}, {"z": out})
    return None


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


def _batch_norm_op(index, node, x):
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
    return _Step("batch_norm", [node], node.output[0], values, config)


def _batch_norm_formula(index, sub, x):
    """``Sub(x, m)``, ``Div`` by ``Sqrt(Add(v, eps))``, then ``Mul``/``Add``."""
    mean = index.other_input(sub, x)
    if sub.input[0] != x or mean is None:
        return None
    div = index.only_user(sub.output[0], "Div")
    if div is None or div.input[0] != sub.output[0]:
        return None
    sqrt = index.producer.get(div.input[1])
    if sqrt is None or sqrt.op_type != "Sqrt":
        return None
    add = index.producer.get(sqrt.input[0])
    if add is None or add.op_type != "Add":
        return None
    var, eps = (index.const(name) for name in add.input)
    if var is None or eps is None or eps.size != 1:
        return None
    nodes = [sub, add, sqrt, div]
    gamma, beta, out = _affine_tail(index, div.output[0], nodes)
    values = {
        "gamma": gamma,
        "beta": beta,
        "moving_mean": mean.reshape(-1),
        "moving_variance": var.reshape(-1),
    }
    return _Step("batch_norm", nodes, out, values, {"epsilon": _scalar(eps)})


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


def _layer_norm_formula(index, x):
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
    return _Step(
        "layer_norm",
        nodes,
        out,
        {"gamma": gamma, "beta": beta},
        {"epsilon": _scalar(eps)},
    )


def _layer_norm_op(index, node, x):
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
    return _Step("layer_norm", [node], node.output[0], values, config)


def _next_step(index, x, dtype, templates):
    """The layer that reads ``x`` (a :class:`_Step`), or None."""
    for template in templates:
        hit = _match_template(index, x, template, dtype)
        if hit is not None:
            activation, out, nodes = hit
            return _Step("activation", nodes, out, config={"activation": activation})
    step = _layer_norm_formula(index, x)
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
        return _Step("identity", [node], node.output[0])
    activation = _match_single_op(index, node)
    if activation is not None:
        return _Step(
            "activation", [node], node.output[0], config={"activation": activation}
        )
    if op in ("MatMul", "Gemm"):
        return _dense(index, node, x)
    if op == "BatchNormalization":
        return _batch_norm_op(index, node, x)
    if op == "Sub":
        return _batch_norm_formula(index, node, x)
    if op == "LayerNormalization":
        return _layer_norm_op(index, node, x)
    return None


# -- the model -------------------------------------------------------------------


def _build_model(steps, n_features, dtype, name) -> Model:
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


# -- the head --------------------------------------------------------------------


def _head_function(onnx, index, nodes, z, z_dtype, n_units):
    """``run(Z) -> {output name: value}``: the head's nodes run by onnx.reference."""
    graph = index.graph
    names = {i for n in nodes for i in n.input} | set(index.outputs)
    initializers = [t for t in graph.initializer if t.name in names]
    constants = [
        n
        for n in graph.node
        if n.op_type == "Constant" and n.output[0] in names and n not in nodes
    ]
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(z_dtype))
    # a ZipMap (which onnx.reference does not run) is its input, the matrix of
    # probabilities, shown as one dict per row: read that matrix
    nodes = [
        onnx.helper.make_node("Identity", [n.input[0]], [n.output[0]], name=n.name)
        if n.op_type == "ZipMap"
        else n
        for n in nodes
    ]
    sub = onnx.helper.make_graph(
        constants + nodes,
        "head",
        [onnx.helper.make_tensor_value_info(z, elem, [None, n_units])],
        list(graph.output),
        initializer=initializers,
    )
    model = onnx.helper.make_model(sub, opset_imports=list(index.opset_imports))
    reference = importlib.import_module("onnx.reference")
    evaluator = reference.ReferenceEvaluator(model)

    def run(Z):
        values = evaluator.run(None, {z: np.asarray(Z, z_dtype)})
        return dict(zip(index.outputs, values))

    return run


def _as_matrix(value) -> np.ndarray:
    """Probabilities as an array: a ZipMap's list of dicts becomes its values."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return np.array([list(row.values()) for row in value], dtype=np.float64)
    return np.asarray(value, dtype=np.float64)


def _label_values(value) -> np.ndarray:
    value = np.asarray(value)
    if value.dtype.kind in "OSU":
        return np.array(
            [v.decode() if isinstance(v, bytes) else str(v) for v in value.ravel()]
        ).reshape(value.shape)
    return value


def _read_classifier(run, n_units, dtype, first_head_node):
    """``(out_activation, classes, multilabel)`` of the head, or a ValueError."""
    Z = _probe_logits(n_units)
    out = run(Z)
    label_name, proba_name = _split_outputs(out, first_head_node)
    P, L = _as_matrix(out[proba_name]), _label_values(out[label_name])
    tol = 64 * np.finfo(dtype).eps

    def close(expected):
        return P.shape == expected.shape and np.allclose(
            P, expected, rtol=tol, atol=tol
        )

    big = 30.0
    if n_units == 1 and close(np.hstack([sigmoid(-Z), sigmoid(Z)])):
        low, high = (
            _label_values(run(np.full((1, 1), v))[label_name]) for v in (-big, big)
        )
        classes = np.concatenate([low.ravel(), high.ravel()])
        expected = classes[(Z[:, 0] > 0).astype(int)]
        task = ("sigmoid", classes, False)
    elif n_units > 1 and close(softmax(Z)):
        classes = np.concatenate(
            [
                _label_values(run(big * np.eye(n_units)[[k]])[label_name]).ravel()
                for k in range(n_units)
            ]
        )
        expected = classes[Z.argmax(axis=1)]
        task = ("softmax", classes, False)
    elif n_units > 1 and close(sigmoid(Z)):
        expected = (Z > 0).astype(np.int64)
        task = ("sigmoid", np.arange(n_units), True)
    else:
        raise ValueError(
            f"Cannot read the ONNX graph's head from {_describe(first_head_node)}: "
            f"its probabilities ({proba_name!r}) are not those of a binary (one "
            "sigmoid unit), multiclass (softmax) or multilabel (sigmoid per label) "
            "classifier of the last dense layer."
        )
    if L.shape != expected.shape or not np.array_equal(L, expected.astype(L.dtype)):
        raise ValueError(
            f"Cannot read the ONNX graph's head from {_describe(first_head_node)}: "
            f"its labels ({label_name!r}) are not the classes of the largest "
            "probabilities."
        )
    return task


def _probe_logits(n_units) -> np.ndarray:
    rng = np.random.default_rng(0)  # fixed probes: the result depends on the graph only
    Z = rng.normal(scale=4.0, size=(64, n_units))
    Z[np.abs(Z) < 1e-3] = 1.0  # away from the decision boundary
    return Z


def _check_passed_on(run, activation, n_units, dtype, first_head_node):
    """Refuse a one-output head unless it passes the network's output on."""
    Z = _probe_logits(n_units)
    (out,) = run(Z).values()
    expected = activation.forward(Z.astype(dtype))
    tol = 64 * np.finfo(dtype).eps
    out = np.asarray(out)
    if out.shape != expected.shape or not np.allclose(
        out, expected, rtol=tol, atol=tol
    ):
        raise ValueError(
            f"Cannot read the ONNX {_describe(first_head_node)}: the graph's one "
            "output must be the last layer's output, as it is (reshaped at most)."
        )


def _split_outputs(out, first_head_node):
    """(label output name, probability output name) of a classifier head."""
    labels = [k for k, v in out.items() if _is_labels(v)]
    probas = [k for k in out if k not in labels]
    if len(out) != 2 or len(labels) != 1:
        raise ValueError(
            f"Cannot read the ONNX graph's head from {_describe(first_head_node)}: "
            "a classifier has two outputs, the labels and the probabilities; "
            f"this graph has {sorted(out)}."
        )
    return labels[0], probas[0]


def _is_labels(value) -> bool:
    if isinstance(value, list):
        return False  # ZipMap: a list of dicts
    return np.asarray(value).dtype.kind in "iuOSU"


# -- the entry point ---------------------------------------------------------------


def _load(onnx, model_or_path):
    if isinstance(model_or_path, onnx.ModelProto):
        return model_or_path
    if isinstance(model_or_path, (str, os.PathLike)):
        path = Path(model_or_path)
        if not path.is_file():
            raise ValueError(
                "model_or_path must be an onnx.ModelProto or the path of an ONNX "
                f"file; {str(path)!r} is not a regular file."
            )
        try:
            return onnx.load(path)
        except Exception as exc:  # protobuf's DecodeError and others
            raise ValueError(
                f"model_or_path: {str(path)!r} could not be read as an ONNX model "
                f"({type(exc).__name__}: {exc})."
            ) from exc
    raise TypeError(
        "model_or_path must be an onnx.ModelProto or the path of an ONNX file (str "
        f"or os.PathLike); got {type(model_or_path).__name__}."
    )


def _graph_input(onnx, graph):
    """The one input that is not an initializer, with its element type and width."""
    inits = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in inits]
    if len(inputs) != 1:
        raise ValueError(
            "from_onnx reads graphs with one input (the feature matrix); this one "
            f"has {len(inputs)}: {[i.name for i in inputs]}."
        )
    tensor = inputs[0].type.tensor_type
    dims = tensor.shape.dim
    if tensor.HasField("shape") and len(dims) != 2:
        raise ValueError(
            f"The ONNX input {inputs[0].name!r} must be 2-D (n_samples, n_features); "
            f"it has {len(dims)} dimensions."
        )
    width = (
        dims[1].dim_value if len(dims) == 2 and dims[1].HasField("dim_value") else None
    )
    return inputs[0].name, tensor.elem_type, width


def _check_domains(index):
    for node in index.nodes:
        if node.domain not in ("", "ai.onnx", "ai.onnx.ml"):
            raise ValueError(
                f"Cannot read the ONNX {_describe(node)} of domain {node.domain!r}: "
                "from_onnx reads the standard ONNX operators only."
            )


def from_onnx(model_or_path):
    """Read an ONNX graph of dense layers into a core ``Model`` or a classifier.

    The graph must be a chain from its one input: dense layers (``Gemm``, or
    ``MatMul`` then ``Add``), the activations of
    :data:`sknetscratch.ACTIVATIONS` (as :func:`sknetscratch.to_onnx` writes
    them, or as the one ONNX operator of that name), ``BatchNormalization``,
    ``LayerNormalization``, ``Dropout`` and ``Identity``, ending with a dense
    layer (and its activation). It may end in the label and probability
    outputs that skl2onnx writes for scikit-learn's ``MLPClassifier`` and
    that :func:`sknetscratch.to_onnx` writes for ``ScratchMLPClassifier``.
    That covers what ``to_onnx`` writes, skl2onnx's ``MLPClassifier`` and
    ``MLPRegressor``, and ``torch.onnx.export`` of a stack of ``Linear``
    layers and activations. Weights are copied exactly, in the graph's float
    type.

    Parameters
    ----------
    model_or_path : onnx.ModelProto, str or os.PathLike
        The model, or the path of a ``.onnx`` file.

    Returns
    -------
    model : Model, ScratchMLPClassifier
        A fitted :class:`~sknetscratch.ScratchMLPClassifier` when the graph
        has a label output (the classes are its labels; binary, multiclass or
        multilabel), else a built core :class:`~sknetscratch.Model`, not
        compiled: ``model.compile(...)`` before ``fit``, or wrap it with
        :func:`sknetscratch.estimators.adopt_model` (a regressor, say).

    Raises
    ------
    ImportError
        Without the ``onnx`` package (``pip install "sknetscratch[onnx]"``).
    TypeError
        If ``model_or_path`` is neither a ModelProto nor a path.
    ValueError
        If the path is not a regular file or not an ONNX model, or the graph
        holds a node outside the vocabulary above: the message names it (its
        operator type and name).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import DenseBlock, Model, from_onnx, to_onnx
    >>> model = Model([DenseBlock(4, "tanh"), DenseBlock(1)]).build(3, random_state=0)
    >>> copy = from_onnx(to_onnx(model))
    >>> copy.layers
    [DenseBlock(units=4, activation='tanh', ...), DenseBlock(units=1, ...)]
    >>> X = np.random.default_rng(0).normal(size=(5, 3))
    >>> bool(np.array_equal(copy.predict(X), model.predict(X)))
    True
    """
    onnx = import_onnx()
    proto = _load(onnx, model_or_path)
    graph = proto.graph
    index = _Index(onnx, graph)
    index.opset_imports = list(proto.opset_import)
    _check_domains(index)
    x, elem_type, width = _graph_input(onnx, graph)

    dtype = _FLOAT_TYPES.get(elem_type)
    first = index.only_user(x, "Cast")
    used = []
    if first is not None and index.attrs(first).get("to") in _FLOAT_TYPES:
        dtype = _FLOAT_TYPES[index.attrs(first)["to"]]
        used.append(first)
        x = first.output[0]
    if dtype is None:
        raise ValueError(
            "The ONNX graph's input must be float or double (or cast to one first); "
            f"it has element type {elem_type}."
        )
    dtype = np.dtype(dtype)
    templates = _templates(dtype)

    walked = []  # the recognised layers, identities included
    while True:
        step = _next_step(index, x, dtype, templates)
        if step is None:
            break
        used.extend(step.nodes)
        walked.append(step)
        x = step.output

    dense = [i for i, s in enumerate(walked) if s.kind == "dense"]
    rest = [n for n in index.nodes if n not in used]
    if not dense:
        raise _refuse(rest, "the graph has no dense layer (Gemm or MatMul)")
    last = dense[-1]
    after = [s for s in walked[last + 1 :] if s.kind != "identity"]
    for step in after[1:] if after and after[0].kind == "activation" else after:
        raise _refuse(
            step.nodes, "the network must end with a dense layer (and its activation)"
        )
    steps = [s for s in walked if s.kind != "identity"]
    n_units = walked[last].values["W"].shape[1]
    n_features = width or _input_width(steps)
    if not rest and index.outputs == [x]:  # the network's output alone
        return _build_model(steps, n_features, dtype, graph.name)

    # a classifier's head: everything after the last dense layer's logits z
    tail = [n for s in walked[last + 1 :] for n in s.nodes]
    head = [n for n in index.nodes if n in tail or n not in used]
    # the first node the walk could not read, before the tail's activation
    unknown = [n for n in rest + tail if n.op_type not in HEAD_OPS]
    if unknown:
        raise _refuse(unknown, None)
    z = walked[last].config["z"]
    known = {z, *index.consts, ""}
    for node in head:  # the head reads the logits and constants only
        if any(i not in known for i in node.input):
            raise _refuse([node], "it reads a value other than the last layer's output")
        known.update(node.output)
    run = _head_function(onnx, index, head, z, dtype, n_units)
    if len(index.outputs) == 1:  # values passed on (a last Reshape, say)
        model = _build_model(steps, n_features, dtype, graph.name)
        _check_passed_on(run, model.layers[-1].activation, n_units, dtype, head[0])
        return model
    activation, classes, multilabel = _read_classifier(run, n_units, dtype, head[0])
    model = _build_model(walked[: last + 1], n_features, dtype, graph.name)
    model.layers[-1].activation = get_activation(activation)
    return adopt_model(model, classes=classes, multilabel=multilabel)


def _input_width(steps) -> int:
    for step in steps:
        for key in ("W", "moving_mean", "gamma", "beta"):
            value = step.values.get(key)
            if value is not None:
                return int(value.shape[0])
    raise ValueError("The ONNX graph's input width is unknown: give its input a shape.")


def _refuse(nodes, reason) -> ValueError:
    if not nodes:
        return ValueError(f"Cannot read the ONNX graph: {reason}.")
    node = nodes[0]
    why = reason or (
        "from_onnx reads dense layers (Gemm, MatMul + Add), the activations of "
        "sknetscratch.ACTIVATIONS, BatchNormalization, LayerNormalization, Dropout "
        "and the label/probability outputs of a classifier"
    )
    return ValueError(f"Cannot read the ONNX {_describe(node)}: {why}.")
