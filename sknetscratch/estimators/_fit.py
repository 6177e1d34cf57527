"""The estimators' fit: checks, the network, a solver, and a transaction around them.

:meth:`FitMixin._fit` runs one ``fit`` or ``partial_fit`` call as a
transaction. Training changes the network in place and appends to the
estimator's History, so before it starts the fit keeps a copy of the
estimator's ``__dict__``, a :func:`~sknetscratch.training.state.snapshot` of
``model_`` and a :class:`._history.Mark` of its ``history_``; any error puts all
three back. The fitted attributes themselves are set only once training has
succeeded.

Divergence is detected once, by the training loop (a non-finite loss or
weights: :class:`TrainingDivergedError`), and after any solver by
scikit-learn's check of the weights; :meth:`FitMixin._fit` turns either into
scikit-learn's message.
"""

from __future__ import annotations

import warnings
import weakref

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.validation import _check_sample_weight

from ..backend import all_finite, device, namespace
from ..backend import copy as copy_array
from ..training.callbacks import check_callbacks
from ..training.loop import TrainingDivergedError
from ..training.state import restore, snapshot
from ._arrays import host_dtype, on_host
from ._history import Mark, new_history
from ._install import adopt_assigned_weights, read_targets_by_hand, weights_by_hand
from ._lbfgs import fit_lbfgs
from ._network import hidden_blocks, signature
from ._params import check_metrics, hidden_layer_sizes
from ._rules import ADVICE
from ._seeding import give_back, take_random_state
from ._sklearn_callbacks import SklearnCallbacks
from ._stochastic import epoch_callbacks, fit_stochastic
from ._validation import ValidationData, split_validation

#: scikit-learn's error for a diverged solver; our advice (ADVICE) follows it.
NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain "
    "large values and need to be preprocessed."
)

#: Fitted attributes that a warm start or a partial_fit call continues from.
_CONTINUED = (
    "t_",
    "loss_",
    "best_loss_",
    "_no_improvement_count",
    "best_validation_score_",
)

#: model_ -> the architecture parameters it last passed ``_check_same_network`` with
_SAME_NETWORK: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _finite_outputs(model, X) -> bool:
    """Whether ``model``'s outputs on the rows ``X`` are all finite."""
    with np.errstate(all="ignore"):
        return all_finite(model.predict(X))


def _host_stand_in(X):
    """``X`` itself on the host; an empty host array with X's number of rows
    for an array on a device (what scikit-learn's sample-weight check reads)."""
    if namespace(X) is np:
        return X
    return np.empty((X.shape[0], 0))


