"""The measurement store: narrow, high-volume fact tables written only by the bulk ingestion
path (never row-by-row ORM saves) and excluded from the field-level audit log. Each is
idempotent by its natural key, so ingesting a file twice stores nothing new."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.querysets import Scope, ScopedManager
from qdm.data.choices import BatchStatus, ElGrade, ElStage, FeedKind


class IngestBatch(models.Model):
    """One ingested file: who, what, where, and the outcome counts."""

    kind = models.CharField(_("kind"), max_length=20, choices=FeedKind.choices)
    site = models.ForeignKey(
        "core.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    profile = models.CharField(_("column profile"), max_length=60, blank=True)
    strict = models.BooleanField(_("strict"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.RUNNING
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("ingestion batch")
        verbose_name_plural = _("ingestion batches")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.file_name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("data:ingestbatch_detail", args=[self.pk])


class QuarantinedRow(models.Model):
    """A row that failed validation, kept with its reasons until it is fixed and
    re-ingested: nothing from a file is ever lost."""

    batch = models.ForeignKey(
        IngestBatch, on_delete=models.CASCADE, related_name="quarantine", verbose_name=_("batch")
    )
    row_number = models.PositiveIntegerField(_("row"))
    raw = models.JSONField(_("raw values"))
    errors = models.JSONField(_("errors"))
    resolved = models.BooleanField(_("resolved"), default=False)

    scope = Scope(site="batch__site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("quarantined row")
        verbose_name_plural = _("quarantined rows")
        ordering = ["batch", "row_number"]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class FactBase(models.Model):
    # No single-column indexes on site and line: each fact table has composite (site, time)
    # and (line, time) indexes that serve those lookups, and every index costs insert speed.
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("site"),
        db_index=False,
    )
    line = models.ForeignKey(
        "core.Line",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("line"),
        db_index=False,
    )
    batch = models.ForeignKey(
        IngestBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("batch"),
    )

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        abstract = True


class FlashTest(FactBase):
    """One IV flash test of one module at (near) STC."""

    # No index on batch: the table takes a million rows a file, and each index costs insert
    # speed (~9 % of SQLite's share of a bulk load). Ingestion finds a batch's rows through
    # the natural key or an id range (``qdm.data.ingest.writer``); nothing else filters
    # flash tests by batch.
    batch = models.ForeignKey(
        IngestBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("batch"),
        db_index=False,
    )
    serial = models.CharField(_("serial"), max_length=40)
    tested_at = models.DateTimeField(_("tested at"))
    station = models.ForeignKey(
        "core.Station",
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("station"),
    )
    simulator = models.CharField(_("simulator"), max_length=40, blank=True)
    irradiance_wm2 = models.FloatField(_("irradiance (W/m²)"))
    module_temp_c = models.FloatField(_("module temperature (°C)"))
    pmax_w = models.FloatField(_("Pmax (W)"))
    voc_v = models.FloatField(_("Voc (V)"))
    isc_a = models.FloatField(_("Isc (A)"))
    vmp_v = models.FloatField(_("Vmp (V)"))
    imp_a = models.FloatField(_("Imp (A)"))
    ff_pct = models.FloatField(_("FF (%)"))
    eff_pct = models.FloatField(_("efficiency (%)"), null=True, blank=True)
    rs_ohm = models.FloatField(_("Rs (Ω)"), null=True, blank=True)
    rsh_ohm = models.FloatField(_("Rsh (Ω)"), null=True, blank=True)
    iv_curve = models.JSONField(_("IV curve"), null=True, blank=True)

    class Meta:
        verbose_name = _("flash test")
        verbose_name_plural = _("flash tests")
        ordering = ["-tested_at"]
        constraints = [
            models.UniqueConstraint(fields=["serial", "tested_at"], name="flash_test_natural_key")
        ]
        indexes = [
            models.Index(fields=["site", "tested_at"]),
            models.Index(fields=["line", "tested_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.pmax_w:.1f} W"


class ElResult(FactBase):
    """One electroluminescence inspection of one module, with its defects."""

    serial = models.CharField(_("serial"), max_length=40)
    tested_at = models.DateTimeField(_("tested at"))
    stage = models.CharField(_("stage"), max_length=3, choices=ElStage.choices)
    grade = models.CharField(_("grade"), max_length=1, choices=ElGrade.choices)
    defects = models.JSONField(
        _("defects"), default=list, blank=True, help_text=_('[{"code": "CRK-B", "cell": "C12"}, …]')
    )
    image_ref = models.CharField(_("image reference"), max_length=255, blank=True)
    classifier_version = models.CharField(_("classifier version"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("EL result")
        verbose_name_plural = _("EL results")
        ordering = ["-tested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["serial", "stage", "tested_at"], name="el_result_natural_key"
            )
        ]
        indexes = [
            models.Index(fields=["site", "tested_at"]),
            models.Index(fields=["line", "tested_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.stage} {self.grade}"


class CellSortResult(FactBase):
    """The sorter's summary of one efficiency bin of one cell lot."""

    cell_lot = models.CharField(_("cell lot"), max_length=40, db_index=True)
    tested_at = models.DateTimeField(_("tested at"))
    efficiency_bin = models.CharField(_("efficiency bin"), max_length=20)
    quantity = models.PositiveIntegerField(_("cells"))
    eta_pct = models.FloatField(_("efficiency (%)"))
    voc_v = models.FloatField(_("Voc (V)"))
    isc_a = models.FloatField(_("Isc (A)"))
    ff_pct = models.FloatField(_("FF (%)"))
    irev_count = models.PositiveIntegerField(_("reverse-current failures"), default=0)

    class Meta:
        verbose_name = _("cell sorter result")
        verbose_name_plural = _("cell sorter results")
        ordering = ["-tested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cell_lot", "efficiency_bin", "tested_at"], name="cell_sort_natural_key"
            )
        ]
        indexes = [
            models.Index(fields=["site", "tested_at"]),
            models.Index(fields=["line", "tested_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.cell_lot} {self.efficiency_bin}"


class Measurement(FactBase):
    """One value of one catalog characteristic on one subject (a lot, a serial, a line's
    process parameter) at one time."""

    characteristic = models.ForeignKey(
        "data.Characteristic",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("characteristic"),
    )
    subject = models.CharField(_("subject"), max_length=60)
    measured_at = models.DateTimeField(_("measured at"))
    value = models.FloatField(_("value"))

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["-measured_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["characteristic", "subject", "measured_at"], name="measurement_natural_key"
            )
        ]
        indexes = [
            models.Index(fields=["characteristic", "line", "measured_at"]),
            models.Index(fields=["line", "measured_at"]),
            models.Index(fields=["site", "measured_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.value}"
