"""Models trained elsewhere, brought in: :func:`from_sklearn` (a fitted
``MLPClassifier`` / ``MLPRegressor``, as the matching estimator),
:func:`from_onnx` (an ONNX graph of dense layers) and :func:`from_keras` (a
Keras 3 model of dense layers)."""

from ._keras import from_keras
from ._onnx import from_onnx
from ._sklearn import from_sklearn

__all__ = ["from_keras", "from_onnx", "from_sklearn"]
