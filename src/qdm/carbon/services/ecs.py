"""French simplified carbon evaluation (ECS, CRE tenders; pv-reference §6.2): load a
versioned table from a CSV/XLSX file, score a module model with it and store the result as
a product footprint (method ``ecs``, method version = table version, inputs = quantities,
origins and the table's file hash), so it sits beside the ISO 14067 result and can be
recomputed exactly.

No official table is built in: pv-reference §6.2 records that the per-country GWP default
table was not found in public sources (the annex "Méthodologie de l'évaluation carbone
simplifiée" of the CRE specifications; the annexes 6 to 6 quater of the arrêté of
6 October 2021 as modified on 8 February 2023). Load it with
``qdm carbon ecs-table load FILE --version V --official --source "…"``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from qdm.carbon.choices import FootprintMethod
from qdm.carbon.models import EcsTableVersion, FactorLibrary, ProductFootprint
from qdm.carbon.services.footprints import SI_SITE_COUNTRY
from qdm.core.services.audit import record_event
from qdm.data.models import Unit
from qdm.quality import pcf, pcf_ecs

LIBRARY_CODE = "ECS"
BASIS = "CO2eq (ECS table)"
#: components made where the module is assembled; the others in the silicon chain's country
ASSEMBLY_COMPONENTS = {"module", "modules", "assembly"}


def read_rows(content: bytes, name: str) -> list[list[Any]]:
    """Rows of a CSV (UTF-8, comma or semicolon) or of the first sheet of an XLSX."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for a bad file
            raise pcf_ecs.EcsTableError(
                [
                    _("%(name)s: not a readable XLSX file (%(error)s).")
                    % {"name": name, "error": exc}
                ]
            ) from None
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    if suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise pcf_ecs.EcsTableError(
                [_("%(name)s: a CSV file must be UTF-8.") % {"name": name}]
            ) from None
        first = text.splitlines()[0] if text else ""
        delimiter = ";" if first.count(";") > first.count(",") else ","
        return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    raise pcf_ecs.EcsTableError(
        [
            _("%(name)s: give a .csv or .xlsx file, not %(suffix)s.")
            % {"name": name, "suffix": suffix or _("none")}
        ]
    )


def load_table(
    content: bytes,
    name: str,
    *,
    version: str,
    actor: Any = None,
    source: str = "",
    official: bool = False,
    rounding_step: float = 0.0,
    rounding_mode: str = "none",
    thresholds: Mapping[str, float] | None = None,
) -> EcsTableVersion:
    """Validate and store one table version; an existing version is never overwritten."""
    table = pcf_ecs.parse_rows(
        read_rows(content, name),
        version=version,
        rounding_step=rounding_step,
        rounding_mode=rounding_mode,
        thresholds=thresholds,
        official=official,
        source=source,
    )
    if EcsTableVersion.objects.filter(version=table.version).exists():
        raise pcf_ecs.EcsTableError(
            [_("ECS table version %(version)s exists already; a version never changes, load "
               "the new table under a new version.") % {"version": repr(table.version)}]
        )  # fmt: skip
    with transaction.atomic():
        library, _created = FactorLibrary.objects.get_or_create(
            code=LIBRARY_CODE,
            version=table.version,
            defaults={
                "name": f"ECS {table.version}",
                "kind": "regulator",
                "publisher": "CRE",
                "notes": source,
            },
        )
        obj = EcsTableVersion.objects.create(
            version=table.version,
            library=library,
            official=official,
            source=source,
            table=pcf_ecs.table_to_json(table),
            file_name=Path(name).name[:200],
            file_sha256=hashlib.sha256(content).hexdigest(),
            loaded_by=actor,
        )
        record_event(obj, "loaded", actor=actor, data={"rows": len(table.gwp)})
    return obj


def ecs_inputs(
    module_model: Any,
    site: Any,
    tv: EcsTableVersion,
    *,
    quantities: Mapping[str, tuple[float, str]] | None = None,
    origins: Mapping[str, Mapping[str, float]] | None = None,
    si_country: str = SI_SITE_COUNTRY,
) -> dict[str, Any]:
    """Q_i per kWc (derived from the model where possible, else given) and the country
    shares X_ij (assembly at the site's country, everything else in ``si_country``)."""
    table = tv.as_table()
    area = module_model.length_mm * module_model.width_mm / 1e6
    power = module_model.pmax_w / 1000
    q = pcf_ecs.default_quantities(
        table, area_m2=area, power_kwp=power, cell_count=module_model.cell_count or 0
    )
    q.update(quantities or {})
    x = {
        c: {site.country if c.lower() in ASSEMBLY_COMPONENTS else si_country: 1.0}
        for c in table.units
    }
    x.update({c: dict(v) for c, v in (origins or {}).items()})
    return {
        "module_model": module_model.code,
        "site": site.code,
        "area_m2": area,
        "power_kwp": power,
        "table_version": tv.version,
        "table_sha256": tv.file_sha256,
        "quantities_per_kwc": {c: [float(v), u] for c, (v, u) in sorted(q.items())},
        "origins": x,
    }


