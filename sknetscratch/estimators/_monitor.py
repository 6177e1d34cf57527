"""scikit-learn's per-epoch bookkeeping, as a callback on ``Model.fit``.

This is the second half of ``BaseMultilayerPerceptron._fit_stochastic`` in
scikit-learn (its epoch loop is ``Model.fit``): ``n_iter_``, ``t_``,
``loss_curve_``, the ``tol`` / ``n_iter_no_change`` rule on the training loss or
on the validation score, the best validation weights, and the 'invscaling' and
'adaptive' learning rates of SGD. The statements follow scikit-learn's order, so
the same epochs stop training and the same learning rates are used.

Beyond scikit-learn, with validation data (early stopping's split, or an
explicit ``X_val``) each epoch also records the validation loss and any
``metrics``, and early stopping may monitor the validation loss or a scorer
(``early_stopping_monitor``); ``history_`` gathers everything per epoch, Keras
style.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.metrics import get_scorer

from ..training.callbacks import Callback


def prints_iterations(verbose) -> bool:
    """scikit-learn's ``verbose``: ``True`` (or any truthy value but the ints 1
    and 2, which ask for the Keras progress display instead) prints its lines."""
    return bool(verbose) and keras_verbosity(verbose) == 0


def keras_verbosity(verbose) -> int:
    """``verbose=1`` / ``2`` (ints, not bools): the core's Keras-style display."""
    is_int = isinstance(verbose, (int, np.integer)) and not isinstance(
        verbose, (bool, np.bool_)
    )
    return int(verbose) if is_int and verbose in (1, 2) else 0


def record_iteration(state: dict, loss: float, verbose) -> None:
    """One more epoch (or L-BFGS iteration): ``n_iter_``, ``loss_``, ``loss_curve_``."""
    state["n_iter_"] += 1
    state["loss_"] = loss
    state["loss_curve_"].append(loss)
    if prints_iterations(verbose):
        print(f"Iteration {state['n_iter_']}, loss = {loss:.8f}")


class ValidationData:
    """Held-out rows, evaluated after each epoch.

    Parameters
    ----------
    X, Y, sample_weight : arrays
        Validated input and encoded 2-D targets (as training uses them).
    y : array
        The same targets as the user gives them (labels), for scorers.
    """

    def __init__(self, X, Y, sample_weight, y):
        self.X, self.Y, self.sample_weight, self.y = X, Y, sample_weight, y

    def evaluate(self, est, model) -> dict:
        """``val_score`` (accuracy or R^2), ``val_loss`` and ``val_<metric>``."""
        with np.errstate(all="ignore"):  # diverging weights give NaN, not warnings
            out = {
                "val_score": est._validation_score(
                    model, self.X, self.Y, self.sample_weight
                ),
                "val_loss": float(model.evaluate(self.X, self.Y, self.sample_weight)),
            }
            for name in est._monitored_scorers():
                out[f"val_{name}"] = self.score(est, name)
        return out

    def score(self, est, name: str) -> float:
        """A scikit-learn scorer of the estimator as it stands after this epoch."""
        kwargs = (
            {} if self.sample_weight is None else {"sample_weight": self.sample_weight}
        )
        try:
            return float(get_scorer(name)(est, self.X, self.y, **kwargs))
        except ValueError:  # e.g. NaN probabilities of a diverged network
            return np.nan


def record_validation(est, state: dict, values: dict, params) -> None:
    """The validation curves, and scikit-learn's early-stopping rule on the
    monitored value (the validation score by default; higher is better)."""
    score = values["val_score"]
    state["validation_scores_"].append(score)
    state["validation_loss_curve_"].append(values["val_loss"])
    if prints_iterations(est.verbose):
        print(f"Validation score: {score:f}")
    monitor = est.early_stopping_monitor
    if not est.early_stopping:
        return
    if monitor == "val_loss":  # lower is better: compare negated losses
        value, best = -values["val_loss"], -state["best_validation_score_"]
    else:
        value = score if monitor == "val_score" else values[f"val_{monitor}"]
        best = state["best_validation_score_"]
    if value < best + est.tol:
        state["_no_improvement_count"] += 1
    else:
        state["_no_improvement_count"] = 0
    if value > best:
        state["best_validation_score_"] = -value if monitor == "val_loss" else value
        state["_best_params"] = params.copy()


def record_history(state: dict, logs: dict) -> None:
    """Append this epoch's logs to ``history_`` (one list per key; a list value
    is several epochs, or L-BFGS iterations)."""
    for key, value in logs.items():
        values = value if isinstance(value, list) else [value]
        state["history_"].setdefault(key, []).extend(values)


