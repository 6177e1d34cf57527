"""Out-of-core training: stream an array's row blocks through ``partial_fit``.

:func:`partial_fit_blocks` is the loop that out-of-core training comes down to,
for a ``dask.array`` (its row chunks), a NumPy ``memmap`` or any array (rows in
blocks of ``block_size``). Only one block is in memory at a time, and the
classifier's ``classes`` are found in one pass over ``y`` when not given.

For training on a cluster, where the model moves to the data, use dask-ml's
``Incremental`` (see docs/dask.md); this helper runs in the calling process and
needs neither dask-ml nor a cluster (nor Dask, unless the input is a Dask array).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import is_classifier
from sklearn.utils import check_random_state


def _is_dask_array(a) -> bool:
    return type(a).__module__.startswith("dask.") and hasattr(a, "chunks")


def _positive_int(v) -> bool:
    return isinstance(v, Integral) and not isinstance(v, bool) and v >= 1


def _row_blocks(a, block_size):
    """``(start, stop)`` of each row block: a Dask array's row chunks, else
    consecutive blocks of ``block_size`` rows."""
    if _is_dask_array(a):
        sizes = a.chunks[0]
    else:
        n = a.shape[0]
        sizes = [block_size] * (n // block_size) + (
            [n % block_size] if n % block_size else []
        )
    stops = np.cumsum(sizes)
    return [(int(s - m), int(s)) for s, m in zip(stops, sizes)]


def _check_same_rows(X, y):
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y have different numbers of rows: {X.shape[0]} and {y.shape[0]}."
        )


def _materialize(a):
    """One block as a NumPy array (computed if it is a Dask array)."""
    return np.asarray(a.compute() if _is_dask_array(a) else a)


def partial_fit_blocks(
    estimator,
    X: ArrayLike,
    y: ArrayLike,
    *,
    classes: ArrayLike | None = None,
    block_size: int | None = None,
    epochs: int = 1,
    shuffle_blocks: bool = False,
    random_state: int | np.random.RandomState | None = None,
):
    """Train ``estimator`` with one ``partial_fit`` call per row block of X, y.

    Each epoch visits every block once; only one block is materialised (read
    from disk or computed by Dask) at a time, so memory is bounded by the block,
    not by the data set.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        For example :class:`~sknetscratch.ScratchMLPClassifier` with a
        stochastic solver; trained in place.
    X : {dask array, numpy.memmap, array-like} of shape (n_samples, n_features)
        A Dask array is streamed by its row chunks; anything else in blocks
        of ``block_size`` rows (row slices of a memmap stay on disk until used).
    y : {dask array, array-like} of shape (n_samples,) or (n_samples, n_outputs)
        Row blocks are taken at the same rows as X's.
    classes : array-like of shape (n_classes,), default=None
        Classifiers only: every class across all blocks. When None it is
        ``np.unique`` of ``y`` (computed in one pass if ``y`` is a Dask array).
    block_size : int, default=None
        Rows per block for an input that is not a Dask array (required there);
        for a Dask array, rechunk it instead.
    epochs : int, default=1
        Passes over the data.
    shuffle_blocks : bool, default=False
        Visit the blocks in a new random order each epoch (rows within a block
        are shuffled by the estimator itself when ``shuffle=True``).
    random_state : int, RandomState instance or None, default=None
        Seeds the block order when ``shuffle_blocks=True``.

    Returns
    -------
    estimator : object
        The trained estimator.

    Raises
    ------
    Exception
        What ``partial_fit`` raised for a block (a ``ValueError`` for NaN in
        it, a label not in ``classes``, ...), of the same type, its message
        prefixed with the block's index, rows and epoch. The estimator is then
        left as after the last good block: the blocks before the failing one
        stay trained (hours of training are not undone by one bad block), and
        sknetscratch's ``partial_fit``, which is transactional, leaves no trace
        of the failing one. Another estimator is left as its failing
        ``partial_fit`` leaves it.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import ScratchMLPClassifier
    >>> from sknetscratch import partial_fit_blocks
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(600, 4))
    >>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> clf = ScratchMLPClassifier((16,), learning_rate_init=0.01, random_state=0)
    >>> clf = partial_fit_blocks(clf, X, y, block_size=100, epochs=5)
    >>> clf.classes_, clf.t_
    (array([0, 1]), 3000)
    >>> clf.score(X, y) > 0.9
    True
    """
    if not hasattr(estimator, "partial_fit"):
        raise TypeError(
            f"estimator must have a partial_fit method; got {type(estimator).__name__}"
            " (for ScratchMLP*, solver must be 'sgd' or 'adam')."
        )
    if _is_dask_array(X) or _is_dask_array(y):
        import dask.array as da  # (installed: the input is a Dask array)

        X, y = (a if _is_dask_array(a) else da.asarray(a) for a in (X, y))
        if any(np.isnan(c) for c in X.chunks[0]):
            raise ValueError(
                "X has unknown chunk sizes (for example after boolean indexing); "
                "call X.compute_chunk_sizes() first."
            )
        _check_same_rows(X, y)
        if len(X.chunks) == 2 and len(X.chunks[1]) > 1:
            X = X.rechunk({1: -1})  # one block = all columns of its rows
        y = y.rechunk({0: X.chunks[0]})
    else:
        if block_size is None:
            raise ValueError(
                "block_size is required when X is not a Dask array (it is the "
                "number of rows per partial_fit call)."
            )
        if not _positive_int(block_size):
            raise ValueError(f"block_size must be a positive int; got {block_size!r}.")
        block_size = int(block_size)
        X = X if hasattr(X, "shape") else np.asarray(X)
        y = y if hasattr(y, "shape") else np.asarray(y)
        _check_same_rows(X, y)
    if not _positive_int(epochs):
        raise ValueError(f"epochs must be an int >= 1; got {epochs!r}.")
    kwargs = {}
    if classes is not None and not is_classifier(estimator):
        raise ValueError(
            f"classes is for classifiers; {type(estimator).__name__} is not one."
        )
    if is_classifier(estimator):
        if classes is None and len(y.shape) == 1:  # (multilabel needs none)
            classes = da.unique(y).compute() if _is_dask_array(y) else np.unique(y)
        if classes is not None:
            kwargs["classes"] = classes

    blocks = _row_blocks(X, block_size)
    rng = check_random_state(random_state)
    trained = 0  # blocks trained by this call
    for epoch in range(int(epochs)):
        order = rng.permutation(len(blocks)) if shuffle_blocks else range(len(blocks))
        for i in order:
            start, stop = blocks[i]
            try:
                estimator.partial_fit(
                    _materialize(X[start:stop]), _materialize(y[start:stop]), **kwargs
                )
            except Exception as exc:
                where = (
                    f"partial_fit_blocks: block {i} of {len(blocks)} (rows {start} to "
                    f"{stop - 1}) failed in epoch {epoch + 1} of {epochs}; the "
                    f"estimator is left as after the last good block ({trained} "
                    "block(s) trained by this call)."
                )
                raise _with_context(exc, where) from exc
            trained += 1
    return estimator


def _with_context(exc: Exception, where: str) -> Exception:
    """``exc`` with ``where`` before its message: a new exception of the same
    type where it can be made from a message, else ``exc`` with a note."""
    message = f"{where} {exc}"
    try:
        new = type(exc)(message)
    except Exception:
        new = None
    if new is None or str(new) != message:
        exc.add_note(where)
        return exc
    return new
