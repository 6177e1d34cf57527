"""
Multiclass: handwritten digits
==============================

Ten classes, 64 pixel features: the output layer becomes a 10-unit softmax
fused with the categorical cross-entropy, chosen by ``fit`` from the labels.
``predict_proba`` returns one column per class, in the order of ``classes_``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import ConfusionMatrixDisplay, classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import ScratchMLPClassifier

digits = load_digits()
X_train, X_test, y_train, y_test, img_train, img_test = train_test_split(
    digits.data, digits.target, digits.images, stratify=digits.target, random_state=0
)
pipe = make_pipeline(
    StandardScaler(), ScratchMLPClassifier(hidden_layer_sizes=(64,), random_state=0)
)
pipe.fit(X_train, y_train)
clf = pipe[-1]
print(f"output activation: {clf.out_activation_}, classes: {clf.classes_}")
print(f"epochs: {clf.n_iter_}, hold-out accuracy: {pipe.score(X_test, y_test):.4f}")
print(classification_report(y_test, pipe.predict(X_test), digits=3))
clf.summary()

# %%
# Confusion matrix
# ----------------
fig, ax = plt.subplots(figsize=(5.5, 5))
ConfusionMatrixDisplay.from_estimator(pipe, X_test, y_test, ax=ax, colorbar=False)
ax.set_title("ScratchMLPClassifier on digits (hold-out)")
fig.tight_layout()

# %%
# The least confident predictions
# -------------------------------
# The eight test digits whose most likely class has the lowest probability.
proba = pipe.predict_proba(X_test)
order = np.argsort(proba.max(axis=1))[:8]
fig, axes = plt.subplots(1, 8, figsize=(10, 2))
for ax, i in zip(axes, order):
    ax.imshow(img_test[i], cmap="gray_r")
    guess = clf.classes_[proba[i].argmax()]
    ax.set_title(f"{guess} ({proba[i].max():.2f})\ntrue {y_test[i]}", fontsize=9)
    ax.axis("off")
fig.tight_layout()
plt.show()
