"""The flat parameter layout of a :class:`~sknetscratch.training.model.Model`.

All trainable parameters live in one vector and their gradients in another,
layer by layer and, within a layer, in its storage order (``W`` then ``b``),
like scikit-learn's ``_pack``. Each layer's arrays are views into them, so an
optimizer step is a few vector operations and L-BFGS can work on the vector.
``slices`` records where each ``(layer index, parameter name)`` lives.
"""

from __future__ import annotations

import numpy as np

__all__ = ["allocate", "realign"]


def allocate(shapes: list[dict], dtype):
    """The flat vectors for layers with these parameter shapes.

    Returns
    -------
    params, grads : ndarray of shape (n_params,)
        Zeros.
    slices : dict of (layer index, name) -> slice
    views : list of (dict, dict)
        Per layer, its parameters and gradients as views of ``params``, ``grads``.
    """
    slices, start = {}, 0
    for i, layer_shapes in enumerate(shapes):
        for k, s in layer_shapes.items():
            slices[i, k] = slice(start, start + int(np.prod(s)))
            start = slices[i, k].stop
    params, grads = np.zeros(start, dtype=dtype), np.zeros(start, dtype=dtype)
    views = [
        tuple(
            {k: flat[slices[i, k]].reshape(s) for k, s in layer_shapes.items()}
            for flat in (params, grads)
        )
        for i, layer_shapes in enumerate(shapes)
    ]
    return params, grads, slices, views


def realign(optimizer, old: dict, new: dict, n_params: int) -> None:
    """Reorder the optimizer's flat state arrays from layout ``old`` to ``new``
    (both ``(layer index, name) -> slice``), e.g. for files and pickles written
    when every kernel came first."""
    if old == new:
        return
    for name, value in vars(optimizer).items():
        if isinstance(value, np.ndarray) and value.shape == (n_params,):
            aligned = np.empty_like(value)
            for key, where in new.items():
                aligned[where] = value[old[key]]
            setattr(optimizer, name, aligned)
