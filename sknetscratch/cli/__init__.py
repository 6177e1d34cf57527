"""The command line, ``sknetscratch`` (also ``python -m sknetscratch``): the
parser (:mod:`.parser`), the commands (:mod:`.train`, :mod:`.predict`,
:mod:`.summary`, :mod:`.demo`) and what they share (:mod:`.common`). The top
layer: it imports the estimators and :mod:`..io`."""

from .parser import main

__all__ = ["main"]
