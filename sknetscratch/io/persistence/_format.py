"""The file format's shared definitions: marker and version, the metadata member,
the allow-lists of estimator and layer classes and of dtypes, and the loading error.
"""

from __future__ import annotations

from ...estimators.classifier import ScratchMLPClassifier
from ...estimators.regressor import ScratchMLPRegressor
from ...nn.layers import Activation, DenseBlock, Dropout, Layer
from ...nn.layers.normalization import BatchNormalization, LayerNormalization

#: Value of the ``"format"`` field of every file written by :func:`save`.
FORMAT_MARKER = "sknetscratch-model"
#: Version of the file layout written by :func:`save` (and the newest readable).
#: 1: the first format (parameter vector kernels first, then biases).
#: 2: parameters in layer order; layers' non-trainable ``state``; RandomState
#: values. Files of version 1 load: their optimizer state is realigned through
#: the ``param_layout`` they record, and their layers have no state.
FORMAT_VERSION = 2

_META_KEY = "__sknetscratch_meta__"
_ESTIMATORS: dict[str, type] = {
    "ScratchMLPClassifier": ScratchMLPClassifier,
    "ScratchMLPRegressor": ScratchMLPRegressor,
}
_LAYERS: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (
        DenseBlock,
        Dropout,
        Activation,
        BatchNormalization,
        LayerNormalization,
    )
}
#: Layers whose ``activation`` is saved by its registry name and parameters.
_WITH_ACTIVATION: tuple[type[Layer], ...] = (DenseBlock, Activation)
#: dtype kinds of the arrays that may be saved and loaded (no objects, no voids).
_ARRAY_KINDS = frozenset("biufcU")
#: dtypes of the NumPy scalars that round-trip exactly through JSON numbers.
_SCALAR_DTYPES = frozenset(
    [
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
    ]
)


def _start(item: tuple) -> int:
    """Sort key: the start of a ``(key, slice)`` item of ``Model.param_slices``."""
    return item[1].start


class _Refused(ValueError):
    """A loading check failed; :func:`load` adds the file name to the message."""
