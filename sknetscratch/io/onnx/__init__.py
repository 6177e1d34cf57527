"""ONNX export: run a fitted network, or a whole Pipeline, in onnxruntime.

* :func:`to_onnx` converts a fitted ``ScratchMLPClassifier`` /
  ``ScratchMLPRegressor``, a ``Pipeline`` containing one, or a built core
  ``Model``.
* :func:`register_onnx_converters` registers the estimators with skl2onnx, so
  that ``skl2onnx.to_onnx(pipeline, X[:1])`` converts them too.
* :data:`ACTIVATION_CONVERTERS` and :data:`LAYER_CONVERTERS` map each
  activation name and layer class name to the function writing its ONNX
  nodes; :func:`register_activation_converter` and
  :func:`register_layer_converter` add one.

Needs the ``[onnx]`` extra (onnx, onnxruntime, skl2onnx), imported only when a
conversion runs: ``pip install "sknetscratch[onnx]"``. See ``docs/onnx.md``.
"""

from ._api import to_onnx
from ._graph import DEFAULT_TARGET_OPSET, MIN_TARGET_OPSET, Graph
from ._network import (
    ACTIVATION_CONVERTERS,
    LAYER_CONVERTERS,
    register_activation_converter,
    register_layer_converter,
)
from ._sklearn import register_onnx_converters

__all__ = [
    "ACTIVATION_CONVERTERS",
    "DEFAULT_TARGET_OPSET",
    "LAYER_CONVERTERS",
    "MIN_TARGET_OPSET",
    "Graph",
    "register_activation_converter",
    "register_layer_converter",
    "register_onnx_converters",
    "to_onnx",
]
