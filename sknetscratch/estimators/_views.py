"""Fitted attributes that are views, never stored twice.

* ``coefs_`` and ``intercepts_``: scikit-learn's lists of the network's own
  weight arrays (``model_``), one per dense layer;
* ``loss_curve_``, ``validation_scores_`` and ``validation_loss_curve_``: the
  lists of ``history_`` (see :mod:`._history`).

Pickles and saved files hold ``model_`` and ``history_`` only; the views are
made again on load (:meth:`FittedViews.relink_fitted`), also for files and pickles
of earlier versions, which stored the curves as lists of their own.

A dense layer followed by a batch norm has no bias (the batch norm's mean
subtraction would cancel it; its beta is the shift): its ``intercepts_`` entry
is a read-only array of zeros, so that ``coefs_`` and ``intercepts_`` stay
aligned with the dense layers. Networks saved by earlier versions kept that
(dead) bias, and keep it.
"""

from __future__ import annotations

import copy

import numpy as np

from ..backend import device, namespace, to_host, to_namespace
from ..nn.layers import DenseBlock
from ._history import CURVES, adopt_curves, curves


def dense_layers(model) -> list[DenseBlock]:
    """The network's dense layers, in order (scikit-learn's layers)."""
    return [layer for layer in model.layers if isinstance(layer, DenseBlock)]


def _no_bias(layer) -> np.ndarray:
    xp = namespace(layer.W)
    if xp is not np:  # on the kernel's device (no read-only flag there)
        return xp.zeros(layer.units, dtype=layer.W.dtype, device=device(layer.W))
    zeros = np.zeros(layer.units, dtype=layer.W.dtype)
    zeros.flags.writeable = False
    return zeros


def weight_lists(model) -> tuple[list, list]:
    """``(coefs_, intercepts_)`` of ``model``: its arrays (zeros where no bias)."""
    layers = dense_layers(model)
    return [lay.W for lay in layers], [
        lay.b if lay.b is not None else _no_bias(lay) for lay in layers
    ]


def follow_moved_arrays(est) -> None:
    """Move ``est.model_`` to where ``coefs_[0]`` is, when that was moved
    elsewhere; bring a moved ``classes_`` back to the host.

    The network moved is a copy: scikit-learn's ``move_estimator_to`` clones
    the estimator but hands the clone the same ``model_`` object, which the
    original keeps using where it is."""
    classes = getattr(est, "classes_", None)
    if classes is not None and namespace(classes) is not np:
        est.classes_ = to_host(classes)
    coefs = getattr(est, "coefs_", None)
    if not isinstance(coefs, (list, tuple)) or not coefs or coefs[0] is None:
        return
    xp, dev = namespace(coefs[0]), device(coefs[0])
    model = est.model_
    if xp is not model.namespace or (xp is not np and dev != model.device):
        if all(hasattr(a, "shape") for a in coefs):
            est.model_ = copy.copy(model).move_to(xp, dev)  # (a deep copy)


class FittedViews:
    """Mixin of the estimators: the fitted attributes that are views."""

    #: The fitted attributes that are views: re-derived on load rather than
    #: saved (pickling leaves them out, and so does the file format of
    #: :mod:`sknetscratch.io.persistence`).
    derived_attributes = ("coefs_", "intercepts_", *CURVES)

    def _link_weights(self):
        self.coefs_, self.intercepts_ = weight_lists(self.model_)

    def _link_history(self, records: dict) -> None:
        """``history_`` is ``records``, and the curves are its lists."""
        self.history_ = records
        for attr, value in curves(records).items():
            setattr(self, attr, value)

    def sync_weights(self):
        """Copy arrays assigned to ``coefs_`` / ``intercepts_`` into the network.

        As on scikit-learn's MLP, ``est.coefs_ = [...]`` and ``est.coefs_[i] = W``
        change the network that predicts and trains next (arrays changed in
        place already are the network's own). Everything is checked before
        anything is copied; a layer without a bias accepts zeros only.
        Fitting, predicting, pickling and :func:`sknetscratch.save` call this
        first; nothing happens before the estimator is fitted.

        Arrays moved to another namespace or device (scikit-learn's
        ``move_estimator_to`` moves ``coefs_``, ``intercepts_`` and
        ``classes_``) move the network there; ``classes_`` stays on the host.
        """
        if not hasattr(self, "model_"):
            return
        follow_moved_arrays(self)
        layers = dense_layers(self.model_)
        copies = []
        for name, key in (("coefs_", "W"), ("intercepts_", "b")):
            assigned = getattr(self, name, None)
            if not isinstance(assigned, (list, tuple)) or len(assigned) != len(layers):
                length = (
                    f" of length {len(assigned)}"
                    if hasattr(assigned, "__len__")
                    else ""
                )
                raise ValueError(
                    f"{name} must be a list of {len(layers)} arrays (one per layer); "
                    f"got {type(assigned).__name__}{length}."
                )
            for i, (a, layer) in enumerate(zip(assigned, layers)):
                own = layer.params.get(key)
                if a is own:
                    continue
                a = to_host(a) if namespace(a) is not np else np.asarray(a)
                if a.dtype.kind not in "biuf":
                    raise ValueError(
                        f"{name}[{i}] must hold real numbers; got dtype {a.dtype}."
                    )
                shape = (layer.units,) if own is None else own.shape
                if a.shape != shape:
                    raise ValueError(
                        f"{name}[{i}] has shape {a.shape}, but layer {i} of the "
                        f"network needs shape {shape}."
                    )
                if own is None:
                    if a.any():
                        raise ValueError(
                            f"intercepts_[{i}] must be zeros: layer {i} has no bias "
                            "(the batch norm after it shifts its output instead)."
                        )
                    continue
                copies.append((a, own))
        for a, own in copies:
            own[...] = to_namespace(a, namespace(own), device(own))
        if copies:
            self._link_weights()

    def __getstate__(self):
        state = super().__getstate__()
        # the views are re-derived on load, not stored twice
        if "model_" in state:
            self.sync_weights()
            state = {k: v for k, v in state.items() if k not in self.derived_attributes}
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "model_" in state:
            self.relink_fitted()

    def relink_fitted(self):
        """After loading: the views, and the estimator's loss on ``model_``.

        Unpickling calls this, and so does :func:`sknetscratch.load` once it has
        set the saved attributes (``model_``, ``history_``, ...): it makes
        :attr:`derived_attributes` again from them.
        """
        self.model_.loss = self._loss()
        self._link_weights()
        self._link_history(adopt_curves(self.__dict__.get("history_"), self.__dict__))
