"""The ingestion service: one file in, one :class:`~qdm.data.models.IngestBatch` out.

:func:`ingest_file` streams the file in chunks, validates each chunk column by column,
stores the valid rows through the bulk writer (one transaction per chunk; with ``strict``
one transaction for the file, and nothing stored if any row is invalid) and the invalid ones
in :class:`~qdm.data.models.QuarantinedRow` with their errors. Ingesting the same file again
stores nothing new: every row counts as a duplicate. :func:`fix_quarantined_row` re-validates
one corrected quarantined row and stores it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.querysets import permitted_site_ids
from qdm.data.choices import BatchStatus
from qdm.data.ingest.hooks import batch_stored
from qdm.data.ingest.profiles import KINDS, SPECS, Mapping, UnknownProfile, resolve_mapping
from qdm.data.ingest.readers import Chunk, TableReader, UnreadableFile, open_table
from qdm.data.ingest.validate import ChunkResult, ChunkValidator, Lookups
from qdm.data.ingest.writer import FactWriter, bulk_cache

CHUNK_ROWS = 10_000
MAX_ERRORS = 1_000

Progress = Callable[[int, int, int], None]  # (position, total, rows so far)

__all__ = [
    "IngestSummary",
    "UnreadableFile",
    "allowed_sites",
    "fix_quarantined_row",
    "ingest_file",
]


@dataclass
class IngestSummary:
    """The outcome of one file: counts are exact, ``errors`` is capped at ``MAX_ERRORS``."""

    batch: int | None
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    status: str = BatchStatus.RUNNING
    profile: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON summary of the command, the API and the upload page."""
        return {
            "batch": self.batch,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "errors": self.errors,
        }


def allowed_sites(user: Any, kind: str) -> set[int] | None:
    """Site ids where ``user`` may add facts of ``kind`` (``None``: every site). Built from
    the user's grants exactly as scoping does; an external (supplier, customer) grant gives
    none."""
    model = SPECS[kind].model()
    return permitted_site_ids(user, f"{model._meta.app_label}.add_{model._meta.model_name}")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def build_lookups(kind: str, site: Any, sites: set[int] | None) -> Lookups:
    """Sites, lines, stations and characteristics a row may name."""
    from qdm.core.models import Line, Site, Station
    from qdm.data.models import Characteristic

    site_qs = Site.objects.all() if sites is None else Site.objects.filter(pk__in=sites)
    site_rows = list(site_qs.values_list("pk", "code", "timezone"))
    line_rows = Line.objects.filter(workshop__site__in=[s[0] for s in site_rows]).values_list(
        "workshop__site_id", "code", "pk"
    )
    station_rows = Station.objects.filter(
        line__workshop__site__in=[s[0] for s in site_rows]
    ).values_list("line__workshop__site_id", "code", "pk", "line_id")
    characteristics: dict[str, int] = {}
    if kind == "measurements":
        characteristics = {
            c.upper(): pk for c, pk in Characteristic.objects.values_list("code", "pk")
        }
    return Lookups(
        sites={code.upper(): pk for pk, code, _tz in site_rows},
        default_site=site.pk if site is not None else None,
        lines={(s, code.upper()): pk for s, code, pk in line_rows},
        stations={(s, code.upper()): (pk, line) for s, code, pk, line in station_rows},
        characteristics=characteristics,
        zones={pk: _zone(tz) for pk, _code, tz in site_rows},
        now=timezone.now(),
        time_suffix="" if connection.vendor == "sqlite" else "+00:00",
    )


def _raw(headers: list[str], row: list[str]) -> dict[str, str]:
    raw: dict[str, str] = {}
    for i, value in enumerate(row):
        key = headers[i] if i < len(headers) and headers[i] else f"#{i + 1}"
        raw[key if key not in raw else f"{key}#{i + 1}"] = value
    return raw


def _first_site(
    chunks: Iterator[Chunk], mapping: Mapping, lookups: Lookups
) -> tuple[int | None, Iterator[Chunk]]:
    first = next(chunks, None)
    if first is None:
        return None, iter(())
    index = mapping.index["site"]
    site = next(
        (
            lookups.sites[code]
            for code in (r[index].strip().upper() for r in first.rows if len(r) > index)
            if code in lookups.sites
        ),
        None,
    )
    return site, chain([first], chunks)


