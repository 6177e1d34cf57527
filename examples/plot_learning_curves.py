"""
Learning curves and validation loss
===================================

Two views of how a network learns on the digits: how the scores grow with the
number of training samples (``learning_curve``), and how the training and
validation losses evolve epoch by epoch (``partial_fit``, one epoch a call),
next to what ``early_stopping=True`` records on its own.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import learning_curve, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import ScratchMLPClassifier

X, y = load_digits(return_X_y=True)

# %%
# Learning curve
# --------------
# 3-fold cross-validated accuracy for five training-set sizes.
pipe = make_pipeline(
    StandardScaler(),
    ScratchMLPClassifier(hidden_layer_sizes=(32,), max_iter=100, random_state=0),
)
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    sizes, train_scores, test_scores = learning_curve(
        pipe, X, y, train_sizes=np.linspace(0.1, 1.0, 5), cv=3
    )
for n, score in zip(sizes, test_scores.mean(axis=1)):
    print(f"{n:5d} training samples: CV accuracy {score:.4f}")

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(sizes, train_scores.mean(axis=1), "o-", label="training")
ax.plot(sizes, test_scores.mean(axis=1), "o-", label="cross-validation")
ax.fill_between(
    sizes,
    test_scores.mean(axis=1) - test_scores.std(axis=1),
    test_scores.mean(axis=1) + test_scores.std(axis=1),
    alpha=0.2,
)
ax.set(xlabel="training samples", ylabel="accuracy", title="learning curve")
ax.legend()
fig.tight_layout()

# %%
# Training and validation loss, epoch by epoch
# --------------------------------------------
# Each ``partial_fit`` call is one epoch, so the validation log-loss can be
# measured after every epoch. ``loss_curve_`` holds the training loss of each
# epoch (the mean over its batches, with the L2 term).
# A large step (``learning_rate_init=0.01``) shows where the validation loss
# turns up again while the training loss keeps falling.
X_train, X_val, y_train, y_val = train_test_split(X, y, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
clf = ScratchMLPClassifier(
    hidden_layer_sizes=(64,), learning_rate_init=0.01, random_state=0
)
val_loss = []
for _ in range(60):  # one epoch per call
    clf.partial_fit(X_train, y_train, classes=np.unique(y))
    val_loss.append(log_loss(y_val, clf.predict_proba(X_val), labels=clf.classes_))
best = int(np.argmin(val_loss))
print(f"lowest validation loss {val_loss[best]:.4f} after {best + 1} epochs")

# %%
# ``early_stopping=True`` holds out ``validation_fraction`` of the training rows
# and stops when their *accuracy* (``validation_scores_``) has not improved for
# ``n_iter_no_change`` epochs, keeping the best weights.
stopped = ScratchMLPClassifier(
    hidden_layer_sizes=(64,), early_stopping=True, random_state=0
).fit(X_train, y_train)
print(
    f"early stopping: {stopped.n_iter_} epochs, "
    f"best validation accuracy {stopped.best_validation_score_:.4f}"
)

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
epochs = np.arange(1, len(val_loss) + 1)
left.plot(epochs, clf.loss_curve_, label="training loss (loss_curve_)")
left.plot(epochs, val_loss, label="validation log-loss")
left.axvline(best + 1, color="k", linestyle=":", label="lowest validation loss")
left.set(
    xlabel="epoch", ylabel="loss", yscale="log", title="partial_fit, one epoch a call"
)
left.legend()
right.plot(np.arange(1, stopped.n_iter_ + 1), stopped.validation_scores_)
right.set(
    xlabel="epoch",
    ylabel="validation accuracy",
    title="early_stopping=True: validation_scores_",
)
fig.tight_layout()
plt.show()
