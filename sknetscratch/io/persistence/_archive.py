"""The archive: atomic writing of the ``.npz`` file, and reading it back with the
zip directory, every ``.npy`` header and the JSON document checked first."""

from __future__ import annotations

import json
import math
import os
import tokenize
import zipfile
from typing import Any

import numpy as np

from ...training import files
from ._format import ARRAY_KINDS, FORMAT_MARKER, FORMAT_VERSION, META_KEY, Refused


# ----------------------------------------------------------------------------- write
def write_archive(fh: Any, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an ``.npz`` archive to the open binary file ``fh``.

    Parameters
    ----------
    fh : file object
        Open for writing, in binary mode.
    arrays : dict of str to ndarray
        The members; none of dtype object (nothing is pickled).
    """
    assert all(a.dtype.kind != "O" for a in arrays.values())  # never pickled
    np.savez(fh, **arrays)


def atomic_write(
    path: str | os.PathLike[str], arrays: dict[str, np.ndarray], what: str = "the model"
) -> None:
    """Write ``arrays`` to ``path`` as an ``.npz`` archive, atomically.

    The archive goes to a new temporary file in the target's directory, which is
    flushed and fsynced, then moved onto ``path`` with :func:`os.replace`; on any
    error the temporary file is removed and an existing ``path`` is untouched
    (:func:`sknetscratch.training.files.atomic_write`). A ``path`` that exists and
    is not a regular file (a directory, a FIFO, a device) is refused before
    anything is written.

    Parameters
    ----------
    path : str or os.PathLike
        The target file.
    arrays : dict of str to ndarray
        The members, as :func:`write_archive` takes them.
    what : str, default="the model"
        What is saved, for the messages.
    """
    files.atomic_write(path, lambda fh: write_archive(fh, arrays), what)


# ----------------------------------------------------------------------------- read
#: What NumPy's ``.npy`` header parser raises on a damaged header: it tokenizes
#: the header (:mod:`tokenize`) and evaluates it with :func:`ast.literal_eval`,
#: so besides ValueError a damaged header gives TokenError, SyntaxError (and
#: IndentationError), TypeError, RecursionError or MemoryError.
HEADER_ERRORS = (
    ValueError,
    TypeError,
    SyntaxError,
    tokenize.TokenError,
    RecursionError,
    MemoryError,
    KeyError,
    IndexError,
    OverflowError,
    UnicodeError,
)


def _reject_constant(name: str) -> Any:
    raise Refused(f"the JSON document contains the non-standard constant {name}")


def _archive_members(zf: zipfile.ZipFile, file_size: int) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by array name, checked from the zip directory alone.

    Every member must be an uncompressed ``.npy`` member, as :func:`numpy.savez`
    writes them, so no member can hold more data than it takes in the file; and
    the members together cannot claim more bytes than the file has, so that
    members overlapping in the file cannot multiply its data either.
    """
    members: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        name = info.filename
        if not name.endswith(".npy") or info.is_dir():
            raise Refused(
                f"it is not a sknetscratch model file (member {name!r} is not a "
                ".npy array)"
            )
        if name[:-4] in members:
            raise Refused(f"member {name!r} appears twice in the archive")
        if info.flag_bits & 0x1:
            raise Refused(f"member {name!r} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED:
            raise Refused(
                f"member {name!r} is compressed; save() writes uncompressed "
                "archives, and compressed members are never read"
            )
        if info.compress_size != info.file_size:
            raise Refused(
                f"member {name!r} has inconsistent sizes in the zip directory"
            )
        members[name[:-4]] = info
    total = sum(info.file_size for info in members.values())
    if total > file_size:
        raise Refused(
            f"its members claim {total} bytes, more than the {file_size} bytes of "
            "the file"
        )
    return members


def _array_header(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, key: str
) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a member's ``.npy`` header, checked against its size."""
    try:
        with zf.open(info) as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise Refused(
                    f"member {key!r} uses .npy format version {version}, which is "
                    "not read"
                )
            header_size = fh.tell()
    except Refused:
        raise
    except HEADER_ERRORS as exc:
        raise Refused(
            f"member {key!r} is not a valid .npy array (its header is damaged: "
            f"{type(exc).__name__}: {exc})"
        ) from None
    if dtype.hasobject:
        raise Refused(
            f"member {key!r} is an object array (pickled data), which is never loaded"
        )
    # (zero-size items, as in "<U0", would let any number of elements take no bytes)
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or not dtype.itemsize:
        raise Refused(f"member {key!r} has unsupported dtype {dtype}")
    if any(n < 0 for n in shape):
        raise Refused(f"member {key!r} has the invalid shape {shape}")
    nbytes = math.prod(shape) * dtype.itemsize
    if header_size + nbytes != info.file_size:
        raise Refused(
            f"member {key!r} declares {nbytes} bytes of data (shape {shape}, dtype "
            f"{dtype}) but holds {info.file_size - header_size}"
        )
    return shape, dtype


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """The array in a member whose header :func:`_array_header` has checked."""
    with zf.open(info) as fh:  # the zip CRC is verified on reading the last byte
        return np.lib.format.read_array(fh, allow_pickle=False)


def _parse_document(meta: np.ndarray) -> dict:
    """The JSON document in the metadata array, with its format marker and version
    checked."""
    try:
        if meta.dtype.kind == "U":
            text = str(meta.reshape(()).item())
        else:
            text = meta.tobytes().decode("utf-8")
        doc = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise Refused(f"its JSON metadata is invalid ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_MARKER:
        raise Refused(
            f"it is not a sknetscratch model file (the {FORMAT_MARKER!r} format "
            "marker is missing)"
        )
    version = doc.get("format_version")
    if type(version) is not int or version < 1:
        raise Refused(f"invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise Refused(
            f"it uses file format version {version}, but this sknetscratch supports "
            f"format version {FORMAT_VERSION} only. Upgrade sknetscratch to load it"
        )
    return doc


def read_file(
    path: str | os.PathLike[str], source: str, max_metadata_bytes: int
) -> tuple[dict, dict[str, np.ndarray]]:
    """The JSON document and the arrays of the file at ``path``, read without pickle.

    Everything is checked before it is read: the zip directory, then every
    member's ``.npy`` header, then the metadata member (size, then content), and
    only then the arrays, none of which can be larger than its share of the file.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    source : str
        How messages name the file.
    max_metadata_bytes : int
        The largest JSON document accepted, in bytes.

    Returns
    -------
    doc : dict
        The JSON document, its format marker and version checked.
    arrays : dict of str to ndarray
        The other members.

    Raises
    ------
    ValueError
        If the file is refused; the message names ``source``.
    """
    with open(path, "rb") as fh:
        try:
            if not zipfile.is_zipfile(fh):
                raise Refused(
                    "it is not a sknetscratch model file (not a NumPy .npz / zip "
                    "archive)"
                )
            fh.seek(0)
            with zipfile.ZipFile(fh) as zf:
                members = _archive_members(zf, os.fstat(fh.fileno()).st_size)
                headers = {
                    key: _array_header(zf, info, key) for key, info in members.items()
                }
                if META_KEY not in members:
                    raise Refused(
                        "it is not a sknetscratch model file (no "
                        f"{FORMAT_MARKER!r} format marker)"
                    )
                shape, dtype = headers[META_KEY]
                if not (
                    (dtype == np.uint8 and len(shape) == 1)
                    or (dtype.kind == "U" and math.prod(shape) == 1)
                ):
                    raise Refused("the metadata is neither a uint8 nor a string array")
                if math.prod(shape) * dtype.itemsize > max_metadata_bytes:
                    raise Refused(
                        f"its JSON metadata is larger than {max_metadata_bytes} bytes"
                    )
                doc = _parse_document(_read_member(zf, members[META_KEY]))
                arrays = {
                    key: _read_member(zf, info)
                    for key, info in members.items()
                    if key != META_KEY
                }
        except Refused as exc:
            raise ValueError(f"Refusing to load {source!r}: {exc}.") from None
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            EOFError,
            OSError,
            NotImplementedError,
            *HEADER_ERRORS,
        ) as exc:
            raise ValueError(
                f"Refusing to load {source!r}: the archive is corrupt or not a "
                f"sknetscratch model file ({type(exc).__name__}: {exc})."
            ) from None
    return doc, arrays
