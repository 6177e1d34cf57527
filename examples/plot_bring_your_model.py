"""
Bring a scikit-learn model in, save it safely, train it further
===============================================================

A team has a fitted :class:`~sklearn.neural_network.MLPClassifier`, kept as a
pickle. :func:`sknetscratch.from_sklearn` turns it into the matching
:class:`~sknetscratch.ScratchMLPClassifier` without refitting: the same
weights, classes, counters, curves and optimizer state. We check that both
predict the same, save the converted model with :func:`sknetscratch.save` (a
file that cannot run code when loaded), and then train both further with
``partial_fit``: they take the same steps, so their loss curves go on
together.
"""

import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import sknetscratch

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # short fits here

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# The model someone else fitted: 20 epochs of SGD with momentum
mlp = MLPClassifier(
    hidden_layer_sizes=(32,),
    solver="sgd",
    learning_rate_init=0.01,
    max_iter=20,
    random_state=0,
).fit(X_train, y_train)

# %%
# Convert and compare
# -------------------
clf = sknetscratch.from_sklearn(mlp)
gap = np.abs(clf.predict_proba(X_test) - mlp.predict_proba(X_test)).max()
print(f"{type(clf).__name__}: largest probability difference {gap:.1e}")
print(f"n_iter_ {clf.n_iter_} (scikit-learn's {mlp.n_iter_}), t_ {clf.t_}")
print(
    f"test accuracy: ours {clf.score(X_test, y_test):.3f}, "
    f"scikit-learn's {mlp.score(X_test, y_test):.3f}"
)

# %%
# Save it as data, not code
# -------------------------
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "model.npz"
    sknetscratch.save(clf, path)
    loaded = sknetscratch.load(path)
print(
    "loaded model predicts the same:",
    np.array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test)),
)

# %%
# Train both further
# ------------------
# Each ``partial_fit`` is one epoch. The converted model carries scikit-learn's
# SGD velocities, so its steps are scikit-learn's steps.
for _ in range(30):
    mlp.partial_fit(X_train, y_train)
    loaded.partial_fit(X_train, y_train)
gap = max(np.abs(a - b).max() for a, b in zip(loaded.coefs_, mlp.coefs_))
print(f"after 30 more epochs each: largest weight difference {gap:.1e}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(mlp.loss_curve_, lw=4, alpha=0.4, label="scikit-learn's MLPClassifier")
ax.plot(loaded.loss_curve_, "k--", label="converted, saved, loaded")
ax.axvline(20, color="grey", lw=0.8)
ax.set_xlabel("epoch (converted after epoch 20)")
ax.set_ylabel("training loss")
ax.legend()
fig.tight_layout()
plt.show()
