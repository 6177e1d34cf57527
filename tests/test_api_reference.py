"""The API reference page lists every public name of the package."""

import re
from pathlib import Path

import sknetscratch

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"


def test_every_public_name_is_in_the_api_reference():
    text = API.read_text()
    listed = set(re.findall(r"^   (\w+)$", text, re.M))  # autosummary entries
    listed |= set(re.findall(r"^\.\. data:: (\w+)$", text, re.M))
    public = set(sknetscratch.__all__) - {"__version__"}
    assert sorted(public - listed) == []
