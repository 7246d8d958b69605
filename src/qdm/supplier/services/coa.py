"""COA upload by the supplier and its comparison with our IQC measurements.

For one supplier × material × characteristic, each lot with both a COA value and our
IQC values gives a pair (COA value, mean of our values). Over those lots:

* bias = mean(ours − COA) (positive: the supplier reports low);
* Pearson correlation r of the pairs (needs ≥ 3 lots and spread in both);
* the supplier's data may be trusted to reduce inspection when there are at least
  ``MIN_LOTS`` lots, r ≥ ``MIN_R`` and |bias| ≤ ``BIAS_SHARE`` of the specification width
  (USL − LSL in force today for the material).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.core.services.audit import record_event
from qdm.data.choices import DataType
from qdm.data.models import Characteristic
from qdm.data.services.specifications import specification_in_force
from qdm.manufacturing import selectors as iqc
from qdm.supplier.models import CoaValue, Receipt
from qdm.supplier.services.common import SupplierError, require

MIN_LOTS = 5
MIN_R = 0.8
BIAS_SHARE = 0.10


def upload_coa(receipt: Receipt, *, actor: Any, text: str) -> list[CoaValue]:
    """``CHARACTERISTIC VALUE`` per line (comma, semicolon or blank separated); replaces
    earlier values of the same characteristics. All or nothing."""
    require(actor, "supplier.add_coavalue")
    require(actor, "supplier.view_receipt", receipt)
    rows: dict[str, float] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        parts = raw.replace(",", " ").replace(";", " ").split()
        if not parts:
            continue
        if len(parts) != 2:
            raise SupplierError(
                _("Line %(line)s “%(text)s”: expected CHARACTERISTIC VALUE.")
                % {"line": number, "text": raw.strip()}
            )
        code, value = parts
        try:
            number_value = float(value)
        except ValueError:
            number_value = math.nan
        if not math.isfinite(number_value):
            raise SupplierError(
                _("Line %(line)s: “%(value)s” is not a number.") % {"line": number, "value": value}
            )
        rows[code] = number_value
    if not rows:
        raise SupplierError(_("No COA values given."))
    characteristics = {c.code: c for c in Characteristic.objects.filter(code__in=rows)}
    unknown = sorted(set(rows) - set(characteristics))
    if unknown:
        raise SupplierError(
            _("Unknown characteristics: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    attributes = sorted(c for c, ch in characteristics.items() if ch.data_type != DataType.VARIABLE)
    if attributes:
        raise SupplierError(
            _("%(codes)s are attributes: a COA gives measured values.")
            % {"codes": ", ".join(attributes)}
        )
    return store_coa(receipt, actor=actor, rows=rows, characteristics=characteristics)


def store_coa(
    receipt: Receipt,
    *,
    actor: Any,
    rows: dict[str, float],
    characteristics: dict[str, Characteristic],
    source: str = "",
) -> list[CoaValue]:
    """Replace the receipt's COA values of ``rows``' characteristics, in one transaction
    (callers have validated every row and checked the permissions)."""
    with transaction.atomic():
        CoaValue.objects.filter(receipt=receipt, characteristic__code__in=rows).delete()
        saved = CoaValue.objects.bulk_create(
            CoaValue(
                receipt=receipt,
                characteristic=characteristics[code],
                value=value,
                uploaded_by=actor,
            )
            for code, value in rows.items()
        )
        record_event(
            receipt,
            "coa_uploaded",
            actor=actor,
            message=(_("COA: %(count)s values") % {"count": len(saved)})
            + (f" ({source})" if source else ""),
        )
    return saved


@dataclass
class CoaComparison:
    characteristic: str
    lots: int
    bias: float | None
    correlation: float | None
    bias_limit: float | None
    trusted: bool


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def compare_coa(supplier: Any, material: Any, characteristic: Characteristic) -> CoaComparison:
    """Bias and correlation of the supplier's COA against our IQC values (see module doc)."""
    coa = {
        v.receipt.inspection_lot_id: (v.value, v.receipt)
        for v in CoaValue.objects.filter(
            receipt__supplier=supplier,
            receipt__material=material,
            characteristic=characteristic,
            receipt__inspection_lot__isnull=False,
        ).select_related("receipt")
    }
    ours = iqc.lot_values(list(coa), characteristic.code)
    theirs, measured = [], []
    for lot_id, (value, _receipt) in coa.items():
        values = ours.get(lot_id)
        if values:
            theirs.append(value)
            measured.append(sum(values) / len(values))
    n = len(theirs)
    bias = sum(m - t for m, t in zip(measured, theirs, strict=True)) / n if n else None
    r = _pearson(theirs, measured)
    limit = None
    site = next(iter(coa.values()))[1].site if coa else None
    spec = (
        specification_in_force(characteristic, material=material, site=site, at=timezone.now())
        if site is not None
        else None
    )
    if spec is not None and spec.lsl is not None and spec.usl is not None:
        limit = BIAS_SHARE * (spec.usl - spec.lsl)
    trusted = (
        n >= MIN_LOTS
        and r is not None
        and r >= MIN_R
        and bias is not None
        and limit is not None
        and abs(bias) <= limit
    )
    return CoaComparison(characteristic.code, n, bias, r, limit, trusted)


def comparisons_for(supplier: Any, material: Any) -> list[CoaComparison]:
    codes = (
        CoaValue.objects.filter(receipt__supplier=supplier, receipt__material=material)
        .values_list("characteristic", flat=True)
        .distinct()
    )
    return [compare_coa(supplier, material, c) for c in Characteristic.objects.filter(pk__in=codes)]
