"""
Same seed, same model as scikit-learn
=====================================

For the same parameters and ``random_state``, ``ScratchMLPClassifier`` and
``ScratchMLPRegressor`` train the very network scikit-learn's ``MLPClassifier``
and ``MLPRegressor`` train: the same random draws in the same order, the same
arithmetic, the same stopping point. Their weights, probabilities and loss
curves agree to rounding.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from sknetscratch import ScratchMLPClassifier, ScratchMLPRegressor


def largest_gap(a, b):
    """The largest difference between two arrays, relative to a's largest entry."""
    return float(np.max(np.abs(a - b)) / np.max(np.abs(a)))


# %%
# Classification: breast cancer
# -----------------------------
X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
params = dict(hidden_layer_sizes=(32, 16), random_state=0)
with warnings.catch_warnings():
    # both stop at max_iter=200 here, and both warn alike
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    ours = ScratchMLPClassifier(**params).fit(X, y)
    theirs = MLPClassifier(**params).fit(X, y)
print(f"epochs: {ours.n_iter_} and {theirs.n_iter_}")
print(
    f"predict_proba, largest relative gap: {largest_gap(theirs.predict_proba(X), ours.predict_proba(X)):.1e}"
)
for i, (a, b) in enumerate(zip(theirs.coefs_, ours.coefs_)):
    print(f"coefs_[{i}] {a.shape}: largest relative gap {largest_gap(a, b):.1e}")
print(
    f"loss_curve_, largest relative gap: {largest_gap(np.array(theirs.loss_curve_), np.array(ours.loss_curve_)):.1e}"
)

# %%
# Regression: diabetes
# --------------------
# The same holds for ``MLPRegressor`` (squared error, or ``loss="poisson"``).
Xr, yr = load_diabetes(return_X_y=True)
Xr = StandardScaler().fit_transform(Xr)
params_r = dict(
    hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=150, random_state=0
)
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    ours_r = ScratchMLPRegressor(**params_r).fit(Xr, yr)
    theirs_r = MLPRegressor(**params_r).fit(Xr, yr)
print(
    f"predict, largest relative gap: {largest_gap(theirs_r.predict(Xr), ours_r.predict(Xr)):.1e}"
)

# %%
# The loss curves, on top of each other
# -------------------------------------
# Each library's ``loss_curve_``: the markers (scikit-learn) sit on the lines
# (sknetscratch).
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, a, b, title in [
    (axes[0], ours, theirs, "MLPClassifier, breast cancer"),
    (axes[1], ours_r, theirs_r, "MLPRegressor, diabetes"),
]:
    epochs = np.arange(1, len(a.loss_curve_) + 1)
    ax.plot(epochs, a.loss_curve_, linewidth=2, label="sknetscratch")
    ax.plot(epochs[::5], b.loss_curve_[::5], "o", ms=4, label="scikit-learn")
    ax.set(xlabel="epoch", ylabel="loss_curve_", yscale="log", title=title)
    ax.legend()
fig.tight_layout()
plt.show()
