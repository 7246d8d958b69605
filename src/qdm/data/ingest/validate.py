"""Row validation, one chunk at a time and column by column (numpy where it matters).

Every problem becomes ``{"row", "column", "code", "message"}``; ``row`` is the spreadsheet
row number (header = 1), ``column`` the header as written in the file. Stable codes:

``missing_value``, ``not_a_number``, ``not_an_integer``, ``negative``, ``out_of_range``,
``too_long``, ``bad_time``, ``future_time`` (later than now + 5 minutes), ``bad_choice``,
``bad_defects``, ``unknown_site``, ``unknown_line``, ``unknown_station``,
``unknown_characteristic``, ``pmax_mismatch`` (|Pmax − Vmp·Imp| > 1 % of Pmax),
``wrong_column_count``, ``duplicate_in_file`` (same natural key earlier in the file) and,
when a fixed quarantined row is stored again, ``duplicate`` (already stored).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import compress
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np
from django.utils.translation import gettext as _

from qdm.data.ingest.profiles import Column, KindSpec, Mapping
from qdm.data.ingest.readers import Chunk

FUTURE_SLACK = timedelta(minutes=5)
PMAX_TOLERANCE = 0.01
_EPOCH = np.datetime64("1970-01-01T00:00:00", "us")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Lookups:
    """What rows are resolved against: the sites a row may name (code → id), the default
    site, lines and stations of those sites by code, catalog characteristics by code, the
    timezone of each site and the current time."""

    sites: dict[str, int]
    default_site: int | None
    lines: dict[tuple[int, str], int]
    stations: dict[tuple[int, str], tuple[int, int]]
    characteristics: dict[str, int]
    zones: dict[int, ZoneInfo]
    now: datetime
    time_suffix: str = ""  # "+00:00" on PostgreSQL: stored strings are UTC

    @property
    def latest(self) -> float:
        return (self.now + FUTURE_SLACK).timestamp()


@dataclass
class ChunkResult:
    """Valid rows ready for the writer and the rejected rows with their errors.

    The valid rows are kept column by column (``columns``, in
    :attr:`ChunkValidator.db_columns` order; ``key_columns`` the natural key's): no tuple
    per row is built unless someone asks for :attr:`params` or :attr:`keys`."""

    columns: list[list[Any]]
    key_columns: list[list[Any]]
    valid_rows: list[int]  # index in the chunk of each valid row
    invalid: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    originals: dict[int, list[str]] = field(default_factory=dict)  # rows of the wrong width

    def __len__(self) -> int:
        return len(self.valid_rows)

    @property
    def params(self) -> list[tuple[Any, ...]]:
        """The valid rows as insert parameter tuples."""
        return list(zip(*self.columns, strict=True)) if self.valid_rows else []

    @property
    def keys(self) -> list[tuple[Any, ...]]:
        """The natural key of each valid row."""
        return list(zip(*self.key_columns, strict=True)) if self.valid_rows else []


class _Errors:
    def __init__(self, mapping: Mapping, chunk: Chunk) -> None:
        self.by_row: dict[int, list[dict[str, Any]]] = {}
        self.mapping = mapping
        self.numbers = chunk.numbers

    def header(self, column: str) -> str:
        index = self.mapping.index.get(column)
        return self.mapping.headers[index] if index is not None else column

    def add(self, i: int, column: str, code: str, message: str) -> None:
        self.by_row.setdefault(i, []).append(
            {
                "row": self.numbers[i],
                "column": self.header(column),
                "code": code,
                "message": message,
            }
        )

    def add_mask(self, mask: Any, column: str, code: str, message: str) -> None:
        for i in np.flatnonzero(mask).tolist():
            self.add(i, column, code, message)


def _floats(
    raw: Any,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, list[float] | None]:
    """Values as float64, masks of empty and unparseable cells (``None``: none) and, when
    every cell parsed, the values as a list of Python floats."""
    try:
        floats = list(map(float, raw))
    except ValueError:
        n = len(raw)
        arr = np.full(n, math.nan)
        missing = np.zeros(n, dtype=bool)
        bad = np.zeros(n, dtype=bool)
        for i, text in enumerate(raw):
            try:
                arr[i] = float(text)
            except ValueError:
                if text.strip():
                    bad[i] = True
                else:
                    missing[i] = True
        bad |= ~np.isfinite(arr) & ~missing
        return arr, (missing if missing.any() else None), (bad if bad.any() else None), None
    arr = np.fromiter(floats, np.float64, len(floats))
    finite = np.isfinite(arr)
    return arr, None, (None if finite.all() else ~finite), floats


_BLANK_MARKS = (" \x00", "\x00 ", "\t", "\r", "\n", "\u3000", "\xa0")


def _stripped(raw: Any) -> list[str]:
    """The values without surrounding blanks (a quick substring scan first: they rarely
    have any)."""
    joined = "\x00".join(raw)
    if (
        joined[:1].isspace()
        or joined[-1:].isspace()
        or any(mark in joined for mark in _BLANK_MARKS)
    ):
        return [t.strip() for t in raw]
    return list(raw)


def _one_time(text: str, zone: ZoneInfo) -> datetime | None:
    text = text.strip()
    if len(text) >= 10:
        text = text[:10].replace("/", "-") + text[10:]
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        parsed: datetime | None = None
        for fmt in _TIME_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            return None
        value = parsed
    if value.year < 1900:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


#: local times without an offset are read in one go only over at most this span
_ZONE_SPAN = 62 * 86_400


def _constant_offset(zone: ZoneInfo | None, low: int, high: int) -> int | None:
    """The UTC offset (seconds) of ``zone`` for every local time between the epoch
    seconds ``low`` and ``high`` read as wall-clock times, probed each hour (a DST change
    in between gives ``None``, and so does a span over :data:`_ZONE_SPAN`)."""
    if zone is None or high - low > _ZONE_SPAN:
        return None
    epoch = datetime(1970, 1, 1)
    offsets = {
        (epoch + timedelta(seconds=t)).replace(tzinfo=zone).utcoffset()
        for t in [*range(low, high, 3600), high]
    }
    if len(offsets) != 1:
        return None
    only = offsets.pop()
    return None if only is None else int(only.total_seconds())


#: character positions of the digits of ``YYYY-MM-DDTHH:MM:SS``
_TIME_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's ``days_from_civil``,
    http://howardhinnant.github.io/date_algorithms.html), for years ≥ 0."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    return era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468


def _civil_from_days(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The inverse of :func:`_days_from_civil` (Hinnant's ``civil_from_days``)."""
    z = z + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (m <= 2), m, d


def _times_whole(raw: Any, zone: ZoneInfo | None) -> tuple[np.ndarray, list[str]] | None:
    """The usual column — ISO times to the second, all written alike (``2026-03-01T08:15:00``
    with ``+08:00``, ``Z`` or no offset, ``T`` or a blank, ``-`` or ``/``) — read and written
    back as UTC by integer arithmetic on the characters: the epoch seconds and the stored
    strings (``YYYY-MM-DD HH:MM:SS`` + the connection's suffix). ``None`` for anything
    else, including an impossible date: :func:`_times_vector` or the row path decides."""
    n = len(raw)
    width = len(raw[0]) if n else 0
    if width not in (19, 20, 25) or len(set(map(len, raw))) != 1:
        return None
    arr = np.array(raw)
    if arr.dtype.itemsize != 4 * width:
        return None
    chars = arr.view(np.uint32).reshape(n, width).astype(np.int64)
    digits = chars[:, _TIME_DIGITS] - 48
    if (
        ((digits < 0) | (digits > 9)).any()
        or not np.isin(chars[:, (4, 7)], (45, 47)).all()  # - or /
        or not np.isin(chars[:, 10], (84, 32)).all()  # T or blank
        or not (chars[:, (13, 16)] == 58).all()  # :
    ):
        return None
    tens = digits[:, 0::2] * 10 + digits[:, 1::2]  # YY YY MM DD hh mm ss
    year, month, day = tens[:, 0] * 100 + tens[:, 1], tens[:, 2], tens[:, 3]
    hour, minute, second = tens[:, 4], tens[:, 5], tens[:, 6]
    if (
        year.min() < 1900
        or month.min() < 1
        or month.max() > 12
        or day.min() < 1
        or day.max() > 31
        or hour.max() > 23
        or minute.max() > 59
        or second.max() > 59
    ):
        return None
    days = _days_from_civil(year, month, day)
    if (_civil_from_days(days)[2] != day).any():  # 31 April, 29 February 2025 …
        return None
    local = days * 86_400 + hour * 3600 + minute * 60 + second
    if width == 25:
        if not (np.isin(chars[:, 19], (43, 45)).all() and (chars[:, 22] == 58).all()):
            return None
        zone_digits = chars[:, (20, 21, 23, 24)] - 48
        if ((zone_digits < 0) | (zone_digits > 9)).any():
            return None
        hours = zone_digits[:, 0] * 10 + zone_digits[:, 1]
        minutes = zone_digits[:, 2] * 10 + zone_digits[:, 3]
        if hours.max() > 23 or minutes.max() > 59:
            return None
        offset: Any = np.where(chars[:, 19] == 45, -60, 60) * (hours * 60 + minutes)
    elif width == 20:
        if not (chars[:, 19] == 90).all():  # Z
            return None
        offset = 0
    else:
        offset = _constant_offset(zone, int(local.min()), int(local.max()))
        if offset is None:
            return None
    utc = local - offset
    days = utc // 86_400
    rest = utc - days * 86_400
    year, month, day = _civil_from_days(days)
    if year.max() > 9999:
        return None
    out = np.empty((n, 19), dtype=np.uint32)
    for position, value, divisor in (
        (0, year, 1000),
        (1, year, 100),
        (2, year, 10),
        (3, year, 1),
        (5, month, 10),
        (6, month, 1),
        (8, day, 10),
        (9, day, 1),
        (11, rest // 3600, 10),
        (12, rest // 3600, 1),
        (14, rest // 60 % 60, 10),
        (15, rest // 60 % 60, 1),
        (17, rest % 60, 10),
        (18, rest % 60, 1),
    ):
        out[:, position] = value // divisor % 10 + 48
    out[:, (4, 7)] = 45
    out[:, 10] = 32
    out[:, (13, 16)] = 58
    return utc.astype(np.float64), out.view("U19").reshape(n).tolist()


def _times_vector(raw: Any, zone: ZoneInfo | None) -> np.ndarray | None:
    """UTC datetime64[us] for a column of uniformly formatted ISO times, or ``None`` when the
    column needs the row-by-row path (mixed formats, bad values, a DST change)."""
    if not raw:
        return None
    width = len(raw[0])
    if width < 19 or len(set(map(len, raw))) != 1:
        return None
    arr = np.array(raw)
    if arr.dtype.itemsize != 4 * width:
        return None
    chars = arr.view(np.uint32).reshape(len(raw), width)
    offset = None
    body = width
    if width >= 25 and (
        np.isin(chars[:, width - 6], (43, 45)).all() and (chars[:, width - 3] == 58).all()
    ):
        digits = chars[:, (width - 5, width - 4, width - 2, width - 1)].astype(np.int64) - 48
        if ((digits < 0) | (digits > 9)).any():
            return None
        sign = np.where(chars[:, width - 6] == 45, -1, 1)
        minutes = sign * (
            (digits[:, 0] * 10 + digits[:, 1]) * 60 + digits[:, 2] * 10 + digits[:, 3]
        )
        offset = minutes.astype("timedelta64[m]")
        body = width - 6
    elif (chars[:, width - 1] == 90).all():  # Z
        offset = np.timedelta64(0, "m")
        body = width - 1
    if body < 19 or not np.isin(chars[:, 10], (84, 32)).all():  # T or blank
        return None
    tail = chars[:, 19:body]  # fractional seconds only: no zone, no blanks
    if body > 19 and not (
        (chars[:, 19] == 46).all() and (((tail >= 48) & (tail <= 57)) | (tail == 46)).all()
    ):
        return None
    local_text = arr.astype(f"U{body}")
    if (chars[:, 4] == 47).any():  # 2026/03/01
        view = local_text.view(np.uint32).reshape(len(raw), body)
        view[:, 4] = np.where(view[:, 4] == 47, 45, view[:, 4])
        view[:, 7] = np.where(view[:, 7] == 47, 45, view[:, 7])
    try:
        local = local_text.astype("datetime64[us]")
    except ValueError:
        return None
    if local.min() < np.datetime64("1900-01-01", "us"):
        return None
    if offset is None:
        micros = local.astype(np.int64)
        low, high = (int(v) // 1_000_000 for v in (micros.min(), micros.max()))
        seconds = _constant_offset(zone, low, high)
        if seconds is None:
            return None
        offset = np.timedelta64(seconds, "s")
    return local - offset


def _format_times(utc: np.ndarray, suffix: str) -> list[str]:
    """UTC datetime64[us] as the strings Django stores (``YYYY-MM-DD HH:MM:SS[.ffffff]``)."""
    whole = (utc.astype(np.int64) % 1_000_000 == 0).all()
    text = np.datetime_as_string(utc, unit="s" if whole else "us")
    chars = text.view(np.uint32).reshape(len(utc), -1)
    chars[:, 10] = 32
    out = text.tolist()
    if not whole:
        out = [t[:19] if t.endswith(".000000") else t for t in out]
    if suffix:
        out = [t + suffix for t in out]
    return out


class ChunkValidator:
    """Validates the chunks of one file for one kind."""

    def __init__(
        self, spec: KindSpec, mapping: Mapping, lookups: Lookups, batch_id: int | None
    ) -> None:
        self.spec = spec
        self.mapping = mapping
        self.lookups = lookups
        self.batch_id = batch_id
        self.columns = list(spec.columns)

    def validate(self, chunk: Chunk) -> ChunkResult:
        """Check every row of ``chunk``; return the valid rows as insert parameters (in
        :attr:`db_columns` order) and the invalid ones with their errors."""
        n = len(chunk)
        width = self.mapping.width
        errors = _Errors(self.mapping, chunk)
        originals: dict[int, list[str]] = {}
        if chunk.columns is not None and len(chunk.columns) == width:
            columns: list[Any] = chunk.columns  # the reader split them: all of this width
        else:
            rows = chunk.rows
            widths = set(map(len, rows))
            ragged = [i for i, r in enumerate(rows) if len(r) != width] if widths - {width} else []
            originals = {i: rows[i] for i in ragged}
            for i in ragged:
                errors.add(
                    i,
                    "",
                    "wrong_column_count",
                    _("The row has %(found)s values; the header has %(expected)s.")
                    % {"found": len(rows[i]), "expected": width},
                )
                rows[i] = (rows[i] + [""] * width)[:width]
            columns = list(zip(*rows, strict=True)) if n else [() for _ in range(width)]
        values: dict[str, list[Any]] = {}
        self._arrays: dict[str, np.ndarray] = {}
        sites = self._sites(columns, n, errors)
        values["site"] = sites
        for column in self.columns:
            if column.name == "site":
                continue
            index = self.mapping.index.get(column.name)
            raw = columns[index] if index is not None else None
            values[column.name] = self._column(column, raw, n, sites, errors)
        if self.spec.kind == "flash":
            self._flash_checks(values, errors)
        bad = errors.by_row
        valid = [i for i in range(n) if i not in bad] if bad else list(range(n))
        ordered = [*(values[c.name] for c in self.columns), [self.batch_id] * n]
        key_lists = [values[name] for name in self.spec.key]
        if bad:
            mask = [i not in bad for i in range(n)]
            ordered = [list(compress(column, mask)) for column in ordered]
            key_lists = [list(compress(column, mask)) for column in key_lists]
        # the same key twice in the chunk? (a first key column without repeats — serials —
        # answers that without building a tuple per row)
        first = key_lists[0] if key_lists else []
        keys = list(zip(*key_lists, strict=True)) if len(set(first)) != len(first) else None
        if keys is not None and len(set(keys)) != len(keys):
            seen: set[tuple[Any, ...]] = set()
            keep = []
            message = _("The same %(key)s appears earlier in the file.") % {
                "key": " + ".join(self.spec.key)
            }
            for position, key in enumerate(keys):
                if key in seen:
                    errors.add(valid[position], self.spec.key[0], "duplicate_in_file", message)
                    keep.append(False)
                else:
                    seen.add(key)
                    keep.append(True)
            ordered = [list(compress(column, keep)) for column in ordered]
            key_lists = [list(compress(column, keep)) for column in key_lists]
            valid = list(compress(valid, keep))
        return ChunkResult(ordered, key_lists, valid, errors.by_row, originals)

    @property
    def db_columns(self) -> list[str]:
        return [*(c.db_column or c.name for c in self.columns), "batch_id"]

    # --- columns ------------------------------------------------------------------------

    def _sites(self, columns: list[Any], n: int, errors: _Errors) -> list[Any]:
        index = self.mapping.index.get("site")
        default = self.lookups.default_site
        if index is None:
            return [default] * n
        known = self.lookups.sites
        out: list[Any] = []
        for i, text in enumerate(columns[index]):
            code = text.strip().upper()
            site = known.get(code) if code else default
            if site is None:
                if code:
                    errors.add(
                        i,
                        "site",
                        "unknown_site",
                        _("Unknown site %(code)s, or outside your scope.") % {"code": code},
                    )
                else:
                    errors.add(i, "site", "missing_value", _("A site is required."))
            out.append(site)
        return out

    def _column(
        self, column: Column, raw: Any, n: int, sites: list[Any], errors: _Errors
    ) -> list[Any]:
        kind = column.type
        if raw is None:
            if kind in ("text", "choice"):
                return [""] * n
            if kind == "defects":
                return ["[]"] * n
            if kind == "int":
                return [0] * n
            return [None] * n
        if kind in ("float", "int"):
            return self._number(column, raw, errors)
        if kind == "time":
            return self._time(column, raw, sites, errors)
        texts = _stripped(raw)
        if column.required and not all(texts):
            for i in [i for i, t in enumerate(texts) if not t]:
                errors.add(
                    i,
                    column.name,
                    "missing_value",
                    _("A value is required in %(column)s.") % {"column": column.name},
                )
        if kind == "text":
            if column.max_length and texts and max(map(len, texts)) > column.max_length:
                for i in [i for i, t in enumerate(texts) if len(t) > column.max_length]:
                    errors.add(
                        i,
                        column.name,
                        "too_long",
                        _("Longer than %(max)s characters.") % {"max": column.max_length},
                    )
            return texts
        if kind == "choice":
            texts = [t.upper() for t in texts]
            allowed = set(column.choices)
            for i in [i for i, t in enumerate(texts) if t and t not in allowed]:
                errors.add(
                    i,
                    column.name,
                    "bad_choice",
                    _("%(value)s is not one of %(choices)s.")
                    % {"value": texts[i], "choices": ", ".join(column.choices)},
                )
            return texts
        if kind == "defects":
            return self._defects(column, texts, errors)
        return self._codes(column, texts, sites, errors)

    def _number(self, column: Column, raw: Any, errors: _Errors) -> list[Any]:
        arr, missing, bad, floats = _floats(raw)
        name = column.name
        if bad is not None:
            for i in np.flatnonzero(bad).tolist():
                errors.add(
                    i,
                    name,
                    "not_a_number",
                    _("%(value)s is not a number.") % {"value": raw[i].strip()},
                )
        if missing is not None and column.required:
            errors.add_mask(
                missing,
                name,
                "missing_value",
                _("A value is required in %(column)s.") % {"column": name},
            )
        factor = self.mapping.factors.get(name, 1.0)
        if factor != 1.0:
            arr = arr * factor
        with np.errstate(invalid="ignore"):
            if column.type == "int":
                fractional = np.isfinite(arr) & (arr != np.floor(arr))
                if fractional.any():
                    errors.add_mask(
                        fractional,
                        name,
                        "not_an_integer",
                        _("%(column)s must be a whole number.") % {"column": name},
                    )
            if column.nonnegative and (arr < 0).any():
                errors.add_mask(
                    arr < 0,
                    name,
                    "negative",
                    _("%(column)s cannot be negative.") % {"column": name},
                )
            low, high = column.low, column.high
            if low is not None or high is not None:
                out = np.zeros(len(arr), dtype=bool)
                if low is not None:
                    out |= (arr <= low) if column.low_open else (arr < low)
                if high is not None:
                    out |= arr > high
                if out.any():
                    bound = "(" if column.low_open else "["
                    errors.add_mask(
                        out,
                        name,
                        "out_of_range",
                        _("%(column)s is outside %(range)s.")
                        % {"column": name, "range": f"{bound}{low}, {high}]"},
                    )
        if column.type == "int":
            clean = np.where(np.isfinite(arr), arr, 0).astype(np.int64).tolist()
        elif floats is not None and factor == 1.0 and bad is None:
            clean = floats
        else:
            clean = arr.tolist()
        self._arrays[name] = arr
        if missing is not None or bad is not None:
            # one of the two is an array here, so the union is one too
            holes = cast(
                "np.ndarray",
                (missing if missing is not None else False) | (bad if bad is not None else False),
            )
            self._arrays[name] = np.where(holes, math.nan, arr)
            clean = [None if hole else v for v, hole in zip(clean, holes.tolist(), strict=True)]
            if column.type == "int" and not column.required:
                clean = [0 if v is None else v for v in clean]
        return clean

    def _time(self, column: Column, raw: Any, sites: list[Any], errors: _Errors) -> list[Any]:
        lookups = self.lookups
        site_set = set(sites)
        zone = lookups.zones.get(next(iter(site_set))) if len(site_set) == 1 else None
        whole = _times_whole(raw, zone)
        utc = _times_vector(raw, zone) if whole is None else None
        name = column.name
        texts: list[Any]
        if whole is not None:
            epochs, texts = whole
            if lookups.time_suffix:
                texts = [t + lookups.time_suffix for t in texts]
        elif utc is None:
            epochs = np.full(len(raw), math.nan)
            texts = []
            for i, text in enumerate(raw):
                if not text.strip():
                    errors.add(
                        i,
                        name,
                        "missing_value",
                        _("A value is required in %(column)s.") % {"column": name},
                    )
                    texts.append(None)
                    continue
                value = _one_time(text, lookups.zones.get(sites[i]) or ZoneInfo("UTC"))
                if value is None:
                    errors.add(
                        i,
                        name,
                        "bad_time",
                        _("%(value)s is not an ISO 8601 time.") % {"value": text.strip()},
                    )
                    texts.append(None)
                    continue
                epochs[i] = value.timestamp()
                texts.append(str(value.replace(tzinfo=None)) + lookups.time_suffix)
        else:
            epochs = (utc - _EPOCH).astype(np.int64) / 1e6
            texts = _format_times(utc, lookups.time_suffix)
        future = epochs > lookups.latest
        if future.any():
            errors.add_mask(future, name, "future_time", _("The time lies in the future."))
        return texts

    def _defects(self, column: Column, texts: list[str], errors: _Errors) -> list[str]:
        out = []
        for i, text in enumerate(texts):
            items = []
            for part in (p.strip() for p in text.split(";")):
                if not part:
                    continue
                code, sep, cell = part.partition("@")
                if not sep or not code.strip() or not cell.strip():
                    errors.add(
                        i,
                        column.name,
                        "bad_defects",
                        _("%(value)s is not CODE@CELL.") % {"value": part},
                    )
                    break
                items.append({"code": code.strip().upper(), "cell": cell.strip().upper()})
            out.append(json.dumps(items))
        return out

    def _codes(
        self, column: Column, texts: list[str], sites: list[Any], errors: _Errors
    ) -> list[Any]:
        """Resolve codes (characteristic, line, station) once per distinct value."""
        lookups = self.lookups
        if column.type == "characteristic":
            table: dict[Any, Any] = lookups.characteristics
            code_msg, code = _("Unknown characteristic %(code)s."), "unknown_characteristic"
            keys: list[Any] = texts
            resolved = {t: table.get(t.upper()) for t in set(texts) if t}
        else:
            table = lookups.lines if column.type == "line" else lookups.stations
            code = f"unknown_{column.type}"
            code_msg = (
                _("Unknown line %(code)s at this site.")
                if column.type == "line"
                else _("Unknown station %(code)s at this site.")
            )
            one_site = set(sites)
            if len(one_site) == 1:  # the usual file: one site, codes resolved by text alone
                site = next(iter(one_site))
                keys = texts
                resolved = (
                    {t: table.get((site, t.upper())) for t in set(texts) if t}
                    if site is not None
                    else {}
                )
            else:
                keys = list(zip(sites, texts, strict=True))
                resolved = {
                    k: table.get((k[0], k[1].upper()))
                    for k in set(keys)
                    if k[1] and k[0] is not None
                }
        distinct = set(keys) if len(resolved) <= 1 else None
        if distinct is not None and len(distinct) == 1:
            out = [resolved.get(next(iter(distinct)))] * len(keys)
        else:
            out = list(map(resolved.get, keys))
        unknown = {k for k, v in resolved.items() if v is None}
        if unknown:
            for i, k in enumerate(keys):
                if k in unknown:
                    errors.add(i, column.name, code, code_msg % {"code": texts[i]})
        return out

    def _array(self, values: dict[str, list[Any]], name: str) -> np.ndarray:
        """The float64 values of a number column (NaN where missing or bad)."""
        arr = self._arrays.get(name)
        return arr if arr is not None else np.array(values[name], dtype=np.float64)

    def _flash_checks(self, values: dict[str, list[Any]], errors: _Errors) -> None:
        # a station brings its line; a station on another line than the row's is an error
        stations = values["station"]
        if stations and (stations[0] is not None or any(stations)):
            n = len(stations)
            merged: dict[tuple[Any, Any], tuple[Any, Any, bool]] = {}
            for line, found in set(zip(values["line"], stations, strict=True)):
                if found is None:
                    merged[(line, found)] = (line, None, True)
                else:
                    merged[(line, found)] = (line or found[1], found[0], line in (None, found[1]))
            if len(merged) == 1:  # one line and station for the whole chunk
                (line, station, _ok), pairs = next(iter(merged.values())), None
                values["line"], values["station"] = [line] * n, [station] * n
            else:
                pairs = list(zip(values["line"], stations, strict=True))
                values["line"] = [merged[p][0] for p in pairs]
                values["station"] = [merged[p][1] for p in pairs]
            if not all(m[2] for m in merged.values()):
                message = _("The station is not on the row's line.")
                wrong = (
                    range(n)
                    if pairs is None
                    else [i for i, p in enumerate(pairs) if not merged[p][2]]
                )
                for i in wrong:
                    errors.add(i, "station", "unknown_station", message)
        pmax = self._array(values, "pmax_w")
        product = self._array(values, "vmp_v") * self._array(values, "imp_a")
        with np.errstate(invalid="ignore"):
            mismatch = np.abs(pmax - product) > PMAX_TOLERANCE * np.abs(pmax)
        if mismatch.any():
            for i in np.flatnonzero(mismatch).tolist():
                errors.add(
                    i,
                    "pmax_w",
                    "pmax_mismatch",
                    _("Pmax %(pmax)s W differs from Vmp·Imp = %(product)s W by more than 1 %%.")
                    % {"pmax": f"{pmax[i]:g}", "product": f"{product[i]:.4g}"},
                )
