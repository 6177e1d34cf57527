"""
Regression with prediction intervals: the quantile loss
=======================================================

``ScratchMLPRegressor(loss="quantile", quantile=q)`` fits the q-th conditional
quantile (the pinball loss) instead of the mean. Two such models, for 0.05 and
0.95, bound a 90% prediction interval; where the noise grows, so does the band.
Also shown: ``loss="huber"`` next to squared error when 5% of the training
targets are corrupted.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sknetscratch import ScratchMLPRegressor

rng = np.random.RandomState(0)
x = rng.uniform(0, 10, size=3000)
y = np.sin(x) + (0.1 + 0.15 * x) * rng.normal(size=x.size)  # noise grows with x
X = x.reshape(-1, 1)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

params = dict(hidden_layer_sizes=(64, 64), learning_rate_init=0.01, random_state=0)
models = {
    q: ScratchMLPRegressor(loss="quantile", quantile=q, max_iter=150, **params).fit(
        X_train, y_train
    )
    for q in (0.05, 0.5, 0.95)
}
low, high = models[0.05].predict(X_test), models[0.95].predict(X_test)
inside = np.mean((y_test >= low) & (y_test <= high))
print(f"held-out targets inside the 90% interval: {inside:.3f}")
for q, model in models.items():
    print(
        f"quantile {q}: held-out targets below it: {np.mean(y_test <= model.predict(X_test)):.3f}"
    )

# %%
# The band
# --------
grid = np.linspace(0, 10, 400).reshape(-1, 1)
fig, ax = plt.subplots(figsize=(7, 4))
ax.scatter(X_test[:, 0], y_test, s=4, alpha=0.3, label="held-out data")
ax.fill_between(
    grid[:, 0],
    models[0.05].predict(grid),
    models[0.95].predict(grid),
    alpha=0.3,
    label="5%-95% interval",
)
ax.plot(grid[:, 0], models[0.5].predict(grid), label="median")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend()
fig.tight_layout()

# %%
# Robust losses against corrupted targets
# ---------------------------------------
y_bad = y_train.copy()
bad = rng.rand(y_bad.size) < 0.05
y_bad[bad] += 30  # 5% gross errors
for loss in ("squared_error", "huber", "absolute_error"):
    model = ScratchMLPRegressor(loss=loss, max_iter=100, **params).fit(X_train, y_bad)
    error = np.mean((model.predict(grid) - np.sin(grid[:, 0])) ** 2)
    print(f"{loss:>15}: mean squared distance to the true curve {error:.3f}")
plt.show()
