"""Pages generated from the code, so that they cannot go stale.

Two things are generated at build time (``config-inited``):

* ``docs/_api_names.rst``: the autosummary lists of the API reference, one
  section per group, holding every name of ``sknetscratch.__all__``
  (``api.rst`` includes it). A name that no group claims lands in "Other
  public names", so a new public name is never left off. The file is
  generated, ignored by git and excluded from the pages.
* MyST substitutions (``{{ layers }}``, ``{{ activations }}``, ...): the lists
  of layers, activations, losses, optimizers, schedules and callbacks, read
  from the registries (``ACTIVATIONS``, ``LOSSES``, ``OPTIMIZERS``,
  ``SCHEDULES``) and the sub-packages' ``__all__``. The comparison, the front
  page and the user guide use them.

``tests/test_docs.py`` checks on the built site that every name of
``__all__`` is on the API page and every registered name in the comparison.
"""

from __future__ import annotations

import inspect
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
API_NAMES = DOCS / "_api_names.rst"

#: (title, intro, predicate on the defining module and the name), in page order.
GROUPS = [
    (
        "scikit-learn estimators",
        "Drop-in replacements for scikit-learn's ``MLPClassifier`` and "
        "``MLPRegressor`` (same parameters, same defaults, same model for the same "
        "seed; see :doc:`estimators`), and out-of-core training by chunks "
        "(:doc:`dask`). The methods they inherit from scikit-learn (``get_params``, "
        "``set_params``, ``score``, the metadata-routing ``set_*_request``) are "
        "documented in scikit-learn's reference for ``BaseEstimator``.",
        lambda mod, name: mod.startswith("sknetscratch.estimators"),
    ),
    (
        "Model and layers",
        "The NumPy-only core the estimators are built on; see :doc:`core`.",
        lambda mod, name: mod.startswith(
            (
                "sknetscratch.nn.layers",
                "sknetscratch.training.model",
                "sknetscratch.training.loop",
            )
        ),
    ),
    (
        "Optimizers",
        "",
        lambda mod, name: (
            mod.startswith("sknetscratch.optim") and not mod.endswith("schedules")
        ),
    ),
    (
        "Learning-rate schedules",
        "Per-epoch learning rates (:doc:`derivation`, section 9).",
        lambda mod, name: mod.endswith("optim.schedules"),
    ),
    (
        "Callbacks",
        "",
        lambda mod, name: mod.startswith(
            ("sknetscratch.training.callbacks", "sknetscratch.io.checkpoint")
        ),
    ),
    (
        "Activations and losses",
        "",
        lambda mod, name: (
            mod in ("sknetscratch.nn.activations", "sknetscratch.nn.losses")
        ),
    ),
    (
        "Gradient checking",
        "",
        lambda mod, name: mod == "sknetscratch.training.gradcheck",
    ),
    (
        "Bringing models in",
        "Networks trained elsewhere as fitted estimators: a scikit-learn "
        "``MLPClassifier`` / ``MLPRegressor`` with its optimizer state "
        "(``from_sklearn``), a core ``Model`` (``adopt_model``, in the "
        "estimators group); weights set by hand on ``coefs_`` / ``intercepts_`` "
        "are the model too.",
        lambda mod, name: mod.startswith("sknetscratch.io.importers"),
    ),
    (
        "Persistence and export",
        "Safe model files (:doc:`persistence`) and ONNX export (:doc:`onnx`; needs "
        "the ``[onnx]`` extra).",
        lambda mod, name: mod.startswith(
            ("sknetscratch.io.persistence", "sknetscratch.io.onnx")
        ),
    ),
]


def _code(names) -> str:
    """```a```, ```b``` as MyST inline code, comma separated."""
    return ", ".join(f"`{n}`" for n in names)


def registries() -> dict[str, list[str]]:
    """The registered names, from the registries and ``__all__``."""
    import sknetscratch
    from sknetscratch.nn import layers
    from sknetscratch.optim import OPTIMIZERS
    from sknetscratch.training import callbacks

    return {
        "activations": list(sknetscratch.ACTIVATIONS),
        "activation_classes": sorted(
            {cls.__name__ for cls in sknetscratch.ACTIVATIONS.values()}
        ),
        "losses": list(sknetscratch.LOSSES),
        "optimizers": [cls.__name__ for cls in OPTIMIZERS.values()],
        "optimizer_names": list(OPTIMIZERS),
        "schedules": list(sknetscratch.SCHEDULES),
        "schedule_classes": [cls.__name__ for cls in sknetscratch.SCHEDULES.values()],
        "layers": [n for n in layers.__all__ if n != "Layer"],
        "callbacks": [
            n
            for n in callbacks.__all__
            if isinstance(getattr(callbacks, n), type)
            and issubclass(getattr(callbacks, n), callbacks.Callback)
            and n != "Callback"
        ],
    }


