"""COA upload as a CSV or XLSX file, read by the data ingestion engine's readers.

The ingestion engine (:mod:`qdm.data.ingest`) has a fixed set of kinds (flash, el, cells,
measurements) written to the data platform's fact tables and no registry for another
app's kind, so the COA file is read here with its readers (:func:`open_table`: CSV in
UTF-8 or GB18030 with comma, semicolon or tab; the first sheet of an XLSX workbook;
spreadsheet row numbers, blank rows skipped) and its header rule
(:func:`normalise_header`: case, blanks and a trailing ``(unit)`` ignored).

One file is the COA of one receipt. Columns (header names, English or Chinese):

* ``characteristic`` (``特性``, ``特性代码``, ``code``) — a variable characteristic code of
  the catalog, e.g. ``IQC-GLS-THK``; required;
* ``value`` (``数值``, ``值``, ``测量值``, ``COA值``) — a finite number; required.

Other columns (unit, method, remarks) are ignored. Every row is checked before anything is
stored; any error refuses the whole file, each error naming its row and column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from qdm.data.choices import DataType
from qdm.data.ingest.profiles import normalise_header
from qdm.data.ingest.readers import UnreadableFile, open_table
from qdm.data.models import Characteristic
from qdm.supplier.models import CoaValue, Receipt
from qdm.supplier.services.coa import store_coa
from qdm.supplier.services.common import SupplierError, require

MAX_ROWS = 500
MAX_BYTES = 5 * 1024 * 1024
SHOWN_ERRORS = 20

HEADERS = {
    "characteristic": ("characteristic", "code", "characteristic code", "特性", "特性代码"),
    "value": ("value", "coa value", "数值", "值", "测量值", "coa值"),
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, column “%(column)s”: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class CoaFileError(SupplierError):
    """The file was refused; ``errors`` are the row-level errors (may be empty when the
    file itself is unreadable)."""

    def __init__(self, message: Any, errors: list[RowError] | None = None) -> None:
        super().__init__(message, code="invalid_file")
        self.errors = errors or []


def _columns(headers: list[str]) -> dict[str, tuple[int, str]]:
    """Canonical column → (index, header as written); refuses missing or doubled ones."""
    found: dict[str, tuple[int, str]] = {}
    for index, header in enumerate(headers):
        name, _unit = normalise_header(header)
        for column, aliases in HEADERS.items():
            if name in aliases:
                if column in found:
                    raise CoaFileError(
                        _("Columns “%(first)s” and “%(second)s” both give the %(column)s.")
                        % {"first": found[column][1], "second": header, "column": column}
                    )
                found[column] = (index, header.strip())
    missing = [c for c in HEADERS if c not in found]
    if missing:
        raise CoaFileError(
            _("Missing columns: %(columns)s (the header row has: %(headers)s).")
            % {"columns": ", ".join(missing), "headers": ", ".join(h for h in headers if h)}
        )
    return found


def read_coa_file(stream: IO[bytes]) -> tuple[dict[str, float], dict[str, Characteristic]]:
    """Every row of the file validated: ``({code: value}, {code: Characteristic})``.
    Raises :class:`CoaFileError` naming each bad row and column."""
    try:
        reader, _sha = open_table(stream)
    except UnreadableFile as exc:
        raise CoaFileError(exc.message) from exc
    try:
        columns = _columns(reader.headers)
        code_at, code_header = columns["characteristic"]
        value_at, value_header = columns["value"]
        parsed: list[tuple[int, str, float | None]] = []
        errors: list[RowError] = []
        try:
            for chunk in reader.chunks(MAX_ROWS + 1):
                for number, row in zip(chunk.numbers, chunk.rows, strict=True):
                    if len(parsed) >= MAX_ROWS:
                        raise CoaFileError(
                            _("A COA file holds at most %(max)s rows.") % {"max": MAX_ROWS}
                        )
                    code = row[code_at].strip() if code_at < len(row) else ""
                    raw = row[value_at].strip() if value_at < len(row) else ""
                    value: float | None = None
                    if not code:
                        errors.append(RowError(number, code_header, _("no characteristic.")))
                    if not raw:
                        errors.append(RowError(number, value_header, _("no value.")))
                    else:
                        try:
                            value = float(raw.replace(",", "."))
                        except ValueError:
                            value = math.nan
                        if not math.isfinite(value):
                            errors.append(
                                RowError(
                                    number,
                                    value_header,
                                    _("“%(value)s” is not a number.") % {"value": raw},
                                )
                            )
                            value = None
                    parsed.append((number, code, value))
        except UnreadableFile as exc:
            raise CoaFileError(exc.message) from exc
    finally:
        reader.close()
    if not parsed:
        raise CoaFileError(_("The file has no data rows."))
    codes = {code for _n, code, _v in parsed if code}
    catalog = {c.code: c for c in Characteristic.objects.filter(code__in=codes)}
    first_row: dict[str, int] = {}
    rows: dict[str, float] = {}
    for number, code, value in parsed:
        if not code:
            continue
        characteristic = catalog.get(code)
        if characteristic is None:
            errors.append(
                RowError(
                    number, code_header, _("unknown characteristic %(code)s.") % {"code": code}
                )
            )
        elif characteristic.data_type != DataType.VARIABLE:
            errors.append(
                RowError(
                    number,
                    code_header,
                    _("%(code)s is an attribute: a COA gives measured values.") % {"code": code},
                )
            )
        if code in first_row:
            errors.append(
                RowError(
                    number,
                    code_header,
                    _("%(code)s is given again (first in row %(row)s).")
                    % {"code": code, "row": first_row[code]},
                )
            )
        else:
            first_row[code] = number
        if value is not None:
            rows[code] = value
    if errors:
        errors.sort(key=lambda e: e.row)
        shown = " ".join(str(e) for e in errors[:SHOWN_ERRORS])
        more = len(errors) - SHOWN_ERRORS
        if more > 0:
            shown += " " + _("… and %(count)s more errors.") % {"count": more}
        raise CoaFileError(
            _("The COA file was refused, nothing was saved. %(errors)s") % {"errors": shown},
            errors,
        )
    return rows, {code: catalog[code] for code in rows}


def upload_coa_file(receipt: Receipt, *, actor: Any, upload: Any) -> list[CoaValue]:
    """Store the COA values of a CSV/XLSX ``upload`` (a Django uploaded file) for
    ``receipt``; replaces earlier values of the same characteristics. All or nothing."""
    require(actor, "supplier.add_coavalue")
    require(actor, "supplier.view_receipt", receipt)
    if upload is None:
        raise CoaFileError(_("Choose a CSV or XLSX file."))
    if upload.size > MAX_BYTES:
        raise CoaFileError(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    rows, characteristics = read_coa_file(upload.file if hasattr(upload, "file") else upload)
    return store_coa(
        receipt,
        actor=actor,
        rows=rows,
        characteristics=characteristics,
        source=str(getattr(upload, "name", "") or ""),
    )
