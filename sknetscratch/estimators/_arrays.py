"""The estimators' arrays under scikit-learn's Array API dispatch.

Without ``sklearn.config_context(array_api_dispatch=True)`` everything is
NumPy, as before. With it, ``X`` of any Array API library (PyTorch, CuPy,
array-api-strict) stays in its namespace and on its device, and everything
follows it: the network (``model_``, so ``coefs_`` and ``intercepts_``) is
moved there, and the outputs come back there. The targets and sample weights
are checked and encoded on the host (labels, class weights, the
early-stopping split: scikit-learn's own code, on small vectors) and the
network moves them to ``X``'s device once per fit. L-BFGS runs SciPy's
minimiser on the host, as scikit-learn's ``LogisticRegression`` does: each
evaluation moves the parameter vector to the device and the gradient back.
"""

from __future__ import annotations

import numpy as np
from sklearn import get_config

from ..backend import device, namespace, supports_float64, to_host


def dispatching() -> bool:
    """Whether scikit-learn's ``array_api_dispatch`` is on."""
    return bool(get_config()["array_api_dispatch"])


def float_dtypes(X) -> tuple:
    """The floating dtypes ``validate_data`` may keep for ``X`` (the first is
    the one it casts to): NumPy's, or ``X``'s namespace's under dispatch (only
    float32 on a device without float64, as scikit-learn falls back)."""
    xp = namespace(X)
    if xp is np or not dispatching():
        return (np.float64, np.float32)
    if not supports_float64(xp, device(X)):
        return (xp.float32,)
    return (xp.float64, xp.float32)


def host_dtype(xp, dtype) -> np.dtype:
    """The NumPy dtype of ``dtype`` of namespace ``xp`` (float32 or float64)."""
    if xp is np:
        return np.dtype(dtype)
    return np.dtype("float32" if dtype == xp.float32 else "float64")


def on_host(a):
    """An array of another namespace moved to the host; anything else as given."""
    return a if namespace(a) is np else to_host(a)


def check_same_namespace(X, estimator, *, method: str) -> None:
    """Raise scikit-learn's error when ``X`` is not in the namespace and on the
    device of the fitted network (under dispatch only, as scikit-learn's
    ``check_same_namespace``)."""
    if not dispatching():
        return
    fitted = estimator.coefs_[0]  # where fit left it (or move_estimator_to)
    fit_xp, fit_device = namespace(fitted), device(fitted)
    X_xp, X_device = namespace(X), device(X)
    if X_xp is fit_xp and (X_xp is np or X_device == fit_device):
        return
    fit_name, X_name = _name(fit_xp), _name(X_xp)
    if fit_name != X_name:
        msg = f"Array namespaces used during fit ({fit_name}) and {method} ({X_name}) differ."
    else:
        msg = (
            f"Devices used during fit ({fit_device}) and {method} ({X_device}) differ."
        )
    raise ValueError(
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the same "
        "namespace and the same device as those passed to fit(). "
        f"{msg} Move X there, or refit the estimator on X's namespace and device."
    )


def _name(xp) -> str:
    return xp.__name__
