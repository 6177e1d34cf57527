"""Fitted networks on a device, brought to the host for the file formats.

A network fitted on arrays of another Array API library (PyTorch, CuPy,
array-api-strict; docs/gpu.md) keeps its weights on that device. Files and
ONNX graphs hold NumPy arrays: :func:`host_copy` gives a copy of the
estimator or Model whose network is on the host, and leaves the original
where it is. A file saved from a device loads as a NumPy model, as any other.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..backend import to_host
from ..training.model import Model

__all__ = ["host_copy", "host_array"]


def _network(obj: Any):
    if isinstance(obj, Model):
        return obj
    return getattr(obj, "model_", None)


def host_copy(obj: Any) -> Any:
    """``obj`` itself when its network is on the host (or it has none); else a
    deep copy whose network (and with it ``coefs_`` and ``intercepts_``) is
    NumPy's.

    Parameters
    ----------
    obj : estimator or Model

    Returns
    -------
    obj : estimator or Model
    """
    model = _network(obj)
    if not isinstance(model, Model) or not model.built or model.namespace is np:
        return obj
    obj = copy.deepcopy(obj)
    if isinstance(obj, Model):
        return obj.move_to(np)
    obj.model_.move_to(np)
    obj.relink_fitted()  # coefs_ and intercepts_: views of the host network
    return obj


def host_array(a: Any) -> Any:
    """An array of any namespace as NumPy (anything else as given)."""
    return to_host(a) if hasattr(a, "shape") else a
