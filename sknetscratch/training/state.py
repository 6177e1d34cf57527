"""What training changes, copied and put back: the one rollback mechanism.

:func:`snapshot` copies the weights, the layers' non-trainable state (a batch
norm's moving statistics), the optimizer with its state and the penalties;
:func:`restore` puts them back. The training loop takes one at the start of
each epoch (to undo a diverged epoch) and the estimators one at the start of
each fit (to undo a failed fit).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from ..backend import copy as copy_array
from ..backend import device, namespace

__all__ = ["Snapshot", "layer_states", "restore", "restore_layer_states", "snapshot"]


@dataclass(frozen=True)
class Snapshot:
    """Copies of what training changes (see :func:`snapshot`)."""

    params: np.ndarray
    states: list
    optimizer: object
    penalties: tuple
    #: Where the arrays were (a fit may move the network: :meth:`Model.move_to`).
    namespace: object = np
    device: object = "cpu"


def layer_states(model) -> list[dict]:
    """Copies of the layers' non-trainable arrays (a batch norm's moving
    statistics), which go with the weights they were computed with."""
    return [{k: copy_array(v) for k, v in lay.state.items()} for lay in model.layers]


def restore_layer_states(model, states: list[dict]) -> None:
    """Put back what :func:`layer_states` copied."""
    for layer, state in zip(model.layers, states):
        for k, v in state.items():
            layer.state[k][...] = v


def snapshot(model) -> Snapshot:
    """Copy what training changes in a built ``model``."""
    return Snapshot(
        params=copy_array(model.params),
        states=layer_states(model),
        optimizer=copy.deepcopy(model.optimizer),
        penalties=(model.alpha, model.l1),
        namespace=namespace(model.params),
        device=device(model.params),
    )


def restore(model, saved: Snapshot) -> None:
    """Put ``model`` back as it was when ``saved`` was taken (where it was)."""
    if model.namespace is not saved.namespace or model.device != saved.device:
        model.move_to(saved.namespace, saved.device)
    model.params[...] = saved.params
    restore_layer_states(model, saved.states)
    model.optimizer = copy.deepcopy(saved.optimizer)
    model.alpha, model.l1 = saved.penalties
