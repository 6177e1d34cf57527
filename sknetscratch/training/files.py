"""Writing files safely: a temporary file in the target's folder, renamed into place.

Every file sknetscratch writes (:func:`sknetscratch.save`, ``save_pipeline``,
``ModelCheckpoint``, :class:`~sknetscratch.CSVLogger`) goes through this module,
the lowest layer that writes files (the core's ``CSVLogger`` needs it; ``io``
builds on it):

* :func:`check_target` refuses, before any work, a path that exists and is not a
  regular file (a directory, a FIFO, a device, a socket): renaming a new file
  onto it would replace a FIFO or a device such as ``/dev/null`` with a regular
  file. A symbolic link is followed: the file it points to is replaced, the
  link stays.
* :func:`atomic_write` writes to a new temporary file next to the target,
  flushes and fsyncs it, then moves it onto the target with :func:`os.replace`;
  on any error the temporary file is removed and an existing target is
  untouched.

NumPy and the standard library only.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable
from typing import IO, Any

__all__ = [
    "NotARegularFileError",
    "atomic_write",
    "check_target",
    "create_temp",
    "replace",
]


class NotARegularFileError(OSError, ValueError):
    """A path to write exists and is not a regular file (a directory, a FIFO, a
    device or a socket); nothing was written.

    An :class:`OSError` and a :class:`ValueError`, so that code catching either
    for a file it cannot write catches it.
    """


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _regular_or_absent(target: str, given: str, what: str) -> int | None:
    """The mode of ``target``, None if it does not exist; a NotARegularFileError
    if it is anything but a regular file (a folder, a FIFO, a device...)."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(mode):
        raise NotARegularFileError(
            f"Refusing to write {what} to {given!r}: it is {_kind(mode)}, not a "
            "regular file."
        )
    return mode


def check_target(path: str | os.PathLike[str], what: str = "the file") -> str:
    """The real path to write ``path`` at, checked before any work is done.

    Parameters
    ----------
    path : str or os.PathLike
        Where the file will be written; it may exist (as a regular file, or a
        symbolic link to one) and will then be replaced.
    what : str, default="the file"
        What is written, for the messages (``"the model"``, ``"the log"``).

    Returns
    -------
    target : str
        The absolute path, symbolic links resolved, where the new file goes.

    Raises
    ------
    NotARegularFileError
        If ``path`` exists and is a directory, a FIFO, a device or a socket.
    FileNotFoundError
        If the folder of ``path`` does not exist.
    NotADirectoryError
        If the folder of ``path`` is not a directory.
    PermissionError
        If the folder of ``path`` cannot be written.

    Examples
    --------
    >>> import os, tempfile
    >>> from sknetscratch.training.files import check_target
    >>> folder = tempfile.mkdtemp()
    >>> check_target(os.path.join(folder, "model.npz")) == os.path.realpath(
    ...     os.path.join(folder, "model.npz"))
    True
    >>> check_target(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sknetscratch.training.files.NotARegularFileError: Refusing to write the file to '...': it is a directory, not a regular file.
    """
    given = os.fspath(path)
    if not isinstance(given, str):
        raise TypeError(f"The path to write {what} to must be a str; got {given!r}.")
    target = os.path.realpath(given)
    _regular_or_absent(target, given, what)
    folder = os.path.dirname(target)
    if not os.path.exists(folder):
        raise FileNotFoundError(
            f"Cannot write {what} to {given!r}: the folder {os.path.dirname(given) or '.'!r} "
            "does not exist."
        )
    if not os.path.isdir(folder):
        raise NotADirectoryError(
            f"Cannot write {what} to {given!r}: {os.path.dirname(given)!r} is not a "
            "folder."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(
            f"Cannot write {what} to {given!r}: the folder "
            f"{os.path.dirname(given) or '.'!r} is not writable."
        )
    return target


def create_temp(target: str) -> tuple[int, str]:
    """Create a new, empty temporary file next to ``target``.

    Parameters
    ----------
    target : str
        The absolute path the file will be renamed to (as :func:`check_target`
        returns it).

    Returns
    -------
    fd : int
        The file descriptor, open for writing.
    name : str
        The temporary file's path: ``.<name>.<random>.tmp`` in the target's
        folder, created with mode 0o666 less the umask.
    """
    directory, base = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(f"Could not create a temporary file in {directory!r}.")


def replace(tmp: str, target: str, given: str, what: str) -> None:
    """Move the complete temporary file ``tmp`` onto ``target``.

    The target is checked once more just before (it may have become a FIFO or a
    directory since :func:`check_target`); an existing regular target's
    permissions are kept. The rename is made durable by syncing the folder,
    where the system allows it.

    Parameters
    ----------
    tmp : str
        The temporary file, flushed and closed (or synced).
    target : str
        Its destination, from :func:`check_target`.
    given : str
        The path as the user gave it, for the messages.
    what : str
        What is written, for the messages.
    """
    mode = _regular_or_absent(target, given, what)
    if mode is not None:
        with contextlib.suppress(OSError):  # keep the permissions of a replaced file
            os.chmod(tmp, stat.S_IMODE(mode))
    os.replace(tmp, target)
    with contextlib.suppress(OSError, AttributeError):  # POSIX only
        dir_fd = os.open(os.path.dirname(target), os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write(
    path: str | os.PathLike[str],
    write: Callable[[IO[Any]], object],
    what: str = "the file",
    *,
    binary: bool = True,
    newline: str | None = None,
) -> None:
    """Write a file atomically: ``write(fh)`` into a temporary file, then rename.

    Parameters
    ----------
    path : str or os.PathLike
        The target; checked with :func:`check_target` before ``write`` runs.
    write : callable
        ``write(fh)`` writes the whole content to the open file ``fh``.
    what : str, default="the file"
        What is written, for the messages.
    binary : bool, default=True
        Open ``fh`` in binary mode, else as UTF-8 text.
    newline : str or None, default=None
        ``open``'s ``newline``, in text mode.

    Raises
    ------
    NotARegularFileError, FileNotFoundError, PermissionError
        From :func:`check_target`, before ``write`` is called.

    Examples
    --------
    >>> import os, tempfile
    >>> from sknetscratch.training.files import atomic_write
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> atomic_write(path, lambda fh: fh.write("hello"), binary=False)
    >>> with open(path) as fh:
    ...     fh.read()
    'hello'
    """
    given = os.fspath(path)
    target = check_target(given, what)
    fd, tmp = create_temp(target)
    try:
        if binary:
            fh = open(fd, "wb")  # noqa: SIM115
        else:
            fh = open(fd, "w", encoding="utf-8", newline=newline)  # noqa: SIM115
        with fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        replace(tmp, target, given, what)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
