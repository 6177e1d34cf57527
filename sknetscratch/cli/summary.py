"""``sknetscratch summary``: what a model file written by ``train`` holds."""

from __future__ import annotations

import argparse

import numpy as np

from .common import curve, describe, unit
from .models import load_model, network_of

__all__ = ["cmd_summary"]


def cmd_summary(args: argparse.Namespace) -> int:
    """Run ``sknetscratch summary`` (see ``sknetscratch summary --help``).

    Parameters
    ----------
    args : argparse.Namespace
        As the parser makes it.

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    DataError
        For a problem with the model file.
    """
    pipe, meta = load_model(args.model)
    net = network_of(pipe)
    features = meta["features"]
    print(f"Model file: {args.model}")
    print(f"Task: {meta['task']}; target column {meta['target']!r}")
    shown = ", ".join(features[:12]) + ("" if len(features) <= 12 else ", ...")
    print(f"Feature columns ({len(features)}): {shown}")
    text = meta.get("text_features") or []
    if text:
        print(f"  of which text (one-hot encoded): {', '.join(text)}")
    if meta.get("left_out"):
        print(f"Left out: {', '.join(meta['left_out'])}")
    if meta.get("data"):
        print(f"Trained on: {meta['data']} ({meta.get('rows', '?')} rows)")
    steps = " -> ".join(f"{name} ({type(est).__name__})" for name, est in pipe.steps)
    print(f"Pipeline: {steps}")
    print(f"Network: {type(net).__name__}({describe(net)})")
    if hasattr(net, "model_"):
        net.summary()
        print(curve("Training loss", net.loss_curve_, unit(net)))
        if meta["task"] == "classify":
            print("Classes: " + ", ".join(str(c) for c in net.classes_))
    scores = meta.get("cv_scores") or []
    if scores:
        base = meta.get("baseline_scores") or []
        print(
            f"Cross-validation {meta.get('cv_metric', 'score')}: "
            f"{np.mean(scores):.4f} +/- {np.std(scores):.4f} over {len(scores)} folds"
            + (f" (baseline {np.mean(base):.4f})" if base else "")
        )
    return 0
