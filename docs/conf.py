"""Sphinx configuration of the sknetscratch documentation site.

Build (from the repository root, with ``pip install ".[docs]"``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The stack is scikit-learn's own: autodoc + autosummary + numpydoc for the API
reference, sphinx-gallery for ``examples/``, the PyData theme, and MyST so the
pages written in Markdown stay readable on GitHub. Nothing here reaches the
network (no intersphinx): the build runs on machines without internet.
"""

import os
import re
import sys
from pathlib import Path

from threadpoolctl import threadpool_limits

import sknetscratch

DOCS = Path(__file__).resolve().parent

# The gallery runs the examples in this process. One BLAS thread keeps the
# build modest on small shared machines (CI's has 2 cores): with the default
# threads, under load, a digits fold of compare_with_sklearn.py took 5x longer.
threadpool_limits(limits=1)
sys.path.insert(0, str(DOCS / "_sphinxext"))

from gallery_order import ORDER  # noqa: E402

project = "sknetscratch"
author = "the sknetscratch developers"
copyright = "the sknetscratch developers, BSD 3-Clause"
release = sknetscratch.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    # sphinx-gallery writes these next to the pages; they are not pages.
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
]

# Pages another branch may add. user_guide.md lists them in its toctree; while
# a page's file is absent, its line is dropped from that toctree when the page
# is read (``_drop_missing_optional_pages``), so the build does not fail on it.
OPTIONAL_PAGES = ["dask"]

# -- MyST (Markdown pages) --------------------------------------------------
myst_enable_extensions = [
    "dollarmath",  # $...$ and $$...$$, as GitHub renders them
    "amsmath",  # \begin{aligned} ... blocks
    "colon_fence",
    "deflist",
]
myst_dmath_double_inline = True
myst_heading_anchors = 3  # [text](page.md#a-heading) links resolve

# -- autodoc / autosummary / numpydoc ----------------------------------------
default_role = "literal"  # `x` in a docstring is code, as in scikit-learn's docs
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc's "Parameters" already give the types
autoclass_content = "class"  # __init__ is documented in the class docstring
numpydoc_show_class_members = False  # the autosummary class template lists them
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- sphinx-gallery -------------------------------------------------------------
# The gallery runs the examples listed in _sphinxext/gallery_order.py; scripts
# that need an optional extra or a service are left out of the gallery (the
# test suite still runs them: tests/test_examples.py).
GALLERY_IGNORE = r"(__init__|onnx_export|.*dask.*)\.py$"
GALLERY_RUN = (
    re.escape(os.sep)
    + "("
    + "|".join(re.escape(Path(name).stem) for name in ORDER)
    + r")\.py$"
)
sphinx_gallery_conf = {
    "examples_dirs": str(DOCS.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": GALLERY_RUN,
    "ignore_pattern": GALLERY_IGNORE,
    "within_subsection_order": "gallery_order.ExampleOrder",
    # "Examples using X" at the end of each API page
    "doc_module": ("sknetscratch",),
    "backreferences_dir": "gen_modules/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,  # a failing example fails the build
    "min_reported_time": 1,
    "show_memory": False,
    "matplotlib_animations": False,
    "image_srcset": [],
}

# -- HTML -------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sknetscratch {release}"
html_static_path = []
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 7,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"index": [], "getting_started": [], "comparison": []}


# -- hooks ------------------------------------------------------------------------
def _drop_missing_optional_pages(app, docname, source):
    """Remove the toctree line of each optional page whose file is absent."""
    if docname != "user_guide":
        return
    for page in OPTIONAL_PAGES:
        if not (DOCS / f"{page}.md").exists() and not (DOCS / f"{page}.rst").exists():
            source[0] = re.sub(rf"(?m)^{re.escape(page)}\n", "", source[0])


def setup(app):
    app.connect("source-read", _drop_missing_optional_pages)
