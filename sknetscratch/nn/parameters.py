"""The flat parameter layout of a :class:`~sknetscratch.training.model.Model`.

All trainable parameters live in one vector and their gradients in another,
layer by layer and, within a layer, in its storage order (``W`` then ``b``).
Each layer's arrays are views into them, so an optimizer step is a few vector
operations. (scikit-learn's ``_pack`` puts all kernels first, then all biases:
the estimators' L-BFGS packs its own copy in that order,
:mod:`sknetscratch.estimators._lbfgs`.) ``slices`` records where each
``(layer index, parameter name)`` lives.
"""

from __future__ import annotations

import copy

import numpy as np
from numpy.typing import ArrayLike

from ..backend import copy as copy_array
from ..backend import device as device_of
from ..backend import dtype_of, namespace, to_namespace

__all__ = ["FlatParameters", "allocate", "realign"]


def allocate(shapes: list[dict], dtype, xp=np, device=None):
    """The flat vectors for layers with these parameter shapes, in namespace
    ``xp`` (:mod:`numpy` by default) on ``device``.

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
    if xp is np:
        params, grads = np.zeros(start, dtype=dtype), np.zeros(start, dtype=dtype)
    else:  # slices and reshapes of a contiguous vector are views there too
        dtype = dtype_of(xp, np.dtype(dtype).name)
        params = xp.zeros(start, dtype=dtype, device=device)
        grads = xp.zeros(start, dtype=dtype, device=device)
    views = [
        tuple(
            {k: xp.reshape(flat[slices[i, k]], s) for k, s in layer_shapes.items()}
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


class FlatParameters:
    """The flat parameter vectors of a network and the views its layers hold.

    A mixin of :class:`~sknetscratch.nn.network.Network`, which sets
    ``layers``, ``dtype``, ``_params``, ``_grads`` and ``_slices`` when it
    builds (:func:`allocate`).
    """

    def relink(self, xp=None, device=None) -> None:
        """Re-create the flat vectors from the layers' own arrays (after the
        layers' parameters were set one by one, as loading a file does), in
        namespace ``xp`` on ``device`` (None: where the layers' arrays are)."""
        shapes = [{k: v.shape for k, v in lay.params.items()} for lay in self.layers]
        if xp is None:
            arrays = [v for lay in self.layers for v in lay.params.values()]
            xp = namespace(*arrays)
            device = device_of(arrays[0]) if arrays else None
        self._params, self._grads, self._slices, views = allocate(
            shapes, np.dtype(self.dtype), xp, device
        )
        for lay, (p, g) in zip(self.layers, views):
            for k in p:
                p[k][...] = to_namespace(lay.params[k], xp, device)
            lay.params, lay.grads = p, g
            lay.state = {k: to_namespace(v, xp, device) for k, v in lay.state.items()}

    def move_to(self, xp, device=None):
        """Move every array (parameters, the layers' state, the optimizer's
        state) to namespace ``xp`` (the :mod:`numpy` module, or an Array API
        namespace) on ``device``; returns self.

        Parameters
        ----------
        xp : module
            The namespace, e.g. :mod:`numpy` or ``array_api_strict``.
        device : device, default=None
            A device of ``xp`` (None: its default).

        Returns
        -------
        self
        """
        self._check_built()
        self.relink(xp, device)
        optimizer = getattr(self, "optimizer", None)
        if optimizer is not None:
            for name, value in list(vars(optimizer).items()):
                if hasattr(value, "shape") and getattr(value, "ndim", 0) == 1:
                    setattr(optimizer, name, to_namespace(value, xp, device))
        return self

    @property
    def namespace(self):
        """The array namespace of the parameters (:mod:`numpy` until moved)."""
        self._check_built()
        return namespace(self._params)

    @property
    def device(self):
        """The device of the parameters (``"cpu"`` for NumPy)."""
        self._check_built()
        return device_of(self._params)

    @property
    def params(self) -> np.ndarray:
        """All trainable parameters as one flat vector (layers hold views of it)."""
        self._check_built()
        return self._params

    @property
    def grads(self) -> np.ndarray:
        """Gradients of the last backward pass, same layout as ``params``."""
        self._check_built()
        return self._grads

    @property
    def param_slices(self) -> dict[tuple[int, str], slice]:
        """Where each ``(layer index, parameter name)`` lives in ``params``."""
        self._check_built()
        return dict(self._slices)

    def penalised(self) -> list[tuple[np.ndarray, np.ndarray, slice]]:
        """``(W, dW, slice)`` of every penalised array (the layers' ``regularized``)."""
        return [
            (lay.params[k], lay.grads[k], self._slices[i, k])
            for i, lay in enumerate(self.layers)
            for k in lay.regularized
        ]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter array, layer by layer (Keras order: W, b)."""
        self._check_built()
        return [copy_array(p) for lay in self.layers for p in lay.params.values()]

    def set_weights(self, weights: list[ArrayLike]) -> None:
        """Set every parameter array from a list shaped like :meth:`get_weights`.

        Parameters
        ----------
        weights : list of array-like
            One array per parameter array, in :meth:`get_weights` order.
        """
        targets = [p for lay in self.layers for p in lay.params.values()]
        if len(weights) != len(targets):
            raise ValueError(f"Expected {len(targets)} arrays; got {len(weights)}.")
        xp, dev = self.namespace, self.device
        arrays = [
            np.asarray(w) if xp is np else to_namespace(w, xp, dev) for w in weights
        ]
        for t, w in zip(targets, arrays):  # all checked before any is written
            if tuple(w.shape) != tuple(t.shape):
                raise ValueError(
                    f"Weight shape {tuple(w.shape)} does not match {tuple(t.shape)}."
                )
        for t, w in zip(targets, arrays):
            t[...] = w

    def _check_built(self):
        if not self.built:
            raise ValueError(
                "This model has not been built yet: call build(input_dim) or fit()."
            )

    # ------------------------------------------------------------------ copies
    def __copy__(self):
        return copy.deepcopy(self)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_params"] = state["_grads"] = None  # views are re-linked on load
        state["_built"] = self._params is not None
        # a pickle records its layout: one of an older layout realigns on load
        return state

    def __setstate__(self, state):
        built = state.pop("_built", False)
        for gone in ("_scratch", "_kernels", "_n_regularized"):  # older versions
            state.pop(gone, None)
        old_slices = state.pop("_slices", None)
        self.__dict__.update(state)
        if built:
            self.relink()
            optimizer = getattr(self, "optimizer", None)
            if old_slices and optimizer is not None:
                realign(optimizer, old_slices, self._slices, self._params.size)
