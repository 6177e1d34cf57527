"""``train --plot``: the loss curves (of the whole fit and of each
cross-validation fold) and the validation or cross-validation scores, drawn
with matplotlib and written whole or not at all."""

from __future__ import annotations

import numpy as np

from .common import unit
from .files import atomic_output

__all__ = ["plot"]


def _epochs(values) -> np.ndarray:
    return np.arange(1, len(values) + 1)


def plot(path: str, net, folds, cv_scores, metric) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(10, 4))
    for i, fold in enumerate(folds):
        ax_loss.plot(
            _epochs(fold.loss_curve_),
            fold.loss_curve_,
            color="0.7",
            lw=1,
            label="CV folds" if i == 0 else None,
        )
    ax_loss.plot(
        _epochs(net.loss_curve_), net.loss_curve_, color="C0", lw=2, label="all rows"
    )
    ax_loss.set(xlabel=unit(net), ylabel="training loss", title="Loss curve")
    ax_loss.legend()
    if net.validation_scores_ is not None:
        ax_val.plot(_epochs(net.validation_scores_), net.validation_scores_, color="C1")
        ax_val.set(
            xlabel=unit(net),
            ylabel=f"validation {metric}",
            title="Validation score (early stopping)",
        )
    elif cv_scores:
        ax_val.bar(np.arange(1, len(cv_scores) + 1), cv_scores, color="C1")
        ax_val.axhline(np.mean(cv_scores), color="k", lw=1, ls="--", label="mean")
        ax_val.set(xlabel="fold", ylabel=metric, title="Cross-validation scores")
        ax_val.legend()
    else:
        ax_val.text(
            0.5, 0.5, "no validation\n(use --cv or --early-stopping)", ha="center"
        )
        ax_val.set_axis_off()
    fig.tight_layout()
    try:
        with atomic_output(path, "--plot", text=False) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
