"""The JSON document of a file: its header, and writing and reading a whole file
(the archive with the document in it), for :func:`save`, :func:`load` and the
pipeline functions alike."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..._version import __version__
from ._archive import atomic_write, read_file
from ._decode import Decoder
from ._format import FORMAT_MARKER, FORMAT_VERSION, META_KEY, Refused, field

__all__ = ["MAX_METADATA_BYTES", "document", "load_document", "write_document"]

#: Largest JSON document (in bytes of its array) that :func:`load_document` reads
#: and :func:`write_document` writes: parsing JSON can take some 20 times its size
#: in memory.
MAX_METADATA_BYTES = 16 * 2**20


def document(content: dict) -> dict:
    """The saved JSON document: the format's header around ``content``.

    Parameters
    ----------
    content : dict
        What the file holds (``{"type": "model", ...}``, an estimator or a
        pipeline), encoded.

    Returns
    -------
    dict
        With the format marker and version, and the versions of sknetscratch and
        NumPy that write it.
    """
    return {
        "format": FORMAT_MARKER,
        "format_version": FORMAT_VERSION,
        "sknetscratch_version": __version__,
        "numpy_version": np.__version__,
        "content": content,
    }


def write_document(
    doc: dict, arrays: dict[str, np.ndarray], path: str | os.PathLike[str], what: str
) -> None:
    """Write the JSON ``doc`` and ``arrays`` to ``path``, atomically.

    Parameters
    ----------
    doc : dict
        The document, as :func:`document` makes it.
    arrays : dict of str to ndarray
        The arrays it refers to; the document is added as one more member.
    path : str or os.PathLike
        The target file, replaced atomically.
    what : str
        What is saved, for the message.

    Raises
    ------
    ValueError
        If the JSON document would be larger than :data:`MAX_METADATA_BYTES`
        (the file would not load); nothing is written then.
    NotARegularFileError
        If ``path`` exists and is not a regular file (a directory, a FIFO, a
        device); nothing is written (see :mod:`sknetscratch.training.files`).
    """
    meta = json.dumps(doc, allow_nan=False).encode("utf-8")
    if len(meta) > MAX_METADATA_BYTES:  # load() would refuse the file
        raise ValueError(
            f"Cannot save {what}: its JSON description takes {len(meta)} bytes, "
            f"more than the {MAX_METADATA_BYTES} that load() accepts."
        )
    arrays[META_KEY] = np.frombuffer(meta, dtype=np.uint8)
    atomic_write(path, arrays, f"the {what}")


def load_document(
    path: str | os.PathLike[str], decode: Callable[[Decoder, dict], Any]
) -> Any:
    """Read and check the file at ``path``, then ``decode(decoder, content)``.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`write_document`.
    decode : callable
        ``decode(decoder, content)`` rebuilds the object from the document's
        content with a :class:`Decoder` of the file's arrays; it raises
        :class:`Refused` for anything it does not allow.

    Returns
    -------
    object
        What ``decode`` returns.

    Raises
    ------
    ValueError
        If the file is refused, or its content is refused or malformed; the
        message names the file.

    Warns
    -----
    UserWarning
        If another version of sknetscratch wrote the file.
    """
    source = os.fspath(path)
    doc, arrays = read_file(path, source, MAX_METADATA_BYTES)
    saved_version = doc.get("sknetscratch_version")
    if saved_version != __version__:
        warnings.warn(
            f"{source!r} was saved with sknetscratch {saved_version}; this is "
            f"sknetscratch {__version__}. Check the loaded object before relying on it.",
            UserWarning,
            stacklevel=3,
        )
    try:
        return decode(Decoder(arrays), field(doc, "content", dict, "the document"))
    except Refused as exc:
        raise ValueError(f"Refusing to load {source!r}: {exc}.") from None
    except (
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        ArithmeticError,
        IndexError,
        RecursionError,
    ) as exc:
        raise ValueError(
            f"Refusing to load {source!r}: malformed content "
            f"({type(exc).__name__}: {exc})."
        ) from None