def ingest_file(
    source: str | Path | IO[bytes],
    *,
    kind: str,
    file_name: str = "",
    site: Any = None,
    profile: str | None = None,
    strict: bool = False,
    actor: Any = None,
    sites: set[int] | None = None,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    max_errors: int = MAX_ERRORS,
) -> IngestSummary:
    """Ingest one CSV or XLSX file of ``kind`` (flash, el, cells, measurements).

    ``source`` is a path or a seekable binary stream; ``site`` the default site (required
    unless the file has a ``site`` column); ``sites`` the site ids rows may name (``None``:
    all; the API and the upload page pass :func:`allowed_sites`); ``profile`` a column
    profile name (auto-detected when empty); ``actor`` who is recorded on the batch.
    Raises :class:`UnreadableFile` (nothing stored) when the file cannot be read, the kind
    or profile is unknown, required columns are missing or no site is given.
    """
    if kind not in KINDS:
        raise UnreadableFile(
            "unknown_kind",
            _("Unknown kind %(kind)s; expected one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(KINDS)},
        )
    if isinstance(source, str | Path):
        path = Path(source)
        file_name = file_name or path.name
        try:
            stream: IO[bytes] = path.open("rb")
        except OSError as exc:
            raise UnreadableFile(
                "file_not_found",
                _("Cannot open %(path)s: %(error)s") % {"path": path, "error": exc.strerror},
            ) from exc
        with stream:
            return ingest_file(
                stream,
                kind=kind,
                file_name=file_name,
                site=site,
                profile=profile,
                strict=strict,
                actor=actor,
                sites=sites,
                progress=progress,
                chunk_rows=chunk_rows,
                max_errors=max_errors,
            )
    reader, sha256 = open_table(source)
    try:
        try:
            mapping = resolve_mapping(kind, reader.headers, profile or None)
        except UnknownProfile as exc:
            raise UnreadableFile(
                "unknown_profile",
                _("Unknown column profile %(name)s for %(kind)s.")
                % {"name": exc.args[0], "kind": kind},
            ) from exc
        if mapping.missing:
            raise UnreadableFile(
                "missing_columns",
                _("Missing required columns: %(columns)s (profile %(profile)s).")
                % {"columns": ", ".join(mapping.missing), "profile": mapping.profile.name},
            )
        if site is None and "site" not in mapping.index:
            raise UnreadableFile("missing_site", _("Give the site: the file has no site column."))
        spec = SPECS[kind]
        lookups = build_lookups(kind, site, sites)
        chunks: Iterator[Chunk] = reader.chunks(chunk_rows)
        site_id = site.pk if site is not None else None
        if site_id is None:
            site_id, chunks = _first_site(chunks, mapping, lookups)
            if site_id is None:
                raise UnreadableFile("missing_site", _("No row names a known site: give the site."))
        batch = _new_batch(kind, site_id, file_name, sha256, mapping, strict, actor)
        return _run(
            batch, spec, mapping, lookups, reader, chunks, strict, actor, progress, max_errors
        )
    finally:
        reader.close()


def _new_batch(
    kind: str, site_id: int, file_name: str, sha256: str, mapping: Mapping, strict: bool, actor: Any
) -> Any:
    from qdm.data.models import IngestBatch

    return IngestBatch.objects.create(
        kind=kind,
        site_id=site_id,
        file_name=(file_name or "upload")[:255],
        sha256=sha256,
        profile=mapping.profile.name,
        strict=strict,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


class _Run:
    """Counters and quarantine of one batch while it runs."""

    def __init__(self, batch: Any, mapping: Mapping, max_errors: int) -> None:
        self.batch = batch
        self.headers = mapping.headers
        self.summary = IngestSummary(batch.pk, profile=mapping.profile.name)
        self.max_errors = max_errors

    def quarantine(self, chunk: Chunk, result: ChunkResult) -> None:
        from qdm.data.models import QuarantinedRow

        if not result.invalid:
            return
        objects = []
        for i in sorted(result.invalid):
            errors = result.invalid[i]
            row = result.originals[i] if i in result.originals else chunk.row(i)
            objects.append(
                QuarantinedRow(
                    batch=self.batch,
                    row_number=chunk.numbers[i],
                    raw=_raw(self.headers, row),
                    errors=errors,
                )
            )
            room = self.max_errors - len(self.summary.errors)
            if room > 0:
                self.summary.errors.extend(errors[:room])
        QuarantinedRow.objects.bulk_create(objects, batch_size=1000)
        self.summary.rejected += len(objects)


def _store(
    writer: FactWriter,
    validator: ChunkValidator,
    chunk: Chunk,
    result: ChunkResult,
    stored_so_far: int,
) -> tuple[int, int]:
    """Insert the valid rows; move rows whose key an earlier chunk of the same file stored
    to the invalid ones. Returns (stored, duplicates of rows stored before this batch).
    ``stored_so_far``: rows this batch stored before the chunk (none: every conflict is a
    row stored before the batch, nothing to look up — the same file ingested again)."""
    before = writer.max_id() if stored_so_far else 0
    stored = writer.insert_columns(result.columns)
    conflicts = len(result) - stored
    if not conflicts or not stored_so_far:
        return stored, conflicts
    keys = result.keys
    earlier = writer.stored_by_batch(keys, before)
    in_file = 0
    if earlier:
        message = _("The same %(key)s appears earlier in the file.") % {
            "key": " + ".join(validator.spec.key)
        }
        column = validator.spec.key[0]
        header = validator.mapping.headers[validator.mapping.index[column]]
        numbers = chunk.numbers
        for position, key in enumerate(keys):
            if key in earlier:
                i = result.valid_rows[position]
                result.invalid[i] = [
                    {
                        "row": numbers[i],
                        "column": header,
                        "code": "duplicate_in_file",
                        "message": message,
                    }
                ]
                in_file += 1
    return stored, conflicts - in_file


def _run(
    batch: Any,
    spec: Any,
    mapping: Mapping,
    lookups: Lookups,
    reader: TableReader,
    chunks: Iterator[Chunk],
    strict: bool,
    actor: Any,
    progress: Progress | None,
    max_errors: int,
) -> IngestSummary:
    from qdm.core.services.audit import record_event

    validator = ChunkValidator(spec, mapping, lookups, batch.pk)
    writer = FactWriter(spec, validator.db_columns, batch.pk)
    run = _Run(batch, mapping, max_errors)
    summary = run.summary
    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived tuples: the cyclic collector only costs time
    try:
        with bulk_cache(), transaction.atomic() if strict else nullcontext():
            first_id = writer.max_id() if strict else 0
            for chunk in chunks:
                result = validator.validate(chunk)
                summary.rows += len(chunk)
                with transaction.atomic():
                    if not (strict and summary.rejected):
                        stored, duplicates = _store(
                            writer, validator, chunk, result, summary.accepted
                        )
                        summary.accepted += stored
                        summary.duplicates += duplicates
                    run.quarantine(chunk, result)
                if progress is not None:
                    progress(reader.position(), reader.total, summary.rows)
            if strict and summary.rejected:
                writer.delete_batch(first_id)
                summary.accepted = 0
            summary.status = (
                BatchStatus.REJECTED if strict and summary.rejected else BatchStatus.DONE
            )
            _finish(batch, summary)
            record_event(
                batch,
                "ingested",
                actor=actor,
                message=batch.message,
                data={k: v for k, v in summary.as_dict().items() if k != "errors"},
            )
            if summary.accepted:
                batch_stored(batch)
    except UnreadableFile as exc:
        _fail(batch, summary, exc.message)
        raise
    except Exception as exc:
        _fail(batch, summary, str(exc)[:1000])
        raise
    finally:
        if collecting:
            gc.enable()
    return summary


def _finish(batch: Any, summary: IngestSummary) -> None:
    batch.status = summary.status
    batch.rows = summary.rows
    batch.accepted = summary.accepted
    batch.rejected = summary.rejected
    batch.duplicates = summary.duplicates
    batch.finished = timezone.now()
    batch.message = (
        _("%(rows)s rows: %(accepted)s stored, %(rejected)s rejected, %(duplicates)s duplicates.")
        % summary.as_dict()
    )
    if summary.status == BatchStatus.REJECTED:
        batch.message += " " + _("Strict: nothing stored because rows were rejected.")
    batch.save()


def _fail(batch: Any, summary: IngestSummary, message: str) -> None:
    """A file that turned out unreadable half-way: keep the batch as failed."""
    from qdm.data.models import IngestBatch

    IngestBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.FAILED,
        message=message,
        rows=summary.rows,
        accepted=summary.accepted,
        rejected=summary.rejected,
        duplicates=summary.duplicates,
        finished=timezone.now(),
    )


def fix_quarantined_row(
    row: Any, values: dict[str, str], *, actor: Any = None, sites: set[int] | None = None
) -> list[dict[str, Any]]:
    """Re-validate the corrected raw ``values`` of a quarantined ``row`` with its batch's
    kind, site and profile; store it and mark it resolved when valid. Returns the errors
    (empty when stored); an invalid row keeps the new values and errors."""
    from qdm.core.services.audit import record_event

    batch = row.batch
    spec = SPECS[batch.kind]
    headers = list(values)
    mapping = resolve_mapping(batch.kind, headers, batch.profile or None)
    if mapping.missing:
        return [
            {
                "row": row.row_number,
                "column": name,
                "code": "missing_value",
                "message": _("A value is required in %(column)s.") % {"column": name},
            }
            for name in mapping.missing
        ]
    lookups = build_lookups(batch.kind, batch.site, sites)
    validator = ChunkValidator(spec, mapping, lookups, batch.pk)
    chunk = Chunk([[values[h] for h in headers]], [row.row_number])
    result = validator.validate(chunk)
    errors = result.invalid.get(0, [])
    with transaction.atomic():
        if not errors:
            writer = FactWriter(spec, validator.db_columns, batch.pk)
            if writer.insert(result.params) == 0:
                errors = [
                    {
                        "row": row.row_number,
                        "column": headers[mapping.index[spec.key[0]]],
                        "code": "duplicate",
                        "message": _("A row with the same key is already stored."),
                    }
                ]
        row.raw = dict(values)
        if errors:
            row.errors = errors
            row.save(update_fields=["raw", "errors"])
            return errors
        row.resolved = True
        row.save(update_fields=["raw", "resolved"])
        record_event(
            batch,
            "quarantine_fixed",
            actor=actor,
            message=_("Row %(row)s fixed and stored.") % {"row": row.row_number},
            data={"row": row.row_number, "quarantined_row": row.pk},
        )
    return []
