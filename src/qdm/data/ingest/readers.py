"""Streaming readers: CSV (UTF-8 with or without BOM, else GB18030; comma, semicolon or tab)
and XLSX (first sheet, openpyxl read-only). Both give the header and then chunks of rows as
lists of strings, so memory stays flat with the size of the file.

Row numbers are spreadsheet row numbers: the header is row 1, the first data row is row 2.
Blank rows are skipped (and not counted) but keep their numbers.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from typing import IO, Any

from django.utils.translation import gettext as _

READ_BLOCK = 1 << 20


class UnreadableFile(Exception):
    """The file itself cannot be read; ``code`` is stable (``unreadable_file``,
    ``bad_encoding``, ``empty_file``, ``missing_columns``, ``unknown_kind`` …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Chunk:
    """Consecutive data rows: ``numbers[i]`` is the file row number of ``rows[i]``."""

    rows: list[list[str]]
    numbers: Sequence[int]


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
        self.reader = csv.reader(self.text, delimiter=delimiter, skipinitialspace=True)

    def chunks(self, size: int) -> Iterator[Chunk]:
        """Blocks of ``size`` records straight from the C reader (no Python loop per row
        unless the block holds a blank row)."""
        number = 1  # the row number of the last record read (the header is row 1)
        reader = self.reader
        try:
            while True:
                block = list(islice(reader, size))
                if not block:
                    break
                first = number + 1
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
                % {"row": reader.line_num + 1, "error": exc},
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
