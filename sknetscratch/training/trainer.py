r"""``Trainer``: what makes a network trainable, Keras' ``Model`` methods.

``compile`` (the loss, the optimizer, the metrics, the penalties),
``loss_and_gradient`` (a forward pass to the logits, the loss and its output
delta, the backward pass, the penalty's gradient), ``train_step`` (one
optimizer step), ``fit`` (the loop, :mod:`.loop`) and ``evaluate``. It extends
:class:`sknetscratch.nn.network.Network` (see :class:`.model.Model`). With
sample weights :math:`w_i` and penalty :math:`P` (:mod:`sknetscratch.nn.penalties`),
the loss of a batch is

.. math:: L = \frac{\sum_i w_i \ell_i}{\sum_i w_i} + P .
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..backend import namespace, xsum
from ..nn.losses import LOSSES, Loss, get_loss
from ..nn.penalties import add_penalty_gradient, penalty
from ..nn.workspace import Workspace
from ..optim import Optimizer, get_optimizer
from . import loop
from .callbacks import Callback, History
from .metrics import check_metrics, metric_value

__all__ = ["Trainer"]


def _weight_sum(X, sample_weight):
    """The number of rows, or the sum of their weights (a float)."""
    if sample_weight is None:
        return X.shape[0]
    return float(xsum(namespace(sample_weight), sample_weight))


class Trainer:
    """Keras' training methods for a :class:`~sknetscratch.nn.network.Network`.

    A mixin: :class:`sknetscratch.Model` is ``Model(Trainer, Network)``.
    """

    loss: Loss | None = None
    optimizer: Optimizer | None = None
    #: Penalties (set by :meth:`compile`; models pickled before ``l1`` existed
    #: train without it).
    alpha: float = 0.0
    l1: float = 0.0
    #: Names of the compiled metrics (set by :meth:`compile`).
    metrics: list[str] = []
    #: Set by a callback to end :meth:`fit` after the current epoch.
    stop_training: bool = False

    def add(self, layer) -> None:
        """Append a layer (see :meth:`Network.add`); on a compiled model the
        new last layer's activation must be the loss's link."""
        super().add(layer)
        if self.loss is not None:  # compiled already: the new last layer must fit
            try:
                self._check_output_layer()
            except ValueError:
                self.layers.pop()
                raise

    def compile(
        self,
        optimizer: str | Optimizer | None = "adam",
        loss: str | Loss | None = None,
        metrics: list[str] | None = None,
        alpha: float = 0.0,
        l1: float = 0.0,
    ):
        """Set the optimizer, the loss, the metrics and the penalties (Keras' order).

        Parameters
        ----------
        optimizer : str, Optimizer or None, default="adam"
            None compiles for :meth:`loss_and_gradient` only (no :meth:`fit`).
        loss : str, Loss or None, default=None
            A name from :data:`sknetscratch.nn.losses.LOSSES`. The last layer's
            activation must be the loss's ``link`` (e.g. ``'sigmoid'`` for
            ``'binary_crossentropy'``): the loss is computed from its logits.
            None takes the loss whose link the last layer's activation is.
        metrics : list of str, default=None
            Names from :data:`sknetscratch.training.metrics.METRICS`:
            ``'accuracy'`` (threshold 0.5 on sigmoid outputs, the argmax for
            softmax outputs), ``'mse'``, ``'mae'`` and Keras' aliases.
            :meth:`evaluate` returns them after the loss; :meth:`fit` logs them
            on the validation data as ``val_<name>``.
        alpha : float, default=0.0
            L2 penalty on the kernels, divided by the batch's weight sum.
        l1 : float, default=0.0
            L1 penalty on the kernels, divided by the batch's weight sum.

        Returns
        -------
        self : Model
        """
        for name, value in (("alpha", alpha), ("l1", l1)):
            if not (np.isscalar(value) and value >= 0 and np.isfinite(value)):
                raise ValueError(
                    f"{name} must be a non-negative number; got {value!r}."
                )
        if not self.layers:
            raise ValueError("The model has no layers; add layers before compiling.")
        names = check_metrics(metrics)
        self.loss = get_loss(self._implied_loss() if loss is None else loss)
        self.optimizer = None if optimizer is None else get_optimizer(optimizer)
        self.alpha, self.l1 = float(alpha), float(l1)
        if names:
            self.metrics = names
        else:  # the class default: a model without metrics has no such attribute
            self.__dict__.pop("metrics", None)
        self._check_output_layer()
        return self

    def _implied_loss(self) -> str:
        act = getattr(self.layers[-1], "activation", None)
        names = [
            k for k, cls in LOSSES.items() if cls.link == getattr(act, "name", None)
        ]
        if not names:
            raise ValueError(
                f"No loss is fused with the last layer's activation "
                f"{getattr(act, 'name', None)!r}; pass loss= to compile (one of "
                f"{sorted(LOSSES)})."
            )
        return names[0]

    def _check_output_layer(self):
        out = self.layers[-1]
        act = getattr(out, "activation", None)
        if self.loss is not None and (act is None or act.name != self.loss.link):
            raise ValueError(
                f"Loss {self.loss.name!r} is computed from the logits of a "
                f"{self.loss.link!r} output layer, but the last layer {out.name!r} "
                f"has activation {getattr(act, 'name', None)!r}. Use "
                f"DenseBlock(units, activation={self.loss.link!r}) as the last layer."
            )
        if self.loss is not None and not callable(getattr(out, "forward_linear", None)):
            # e.g. an Activation layer: the right activation, but no logits
            raise ValueError(
                f"Loss {self.loss.name!r} is computed from the logits of the last "
                f"layer, but the last layer {out.name!r} is a {type(out).__name__}, "
                "which computes none. Use "
                f"DenseBlock(units, activation={self.loss.link!r}) as the last layer."
            )

    # ------------------------------------------------------------------ one step
    def loss_and_gradient(
        self,
        X,
        y,
        sample_weight=None,
        *,
        training: bool = True,
        rng=None,
        workspace: Workspace | None = None,
    ) -> float:
        """Loss of a batch (penalty included); its gradient is left in ``grads``.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            In the model's dtype (see :meth:`prepare`).
        y : ndarray of shape (n_samples, n_outputs)
            2-D targets in the loss's encoding.
        sample_weight : ndarray of shape (n_samples,), default=None
        training : bool, default=True
            Training mode: dropout active, batch normalisation on the batch's
            statistics (updating its moving statistics); False computes the
            inference loss.
        rng : numpy.random.Generator, default=None
            For dropout masks in training.
        workspace : Workspace, default=None
            The running fit's training memory (:meth:`workspace`); None makes
            one for this call.

        Returns
        -------
        loss : float
        """
        ws = self.workspace() if workspace is None else workspace
        sw_sum = _weight_sum(X, sample_weight)
        if not sw_sum > 0:
            raise ValueError("The sample weights of this batch sum to zero.")
        z = self.forward_logits(
            X, training=training, rng=rng, sample_weight=sample_weight, workspace=ws
        )
        loss, delta = self.loss.value_and_gradient(y, z, sample_weight)
        self.backward(delta, ws)  # delta = dL/dz = (y_hat - y) w / sum(w)
        if self.alpha or self.l1:
            add_penalty_gradient(ws.kernels, self.alpha, self.l1, sw_sum)
            kernels = [W for W, _, _ in ws.kernels]
            loss += penalty(kernels, self.alpha, self.l1, sw_sum)
        return loss

    def penalty(self, sw_sum: float) -> float:
        """The penalty :math:`P` for a weight sum ``sw_sum`` (0 without one)."""
        if not (self.alpha or self.l1):
            return 0.0
        kernels = [W for W, _, _ in self.penalised()]
        return penalty(kernels, self.alpha, self.l1, sw_sum)

    def train_step(self, X, y, sample_weight=None, rng=None, workspace=None) -> float:
        """One optimizer step on one batch; returns the batch loss.

        The training loop calls it for every batch: override it to change a
        step (Keras' convention).

        Parameters
        ----------
        X, y, sample_weight : ndarrays
            A batch, as for :meth:`loss_and_gradient`.
        rng : numpy.random.Generator, default=None
            For dropout masks.
        workspace : Workspace, default=None
            The running fit's training memory; None makes one for this call.

        Returns
        -------
        loss : float
        """
        ws = self.workspace() if workspace is None else workspace
        loss = self.loss_and_gradient(
            X, y, sample_weight, training=True, rng=rng, workspace=ws
        )
        self.optimizer.update(self.params, self.grads, ws.work)
        return loss

    # ------------------------------------------------------------------ training
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        batch_size: int = 32,
        epochs: int = 1,
        verbose: int | str = 0,
        callbacks: list[Callback] | None = None,
        validation_split: float = 0.0,
        validation_data: tuple | None = None,
        shuffle: bool = True,
        class_weight: dict | None = None,
        sample_weight: ArrayLike | None = None,
        initial_epoch: int = 0,
        random_state: int | np.random.Generator | np.random.RandomState | None = None,
        restore_on_divergence: bool = True,
    ) -> History:
        """Train by mini-batch gradient descent (the loop is :func:`.loop.fit`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets in the loss's encoding (0/1, one-hot, or real values).
        batch_size : int, default=32
            Clipped to ``n_samples``. Batches are consecutive slices of the
            (shuffled) sample order; the last one may be shorter.
        epochs : int, default=1
            Index of the last epoch (Keras' meaning: with ``initial_epoch``,
            ``epochs - initial_epoch`` epochs run).
        verbose : {0, 1, 2, 'auto'} or bool, default=0
            0 silent; 1 (or 'auto', True) Keras 3's progress bar (redrawn in
            place on a terminal, one plain line per epoch otherwise); 2 one line
            per epoch (see :class:`.callbacks.ProgbarLogger`).
        callbacks : list of Callback, default=None
            Every hook of every callback is called (a
            :class:`~.callbacks.ProgbarLogger` first, then these, then the
            returned :class:`~.callbacks.History`).
        validation_split : float, default=0.0
            Fraction in [0, 1) of the rows held out as validation data: the
            last ones, before shuffling (Keras' rule). Ignored when
            ``validation_data`` is given.
        validation_data : tuple (X_val, y_val) or (X_val, y_val, sw_val), default=None
            Evaluated after each epoch into ``logs['val_loss']`` and
            ``logs['val_<metric>']`` for the compiled metrics.
        shuffle : bool, default=True
            Reshuffle the sample order before each epoch (the previous epoch's
            order, permuted by ``rng.permutation(n_samples)``: the only draw from
            ``random_state`` per epoch, as scikit-learn's MLP).
        class_weight : dict {class_index: weight}, default=None
            Multiplies each training row's sample weight by its class's weight
            (the 0/1 target of a single output, the argmax of one-hot targets;
            unlisted classes weigh 1).
        sample_weight : array-like of shape (n_samples,), default=None
        initial_epoch : int, default=0
            Epoch at which to start (to resume a previous training run).
        random_state : None, int, numpy.random.Generator or numpy.random.RandomState
            Seeds initialisation (if the model is not built) and shuffling; a
            Generator or RandomState is used as given. Dropout masks come from a
            separate generator seeded by one draw from it, made only if a layer
            draws random numbers.
        restore_on_divergence : bool, default=True
            Keep a copy of the weights and optimizer state at the start of each
            epoch, restored if training diverges. A caller that keeps its own
            copy (the estimators do) can turn it off to save the memory.

        Returns
        -------
        history : History
            ``history.history['loss']`` is each epoch's mean batch loss weighted by
            the batches' numbers of rows (scikit-learn's rule; not the last
            batch's); ``'learning_rate'`` the optimizer's rate during each epoch,
            ``'seconds'`` its wall time; ``history.interrupted`` tells Ctrl-C.

        Examples
        --------
        >>> import numpy as np
        >>> from sknetscratch import DenseBlock, Model
        >>> X = np.linspace(-1, 1, 40).reshape(-1, 1); y = (X[:, 0] > 0).astype(int)
        >>> model = Model([DenseBlock(1, "sigmoid")]).compile("adam", metrics=["accuracy"])
        >>> h = model.fit(X, y, epochs=2, validation_split=0.25, random_state=0)
        >>> list(h.history)
        ['loss', 'val_loss', 'val_accuracy', 'learning_rate', 'seconds']

        Raises
        ------
        TrainingDivergedError
            If a batch loss is not finite (or the weights become so); with
            ``restore_on_divergence`` the weights and optimizer state are first
            restored to the start of that epoch.
        """
        return loop.fit(
            self,
            X,
            y,
            batch_size=batch_size,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            validation_data=validation_data,
            shuffle=shuffle,
            class_weight=class_weight,
            sample_weight=sample_weight,
            initial_epoch=initial_epoch,
            random_state=random_state,
            restore_on_divergence=restore_on_divergence,
        )

    # ------------------------------------------------------------------ evaluation
    def evaluate(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        *,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """Loss (penalty included) and compiled metrics, in inference mode.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
        return_dict : bool, default=False
            Return ``{'loss': ..., <metric>: ...}``.

        Returns
        -------
        loss : float, list of float or dict
            The loss; ``[loss, *metrics]`` when metrics were compiled (Keras'
            rule); a dict with ``return_dict=True``.

        Examples
        --------
        >>> import numpy as np
        >>> from sknetscratch import DenseBlock, Model
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
        >>> model = Model([DenseBlock(1, "sigmoid")]).compile(metrics=["accuracy"])
        >>> _ = model.fit(X, y, epochs=2, random_state=0)
        >>> sorted(model.evaluate(X, y, return_dict=True))
        ['accuracy', 'loss']
        """
        if self.loss is None:
            raise ValueError("You must call compile(loss=...) before evaluate().")
        X, y, sample_weight = self.prepare(X, y, sample_weight)
        sw_sum = _weight_sum(X, sample_weight)
        if sample_weight is not None and not sw_sum > 0:
            raise ValueError("The sum of sample_weight must be positive; got 0.")
        z = self.predict_logits(X)
        values = {"loss": self.loss(y, z, sample_weight) + self.penalty(sw_sum)}
        if self.metrics:
            p = self.layers[-1].activation.forward(z)
            for name in self.metrics:
                values[name] = metric_value(name, y, p, sample_weight, self.loss.link)
        if return_dict:
            return values
        if not self.metrics:
            return values["loss"]
        return list(values.values())