def score(inputs: Mapping[str, Any], tv: EcsTableVersion) -> pcf.EcsResult:
    quantities = {c: (v, u) for c, (v, u) in inputs["quantities_per_kwc"].items()}
    return pcf.ecs_score(tv.as_table(), quantities, inputs["origins"])


def compute_ecs_footprint(
    module_model: Any, site: Any, tv: EcsTableVersion, *, actor: Any, **options: Any
) -> ProductFootprint:
    """Score ``module_model`` with table version ``tv`` and store it as a footprint."""
    inputs = ecs_inputs(module_model, site, tv, **options)
    result = score(inputs, tv)
    with transaction.atomic():
        fp = ProductFootprint(
            module_model=module_model,
            site=site,
            method=FootprintMethod.ECS,
            method_version=tv.version,
            library=tv.library,
            basis=BASIS,
            inputs=inputs,
            breakdown={
                "exact": result.exact,
                "score": result.score,
                "by_component": result.by_component,
                "thresholds": {k: [v[0], v[1]] for k, v in result.thresholds.items()},
                "official": result.official,
            },
            per_module_kg=result.score * inputs["power_kwp"],
            per_kwp_kg=result.score,
            computed_by=actor,
        )
        fp.full_clean()
        fp.save()
        record_event(fp, "computed", actor=actor, data={"ecs": result.score})
    return fp


def recompute(fp: ProductFootprint) -> pcf.EcsResult:
    """The stored inputs scored again with the stored table version (reproducibility)."""
    tv = EcsTableVersion.objects.get(version=fp.inputs["table_version"])
    if tv.file_sha256 != fp.inputs.get("table_sha256"):
        raise pcf.PcfError(
            _("ECS table %(v)s is not the file this result was computed with.") % {"v": tv.version}
        )
    return score(fp.inputs, tv)


def latest(
    module_model_id: int,
    site_id: int | None,
    method: str,
    among: QuerySet[ProductFootprint] | None = None,
) -> ProductFootprint | None:
    """The newest footprint of a model by ``method``, at ``site_id`` if there is one there;
    chosen ``among`` the given footprints (a user's scoped queryset), else among all."""
    rows = (ProductFootprint.objects.all() if among is None else among).filter(
        module_model_id=module_model_id, method=method
    )
    if site_id is not None and rows.filter(site_id=site_id).exists():
        rows = rows.filter(site_id=site_id)
    return rows.select_related("library").order_by("-computed_at", "-pk").first()


def container_models(unit: Unit) -> dict[int, int]:
    """module model id → modules, for a pallet or a shipment (of pallets or modules)."""
    holders = [unit.pk]
    if unit.kind == "shipment":
        holders += list(
            Unit.objects.filter(kind="pallet", consumed_by__child=unit).values_list("pk", flat=True)
        )
    rows = (
        Unit.objects.filter(kind="module", consumed_by__child__in=holders)
        .exclude(module_model=None)
        .values("module_model_id")
        .annotate(n=Count("pk", distinct=True))
    )
    return {r["module_model_id"]: r["n"] for r in rows}


def declaration_ecs(unit: Unit) -> dict[str, Any] | None:
    """The ECS of a shipment: the kWp-weighted ECS scores of its module models (newest ECS
    footprint of each, at the shipment's site if any), or None if a model has none."""
    models = container_models(unit)
    if not models:
        return None
    total_kwp = 0.0
    weighted = 0.0
    parts = []
    for model_id, n in sorted(models.items()):
        fp = latest(model_id, unit.site_id, FootprintMethod.ECS)
        if fp is None:
            return None
        kwp = n * fp.inputs["power_kwp"]
        total_kwp += kwp
        weighted += kwp * fp.per_kwp_kg
        parts.append(
            {"footprint": fp.pk, "model": fp.inputs["module_model"], "modules": n,
             "table_version": fp.method_version, "score": fp.per_kwp_kg,
             "thresholds": fp.breakdown.get("thresholds", {}),
             "official": fp.breakdown.get("official", False)}
        )  # fmt: skip
    return {
        "per_kwp": weighted / total_kwp if total_kwp else 0.0,
        "table_versions": sorted({p["table_version"] for p in parts}),
        "official": all(p["official"] for p in parts),
        "models": parts,
    }
