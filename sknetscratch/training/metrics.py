"""The metrics ``Model.compile(metrics=[...])`` accepts (Keras' names and
aliases), computed from output activations; each is logged under the name it
was given (``val_<name>`` on validation data)."""

from __future__ import annotations

import numpy as np

from ..backend import to_host

__all__ = ["METRICS", "check_metrics", "metric_value"]


def _weighted_mean(values, sample_weight):
    """Mean over rows (of the per-row means over the outputs), weighted."""
    per_row = values.reshape(values.shape[0], -1).mean(axis=1)
    return float(np.average(per_row, weights=sample_weight))


def _accuracy(y, p, sw, link):
    r"""Share of rows predicted right: :math:`[\hat y > 0.5]` per output for
    sigmoid outputs (Keras' binary accuracy), the argmax for softmax outputs
    (categorical accuracy), equality otherwise."""
    if link == "softmax" or (link != "sigmoid" and p.shape[1] > 1):
        hits = np.argmax(p, axis=1) == np.argmax(y, axis=1)
    elif link == "sigmoid":
        hits = (p > 0.5) == (y > 0.5)
    else:
        hits = p == y
    return _weighted_mean(hits.astype(np.float64), sw)


def _mse(y, p, sw, link):
    return _weighted_mean((np.asarray(y, p.dtype) - p) ** 2, sw)


def _mae(y, p, sw, link):
    return _weighted_mean(np.abs(np.asarray(y, p.dtype) - p), sw)


#: Metric names ``Model.compile(metrics=[...])`` accepts (Keras' names and
#: aliases); each is logged under the name it was given.
METRICS = {
    "accuracy": _accuracy,
    "acc": _accuracy,
    "binary_accuracy": _accuracy,
    "categorical_accuracy": _accuracy,
    "mse": _mse,
    "mean_squared_error": _mse,
    "mae": _mae,
    "mean_absolute_error": _mae,
}


def metric_value(name: str, y, p, sample_weight, link: str) -> float:
    """Metric ``name`` of predictions ``p`` (output activations) for targets ``y``
    (computed on the host, once per epoch)."""
    y, p, sample_weight = to_host(y), to_host(p), to_host(sample_weight)
    return METRICS[name](y, p, sample_weight, link)


def check_metrics(metrics) -> list[str]:
    """``metrics`` as a list of known names (an empty list for None)."""
    if metrics is None:
        return []
    if isinstance(metrics, str) or not isinstance(metrics, (list, tuple)):
        raise TypeError(
            f"metrics must be a list of metric names; got {metrics!r}. "
            f"Did you mean metrics=[{metrics!r}]?"
        )
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"Unknown metric(s) {unknown}; known: {sorted(METRICS)}.")
    return list(metrics)
