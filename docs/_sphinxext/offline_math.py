"""MathJax 3 served with the site, so that formulas render without a network.

Sphinx's ``sphinx.ext.mathjax`` loads MathJax from a CDN by default; offline,
every formula then shows as TeX source. This extension points it at a copy of
MathJax 3 (the ``tex-chtml`` component and its web fonts) taken from the
``sphinx-mathjax-offline`` package on PyPI (in the ``[docs]`` extra), copied to
``_static/mathjax/`` of the built site: the pages load no script, font or style
from another host (``tests/test_docs.py`` checks it, and renders the
derivation page in a headless Chromium without a network).

MathJax was chosen over build-time rendering for the look of the formulas: its
CommonHTML output with its own TeX fonts is what the derivation was written
for (``aligned``, ``\\operatorname``, ``\\tfrac``, matrices), while the
pure-Python TeX-to-MathML converters leave the glyphs to the browser's fonts.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util.fileutil import copy_asset

#: The package's import name has dashes; ``find_spec`` finds it all the same.
PACKAGE = "sphinx-mathjax-offline"
#: What MathJax's ``tex-chtml.js`` loads: itself, its fonts, and the components
#: it loads on demand (TeX extensions, the accessibility menu).
PARTS = ["tex-chtml.js", "output", "input", "a11y", "ui", "sre", "adaptors"]


def mathjax_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionError(
            f"{PACKAGE} is not installed: python -m pip install '.[docs]'"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"
    if not (path / "tex-chtml.js").is_file():
        raise ExtensionError(f"no tex-chtml.js in {path}")
    return path


def _copy_mathjax(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    source, target = mathjax_dir(), Path(app.outdir, "_static", "mathjax")
    for part in PARTS:
        if (source / part).is_dir():
            copy_asset(source / part, target / part)
        else:
            target.mkdir(parents=True, exist_ok=True)
            copy_asset(source / part, target)


def _use_local_mathjax(app, config) -> None:
    mathjax_dir()  # fail early, with the install command, if it is missing
    config.mathjax_path = "mathjax/tex-chtml.js"  # relative: under _static/


def setup(app):
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", _use_local_mathjax)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
