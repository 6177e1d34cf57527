"""scikit-learn's per-epoch bookkeeping, as a callback on ``Model.fit``.

This is the second half of ``BaseMultilayerPerceptron._fit_stochastic`` in
scikit-learn (its epoch loop is ``Model.fit``): ``n_iter_``, ``t_``,
``loss_curve_``, the ``tol`` / ``n_iter_no_change`` rule on the training loss or
on the validation score, the best validation weights, and the 'invscaling' and
'adaptive' learning rates of SGD. The statements follow scikit-learn's order, so
the same epochs stop training and the same learning rates are used.
"""

from __future__ import annotations

import numpy as np

from .callbacks import Callback


def record_iteration(state: dict, loss: float, verbose) -> None:
    """One more epoch (or L-BFGS iteration): ``n_iter_``, ``loss_``, ``loss_curve_``."""
    state["n_iter_"] += 1
    state["loss_"] = loss
    state["loss_curve_"].append(loss)
    if verbose:
        print(f"Iteration {state['n_iter_']}, loss = {loss:.8f}")


def record_validation(est, state: dict, score: float, params) -> None:
    """scikit-learn's early-stopping rule on the validation score."""
    state["validation_scores_"].append(score)
    if est.verbose:
        print(f"Validation score: {score:f}")
    if score < state["best_validation_score_"] + est.tol:
        state["_no_improvement_count"] += 1
    else:
        state["_no_improvement_count"] = 0
    if score > state["best_validation_score_"]:
        state["best_validation_score_"] = score
        state["_best_params"] = params.copy()


class SklearnMonitor(Callback):
    """Keeps an estimator's ``state`` dict as scikit-learn's MLP keeps its attributes.

    Parameters
    ----------
    est : ScratchMLPClassifier or ScratchMLPRegressor
        Supplies ``tol``, ``n_iter_no_change``, ``solver``, ``learning_rate``,
        ``learning_rate_init``, ``power_t``, ``verbose`` and ``_validation_score``.
    state : dict
        The fitted attributes being updated (committed to the estimator at the
        end of a successful fit).
    n_samples : int
        Training rows per epoch (``t_`` grows by this much).
    validation : tuple (X_val, Y_val, sw_val) or None
        Early stopping's held-out data.
    """

    def __init__(self, est, state: dict, n_samples: int, validation=None):
        super().__init__()
        self.est = est
        self.state = state
        self.n_samples = n_samples
        self.validation = validation
        self.stopped = False

    def on_epoch_end(self, epoch, logs=None):
        est, s, model = self.est, self.state, self.model
        loss = logs["loss"]
        record_iteration(s, loss, est.verbose)
        s["t_"] += self.n_samples
        if self.validation is not None:
            with np.errstate(all="ignore"):  # diverging weights: a NaN score
                score = est._validation_score(model, *self.validation)
            record_validation(est, s, score, model.params)
        else:
            if loss > s["best_loss_"] - est.tol:
                s["_no_improvement_count"] += 1
            else:
                s["_no_improvement_count"] = 0
            s["best_loss_"] = min(s["best_loss_"], loss)
        opt = model.optimizer
        if est.solver == "sgd" and est.learning_rate == "invscaling":
            opt.learning_rate = est.learning_rate_init / (s["t_"] + 1) ** est.power_t
        if s["_no_improvement_count"] > est.n_iter_no_change:
            what = (
                "Validation score" if self.validation is not None else "Training loss"
            )
            msg = (
                f"{what} did not improve more than tol={est.tol:f} for "
                f"{est.n_iter_no_change} consecutive epochs."
            )
            if est.solver == "sgd" and est.learning_rate == "adaptive":
                if opt.learning_rate > 1e-6:
                    opt.learning_rate /= 5.0
                    s["_no_improvement_count"] = 0
                    if est.verbose:
                        print(msg + f" Setting learning rate to {opt.learning_rate:f}")
                    return
                msg += " Learning rate too small."
            if est.verbose:
                print(msg + " Stopping.")
            self.stopped = model.stop_training = True
