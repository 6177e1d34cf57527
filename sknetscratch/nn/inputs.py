"""Input checks shared by the core: the number of features of an input shape,
and arrays cast to the model's dtype with their shapes checked."""

from __future__ import annotations

import numpy as np

from ..backend import astype, device, dtype_of, namespace, to_namespace

__all__ = ["input_dim_of", "prepare"]


def input_dim_of(input_shape) -> int:
    """Number of features from an int or a Keras input shape such as ``(None, 30)``."""
    if isinstance(input_shape, (int, np.integer)) and not isinstance(input_shape, bool):
        dim = int(input_shape)
    elif (
        isinstance(input_shape, (tuple, list))
        and len(input_shape) == 2
        and input_shape[0] is None
        and isinstance(input_shape[1], (int, np.integer))
        and not isinstance(input_shape[1], bool)
    ):
        dim = int(input_shape[1])
    else:
        raise ValueError(
            "input_shape must be the number of features (an int) or a Keras input "
            f"shape (None, n_features); got {input_shape!r}."
        )
    if dim < 1:
        raise ValueError(f"The number of input features must be >= 1; got {dim}.")
    return dim


def _is_sparse(X) -> bool:
    """A scipy sparse matrix or array (recognised without importing scipy)."""
    return hasattr(X, "tocsr") and hasattr(X, "nnz")


def prepare(
    X, y=None, sample_weight=None, *, dtype=None, input_dim=None, xp=None, device=None
):
    """``X`` cast to ``dtype`` (float64 when None and X is not floating), ``y``
    made 2-D (0/1 ``uint8`` or bool codes stay ``uint8``, anything else takes X's
    dtype) and ``sample_weight`` 1-D in X's dtype, with their shapes checked.

    ``X`` is moved to namespace ``xp`` on ``device`` when given (None: X stays
    where it is); ``y`` and ``sample_weight`` follow ``X``. Outside NumPy,
    ``y`` takes X's dtype (no uint8 codes: the standard mixes no integer and
    floating dtypes)."""
    if xp is not None:
        X = to_namespace(X, xp, device)
    xp = namespace(X)
    if xp is not np:
        return _prepare_array_api(xp, X, y, sample_weight, dtype, input_dim)
    dtype = np.dtype(dtype) if dtype else None
    if _is_sparse(X):
        X = X.tocsr()  # row slices (batches, blocks) need CSR; COO has none
    elif not isinstance(X, np.ndarray) or isinstance(X, np.matrix):
        X = np.asarray(X)  # lists, pandas DataFrames, ...
    if isinstance(X, np.ndarray):
        if X.dtype.kind != "f" or (dtype is not None and X.dtype != dtype):
            X = X.astype(dtype or np.float64)
    elif dtype is not None and X.dtype != dtype:  # scipy sparse
        X = X.astype(dtype)
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D input X of shape (n_samples, n_features); got {X.shape}."
        )
    if input_dim is not None and X.shape[1] != input_dim:
        raise ValueError(
            f"X has {X.shape[1]} features, but the model expects {input_dim}."
        )
    if y is not None:
        y = np.asarray(y)
        if y.dtype == bool:
            y = y.view(np.uint8)
        if y.dtype != np.uint8:  # uint8 0/1 codes stay compact; the rest: X's dtype
            y = y.astype(X.dtype, copy=False)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and y have different numbers of samples: {X.shape[0]} and {y.shape[0]}."
            )
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=X.dtype).reshape(-1)
        if sample_weight.shape[0] != X.shape[0]:
            raise ValueError("sample_weight must have one weight per sample.")
        if not np.isfinite(sample_weight).all():
            raise ValueError("Input sample_weight contains NaN or infinity.")
        if (sample_weight < 0).any():  # scikit-learn's wording, here and below
            raise ValueError("Negative values in data passed to `sample_weight`.")
        if X.shape[0] and not sample_weight.any():
            raise ValueError(
                "Sample weights must contain at least one non-zero number."
            )
    return X, y, sample_weight


def _prepare_array_api(xp, X, y, sample_weight, dtype, input_dim):
    """:func:`prepare` for an array of another Array API library than NumPy."""
    dev = device(X)
    if dtype is not None:
        X = astype(xp, X, dtype_of(xp, np.dtype(dtype).name))
    elif not xp.isdtype(X.dtype, "real floating"):
        X = astype(xp, X, xp.float64)
    if X.ndim != 2:
        raise ValueError(
            "Expected 2D input X of shape (n_samples, n_features); got "
            f"{tuple(X.shape)}."
        )
    if input_dim is not None and X.shape[1] != input_dim:
        raise ValueError(
            f"X has {X.shape[1]} features, but the model expects {input_dim}."
        )
    if y is not None:
        y = astype(xp, to_namespace(y, xp, dev), X.dtype)
        if y.ndim == 1:
            y = xp.reshape(y, (-1, 1))
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and y have different numbers of samples: {X.shape[0]} and {y.shape[0]}."
            )
    if sample_weight is not None:
        sample_weight = astype(xp, to_namespace(sample_weight, xp, dev), X.dtype)
        sample_weight = xp.reshape(sample_weight, (-1,))
        if sample_weight.shape[0] != X.shape[0]:
            raise ValueError("sample_weight must have one weight per sample.")
        if not bool(xp.all(xp.isfinite(sample_weight))):
            raise ValueError("Input sample_weight contains NaN or infinity.")
        if bool(xp.any(sample_weight < 0)):
            raise ValueError("Negative values in data passed to `sample_weight`.")
        if X.shape[0] and not bool(xp.any(sample_weight != 0)):
            raise ValueError(
                "Sample weights must contain at least one non-zero number."
            )
    return X, y, sample_weight
