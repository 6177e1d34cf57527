"""CSV input and output for the command line, with the standard library only.

Every problem a user can cause (a missing file, an empty file, a ragged row, a
value that is not a number) raises :class:`DataError` with a message that names
the file, the line and the column.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence

import numpy as np


class DataError(Exception):
    """A problem with the user's data or model file (exit code 1, no traceback)."""


_EMPTY = "the value is empty (missing values are not supported)."
_INT64 = np.iinfo(np.int64)


class Table:
    """The header and the text cells of a CSV file, with line numbers.

    Parameters
    ----------
    path : str
        The file the table was read from (for messages).
    columns : list of str
        The header row.
    rows : list of list of str
        The data rows, each as long as ``columns``.
    lines : list of int
        The line number of each data row in the file (the header is line 1).
    """

    def __init__(
        self, path: str, columns: list[str], rows: list[list[str]], lines: list[int]
    ):
        self.path = path
        self.columns = columns
        self.rows = rows
        self.lines = lines

    def __len__(self) -> int:
        return len(self.rows)

    def index(self, column: str) -> int:
        """Position of ``column``, or a :class:`DataError` that lists the columns."""
        try:
            return self.columns.index(column)
        except ValueError:
            shown = ", ".join(repr(c) for c in self.columns[:20])
            more = (
                "" if len(self.columns) <= 20 else f", ... ({len(self.columns)} in all)"
            )
            raise DataError(
                f"{self.path}: no column {column!r}; its columns are {shown}{more}."
            ) from None

    def text(self, column: str) -> list[str]:
        """The cells of one column; none may be empty (a missing value)."""
        j = self.index(column)
        for i, row in enumerate(self.rows):
            if row[j] == "":
                raise DataError(f"{self._where(i, j)}: {_EMPTY}")
        return [row[j] for row in self.rows]

    def numbers(self, columns: Sequence[str]) -> np.ndarray:
        """The given columns as a float64 matrix; every cell must be a finite number."""
        idx = [self.index(c) for c in columns]
        X = np.empty((len(self.rows), len(idx)), dtype=np.float64)
        for i, row in enumerate(self.rows):
            for k, j in enumerate(idx):
                X[i, k] = self._number(row[j], i, j)
        return X

    def _where(self, i: int, j: int) -> str:
        return f"{self.path}, line {self.lines[i]}, column {self.columns[j]!r}"

    def _number(self, cell: str, i: int, j: int) -> float:
        where = self._where(i, j)
        if cell == "":
            raise DataError(f"{where}: {_EMPTY}")
        try:
            value = float(cell)
        except ValueError:
            raise DataError(f"{where}: {cell!r} is not a number.") from None
        if not math.isfinite(value):
            raise DataError(f"{where}: {cell!r} is not a finite number.")
        return value


def read_csv(path: str) -> Table:
    """Read a comma-separated file with a header row.

    Cells are stripped of surrounding spaces; blank lines are skipped (a line
    of commas is a row of empty cells, which :meth:`Table.numbers` and
    :meth:`Table.text` report as missing values); a UTF-8 byte-order mark is
    allowed.

    Parameters
    ----------
    path : str
        The file to read.

    Returns
    -------
    table : Table

    Raises
    ------
    DataError
        If the file is missing, unreadable, not UTF-8 text, empty, has no data
        rows, has empty or duplicate column names, or a row of the wrong length.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "data.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("x, label\\n1.5, cat\\n2, dog\\n")
    >>> table = read_csv(path)
    >>> table.columns, table.text("label"), table.numbers(["x"]).ravel().tolist()
    (['x', 'label'], ['cat', 'dog'], [1.5, 2.0])
    """
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file.")
    if os.path.isdir(path):
        raise DataError(f"{path}: is a directory, not a CSV file.")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = None
            rows, lines = [], []
            for record in reader:
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue  # a blank line; ",,," is a row of empty cells
                cells = [c.strip() for c in record]
                if header is None:
                    header = cells
                    _check_header(path, header, reader.line_num)
                    continue
                if len(cells) != len(header):
                    raise DataError(
                        f"{path}, line {reader.line_num}: {len(cells)} values, but the "
                        f"header has {len(header)} columns."
                    )
                rows.append(cells)
                lines.append(reader.line_num)
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text (CSV) file.") from None
    except csv.Error as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc}).") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    if header is None:
        raise DataError(
            f"{path}: the file is empty (a header row and data rows are needed)."
        )
    if not rows:
        raise DataError(f"{path}: the file has a header row but no data rows.")
    return Table(path, header, rows, lines)


def _check_header(path: str, header: list[str], line: int) -> None:
    if any(not c for c in header):
        raise DataError(
            f"{path}, line {line}: the header row has an empty column name."
        )
    seen = set()
    for c in header:
        if c in seen:
            raise DataError(
                f"{path}, line {line}: column {c!r} appears twice in the header."
            )
        seen.add(c)


def _whole_number(text: str) -> int | None:
    """``text`` as an int64 if it is a whole number in int64's range, else None."""
    try:
        value = int(text)  # exact, however many digits
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return None
        if not (math.isfinite(number) and number == int(number)):
            return None
        value = int(number)
    return value if _INT64.min <= value <= _INT64.max else None


def parse_labels(texts: Sequence[str]) -> np.ndarray:
    """Class labels from text: integers if every label is a whole number (that
    fits in int64), else strings.

    Examples
    --------
    >>> parse_labels(["1", "0", "1.0"]).tolist(), parse_labels(["cat", "1"]).tolist()
    ([1, 0, 1], ['cat', '1'])
    >>> parse_labels(["1e19", "2e19"]).tolist()  # beyond int64: not integers
    ['1e19', '2e19']
    """
    values = [_whole_number(t) for t in texts]
    if None in values:
        return np.array(list(texts), dtype=object)
    return np.array(values, dtype=np.int64)


def looks_like_classes(texts: Sequence[str], max_classes: int = 20) -> bool:
    """Auto-detection of the task: non-numeric labels, or few distinct integers.

    Examples
    --------
    >>> looks_like_classes(["a", "b"]), looks_like_classes(["0.5", "1.5"])
    (True, False)
    """
    labels = parse_labels(texts)
    if labels.dtype == object:
        try:  # all numbers, but not whole numbers: a real-valued target
            [float(t) for t in texts]
        except ValueError:
            return True
        return False
    return len(np.unique(labels)) <= max_classes


def write_csv(
    path: str | None, columns: Sequence[str], rows: Sequence[Sequence], stream=None
) -> None:
    """Write a header and rows to ``path`` (or to ``stream`` when ``path`` is None)."""
    if path is None:
        csv.writer(stream, lineterminator="\n").writerows([columns, *rows])
        return
    try:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows([columns, *rows])
    except OSError as exc:
        raise DataError(f"{path}: cannot be written ({exc.strerror or exc}).") from None
