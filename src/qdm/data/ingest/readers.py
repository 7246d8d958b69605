"""Streaming readers: CSV (UTF-8 with or without BOM, else GB18030; comma, semicolon or tab)
and XLSX (first sheet, openpyxl read-only). Both give the header and then chunks of rows as
lists of strings (a CSV chunk of plain lines column by column, see :class:`Chunk`), so
memory stays flat with the size of the file.

Row numbers are spreadsheet row numbers: the header is row 1, the first data row is row 2.
Blank rows are skipped (and not counted) but keep their numbers.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from itertools import islice
from typing import IO, Any

from django.utils.translation import gettext as _

READ_BLOCK = 1 << 20
#: characters of CSV text read ahead at a time
READ_CHARS = 1 << 20


#: the line-end marker of the column-wise split (a control character; a block holding it
#: is split line by line)
_MARK = "\x01"


class _Columns(list):  # type: ignore[type-arg]
    """A block of records given column by column (see :meth:`CsvReader._columns`)."""


class UnreadableFile(Exception):
    """The file itself cannot be read; ``code`` is stable (``unreadable_file``,
    ``bad_encoding``, ``empty_file``, ``missing_columns``, ``unknown_kind`` …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Chunk:
    """Consecutive data rows: ``numbers[i]`` is the file row number of ``rows[i]``.

    A reader may hand the values over column by column instead (``columns[j][i]`` is the
    ``j``-th value of row ``i``; every row then has exactly the header's width): the
    validator works on columns, so no list per row is built unless ``rows`` is asked for.
    """

    __slots__ = ("_rows", "columns", "numbers")

    def __init__(
        self,
        rows: list[list[str]] | None,
        numbers: Sequence[int],
        columns: list[list[str]] | None = None,
    ) -> None:
        if rows is None and columns is None:
            raise ValueError("a chunk needs rows or columns")
        self._rows = rows
        self.columns = columns
        self.numbers = numbers

    def __len__(self) -> int:
        return len(self.numbers)

    @property
    def rows(self) -> list[list[str]]:
        if self._rows is None:
            self._rows = [list(row) for row in zip(*self.columns or [], strict=True)]
        return self._rows

    def row(self, i: int) -> list[str]:
        """The values of row ``i`` (without building the other rows)."""
        if self._rows is None:
            return [column[i] for column in self.columns or []]
        return self._rows[i]


def inspect(stream: IO[bytes]) -> tuple[str, str, int]:
    """One pass over the bytes: ``(sha256, format, size)`` where format is ``xlsx`` or the
    text encoding of a CSV file (``utf-8-sig`` or ``gb18030``). Raises
    :class:`UnreadableFile` for an empty file or one that is neither."""
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    if head.startswith(b"PK\x03\x04"):
        for block in iter(lambda: stream.read(READ_BLOCK), b""):
            digest.update(block)
            size += len(block)
        stream.seek(0)
        return digest.hexdigest(), "xlsx", size
    utf8 = codecs.getincrementaldecoder("utf-8-sig")()
    encoding: str | None = "utf-8-sig"
    for block in iter(lambda: stream.read(READ_BLOCK), b""):
        digest.update(block)
        size += len(block)
        if encoding:
            try:
                utf8.decode(block)
            except UnicodeDecodeError:
                encoding = None
    if encoding:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            encoding = None
    stream.seek(0)
    if size == 0:
        raise UnreadableFile("empty_file", _("The file is empty."))
    if encoding is None:
        encoding = "gb18030" if _decodes(stream, "gb18030") else None
    if encoding is None:
        raise UnreadableFile(
            "bad_encoding",
            _("The file is neither UTF-8 nor GB18030 text nor an XLSX workbook (encoding)."),
        )
    return digest.hexdigest(), encoding, size


def _decodes(stream: IO[bytes], encoding: str) -> bool:
    """Whether the whole stream decodes with ``encoding`` (rewinds it)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for block in iter(lambda: stream.read(READ_BLOCK), b""):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


class TableReader:
    """Header and row chunks of one file; ``position()`` is how far the reader has got
    (bytes for CSV, rows for XLSX) out of ``total``."""

    headers: list[str]
    total: int

    def chunks(self, size: int) -> Iterator[Chunk]:  # pragma: no cover - interface
        raise NotImplementedError

    def position(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        """Release the file."""


class CsvReader(TableReader):
    """CSV rows, streamed from a binary file through a text decoder."""

    def __init__(self, stream: IO[bytes], encoding: str, size: int) -> None:
        self.stream = stream
        self.total = size
        self.text = io.TextIOWrapper(stream, encoding=encoding, newline="")  # type: ignore[type-var]
        first = self.text.readline()
        delimiter = max((",", ";", "\t"), key=first.count)
        header_rows = list(csv.reader([first], delimiter=delimiter))
        self.headers = [h.strip() for h in (header_rows[0] if header_rows else [])]
        if not any(self.headers):
            raise UnreadableFile("empty_file", _("The file has no header row."))
        self.delimiter = delimiter
        # read ahead: whole lines (without their "\n") from buffer[at:], then the tail
        self._buffer: list[str] = []
        self._at = 0
        self._tail = ""
        self._eof = False
        self._pending: deque[str] = deque()  # pieces of a line split at carriage returns
        self._fast_lines = 0  # lines split without the CSV reader
        self.reader = csv.reader(self._lines(), delimiter=delimiter, skipinitialspace=True)

    def _fill(self, wanted: int) -> None:
        """Read ahead until ``wanted`` whole lines are buffered or the file ends."""
        buffer = self._buffer
        if self._at and self._at >= len(buffer) // 2:
            del buffer[: self._at]
            self._at = 0
        while len(buffer) - self._at < wanted and not self._eof:
            data = self.text.read(READ_CHARS)
            if not data:
                self._eof = True
                if self._tail:
                    buffer.append(self._tail)
                    self._tail = ""
                break
            parts = (self._tail + data).split("\n")
            self._tail = parts.pop()
            buffer.extend(parts)

    def _lines(self) -> Iterator[str]:
        """The CSV reader's source: the lines of the file as a text file with
        ``newline=""`` gives them (a lone carriage return ends a line too)."""
        pending = self._pending
        while True:
            if pending:
                yield pending.popleft()
                continue
            self._fill(1)
            if self._at >= len(self._buffer):
                return
            line = self._buffer[self._at]
            self._at += 1
            last = self._eof and self._at == len(self._buffer)  # no "\n" after it
            if "\r" not in line:
                yield line if last else line + "\n"
                continue
            parts = line.split("\r")
            end = parts.pop()
            pieces = [part + "\r" for part in parts]
            if end or not pieces:
                pieces.append(end if last else end + "\n")
            elif not last:
                pieces[-1] += "\n"
            pending.extend(pieces)

    def _block(self, size: int) -> list[list[str]]:
        """Up to ``size`` records. Lines without quotes, blanks at the start of a value,
        lone carriage returns or NUL read exactly as the CSV reader would read them, by one
        ``str.split`` each (reading a plain file takes about a fifth less time); any other
        block goes through the reader. A block of lines of the header's width comes back
        column by column (:class:`_Columns`)."""
        if self._pending:  # the reader holds the rest of a line
            return list(islice(self.reader, size))
        self._fill(size)
        lines = self._buffer[self._at : self._at + size]
        if not lines:
            return []
        text = "\n".join(lines)
        if "\r" in text:  # CRLF
            lines = [line[:-1] if line.endswith("\r") else line for line in lines]
            text = "\n".join(lines)
        delimiter = self.delimiter
        if (
            '"' in text
            or "\r" in text
            or "\x00" in text
            or delimiter + " " in text
            or "\n " in text
            or text.startswith(" ")
            or max(map(len, lines)) >= csv.field_size_limit()
        ):
            return list(islice(self.reader, size))
        self._at += len(lines)
        self._fast_lines += len(lines)
        columns = self._columns(text, len(lines))
        if columns is not None:
            return columns
        return [line.split(delimiter) if line else [] for line in lines]

    def _columns(self, text: str, n: int) -> _Columns | None:
        """The ``n`` lines of ``text`` (joined by "\n", no quotes) column by column, split
        at once: every line end becomes a marker field, and when the markers sit exactly
        every ``width + 1`` fields each line has the header's width. ``None`` when a line
        has another width (or is blank): the caller then splits line by line."""
        width = len(self.headers)
        if width < 2 or _MARK in text:
            return None
        delimiter = self.delimiter
        end = delimiter + _MARK
        fields = (text.replace("\n", end + delimiter) + end).split(delimiter)
        stride = width + 1
        if len(fields) != n * stride or fields[width::stride].count(_MARK) != n:
            return None
        return _Columns([fields[j::stride] for j in range(width)])

    def chunks(self, size: int) -> Iterator[Chunk]:
        """Blocks of ``size`` records (no Python loop per row unless the block holds a
        blank row)."""
        number = 1  # the row number of the last record read (the header is row 1)
        reader = self.reader
        try:
            while True:
                block = self._block(size)
                if not block:
                    break
                first = number + 1
                if isinstance(block, _Columns):
                    number += len(block[0])
                    yield Chunk(None, range(first, number + 1), columns=block)
                    continue
                number += len(block)
                if min(map(len, block)) > 1:  # a blank row reads as [] or [""]
                    yield Chunk(block, range(first, number + 1))
                    continue
                rows: list[list[str]] = []
                numbers: list[int] = []
                for row_number, row in enumerate(block, first):
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue
                    rows.append(row)
                    numbers.append(row_number)
                if rows:
                    yield Chunk(rows, numbers)
        except csv.Error as exc:
            # the records of the unfinished block are lost: name the file line instead
            # (the same as the row number unless a quoted value spans lines)
            raise UnreadableFile(
                "unreadable_file",
                _("Row %(row)s cannot be read: %(error)s")
                % {"row": self._fast_lines + reader.line_num + 1, "error": exc},
            ) from exc

    def position(self) -> int:
        try:
            return self.stream.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self.text.detach()


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


class XlsxReader(TableReader):
    """The first worksheet of a workbook, rows streamed by openpyxl in read-only mode."""

    def __init__(self, stream: IO[bytes]) -> None:
        from openpyxl import load_workbook

        try:
            self.workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # zip, XML and openpyxl errors alike
            raise UnreadableFile(
                "unreadable_file", _("The workbook cannot be opened: %s") % exc
            ) from exc
        sheet = self.workbook.worksheets[0]
        self.total = sheet.max_row or 0
        self.rows = sheet.iter_rows(values_only=True)
        self.done = 1
        first = next(self.rows, None)
        self.headers = [cell_text(v) for v in first] if first else []
        while self.headers and not self.headers[-1]:
            self.headers.pop()
        if not any(self.headers):
            raise UnreadableFile("empty_file", _("The file has no header row."))

    def chunks(self, size: int) -> Iterator[Chunk]:
        width = len(self.headers)
        rows: list[list[str]] = []
        numbers: list[int] = []
        for values in self.rows:
            self.done += 1
            row = [cell_text(v) for v in values]
            if not any(row):
                continue
            if len(row) > width and not any(row[width:]):
                row = row[:width]
            rows.append(row)
            numbers.append(self.done)
            if len(rows) >= size:
                yield Chunk(rows, numbers)
                rows, numbers = [], []
        if rows:
            yield Chunk(rows, numbers)

    def position(self) -> int:
        return self.done

    def close(self) -> None:
        self.workbook.close()


def open_table(stream: IO[bytes]) -> tuple[TableReader, str]:
    """A reader for ``stream`` (seekable, binary) and the file's SHA-256."""
    sha256, kind, size = inspect(stream)
    if kind == "xlsx":
        return XlsxReader(stream), sha256
    return CsvReader(stream, kind, size), sha256
