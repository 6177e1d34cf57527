"""
Tuning with GridSearchCV
========================

The estimators follow scikit-learn's conventions (``get_params``,
``set_params``, ``clone``), so a ``GridSearchCV`` over a ``Pipeline`` tunes the
network like any other model: here the hidden layers and the L2 penalty
``alpha``, addressed as ``nn__hidden_layer_sizes`` and ``nn__alpha``.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import ScratchMLPClassifier

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("nn", ScratchMLPClassifier(max_iter=100, random_state=0)),
    ]
)
param_grid = {
    "nn__hidden_layer_sizes": [(8,), (32,), (64, 32)],
    "nn__alpha": [1e-4, 1e-2, 1.0, 10.0],
}

# %%
# 12 settings, 3 folds each. ``max_iter=100`` keeps the example fast; some
# fits stop there before converging, which is what ``ConvergenceWarning`` says.
# The warnings come from sknetscratch's own modules, so they can be silenced by
# module, as for any scikit-learn estimator.
search = GridSearchCV(pipe, param_grid, cv=3)
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.4f}")
print(
    f"hold-out accuracy of the refitted best pipeline: {search.score(X_test, y_test):.4f}"
)

# %%
# The grid of scores
# ------------------
# Mean cross-validated accuracy for each setting: too much penalty
# (``alpha=10``) shrinks the weights towards a constant model.
sizes = [str(s) for s in param_grid["nn__hidden_layer_sizes"]]
alphas = param_grid["nn__alpha"]
mean = search.cv_results_["mean_test_score"].reshape(len(alphas), len(sizes))
fig, ax = plt.subplots(figsize=(6, 4))
image = ax.imshow(mean, cmap="viridis", vmin=0.9, vmax=1.0)
for i in range(len(alphas)):
    for j in range(len(sizes)):
        ax.text(j, i, f"{mean[i, j]:.3f}", ha="center", va="center", color="w")
ax.set_xticks(np.arange(len(sizes)), sizes)
ax.set_yticks(np.arange(len(alphas)), [f"{a:g}" for a in alphas])
ax.set(xlabel="hidden_layer_sizes", ylabel="alpha", title="mean CV accuracy")
fig.colorbar(image, ax=ax)
fig.tight_layout()
plt.show()
