"""Where converters write: a small graph builder with two back ends.

A converter sees only :class:`Graph`: ``g.const(array)`` adds an initializer,
``g.op("MatMul", a, b)`` adds a node, and both return the name of the new
value. :class:`ProtoGraph` collects plain ONNX protos (a core ``Model``);
:class:`ContainerGraph` writes into skl2onnx's scope and container (an
estimator inside a skl2onnx conversion, e.g. a whole ``Pipeline``). The same
converter code therefore serves both paths.

onnx and skl2onnx are imported only when a graph is built, so that
``import sknetscratch`` works without the ``[onnx]`` extra.
"""

from __future__ import annotations

import importlib
import numbers

import numpy as np

#: Oldest opset the converters emit: Softmax over one axis (13), Clip with
#: tensor bounds (11).
MIN_TARGET_OPSET = 13
#: Opset used when none is given: read by onnxruntime 1.14 and later.
DEFAULT_TARGET_OPSET = 18

_INSTALL = 'pip install "sknetscratch[onnx]"'


def import_optional(name: str):
    """Import ``onnx``, ``onnxruntime`` or ``skl2onnx``, or say what to install.

    Raises
    ------
    ImportError
        If the package is missing; the message gives the ``pip install`` line.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(
            f"ONNX export needs the optional package {name.split('.')[0]!r}, which is not "
            f"installed. Install the extra with: {_INSTALL}"
        ) from exc


def check_opset(opset: int) -> int:
    """Return ``opset`` as an int, or raise a ValueError naming ``target_opset``.

    It must be an integer from :data:`MIN_TARGET_OPSET` (what the converters
    need) to the newest opset of the installed ``onnx`` package (what it can
    write and check); skl2onnx's own RuntimeError for a newer one, and onnx's
    ``Unsupported opset-version``, are never reached.
    """
    if isinstance(opset, (bool, np.bool_)) or not isinstance(opset, numbers.Integral):
        raise ValueError(f"target_opset must be an int or None; got {opset!r}.")
    if int(opset) < MIN_TARGET_OPSET:
        raise ValueError(
            f"sknetscratch's ONNX converters need target_opset >= "
            f"{MIN_TARGET_OPSET}; got {opset}."
        )
    newest = import_optional("onnx").defs.onnx_opset_version()
    if int(opset) > newest:
        raise ValueError(
            f"target_opset={opset} is newer than the installed onnx package "
            f"supports (opset {newest}); use target_opset between "
            f"{MIN_TARGET_OPSET} and {newest}, or None for {DEFAULT_TARGET_OPSET}."
        )
    return int(opset)


def _string_values(value: np.ndarray) -> list[bytes]:
    return [str(v).encode("utf-8") for v in value.ravel()]


class Graph:
    """The nodes and constants of one ONNX graph, as a converter writes them.

    Attributes
    ----------
    dtype : numpy.dtype
        The floating dtype the network computes in (the model's ``dtype``);
        :meth:`scalar` makes constants of this dtype.
    opset : int
        The graph's opset of the default ONNX domain.
    """

    def __init__(self, dtype, opset: int):
        self.dtype = np.dtype(dtype)
        self.opset = check_opset(opset)

    def const(self, value, hint: str = "const") -> str:
        """Add an initializer holding ``value``; return its name."""
        raise NotImplementedError

    def op(self, op_type: str, *inputs: str, output: str | None = None, **attrs) -> str:
        """Add one node of the default domain; return the name of its output.

        ``output`` names the output (a graph output, say); by default a
        fresh name is made from ``op_type``.
        """
        raise NotImplementedError

    def scalar(self, value: float, hint: str = "c") -> str:
        """A 0-d constant in the graph's dtype (it broadcasts like a NumPy scalar)."""
        return self.const(np.asarray(value, dtype=self.dtype), hint)

    def cast(self, name: str, dtype, output: str | None = None) -> str:
        """``Cast`` to a NumPy dtype (float32, float64, int64, bool)."""
        onnx = import_optional("onnx")
        to = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
        return self.op("Cast", name, to=to, output=output)


class ProtoGraph(Graph):
    """A graph collected as plain ONNX ``NodeProto`` / ``TensorProto`` lists."""

    def __init__(self, dtype, opset: int, reserved=()):
        super().__init__(dtype, opset)
        self.nodes: list = []
        self.initializers: list = []
        self._taken = set(reserved)

    def _unique(self, hint: str) -> str:
        name, k = hint, 0
        while name in self._taken:
            k += 1
            name = f"{hint}_{k}"
        self._taken.add(name)
        return name

    def const(self, value, hint="const"):
        onnx = import_optional("onnx")
        value, name = np.asarray(value), self._unique(hint)
        if value.dtype.kind in "USO":
            tensor = onnx.helper.make_tensor(
                name, onnx.TensorProto.STRING, value.shape, _string_values(value)
            )
        else:
            tensor = onnx.numpy_helper.from_array(np.ascontiguousarray(value), name)
        self.initializers.append(tensor)
        return name

    def op(self, op_type, *inputs, output=None, **attrs):
        onnx = import_optional("onnx")
        output = output or self._unique(op_type.lower())
        self.nodes.append(
            onnx.helper.make_node(
                op_type, list(inputs), [output], name=self._unique(op_type), **attrs
            )
        )
        return output


class ContainerGraph(Graph):
    """A graph written into skl2onnx's ``scope`` and ``container``."""

    def __init__(self, scope, container, dtype):
        super().__init__(dtype, container.target_opset)
        self.scope, self.container = scope, container

    def const(self, value, hint="const"):
        onnx = import_optional("onnx")
        value = np.asarray(value)
        name = self.scope.get_unique_variable_name(hint)
        if value.dtype.kind in "USO":
            self.container.add_initializer(
                name, onnx.TensorProto.STRING, list(value.shape), _string_values(value)
            )
        else:  # the container copies the tensor's raw bytes
            tensor = onnx.numpy_helper.from_array(np.ascontiguousarray(value), name)
            self.container.add_initializer(
                name, tensor.data_type, list(value.shape), tensor
            )
        return name

    def op(self, op_type, *inputs, output=None, **attrs):
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type,
            list(inputs),
            [output],
            name=self.scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return output
