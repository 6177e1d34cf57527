"""Bring models in: from ONNX (:func:`from_onnx`) and Keras (:func:`from_keras`)."""

from ._keras import from_keras
from ._onnx import from_onnx

__all__ = ["from_keras", "from_onnx"]