def substitutions() -> dict[str, str]:
    """The MyST substitutions the pages use: ``{{ layers }}`` and so on."""
    reg = registries()
    return {
        "activations": _code(reg["activations"]),
        "n_activation_names": str(len(reg["activations"])),
        "n_activation_classes": str(len(reg["activation_classes"])),
        "losses": _code(reg["losses"]),
        "optimizers": _code(reg["optimizers"]),
        "optimizer_names": _code(reg["optimizer_names"]),
        "schedules": _code(reg["schedules"]),
        "schedule_classes": _code(reg["schedule_classes"]),
        "layers": _code(reg["layers"]),
        "callbacks": _code(reg["callbacks"]),
    }


#: What the registries are for, after "dict from a name to its ... subclass".
REGISTRY_USE = {
    "ACTIVATIONS": "the names that :func:`get_activation`, :class:`DenseBlock` and "
    "the estimators' ``activation`` parameter accept.",
    "LOSSES": "each fused with the output activation it expects (:doc:`derivation`, "
    "section 6); those with parameters are built with their defaults (pass an "
    "instance to ``Model.compile`` for others).",
    "SCHEDULES": "the names :func:`get_schedule` accepts.",
}


def _registry_doc(name: str, value) -> list[str]:
    keys = ", ".join(f'``"{k}"``' for k in value)
    kind = {"ACTIVATIONS": "ActivationFunction", "LOSSES": "Loss"}.get(
        name, "LearningRateSchedule"
    )
    by_class: dict = {}
    for key, cls in value.items():
        by_class.setdefault(cls, []).append(key)
    aliases = [" and ".join(f'``"{k}"``' for k in keys_) for keys_ in by_class.values()]
    aliases = [a for a in aliases if " and " in a]
    lines = [
        f".. data:: {name}",
        "",
        f"   ``dict`` from a name to its :class:`{kind}` subclass: {keys}; "
        + REGISTRY_USE.get(name, ""),
    ]
    if aliases:
        lines.append(
            "   Some classes are registered under two names: "
            + ", ".join(aliases)
            + "."
        )
    return lines + [""]


def api_names_rst() -> str:
    """The autosummary sections of the API reference, from ``__all__``."""
    import sknetscratch

    lines = [
        ".. This file is generated by docs/_sphinxext/from_code.py: do not edit.",
        "",
        ".. currentmodule:: sknetscratch",
        "",
    ]
    data, left = [], []
    grouped: dict[str, list[str]] = {title: [] for title, _, _ in GROUPS}
    for name in sknetscratch.__all__:
        obj = getattr(sknetscratch, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            data.append(name)
            continue
        for title, _, claims in GROUPS:
            if claims(obj.__module__, name):
                grouped[title].append(name)
                break
        else:
            left.append(name)
    sections = [(title, intro, grouped[title]) for title, intro, _ in GROUPS]
    if left:
        sections.append(("Other public names", "", left))
    for title, intro, names in sections:
        if not names:
            continue
        lines += [title, "=" * len(title), ""]
        if intro:
            lines += [intro, ""]
        lines += [
            ".. autosummary::",
            "   :toctree: generated/",
            "   :nosignatures:",
            "",
        ]
        lines += [f"   {n}" for n in names] + [""]
    lines += ["Registries and version", "=" * 22, ""]
    for name in data:
        value = getattr(sknetscratch, name)
        if isinstance(value, dict):
            lines += _registry_doc(name, value)
        else:
            lines += [f".. data:: {name}", "", f"   ``{value!r}``", ""]
    return "\n".join(lines)


def _write_api_names(app, config) -> None:
    text = api_names_rst()
    if not API_NAMES.is_file() or API_NAMES.read_text(encoding="utf-8") != text:
        API_NAMES.write_text(text, encoding="utf-8")
    subs = dict(config.myst_substitutions or {})
    subs.update(substitutions())
    config.myst_substitutions = subs


def setup(app):
    # before autosummary reads the files it generates stubs for (builder-inited)
    app.connect("config-inited", _write_api_names, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
