"""A ``Pipeline`` of transformers inside a ``ColumnTransformer`` (steps that are
neither pipelines nor column transformers), and :func:`check_chain`, the check
that the steps of a pipeline fit together.

The steps are encoded and decoded by the dispatch functions of
:mod:`._transformers`, which it passes in (``encode_step`` and
``decode_step``), so that this module does not import it back."""

from __future__ import annotations

from typing import Any

from ._decode import Decoder
from ._encode import Encoder
from ._format import Refused, field
from ._steps import DecodeStep, EncodeStep, is_fitted, output_width

__all__ = ["check_chain", "decode_chain", "encode_chain"]


def encode_chain(enc: Encoder, pipe: Any, where: str, encode_step: EncodeStep) -> dict:
    """The document of a ``Pipeline`` of transformers; each step is encoded by
    ``encode_step``."""
    params = pipe.get_params(deep=False)
    if params.get("memory") is not None or params.get("transform_input") is not None:
        raise TypeError(f"Cannot save {where}: memory and transform_input must be None")
    steps = []
    for name, est in params["steps"]:
        if not isinstance(name, str) or type(est).__name__ == "Pipeline":
            raise TypeError(f"Cannot save {where}: step {name!r}")
        steps.append({"name": name, **encode_step(enc, est, f"{where} step {name!r}")})
    return {"class": "Pipeline", "steps": steps}


def decode_chain(
    decoder: Decoder, doc: dict, where: str, decode_step: DecodeStep
) -> Any:
    """The ``Pipeline`` of transformers of a document; each step is decoded by
    ``decode_step``."""
    from sklearn.pipeline import Pipeline

    steps = []
    for i, step in enumerate(field(doc, "steps", list, where)):
        w = f"{where} step {i}"
        name = field(step, "name", str, w)
        if step.get("class") in ("Pipeline", "ColumnTransformer"):
            raise Refused(f"{w}: a {step.get('class')} inside a Pipeline step")
        steps.append((name, decode_step(decoder, step, w)))
    if not steps or len({n for n, _ in steps}) != len(steps):
        raise Refused(f"{where}: steps must be present and uniquely named")
    check_chain(steps, where)
    return Pipeline(steps)


def check_chain(steps: list, where: str) -> None:
    """Each step takes what the one before gives; all fitted or all unfitted."""
    fitted = [is_fitted(est) for _, est in steps]
    if any(fitted) and not all(fitted):
        raise Refused(f"{where}'s steps must be all fitted or all unfitted")
    if not all(fitted):
        return
    for i in range(1, len(steps)):
        given, taken = output_width(steps[i - 1][1]), steps[i][1].n_features_in_
        if given != taken:
            raise Refused(
                f"{where} step {i} ({steps[i][0]!r}) takes {taken} features, but "
                f"step {i - 1} ({steps[i - 1][0]!r}) gives {given}"
            )
