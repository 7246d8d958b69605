"""XLSX export: quality people live in Excel, so every list exports."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Excel has no timezones: write the wall-clock time the user saw
        return value.replace(tzinfo=None)
    if isinstance(value, bool | int | float):
        return value
    text = _ILLEGAL.sub("", str(value))
    if text[:1] in _FORMULA_STARTS and not _is_number(text):
        # never let exported data run as a spreadsheet formula (CSV/formula injection)
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def build_workbook(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet workbook (write-only mode, so large lists stream) as bytes."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_ILLEGAL.sub("", title)[:31] or "Sheet1")
    bold = Font(bold=True)
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=_cell(name))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
