"""The command line, ``sknetscratch`` (also ``python -m sknetscratch``): the
parser (:mod:`.parser`), the commands (:mod:`.commands`) and the demo
(:mod:`.demo`). The top layer: it imports the estimators and :mod:`..io`."""

from .parser import main

__all__ = ["main"]
