"""The command line, ``sknetscratch`` (also ``python -m sknetscratch``): the
parser (:mod:`.parser`), the commands (:mod:`.train`, :mod:`.predict`,
:mod:`.summary`, :mod:`.demo`), what ``train`` fits (:mod:`.pipeline`) and
draws (:mod:`.plot`), and what the commands share: names and report lines
(:mod:`.common`), progress lines (:mod:`.progress`), output files
(:mod:`.files`) and model files (:mod:`.models`). The top layer: it imports the
estimators and :mod:`..io`."""

from .parser import main

__all__ = ["main"]
