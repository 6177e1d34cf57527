"""Activations in an ONNX graph: the nodes each converter writes, matched node by node.

An activation is recognised by the nodes its own converter in
:data:`sknetscratch.io.onnx.ACTIVATION_CONVERTERS` writes (recorded by calling
the converter on a :class:`_Recorder`), so an activation registered with
:func:`sknetscratch.io.onnx.register_activation_converter` is read back too,
or by the one standard ONNX operator of that name (``Relu``, ``LeakyRelu``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ....nn.activations import ACTIVATIONS, get_activation
from ...onnx import ACTIVATION_CONVERTERS, DEFAULT_TARGET_OPSET, Graph
from ._graph import COMMUTATIVE, scalar

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


def activation_templates(dtype) -> list[_Template]:
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


def match_template(index, start: str, template: _Template, dtype):
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
            if op_type in COMMUTATIVE and len(inputs) == 2:
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
    params = {key: scalar(found[name]) for name, key in template.slots.items()}
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


def match_single_op(index, node):
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
