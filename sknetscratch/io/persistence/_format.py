"""The file format's shared definitions: marker and version, the metadata member,
the allow-lists of estimator and layer classes and of dtypes, the loading error,
and the typed look-ups that reading the JSON document uses.

Nothing here imports scikit-learn: the estimator classes are imported only when
an estimator is saved or loaded (:func:`estimator_classes`), so that saving and
loading a core :class:`~sknetscratch.Model` work without it.
"""

from __future__ import annotations

import functools
from typing import Any

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

#: Name of the archive member that holds the JSON document.
META_KEY = "__sknetscratch_meta__"
#: The estimator classes that may be saved and loaded, by name (the allow-list;
#: :func:`estimator_classes` imports them).
ESTIMATOR_NAMES = ("ScratchMLPClassifier", "ScratchMLPRegressor")
#: The layer classes that may be saved and loaded, by name (the allow-list).
LAYERS: dict[str, type[Layer]] = {
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
WITH_ACTIVATION: tuple[type[Layer], ...] = (DenseBlock, Activation)
#: dtype kinds of the arrays that may be saved and loaded (no objects, no voids).
ARRAY_KINDS = frozenset("biufcU")
#: dtypes of the NumPy scalars that round-trip exactly through JSON numbers.
SCALAR_DTYPES = frozenset(
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


@functools.cache
def estimator_classes() -> dict[str, type]:
    """The allow-listed estimator classes by name, imported on the first call.

    Returns
    -------
    classes : dict of str to type
        ``{"ScratchMLPClassifier": ScratchMLPClassifier, "ScratchMLPRegressor":
        ScratchMLPRegressor}``; the first call imports scikit-learn.
    """
    from ...estimators.classifier import ScratchMLPClassifier
    from ...estimators.regressor import ScratchMLPRegressor

    classes = {cls.__name__: cls for cls in (ScratchMLPClassifier, ScratchMLPRegressor)}
    assert tuple(classes) == ESTIMATOR_NAMES
    return classes


def is_estimator(obj: Any) -> bool:
    """Whether ``obj`` is an instance of an allow-listed estimator class (not of
    a subclass).

    Imports scikit-learn only for an object whose class is named like one of
    them and defined in :mod:`sknetscratch.estimators`, that is only when
    scikit-learn is imported already.

    Parameters
    ----------
    obj : object

    Returns
    -------
    bool
    """
    cls = type(obj)
    if cls.__name__ not in ESTIMATOR_NAMES or not cls.__module__.startswith(
        "sknetscratch.estimators."
    ):
        return False
    return estimator_classes()[cls.__name__] is cls


def layout_start(item: tuple) -> int:
    """Sort key: the start of a ``(key, slice)`` item of ``Model.param_slices``.

    Parameters
    ----------
    item : tuple of (object, slice)

    Returns
    -------
    int
    """
    return item[1].start


class Refused(ValueError):
    """A loading check failed; :func:`load` adds the file name to the message."""


def expect(value: Any, kind: type, where: str) -> Any:
    """``value`` if it is an instance of ``kind`` (a bool is no int), else refuse.

    Parameters
    ----------
    value : object
        A value read from the JSON document.
    kind : type
        The type it must have.
    where : str
        Where the value is, for the message.

    Returns
    -------
    value : object

    Raises
    ------
    Refused
        If ``value`` is not of type ``kind``.
    """
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Refused(f"{where}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def field(doc: Any, key: str, kind: type, where: str) -> Any:
    """``doc[key]``, checked to be of type ``kind``; ``doc`` must be a dict.

    Parameters
    ----------
    doc : object
        A JSON object read from the document.
    key : str
        The field to read.
    kind : type
        The type the field must have.
    where : str
        Where ``doc`` is, for the message.

    Returns
    -------
    value : object

    Raises
    ------
    Refused
        If ``doc`` is not a dict, lacks ``key``, or ``doc[key]`` is not of type
        ``kind``.
    """
    if not isinstance(doc, dict):
        raise Refused(f"{where}: expected a JSON object, got {type(doc).__name__}")
    if key not in doc:
        raise Refused(f"{where}: missing {key!r}")
    return expect(doc[key], kind, f"{where}.{key}")
