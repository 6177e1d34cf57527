"""Every public class and function has a numpydoc docstring with an example
(``--doctest-modules`` runs the examples)."""

import inspect

import pytest

import sknetscratch

PUBLIC = [
    name
    for name in sknetscratch.__all__
    if inspect.isclass(getattr(sknetscratch, name))
    or inspect.isfunction(getattr(sknetscratch, name))
]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_has_a_docstring_example(name):
    doc = inspect.getdoc(getattr(sknetscratch, name)) or ""
    assert doc.strip(), f"{name} has no docstring"
    assert "Examples\n--------" in doc and ">>> " in doc, f"{name}: no Examples section"
