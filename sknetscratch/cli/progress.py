"""Progress lines on stderr for the steps of a command that take more than a
few seconds (reading, each fold, each epoch with its loss and an ETA)."""

from __future__ import annotations

import sys
import time

from ..training.callbacks.base import Callback
from .common import PROG

__all__ = ["EpochProgress", "Progress"]


class Progress:
    """Progress lines on stderr for steps that take more than a few seconds.

    Parameters
    ----------
    quiet : bool
        Print nothing.
    after : float, default=2.0
        Seconds into a step before its first line, and between lines.
    """

    def __init__(self, quiet: bool, after: float = 2.0):
        self.quiet = quiet
        self.after = after
        self.start = self.last = time.monotonic()

    def begin(self) -> None:
        """A new step starts now."""
        self.start = self.last = time.monotonic()

    def due(self) -> bool:
        now = time.monotonic()
        if self.quiet or now - self.start < self.after or now - self.last < self.after:
            return False
        self.last = now
        return True

    def say(self, text: str) -> None:
        """Print ``text`` now (unless quiet)."""
        if not self.quiet:
            print(f"{PROG}: {text}", file=sys.stderr, flush=True)


class EpochProgress(Callback):
    """A network's callback: ``epoch e of E, loss L, ETA`` when training is slow."""

    def __init__(self, progress: Progress, epochs: int, what: str = "training"):
        super().__init__()
        self.progress, self.epochs, self.what = progress, epochs, what

    def on_train_begin(self, logs=None):
        self.progress.begin()
        self.t0 = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        if self.progress.due():
            done = epoch + 1
            spent = time.monotonic() - self.t0
            eta = spent / done * (self.epochs - done)
            loss = (logs or {}).get("loss", float("nan"))
            self.progress.say(
                f"{self.what}: epoch {done} of at most {self.epochs}, loss {loss:.4f}, "
                f"{spent:.0f} s so far, ETA {eta:.0f} s"
            )
