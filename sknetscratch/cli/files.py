"""The command's output files: checked before any work (not a device, a FIFO
or a folder; a folder that can be written; no output that is an input or
another output), written whole or not at all (a temporary file in the same
folder, renamed into place), and the digest that recognises the training file.

A problem raises :class:`~sknetscratch.io.csv.DataError` (exit status 1).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile

from ..io.csv import DataError

__all__ = ["atomic_output", "check_paths", "file_digest"]


def _check_output(path: str, option: str) -> None:
    """Fail before any work if ``path`` cannot be written: it exists and is not
    a regular file, or its folder is missing or refuses a new file."""
    folder = os.path.dirname(path) or "."
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise DataError(f"{option} {path}: {exc.strerror or exc}.") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise DataError(f"{option} {path}: is a directory; give a file name.")
    if mode is not None and not stat.S_ISREG(mode):
        raise DataError(
            f"{option} {path}: exists and is not a regular file (a device, a FIFO or "
            "a socket); it will not be replaced. Give another file name."
        )
    if not os.path.isdir(folder):
        raise DataError(f"{option} {path}: the folder {folder} does not exist.")
    try:  # the only sure test: make (and remove) a file there
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".sknetscratch-", suffix=".tmp")
    except OSError as exc:
        raise DataError(
            f"{option} {path}: cannot write in the folder {folder} "
            f"({exc.strerror or exc})."
        ) from None
    os.close(fd)
    os.unlink(probe)


def _same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (through links and ``..`` too)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links; False if either is missing
    except OSError:
        return False


def check_paths(inputs: dict[str, str], outputs: dict[str, str | None]) -> None:
    """Fail before any work if an output cannot be written, or if two of the
    files (inputs and outputs, keyed by how the message names them) are one.

    Parameters
    ----------
    inputs : dict of str to str
        The files read, keyed by how a message names them (``"the data file"``).
    outputs : dict of str to str or None
        The files written, keyed by their option (``"--out"``); None is none.

    Raises
    ------
    DataError
        If an output exists and is not a regular file, if its folder is missing
        or cannot be written, or if two of the files are one (also through links).
    """
    outputs = {what: path for what, path in outputs.items() if path is not None}
    for option, path in outputs.items():
        _check_output(path, option)
    named = [(f"{what} {path}", path) for what, path in inputs.items()]
    named += [(f"{option} {path}", path) for option, path in outputs.items()]
    for i, (what, path) in enumerate(named):
        for other, other_path in named[:i]:
            if _same_file(path, other_path):
                raise DataError(
                    f"{what}: the same file as {other}; "
                    "give every output a file of its own."
                )


@contextlib.contextmanager
def atomic_output(path: str, option: str, text: bool = True):
    """Write ``path`` whole or not at all: yield a temporary file in its folder
    (an open text stream, or its path when ``text`` is False), renamed onto
    ``path`` when the block ends normally and removed otherwise.

    Parameters
    ----------
    path : str
        The file to write.
    option : str
        The option that named it, for messages.
    text : bool, default=True
        Yield an open text stream (``newline=""``) rather than a path.

    Raises
    ------
    DataError
        If ``path`` has become something other than a regular file, or the
        file cannot be written (a full disk, a size limit).
    """
    _check_output(path, option)
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
    )
    try:
        try:
            if text:
                with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
                    yield fh
                    fh.flush()
                    os.fsync(fh.fileno())
            else:
                os.close(fd)
                yield tmp
            mode = os.stat(path).st_mode if os.path.lexists(path) else None
            if mode is not None and not stat.S_ISREG(mode):
                raise DataError(f"{option} {path}: is no longer a regular file.")
            os.replace(tmp, path)
        except OSError as exc:
            raise DataError(
                f"{option} {path}: cannot be written ({exc.strerror or exc}); "
                "any earlier file there is unchanged."
            ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def file_digest(path: str) -> str:
    """The SHA-256 of a file, in hex (to recognise the training file)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
