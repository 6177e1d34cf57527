"""Tables for the command line, read with pandas.

:func:`read_table` reads a delimited text file the way a user expects from a
spreadsheet export: the separator is sniffed (comma, semicolon, tab or bar),
the encoding is UTF-8 (with or without a byte-order mark) or else latin-1, a
gzip, bz2, xz, zstd or zip file is decompressed, the usual missing-value
markers (empty, ``NA``, ``NaN``, ``null``, ...) are missing values, and quoted
fields may hold separators and line breaks. Columns named in ``text_columns``
are kept as the strings in the file (labels ``10`` and ``1_0`` stay apart, so
do ``1`` and ``1.0``).

Every problem a user can cause (a missing file, an empty one, a JSON file, a
ragged row) raises :class:`DataError` with a message that names the file.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["PANDAS_HINT", "DataError", "read_table", "write_csv"]

#: How to install what the command line needs to read tables.
PANDAS_HINT = 'pip install "pandas>=2" (a dependency of sknetscratch)'
_SAMPLE = 1 << 16
_SEPARATORS = ",;\t|"


class DataError(Exception):
    """A problem with the user's data or model file (exit code 1, no traceback)."""


def pandas() -> Any:
    """The pandas module, or a :class:`DataError` saying how to install it."""
    try:
        import pandas as pd
    except ImportError:
        raise DataError(
            f"reading tables needs pandas, which is not installed: {PANDAS_HINT}"
        ) from None
    return pd


def _head(path: str) -> tuple[bytes, str | None]:
    """The first bytes of the file (decompressed) and its compression."""
    with open(path, "rb") as fh:
        magic = fh.read(6)
        fh.seek(0)
        if magic.startswith(b"\x1f\x8b"):
            with gzip.open(fh) as gz:
                try:
                    return gz.read(_SAMPLE), "gzip"
                except (OSError, EOFError) as exc:
                    raise DataError(f"{path}: a damaged gzip file ({exc}).") from None
        if magic.startswith(b"PK\x03\x04"):
            return b"", "zip"
        for prefix, kind in ((b"BZh", "bz2"), (b"\xfd7zXZ", "xz")):
            if magic.startswith(prefix):
                return b"", kind
        if magic.startswith(b"\x28\xb5\x2f\xfd"):
            return b"", "zstd"
        return fh.read(_SAMPLE), None


def _encoding(sample: bytes) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the end is fine
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8-sig"


def _separator(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    if len(lines) > 1 and len(text) >= _SAMPLE:
        lines = lines[:-1]  # the last line may be cut
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_SEPARATORS).delimiter
    except csv.Error:
        counts = {s: lines[0].count(s) for s in _SEPARATORS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read_table(
    path: str,
    text_columns: Iterable[str] = (),
    note=None,
):
    """Read a table with a header row into a pandas DataFrame.

    Parameters
    ----------
    path : str
        The file to read (a CSV, ``;``- or tab-separated file, maybe compressed).
    text_columns : iterable of str, default=()
        Columns to keep as the strings in the file (missing values as NaN).
    note : callable, default=None
        Called with a one-line note (the encoding fell back to latin-1).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataError
        If the file is missing, not a regular file, unreadable, JSON, empty, has
        no data rows, or rows of the wrong length; or if pandas is not installed.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "data.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("x;label\\n1.5;10\\n2;1_0\\nNA;10\\n")
    >>> df = read_table(path, text_columns=["label"])
    >>> list(df.columns), df["label"].tolist(), df["x"].isna().tolist()
    (['x', 'label'], ['10', '1_0', '10'], [False, False, True])
    """
    pd = pandas()
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file.")
    if os.path.isdir(path):
        raise DataError(f"{path}: is a directory, not a data file.")
    try:
        sample, compression = _head(path)
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    stripped = sample.lstrip()
    if stripped[:1] in (b"{", b"["):
        raise DataError(
            f"{path}: looks like JSON, not a table; save it as CSV (a header row, "
            "then one row per line)."
        )
    if compression is None and not stripped:
        raise DataError(
            f"{path}: the file is empty (a header row and data rows are needed)."
        )
    encoding = _encoding(sample) if sample else "utf-8-sig"
    sep = _separator(sample.decode(encoding, errors="replace")) if sample else ","
    dtype = dict.fromkeys(text_columns, str)
    frame = None
    for enc in dict.fromkeys([encoding, "latin-1"]):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = pd.read_csv(
                    path,
                    sep=sep,
                    encoding=enc,
                    compression=compression or "infer",
                    dtype=dtype or None,
                    skipinitialspace=True,
                    skip_blank_lines=True,
                    # in one piece: read in chunks, a table keeps about its
                    # own size again in memory after reading (pandas 3)
                    low_memory=False,
                )
            encoding = enc
            break
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            raise DataError(
                f"{path}: the file is empty (a header row and data rows are needed)."
            ) from None
        except pd.errors.ParserError as exc:
            reason = str(exc).strip().splitlines()[0]
            raise DataError(f"{path}: not a readable table ({reason}).") from None
        except (OSError, EOFError, ValueError) as exc:
            raise DataError(f"{path}: cannot be read ({exc}).") from None
    if frame is None:  # pragma: no cover - latin-1 decodes every byte
        raise DataError(f"{path}: not a text file.")
    if encoding == "latin-1" and note is not None:
        note(f"{path} is not UTF-8; read it as latin-1")
    if not len(frame):
        raise DataError(f"{path}: the file has a header row but no data rows.")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def write_csv(stream: io.TextIOBase, columns: Sequence[str], rows: Iterable) -> None:
    """Write a header and rows of cells to an open text stream.

    Parameters
    ----------
    stream : text stream
        Opened with ``newline=""``.
    columns : sequence of str
    rows : iterable of sequences of str
    """
    writer = csv.writer(stream)
    writer.writerow(columns)
    writer.writerows(rows)
