"""
One code path, any array library: NumPy, PyTorch, array-api-strict
==================================================================

The layers, losses and optimizers of sknetscratch are written once against
the Array API, so the estimators train on the arrays they are given, on
those arrays' device (docs/gpu.md). This example fits the same classifier
on NumPy arrays and on the arrays of whichever other library is installed:
PyTorch (on its GPU if it has one, else on the CPU), else array-api-strict
(the standard's reference library, on its simulated second device), else
NumPy alone. The random draws are NumPy's from the same seed in every case,
so in float64 the two fits are the same fit: their loss curves lie on top of
each other and their probabilities agree to rounding.
"""

import importlib.util
import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # scikit-learn's dispatch needs it

import matplotlib.pyplot as plt
import numpy as np
from sklearn import config_context
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sknetscratch import ScratchMLPClassifier
from sknetscratch.backend import to_host


def other_library():
    """``(name, to_array)`` for the first other array library installed."""
    if importlib.util.find_spec("torch") is not None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
        return f"PyTorch ({device})", lambda a: torch.asarray(a, device=device)
    if importlib.util.find_spec("array_api_strict") is not None:
        import array_api_strict as xp

        device = xp.Device("device1")
        return "array-api-strict (device1)", lambda a: xp.asarray(a, device=device)
    return None, None


X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)


def classifier():
    return ScratchMLPClassifier((64,), max_iter=15, random_state=0)


# %%
# The NumPy fit, then the same fit on the other library's arrays
import warnings  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)  # 15 epochs: a short demo
reference = classifier().fit(X, y)
name, to_array = other_library()
if name is None:
    print("Only NumPy is installed: install torch or array-api-strict to compare.")
    fitted, gap = reference, 0.0
else:
    X_other, y_other = to_array(X), to_array(y)
    with config_context(array_api_dispatch=True):
        fitted = classifier().fit(X_other, y_other)
        proba = fitted.predict_proba(X_other)
    print(f"{name}: predict_proba returns {type(proba).__module__}.")
    gap = float(np.max(np.abs(to_host(proba) - reference.predict_proba(X))))
    print(f"largest difference from the NumPy fit's probabilities: {gap:.1e}")

# %%
# The two loss curves
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(reference.loss_curve_, lw=4, alpha=0.4, label="NumPy")
ax.plot(fitted.loss_curve_, "k--", label=name or "NumPy (alone)")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_title(f"digits, float64: largest probability gap {gap:.0e}")
ax.legend()
fig.tight_layout()
plt.show()
