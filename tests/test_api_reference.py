"""The API reference page lists every public name of the package.

``docs/api.rst`` includes the autosummary lists that
``docs/_sphinxext/from_code.py`` generates from ``__all__`` at build time; the
check reads both, as the page is built. ``tests/test_docs.py`` checks the
built page itself.
"""

import re
import sys
from pathlib import Path

import sknetscratch

DOCS = Path(__file__).resolve().parents[1] / "docs"
API = DOCS / "api.rst"


def api_page_source() -> str:
    sys.path.insert(0, str(DOCS / "_sphinxext"))
    try:
        from from_code import api_names_rst
    finally:
        sys.path.remove(str(DOCS / "_sphinxext"))
    text = API.read_text()
    assert ".. include:: _api_names.rst" in text
    return text + "\n" + api_names_rst()


def test_every_public_name_is_in_the_api_reference():
    text = api_page_source()
    listed = set(re.findall(r"^   (\w+)$", text, re.M))  # autosummary entries
    listed |= set(re.findall(r"^\.\. data:: (\w+)$", text, re.M))
    public = set(sknetscratch.__all__)
    assert sorted(public - listed) == []
