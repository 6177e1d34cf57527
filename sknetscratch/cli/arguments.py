"""The checks of the command line's argument values: the ``type=`` functions of
:mod:`.parser`. Each takes the text of one argument and gives its value, or
raises :class:`argparse.ArgumentTypeError`, which argparse reports as a usage
error (exit 2)."""

from __future__ import annotations

import argparse
import math

__all__ = [
    "cv_folds",
    "demo_folds",
    "finite_float",
    "hidden_sizes",
    "non_negative_float",
    "png",
    "positive_float",
    "positive_int",
    "seed",
]


def hidden_sizes(text: str) -> tuple[int, ...]:
    """``"128,64,32"`` -> ``(128, 64, 32)``; argparse reports a bad value (exit 2)."""
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"expected positive layer sizes separated by commas, like 128,64,32; "
            f"got {text!r}"
        )
    return sizes


def positive_int(text: str) -> int:
    """An integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


def demo_folds(text: str) -> int:
    """A number of cross-validation folds, at least 2 (``demo --folds``)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected at least 2 folds; got {text!r}")
    return value


def finite_float(text: str, positive: bool) -> float:
    """A finite number, ``> 0`` if ``positive`` else ``>= 0``."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and (value > 0 if positive else value >= 0)):
        what = "a positive" if positive else "a non-negative"
        raise argparse.ArgumentTypeError(f"expected {what} finite number; got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number ``>= 0`` (``--alpha``)."""
    return finite_float(text, positive=False)


def positive_float(text: str) -> float:
    """A finite number ``> 0`` (``--learning-rate-init``)."""
    return finite_float(text, positive=True)


def seed(text: str) -> int:
    """A ``random_state`` from 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 2**32 - 1:
        raise argparse.ArgumentTypeError(
            f"expected an integer from 0 to 2**32 - 1; got {text!r}"
        )
    return value


def png(text: str) -> str:
    """A file name ending in ``.png`` (``--plot``)."""
    if not text.lower().endswith(".png"):
        raise argparse.ArgumentTypeError(
            f"the plot is a PNG image: give a file name ending in .png; got {text!r}"
        )
    return text


def cv_folds(text: str) -> int:
    """0 (no cross-validation) or at least 2 folds (``train --cv``)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value != 0 and value < 2:
        raise argparse.ArgumentTypeError(
            f"expected 0 (no cross-validation) or at least 2 folds; got {text!r}"
        )
    return value
