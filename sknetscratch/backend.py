"""The array namespace of the core: NumPy, or any Array API library.

The layers, losses, optimizers and the training loop are written once,
against a namespace ``xp`` that :func:`namespace` finds from the arrays they
are given (the Array API standard: ``xp.matmul``, ``xp.exp``, ``xp.sum``...).

* For NumPy arrays (and scipy sparse matrices, lists, DataFrames) ``xp`` is
  the :mod:`numpy` module itself, not a wrapper, so that the NumPy path keeps
  its in-place ``out=`` writes and reused buffers: :func:`ufunc` and
  :func:`matmul` pass ``out`` to NumPy and ignore it elsewhere. The NumPy path
  computes the same operations in the same order as before (bit-identical
  results).
* For any other array (PyTorch, CuPy, array-api-strict) ``xp`` is
  :func:`array_api_compat.array_namespace` of it; ``array_api_compat`` is
  imported only then, and so is the library of the arrays (PyTorch or CuPy is
  never imported by this package).

The flat parameter vector (:mod:`sknetscratch.nn.parameters`) relies on two things every
library named above has, though the standard does not require them: a slice
and a reshape of a contiguous vector are views, and in-place operators
(``a += b``, ``a[...] = b``) write through them. (JAX has neither.)

Random numbers are always drawn on the host by a NumPy generator and moved to
the device (:func:`to_namespace`): NumPy keeps its exact streams, and a fit on
another library draws the same numbers from the same seed.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "all_finite",
    "astype",
    "binary",
    "copy",
    "device",
    "dtype_of",
    "is_numpy",
    "matmul",
    "namespace",
    "supports_float64",
    "to_host",
    "to_namespace",
    "ufunc",
    "unary",
    "xmax",
    "xmean",
    "xsum",
]


_NDARRAY = np.ndarray


def _is_sparse(X) -> bool:
    """A scipy sparse matrix or array (recognised without importing scipy)."""
    return hasattr(X, "tocsr") and hasattr(X, "nnz")


def _is_foreign(a) -> bool:
    """An array of an Array API library other than NumPy."""
    if a is None or isinstance(a, (np.ndarray, np.generic)) or _is_sparse(a):
        return False
    if not (hasattr(a, "__array_namespace__") or hasattr(a, "__dlpack__")):
        return False  # lists, DataFrames, scalars: NumPy's
    from array_api_compat import is_array_api_obj

    return is_array_api_obj(a)


def namespace(*arrays):
    """The namespace of ``arrays``: :mod:`numpy` unless one of them is an array
    of another Array API library (None entries are skipped).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.backend import namespace
    >>> namespace(np.ones(2), None) is np
    True
    """
    for a in arrays:  # the NumPy path's hot loop: an identity test per array
        if a.__class__ is not _NDARRAY and a is not None and _is_foreign(a):
            return _foreign_namespace(arrays)
    return np


def _foreign_namespace(arrays):
    foreign = [a for a in arrays if _is_foreign(a)]
    from array_api_compat import array_namespace, is_numpy_namespace

    xp = array_namespace(*foreign)
    return np if is_numpy_namespace(xp) else xp


def is_numpy(xp) -> bool:
    """Whether ``xp`` is :mod:`numpy` (the path with ``out=`` writes)."""
    return xp is np


def device(a):
    """The device of array ``a`` (``"cpu"`` for NumPy and sparse input)."""
    if a.__class__ is _NDARRAY or not _is_foreign(a):
        return "cpu"
    from array_api_compat import device as _device

    return _device(a)


def dtype_of(xp, name: str):
    """The dtype called ``name`` (``"float32"``, ``"float64"``) in ``xp``."""
    return np.dtype(name) if xp is np else getattr(xp, name)


def supports_float64(xp, dev) -> bool:
    """Whether ``dev`` of ``xp`` computes in float64 (an MPS device does not)."""
    if xp is np:
        return True
    info = getattr(xp, "__array_namespace_info__", None)
    if info is None:  # pragma: no cover - libraries before the 2023.12 standard
        return True
    return "float64" in info().dtypes(kind="real floating", device=dev)


def astype(xp, a, dtype, copy: bool = False):
    """``a`` in ``dtype`` (no copy when it already is, unless ``copy``)."""
    if xp is np:
        return a.astype(dtype, copy=copy)
    return xp.astype(a, dtype, copy=copy)


def all_finite(a) -> bool:
    """Whether every entry of array ``a`` is finite."""
    if isinstance(a, np.ndarray):
        return bool(np.isfinite(a).all())
    xp = namespace(a)
    return bool(xp.all(xp.isfinite(a)))


def copy(a):
    """A copy of array ``a`` in its namespace and on its device."""
    if isinstance(a, np.ndarray):
        return a.copy()
    xp = namespace(a)
    return xp.asarray(a, copy=True)


def ufunc(xp, name: str, *args, out=None, **kwargs):
    """``xp.<name>(*args, **kwargs)``; with NumPy written into ``out`` when given.

    The one place where the NumPy path's in-place writes and the other
    namespaces' new arrays part: callers use the returned array, which is
    ``out`` itself for NumPy.
    """
    if xp is np:
        if kwargs:
            return getattr(np, name)(*args, out=out, **kwargs)
        return getattr(np, name)(*args, out=out)
    return getattr(xp, name)(*args, **kwargs)


def binary(xp, f, a, b, out=None):
    """NumPy's ufunc ``f`` of ``a`` and ``b`` (into ``out`` when given), or
    ``xp``'s function of the same name: :func:`ufunc` without its keyword
    arguments, for the hot loops (a positional call costs NumPy nothing)."""
    if xp is np:
        return f(a, b, out=out)
    return getattr(xp, f.__name__)(a, b)


def unary(xp, f, a, out=None):
    """NumPy's ufunc ``f`` of ``a`` (into ``out`` when given), or ``xp``'s
    function of the same name."""
    if xp is np:
        return f(a, out=out)
    return getattr(xp, f.__name__)(a)


def xsum(xp, a, axis=None, keepdims=False):
    """``xp.sum``; for NumPy the method ``a.sum`` (the same reduction, without
    ``np.sum``'s Python-level dispatch: a microsecond a call)."""
    if xp is np:
        return a.sum(axis=axis, keepdims=keepdims)
    return xp.sum(a, axis=axis, keepdims=keepdims)


def xmax(xp, a, axis=None, keepdims=False):
    """``xp.max``; for NumPy the method ``a.max``."""
    if xp is np:
        return a.max(axis=axis, keepdims=keepdims)
    return xp.max(a, axis=axis, keepdims=keepdims)


def xmean(xp, a, axis=None, keepdims=False):
    """``xp.mean``; for NumPy the method ``a.mean``."""
    if xp is np:
        return a.mean(axis=axis, keepdims=keepdims)
    return xp.mean(a, axis=axis, keepdims=keepdims)


def matmul(xp, a, b, out=None):
    """``a @ b``, into ``out`` for dense NumPy operands of ``out``'s dtype."""
    if xp is np:
        if out is None:
            return a @ b
        if isinstance(a, np.ndarray) and a.dtype == out.dtype:
            return np.matmul(a, b, out=out)
        out[...] = a @ b  # scipy.sparse input (first layer), or mixed dtypes
        return out
    return xp.matmul(a, b)


def to_host(a):
    """Array ``a`` as a NumPy array (a copy unless it is one already).

    Scipy sparse matrices and None pass through; anything else goes through
    :func:`numpy.asarray` (lists, DataFrames) or DLPack, after moving it to
    the library's default (host) device.
    """
    if a is None or isinstance(a, np.ndarray) or _is_sparse(a):
        return a
    if not _is_foreign(a):
        return np.asarray(a)
    import array_api_compat as compat

    if compat.is_torch_array(a):
        return a.detach().cpu().numpy()
    if compat.is_cupy_array(a):
        return a.get()
    try:
        return np.array(np.from_dlpack(a), copy=True)
    except (TypeError, ValueError, BufferError, RuntimeError, AttributeError):
        xp = compat.array_namespace(a)
        host = xp.__array_namespace_info__().default_device()
        return np.array(np.from_dlpack(a.to_device(host)), copy=True)


def to_namespace(a, xp, dev=None):
    """Array ``a`` moved to namespace ``xp`` on device ``dev`` (unchanged when
    it is there already; None stays None)."""
    if a is None:
        return None
    if xp is np:
        return to_host(a)
    if namespace(a) is xp and device(a) == dev:
        return a
    if not _is_foreign(a):
        return xp.asarray(np.asarray(a), device=dev)
    try:
        return xp.from_dlpack(a, device=dev)
    except (TypeError, ValueError, BufferError, RuntimeError, AttributeError):
        return xp.asarray(to_host(a), device=dev)