class FitMixin:
    """Mixin of the estimators: ``fit`` and ``partial_fit`` calls, transactionally."""

    def _fit(self, X, y, sample_weight=None, incremental=False, prepare=None, val=None):
        """Fit transactionally: on any error the estimator is left as it was.

        ``prepare`` (optional) runs first, inside the transaction; ``val`` is
        ``(X_val, y_val, sample_weight_val)`` or None.
        """
        saved = dict(self.__dict__)
        saved_model = snapshot(self.model_) if "model_" in saved else None
        mark = Mark(saved.get("history_"))
        random_state = take_random_state(self.random_state)
        try:
            if prepare is not None:
                prepare()
            return self._fit_unsafe(X, y, sample_weight, incremental, val, random_state)
        except BaseException as exc:
            if saved_model is not None:
                restore(saved["model_"], saved_model)  # the weights trained in place
            mark.cut_back()  # the lists this fit appended to
            self.__dict__.clear()
            self.__dict__.update(saved)
            if isinstance(exc, TrainingDivergedError):  # scikit-learn's message
                raise TrainingDivergedError(NON_FINITE + ADVICE) from exc
            raise
        finally:
            give_back(random_state)

    def _fit_unsafe(self, X, y, sample_weight, incremental, val, random_state):
        # arguments checked at fit, as scikit-learn's, before any work
        check_callbacks(self.callbacks)
        self.sync_weights()
        hidden = hidden_layer_sizes(self)
        lbfgs = self.solver == "lbfgs"
        if lbfgs and (self.batch_norm or any(rate for *_, rate in hidden_blocks(self))):
            raise ValueError(
                "solver='lbfgs' trains on all the data at once and does not support "
                "dropout or batch_norm, which need mini-batches; use solver='adam' "
                "or 'sgd'."
            )
        # weights set by hand on an unfitted estimator are the network that a
        # partial_fit or a warm start continues from (as scikit-learn's)
        by_hand = weights_by_hand(self) and (self.warm_start or incremental)
        if by_hand:
            read_targets_by_hand(self)
        first_pass = not by_hand and (
            not hasattr(self, "model_") or (not self.warm_start and not incremental)
        )
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        if by_hand:
            adopt_assigned_weights(self, X.shape[1], Y.shape[1])
        sample_weight = self._checked_sample_weight(X, Y, sample_weight, incremental)
        unscaled = self._warn_if_unscaled(X)
        validation = None if val is None else self._validation_data(*val)
        check_metrics(self, self.early_stopping or validation is not None)
        if validation is not None and lbfgs:
            raise ValueError(
                "X_val and y_val need a stochastic solver ('adam' or 'sgd'): "
                "validation curves and early stopping are per epoch."
            )
        if not lbfgs and self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        xp, dev = namespace(X), device(X)
        if first_pass:
            model = self._build_model(
                X.shape[1], Y.shape[1], host_dtype(xp, X.dtype), random_state
            )
            history = new_history()  # a new record
        else:
            self._check_same_network(Y, hidden)
            model = self.model_
            model.alpha, model.l1 = float(self.alpha), float(self.l1)
            model.loss = self._loss()
            history = new_history(self.history_)  # this fit appends to the record
        if model.namespace is not xp or model.device != dev:
            model.move_to(xp, dev)  # everything follows X (the Array API)
        before = self._fitted_before(first_pass)
        # scorers in metrics / early_stopping_monitor score the estimator itself
        # after each epoch: it holds the network being trained (restored by _fit
        # if this fit fails)
        self.model_ = model
        self._link_weights()
        skl = self._sklearn_callbacks(X, Y, sample_weight, incremental)
        if skl is not None:
            skl.begin()
        done = len(history.history.get("loss", ()))
        if lbfgs:
            data = (X, Y, sample_weight)
            if xp is not np:  # the targets and weights to X's device, once
                data = model.prepare(*data)
            fitted = fit_lbfgs(self, model, *data, history=history)
            losses = history.history.get("loss", [])[done:]
            fitted.update(
                t_=before["t_"], best_loss_=min([before["best_loss_"], *losses])
            )
        else:
            # the weights early stopping restores unless an epoch of this fit
            # scores better (see _rules.ValidationRule)
            best = None
            if self.early_stopping:
                best = copy_array(model.params) if first_pass else model.params
            fitted = self._fit_stochastic(
                model,
                X,
                Y,
                sample_weight,
                history,
                {**before, "best_params": best},
                validation,
                incremental,
                random_state,
                skl,
            )
        if not all_finite(model.params):  # scikit-learn's check, any solver
            raise TrainingDivergedError("the solver left non-finite weights")
        if unscaled and not _finite_outputs(model, X[:32] if xp is np else X[:32, ...]):
            # the loop checks each batch's loss before its step: the last step
            # on unscaled data can leave finite weights whose outputs overflow
            raise TrainingDivergedError("the outputs on the training data overflow")
        if skl is not None:
            skl.end(model)
        self._warn_if_loss_grew(history.history.get("loss", [])[done:])
        self.__dict__.update({**before, **fitted})
        self._link_history(history.history)
        self._link_weights()
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(hidden) + 2
        self.out_activation_ = self._output()[0]
        return self

    def _fitted_before(self, first_pass) -> dict:
        """The state training continues from (scikit-learn's, in a warm start:
        ``t_``, ``best_loss_`` and the no-improvement count carry over, while
        ``n_iter_`` counts this call's epochs)."""
        validating = self.early_stopping and self.solver != "lbfgs"
        worst = np.inf if self.early_stopping_monitor == "val_loss" else -np.inf
        if first_pass:
            before = dict.fromkeys(_CONTINUED)
            before.update(t_=0, loss_=np.nan, _no_improvement_count=0)
        else:
            before = {k: getattr(self, k, None) for k in _CONTINUED}
        if validating and before["best_validation_score_"] is None:
            before["best_validation_score_"] = worst
        if not validating and before["best_loss_"] is None:
            before["best_loss_"] = np.inf  # as scikit-learn: None with early stopping
        before["n_iter_"] = 0
        return before

    def _fit_stochastic(
        self,
        model,
        X,
        Y,
        sample_weight,
        history,
        before,
        validation,
        incremental,
        random_state,
        skl,
    ) -> dict:
        if self.early_stopping and validation is None:
            (X, Y, sample_weight), val = split_validation(
                X,
                Y,
                sample_weight,
                fraction=self.validation_fraction,
                stratify=is_classifier(self) and Y.shape[1] == 1,
                random_state=random_state,
            )
            validation = ValidationData(*val, self._targets(val[1]))
        callbacks, rule = epoch_callbacks(
            self,
            fitted=before,
            n_samples=X.shape[0],
            incremental=incremental,
            epochs_before=len(history.history.get("loss", ())),
            validation=validation,
            score=self._validation_score,
            sklearn_callbacks=skl,
        )
        fitted = fit_stochastic(
            self,
            model,
            X,
            Y,
            sample_weight,
            history=history,
            callbacks=callbacks,
            rule=rule,
            incremental=incremental,
            random_state=random_state,
        )
        fitted["t_"] = before["t_"] + fitted["n_iter_"] * X.shape[0]
        return fitted

    def _sklearn_callbacks(self, X, Y, sample_weight, incremental):
        """scikit-learn's own callbacks (:mod:`._sklearn_callbacks`), if any are set."""
        if not getattr(self, "_skl_callbacks", None):
            return None
        epochs = (1 if incremental else self.max_iter) if self.solver != "lbfgs" else 0
        context = self._init_callback_context(max_subtasks=epochs)
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        return SklearnCallbacks(self, context, X, self._targets(Y), metadata)

    def _checked_sample_weight(self, X, Y, sample_weight, incremental):
        if sample_weight is not None:
            # on the host, as the encoded targets: the network moves both to
            # X's namespace and device (once per fit)
            sample_weight = _check_sample_weight(
                on_host(sample_weight),
                _host_stand_in(X),
                dtype=host_dtype(namespace(X), X.dtype),
                ensure_non_negative=True,
            )
        sample_weight = self._weight_samples(Y, sample_weight, incremental)
        if sample_weight is not None:
            sample_weight = sample_weight.astype(
                host_dtype(namespace(X), X.dtype), copy=False
            )
            if not sample_weight.sum() > 0:
                raise ValueError("The sum of sample_weight must be positive; got 0.")
        return sample_weight

    def _check_same_network(self, Y, hidden):
        if Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, but the fitted model has "
                f"{self.n_outputs_}; refit with warm_start=False."
            )
        # the parameters that make the network; once they matched model_, later
        # partial_fit calls with the same ones skip building a network to compare
        # (50 us of a call: 1-2% of a partial_fit epoch on breast cancer)
        key = (tuple(hidden_blocks(self)), bool(self.batch_norm), self._output())
        if _SAME_NETWORK.get(self.model_) == key:
            return
        if signature(self._network(Y.shape[1])) != signature(self.model_) or (
            self.model_.loss.name != self._output()[1]
        ):
            raise ValueError(
                "hidden_layer_sizes, activation, dropout, batch_norm or loss changed "
                "since the last fit; warm_start and partial_fit need the same "
                "network. Refit with warm_start=False."
            )
        _SAME_NETWORK[self.model_] = key

    def _warn_if_unscaled(self, X, limit=1e6) -> bool:
        """Warn (and return True) when features are so large that training
        cannot go well."""
        xp = namespace(X)
        if xp is not np:  # another Array API library: no .size nor .max()
            top = float(xp.max(xp.abs(X))) if X.shape[0] * X.shape[1] else 0.0
            unscaled = top > limit
        else:
            values = (
                X.data if hasattr(X, "data") and not isinstance(X, np.ndarray) else X
            )
            unscaled = bool(values.size and max(values.max(), -values.min()) > limit)
        if unscaled:
            warnings.warn(
                f"X has values of magnitude above {limit:g}; the network will train "
                "badly or diverge. Scale the features first (for example with "
                "StandardScaler in a Pipeline).",
                UserWarning,
                stacklevel=1,
            )
        return unscaled

    @staticmethod
    def _warn_if_loss_grew(losses):
        """Warn when the last loss of this call's epochs (or L-BFGS iterations)
        is far above its first: read off the loss curve."""
        if len(losses) > 1 and losses[-1] > 10 * losses[0] + 1e-3:  # (False for nan)
            start, end = losses[0], losses[-1]
            warnings.warn(
                f"The training loss grew from {start:.4g} to {end:.4g}: training is "
                "diverging. Scale the input features (for example with "
                "StandardScaler) or lower learning_rate_init.",
                UserWarning,
                stacklevel=1,
            )

    def _validation_data(self, X_val, y_val, sample_weight_val):
        """The explicit validation set, checked and encoded as the training data."""
        if X_val is None or y_val is None:
            raise ValueError("X_val and y_val must be given together.")
        try:
            X_val, Y_val = self._validate_input(X_val, y_val, True, reset=False)
        except ValueError as exc:
            raise ValueError(f"X_val / y_val: {exc}") from None
        if sample_weight_val is not None:
            sample_weight_val = _check_sample_weight(
                on_host(sample_weight_val),
                _host_stand_in(X_val),
                dtype=host_dtype(namespace(X_val), X_val.dtype),
                ensure_non_negative=True,
            )
        return ValidationData(X_val, Y_val, sample_weight_val, self._targets(Y_val))
