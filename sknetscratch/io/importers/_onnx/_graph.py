"""The ONNX graph as ``from_onnx`` reads it: loaded, checked, and indexed.

:class:`GraphIndex` finds each value's constant, producer and consumers by
name; :class:`Step` is one layer recognised in it. The checks here refuse a
graph that is not a chain of float values from one input before any layer is
matched, naming the node or value at fault.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_INSTALL = 'pip install "sknetscratch[onnx]"'
COMMUTATIVE = frozenset({"Add", "Mul", "Max", "Min"})
FLOAT_TYPES = {1: np.float32, 11: np.float64}  # TensorProto.FLOAT, DOUBLE


def import_onnx():
    """Import ``onnx``, or raise an ImportError saying what to install."""
    try:
        return importlib.import_module("onnx")
    except ImportError as exc:
        raise ImportError(
            "from_onnx needs the optional package 'onnx', which is not installed. "
            f"Install the extra with: {_INSTALL}"
        ) from exc


def describe(node) -> str:
    """``"<op type> node '<name>'"``, as error messages name a node."""
    return f"{node.op_type} node {node.name!r}"


class GraphIndex:
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
            # a node consuming x twice counts once
            for name in dict.fromkeys(node.input):
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
        if node.input[1] != name or node.op_type in COMMUTATIVE:
            return self.const(other)
        return None  # Sub(c, x), Div(c, x): not the layer's formula


@dataclass
class Step:
    """One recognised layer: ``kind`` in dense, activation, batch_norm, layer_norm."""

    kind: str
    nodes: list
    output: str
    values: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)


def scalar(value) -> float:
    """A one-element array as a Python float: a float32 value as the shortest
    decimal that rounds to it (0.01, not 0.009999999776), the same float32."""
    value = np.ravel(value)[0]
    return float(str(value)) if value.dtype == np.float32 else float(value)


def load_model(onnx, model_or_path):
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


def graph_input(onnx, graph):
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


def check_domains(index):
    for node in index.nodes:
        if node.domain not in ("", "ai.onnx", "ai.onnx.ml"):
            raise ValueError(
                f"Cannot read the ONNX {describe(node)} of domain {node.domain!r}: "
                "from_onnx reads the standard ONNX operators only."
            )


def refuse(nodes, reason) -> ValueError:
    if not nodes:
        return ValueError(f"Cannot read the ONNX graph: {reason}.")
    node = nodes[0]
    why = reason or (
        "from_onnx reads dense layers (Gemm, MatMul + Add), the activations of "
        "sknetscratch.ACTIVATIONS, BatchNormalization, LayerNormalization, Dropout "
        "and the label/probability outputs of a classifier"
    )
    return ValueError(f"Cannot read the ONNX {describe(node)}: {why}.")