class SklearnCallbacks:
    """scikit-learn's own callbacks (``est.set_callbacks(...)``, scikit-learn 1.9's
    :mod:`sklearn.callback`): a root task for the fit, one subtask per epoch.

    Created only when callbacks are set (directly, or propagated by a Pipeline
    or a search), so that a fit without them does no work for them.
    """

    def __init__(self, est, context, X, y, metadata):
        self.est, self.context = est, context
        self.X, self.y, self.metadata = X, y, metadata
        self.task = None

    @classmethod
    def start(cls, est, X, Y, sample_weight, incremental):
        if not getattr(est, "_skl_callbacks", None):
            return None
        stochastic = est.solver != "lbfgs"
        context = est._init_callback_context(
            max_subtasks=(1 if incremental else est.max_iter) if stochastic else 0
        )
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self = cls(est, context, X, est._targets(Y), metadata)
        context.call_on_fit_task_begin(estimator=est, X=X, y=self.y, metadata=metadata)
        return self

    def _fitted(self, model):
        """What makes a copy of the estimator predict as the network does now."""
        import copy

        model = copy.deepcopy(model)
        dense = [lay for lay in model.layers if hasattr(lay, "W")]
        return {
            "model_": model,
            "coefs_": [lay.W for lay in dense],
            "intercepts_": [lay.b for lay in dense],
        }

    def begin_epoch(self):
        self.task = self.context.subcontext(task_name="epoch")
        self.task.call_on_fit_task_begin(
            estimator=self.est, X=self.X, y=self.y, metadata=self.metadata
        )

    def end_epoch(self, model) -> bool:
        """End the epoch's task; True if a callback asks to stop."""
        return self.task.call_on_fit_task_end(
            estimator=self.est,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=lambda: self._fitted(model),
        )

    def end(self, model):
        self.context.call_on_fit_task_end(
            estimator=self.est,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=lambda: self._fitted(model),
        )


class SklearnMonitor(Callback):
    """Keeps an estimator's ``state`` dict as scikit-learn's MLP keeps its attributes.

    Parameters
    ----------
    est : ScratchMLPClassifier or ScratchMLPRegressor
        Supplies ``tol``, ``n_iter_no_change``, ``solver``, ``learning_rate``,
        ``learning_rate_init``, ``power_t``, ``verbose``, ``early_stopping``,
        ``early_stopping_monitor`` and ``_validation_score``.
    state : dict
        The fitted attributes being updated (committed to the estimator at the
        end of a successful fit).
    n_samples : int
        Training rows per epoch (``t_`` grows by this much).
    validation : ValidationData or None
        Early stopping's held-out data, or the explicit ``X_val``.
    """

    def __init__(self, est, state: dict, n_samples: int, validation=None, skl=None):
        super().__init__()
        self.skl = skl  # scikit-learn's callbacks (SklearnCallbacks) or None
        self.schedule = est._schedule()
        self.est = est
        self.state = state
        self.n_samples = n_samples
        self.validation = validation
        self.stopped = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.skl is not None:
            self.skl.begin_epoch()
        if self.schedule is not None:  # epochs counted over warm starts too
            self.model.optimizer.learning_rate = float(
                self.schedule(len(self.state["loss_curve_"]))
            )
        self._start = time.perf_counter()
        self._learning_rate = float(self.model.optimizer.learning_rate)

    def on_epoch_end(self, epoch, logs=None):
        est, s, model = self.est, self.state, self.model
        loss = logs["loss"]
        record_iteration(s, loss, est.verbose)
        s["t_"] += self.n_samples
        if self.validation is not None:
            values = self.validation.evaluate(est, model)
            logs.update(values)  # callbacks after this one see them
            record_validation(est, s, values, model.params)
        if not est.early_stopping:  # scikit-learn's rule on the training loss
            if loss > s["best_loss_"] - est.tol:
                s["_no_improvement_count"] += 1
            else:
                s["_no_improvement_count"] = 0
            s["best_loss_"] = min(s["best_loss_"], loss)
        logs["learning_rate"] = self._learning_rate
        logs["seconds"] = time.perf_counter() - self._start
        record_history(s, logs)
        if self.skl is not None and self.skl.end_epoch(model):
            self.stopped = model.stop_training = True  # a callback asked to stop
        opt = model.optimizer
        if est.learning_rate == "invscaling":  # scikit-learn's, for every solver
            opt.learning_rate = est.learning_rate_init / (s["t_"] + 1) ** est.power_t
        if s["_no_improvement_count"] > est.n_iter_no_change:
            what = "Validation score" if est.early_stopping else "Training loss"
            msg = (
                f"{what} did not improve more than tol={est.tol:f} for "
                f"{est.n_iter_no_change} consecutive epochs."
            )
            if est.learning_rate == "adaptive":  # scikit-learn's, for every solver
                if opt.learning_rate > 1e-6:
                    opt.learning_rate /= 5.0
                    s["_no_improvement_count"] = 0
                    if prints_iterations(est.verbose):
                        print(msg + f" Setting learning rate to {opt.learning_rate:f}")
                    return
                msg += " Learning rate too small."
            if prints_iterations(est.verbose):
                print(msg + " Stopping.")
            self.stopped = model.stop_training = True
