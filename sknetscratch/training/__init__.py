"""Training: the ``Model`` (a network with a trainer), the one training loop,
its callbacks and the gradient check. Imports :mod:`..nn`, :mod:`..optim` and
NumPy only: never scikit-learn, never :mod:`..io`."""
