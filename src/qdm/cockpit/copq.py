"""Quality-loss (COPQ) accounting: the four classes of quality cost per site and month.

* **Prevention / appraisal** — the ``QualityCostRecord`` rows of the class's categories.
* **Internal failure** — approved MRB dispositions (manufacturing's ``mrb_failure_lines``)
  valued with the ``StandardCost`` of their item at the site on the decision date:
  scrap × unit cost, rework × rework cost, downgrade × downgrade loss; plus the
  "other internal failure" records. A decision whose item has no standard cost is listed
  as *uncosted* (shown on the page), never silently counted as 0.
* **External failure** — the costs of decided returned modules (service's
  ``rma_cost_lines``, in USD: replace, repair, refund, and the handling of rejected
  claims), the complaints received naming modules of the site × the site's standard cost
  of handling one complaint (service's ``complaints_at_sites``), and the "other external
  failure" records.

Every amount is converted into the reporting currency with the ``ExchangeRate`` of its
month (the latest rate of the pair valid by the month's last day, the site's own before
the group's; the inverse pair is used as 1/rate). Amounts in a currency without a rate are
**refused** (``CurrencyError`` naming the pair, month and site), never added as they are.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qdm.cockpit.models_copq import (
    CATEGORY_CLASS,
    CopqClass,
    CostCategory,
    CostItemKind,
    ExchangeRate,
    QualityCostRecord,
    SiteRevenue,
    StandardCost,
)
from qdm.core.models import Site
from qdm.core.querysets import permitted_site_ids
from qdm.manufacturing.selectors import mrb_failure_lines
from qdm.service.selectors import RMA_COST_CURRENCY, complaints_at_sites, rma_cost_lines
from qdm.system.services.ims import save_record
from qdm.utilities.periods import month_end, month_start, months_between

CLASSES = [c.value for c in CopqClass]
ZERO = Decimal(0)
CENT = Decimal("0.01")
DECISION_PRICE = {"scrap": "unit_cost", "rework": "rework_cost", "downgrade": "downgrade_loss"}


class CopqError(ValueError):
    """Quality-loss accounting refused: the message names the problem."""


class CurrencyError(CopqError):
    """Amounts in two currencies would be added without an exchange rate."""


def reporting_currency() -> str:
    return getattr(settings, "QDM_COPQ_CURRENCY", "CNY")


# --- months ---------------------------------------------------------------------------------


def parse_month(value: Any) -> date:
    """``YYYY-MM`` (or a date) → the first day of that month; CopqError otherwise."""
    if isinstance(value, date):
        return month_start(value)
    text = str(value or "").strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", text)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise CopqError(_("%(value)s is not a month (YYYY-MM).") % {"value": text or "''"})
    return date(int(match.group(1)), int(match.group(2)), 1)


# --- scope ----------------------------------------------------------------------------------


def allowed_site_ids(user: Any, model: Any, action: str) -> set[int] | None:
    """The sites where ``user`` may ``action`` rows of ``model``; ``None`` means every site."""
    return permitted_site_ids(user, f"{model._meta.app_label}.{action}_{model._meta.model_name}")


def visible_sites(user: Any) -> list[Site]:
    """The active sites whose quality costs ``user`` may see."""
    ids = allowed_site_ids(user, QualityCostRecord, "view")
    qs = Site.objects.filter(active=True).order_by("code")
    return list(qs if ids is None else qs.filter(pk__in=ids))


# --- saving ---------------------------------------------------------------------------------


def _check_dates(fields: dict[str, Any]) -> None:
    start, end = fields.get("valid_from"), fields.get("valid_to")
    if start and end and end < start:
        raise ValidationError({"valid_to": _("The end of validity is before its start.")})


def save_standard_cost(cost: StandardCost | None, /, *, actor: Any, **fields: Any) -> StandardCost:
    """Create or change a standard cost. The item must match the kind (a material for
    ``material``, a module model for ``module_model``, neither for ``complaint``) and no
    other standard cost of the same item and site may be valid on an overlapping range."""
    current = {}
    if cost is not None and cost.pk:
        current = {f.name: getattr(cost, f.name) for f in StandardCost._meta.fields}
    merged = {**current, **fields}
    kind, material, model = merged.get("kind"), merged.get("material"), merged.get("module_model")
    errors = {}
    if kind == CostItemKind.MATERIAL and (material is None or model is not None):
        errors["material"] = _("A material standard cost names a material and no module model.")
    if kind == CostItemKind.MODULE_MODEL and (model is None or material is not None):
        errors["module_model"] = _(
            "A module-model standard cost names a module model and no material."
        )
    if kind == CostItemKind.COMPLAINT and (model is not None or material is not None):
        errors["kind"] = _("The cost of handling a complaint names no material or module model.")
    if errors:
        raise ValidationError(errors)
    _check_dates(merged)
    start, end, site = merged.get("valid_from"), merged.get("valid_to"), merged.get("site")
    if start and site is not None:
        others = StandardCost.objects.filter(
            site=site, kind=kind, material=material, module_model=model
        ).exclude(pk=getattr(cost, "pk", None))
        for other in others:
            if (end is None or other.valid_from <= end) and (
                other.valid_to is None or start <= other.valid_to
            ):
                raise ValidationError(
                    {
                        "valid_from": _(
                            "The standard cost %(other)s of the same item is valid on an "
                            "overlapping range: end it first."
                        )
                        % {"other": other.code}
                    }
                )
    with transaction.atomic():
        return save_record(StandardCost, cost, actor=actor, **fields)


def save_cost_record(
    record: QualityCostRecord | None, /, *, actor: Any, **fields: Any
) -> QualityCostRecord:
    """Record (or correct) a quality cost of a site and month (stored on the 1st)."""
    if fields.get("month"):
        fields["month"] = month_start(fields["month"])
    if record is None or not record.pk:
        fields.setdefault("entered_by", actor if getattr(actor, "pk", None) else None)
    with transaction.atomic():
        return save_record(QualityCostRecord, record, actor=actor, **fields)


def save_exchange_rate(rate: ExchangeRate | None, /, *, actor: Any, **fields: Any) -> ExchangeRate:
    merged = {**({"currency": rate.currency, "to_currency": rate.to_currency} if rate else {})}
    merged.update(fields)
    if merged.get("currency") and merged.get("currency") == merged.get("to_currency"):
        raise ValidationError({"to_currency": _("A rate converts into another currency.")})
    if fields.get("rate") is not None and fields["rate"] <= 0:
        raise ValidationError({"rate": _("The rate must be greater than 0.")})
    with transaction.atomic():
        return save_record(ExchangeRate, rate, actor=actor, **fields)


def save_revenue(revenue: SiteRevenue | None, /, *, actor: Any, **fields: Any) -> SiteRevenue:
    if fields.get("month"):
        fields["month"] = month_start(fields["month"])
    with transaction.atomic():
        return save_record(SiteRevenue, revenue, actor=actor, **fields)


# --- XLSX import ------------------------------------------------------------------------------

IMPORT_COLUMNS = ("site", "month", "category", "amount", "currency", "description")


class CopqImportError(CopqError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def import_cost_records(file: Any, *, actor: Any) -> list[QualityCostRecord]:
    """Import quality cost records from an XLSX sheet whose first row names the columns
    ``site, month, category, amount, currency[, description]`` (category: the code or the
    English label). All rows or none: every problem is reported with its row number."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(file, read_only=True, data_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise CopqImportError(
            [_("The file is not an XLSX workbook (%(error)s).") % {"error": exc.__class__.__name__}]
        ) from exc
    if not rows:
        raise CopqImportError([_("The sheet is empty.")])
    header = [str(c or "").strip().lower() for c in rows[0]]
    missing = [c for c in IMPORT_COLUMNS[:5] if c not in header]
    if missing:
        raise CopqImportError(
            [_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}]
        )
    col = {name: header.index(name) for name in IMPORT_COLUMNS if name in header}
    allowed = allowed_site_ids(actor, QualityCostRecord, "add")
    sites = {s.code.upper(): s for s in Site.objects.all()}
    categories = {c.value: c.value for c in CostCategory}
    from django.utils import translation

    with translation.override("en"):
        categories.update({str(c.label).lower(): c.value for c in CostCategory})
    problems: list[str] = []
    parsed: list[dict[str, Any]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(v not in (None, "") for v in row):
            continue

        def cell(name: str, row: Any = row) -> Any:
            i = col.get(name)
            return row[i] if i is not None and i < len(row) else None

        site = sites.get(str(cell("site") or "").strip().upper())
        if site is None:
            problems.append(
                _("Row %(row)s: unknown site %(site)s.") % {"row": number, "site": cell("site")}
            )
            continue
        if allowed is not None and site.pk not in allowed:
            problems.append(
                _("Row %(row)s: you may not record quality costs of site %(site)s.")
                % {"row": number, "site": site.code}
            )
            continue
        try:
            month = parse_month(cell("month"))
        except CopqError as exc:
            problems.append(_("Row %(row)s: %(error)s") % {"row": number, "error": exc})
            continue
        category = categories.get(str(cell("category") or "").strip().lower())
        if category is None:
            problems.append(
                _("Row %(row)s: unknown category %(category)s.")
                % {"row": number, "category": cell("category")}
            )
            continue
        try:
            amount = Decimal(str(cell("amount"))).quantize(CENT)
        except (InvalidOperation, ValueError):
            problems.append(
                _("Row %(row)s: amount %(amount)s is not a number.")
                % {"row": number, "amount": cell("amount")}
            )
            continue
        parsed.append(
            {
                "site": site,
                "month": month,
                "category": category,
                "amount": amount,
                "currency": str(cell("currency") or "").strip().upper(),
                "description": str(cell("description") or "")[:300],
                "_row": number,
            }
        )
    if not parsed and not problems:
        problems.append(_("The sheet has no data rows."))
    created: list[QualityCostRecord] = []
    with transaction.atomic():
        for data in parsed:
            number = data.pop("_row")
            try:
                created.append(save_cost_record(None, actor=actor, **data))
            except ValidationError as exc:
                detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                problems.append(_("Row %(row)s: %(error)s") % {"row": number, "error": detail})
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise CopqImportError(problems)
    return created


# --- currency conversion --------------------------------------------------------------------


class RateBook:
    """The exchange rates into one reporting currency, looked up per month and site."""

    def __init__(self, currency: str, site_ids: Iterable[int]):
        self.currency = currency
        self.rates: dict[tuple[str, int | None], list[tuple[date, Decimal]]] = defaultdict(list)
        qs = ExchangeRate.objects.filter(site_id__in=list(site_ids)) | ExchangeRate.objects.filter(
            site__isnull=True
        )
        for r in qs.filter(to_currency=currency).order_by("valid_from"):
            self.rates[(r.currency, r.site_id)].append((r.valid_from, r.rate))
        for r in qs.filter(currency=currency).order_by("valid_from"):
            if r.rate:
                inverse = Decimal(1) / r.rate
                self.rates[(r.to_currency, r.site_id)].append((r.valid_from, inverse))
        for key in self.rates:
            self.rates[key].sort(key=lambda x: x[0])

    def rate(self, currency: str, month: date, site: Site) -> Decimal:
        if currency == self.currency:
            return Decimal(1)
        last_day = month_end(month)
        for key in ((currency, site.pk), (currency, None)):
            valid = [rate for start, rate in self.rates.get(key, []) if start <= last_day]
            if valid:
                return valid[-1]
        raise CurrencyError(
            _(
                "No exchange rate from %(from)s to %(to)s for %(month)s (site %(site)s): "
                "amounts in different currencies are not added without one. Enter the rate "
                "under Exchange rates, or report in %(from)s."
            )
            % {
                "from": currency,
                "to": self.currency,
                "month": month.strftime("%Y-%m"),
                "site": site.code,
            }
        )

    def convert(self, amount: Decimal, currency: str, month: date, site: Site) -> Decimal:
        return (Decimal(amount) * self.rate(currency, month, site)).quantize(CENT)


# --- accounting -------------------------------------------------------------------------------


@dataclass
class CopqLine:
    """One amount behind a COPQ figure, in its own currency and in the reporting one."""

    site: str
    month: date
    copq_class: str
    source: str  # record, mrb, rma, complaint
    label: str
    amount: Decimal
    currency: str
    converted: Decimal
    quantity: Decimal | None = None
    unit_cost: Decimal | None = None
    url: str = ""

    @property
    def class_label(self) -> Any:
        return CopqClass(self.copq_class).label


@dataclass
class CopqCell:
    """COPQ of one site (or the group) in one month, in the reporting currency."""

    prevention: Decimal = ZERO
    appraisal: Decimal = ZERO
    internal: Decimal = ZERO
    external: Decimal = ZERO
    warranty: Decimal = ZERO  # the RMA part of external (forecast by the Weibull model)
    revenue: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return self.prevention + self.appraisal + self.internal + self.external

    @property
    def share(self) -> float | None:
        """COPQ as a percentage of revenue."""
        if not self.revenue:
            return None
        return float(100 * self.total / self.revenue)

    def add(self, copq_class: str, amount: Decimal) -> None:
        setattr(self, copq_class, getattr(self, copq_class) + amount)

    def as_dict(self) -> dict[str, Any]:
        return {
            **{c: float(getattr(self, c)) for c in CLASSES},
            "total": float(self.total),
            "warranty": float(self.warranty),
            "revenue": None if self.revenue is None else float(self.revenue),
            "share_of_revenue_pct": self.share,
        }


@dataclass
class CopqResult:
    currency: str
    months: list[date]
    sites: list[Site]
    cells: dict[tuple[int, date], CopqCell] = field(default_factory=dict)
    lines: list[CopqLine] = field(default_factory=list)
    uncosted: list[str] = field(default_factory=list)

    def cell(self, site: Site, month: date) -> CopqCell:
        return self.cells.setdefault((site.pk, month), CopqCell())

    def group(self, month: date) -> CopqCell:
        """The sites together (revenue only when every site entered one)."""
        out = CopqCell()
        revenues = []
        for site in self.sites:
            c = self.cells.get((site.pk, month), CopqCell())
            for name in (*CLASSES, "warranty"):
                setattr(out, name, getattr(out, name) + getattr(c, name))
            revenues.append(c.revenue)
        known = [r for r in revenues if r is not None]
        if revenues and len(known) == len(revenues):
            out.revenue = sum(known, ZERO)
        return out

    def series(self, site: Site | None, part: str = "total") -> list[float]:
        cells = [self.group(m) if site is None else self.cell(site, m) for m in self.months]
        return [float(getattr(c, part)) for c in cells]


class _Costs:
    """Standard costs of the sites, looked up by item and day."""

    def __init__(self, site_ids: list[int]):
        self.rows: dict[tuple[int, str, int | None], list[StandardCost]] = defaultdict(list)
        for sc in StandardCost.objects.filter(site_id__in=site_ids).order_by("valid_from"):
            item = sc.material_id or sc.module_model_id
            self.rows[(sc.site_id, sc.kind, item)].append(sc)

    def find(self, site_id: int, kind: str, item: int | None, day: date) -> StandardCost | None:
        valid = [
            sc
            for sc in self.rows.get((site_id, kind, item), [])
            if sc.valid_from <= day and (sc.valid_to is None or day <= sc.valid_to)
        ]
        return valid[-1] if valid else None


def compute_copq(
    sites: Sequence[Site], first: date, last: date, currency: str | None = None
) -> CopqResult:
    """COPQ of ``sites`` for every month from ``first`` to ``last`` (months) in
    ``currency`` (the reporting currency by default). Raises CurrencyError when an amount's
    currency has no rate into ``currency``."""
    currency = (currency or reporting_currency()).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise CopqError(_("%(value)s is not a currency code.") % {"value": currency})
    first, last = month_start(first), month_start(last)
    if last < first:
        raise CopqError(_("The last month is before the first."))
    months = months_between(first, last)
    sites = list(sites)
    by_id = {s.pk: s for s in sites}
    ids = list(by_id)
    result = CopqResult(currency, months, sites)
    book = RateBook(currency, ids)
    start, end = months[0], month_end(months[-1])

    def put(site: Site, month: date, line: CopqLine) -> None:
        result.lines.append(line)
        result.cell(site, month).add(line.copq_class, line.converted)

    for rec in QualityCostRecord.objects.filter(
        site_id__in=ids, month__gte=start, month__lte=end
    ).order_by("month", "site_id", "category"):
        site = by_id[rec.site_id]
        put(
            site,
            rec.month,
            CopqLine(
                site.code,
                rec.month,
                CATEGORY_CLASS[CostCategory(rec.category)],
                "record",
                f"{rec.get_category_display()}{': ' + rec.description if rec.description else ''}",
                rec.amount,
                rec.currency,
                book.convert(rec.amount, rec.currency, rec.month, site),
                url=rec.get_absolute_url(),
            ),
        )
    costs = _Costs(ids)
    for mrb in mrb_failure_lines(ids, start, end):
        site, month = by_id[mrb.site_id], month_start(mrb.decided_on)
        kind = CostItemKind.MODULE_MODEL if mrb.module_model_id else CostItemKind.MATERIAL
        item = mrb.module_model_id or mrb.material_id
        sc = costs.find(mrb.site_id, kind, item, mrb.decided_on) if item else None
        label = f"{mrb.hold_number} {mrb.decision} × {mrb.quantity.normalize():f}"
        if sc is None:
            result.uncosted.append(
                _("%(line)s (%(day)s, %(site)s): no standard cost of its item valid that day.")
                % {"line": label, "day": mrb.decided_on.isoformat(), "site": site.code}
            )
            continue
        price = getattr(sc, DECISION_PRICE[mrb.decision])
        amount = (mrb.quantity * price).quantize(CENT)
        put(
            site,
            month,
            CopqLine(
                site.code,
                month,
                CopqClass.INTERNAL,
                "mrb",
                label,
                amount,
                sc.currency,
                book.convert(amount, sc.currency, month, site),
                quantity=mrb.quantity,
                unit_cost=price,
                url=mrb.url,
            ),
        )
    for rma in rma_cost_lines(ids, start, end):
        site, month = by_id[rma.site_id], month_start(rma.decided_on)
        amount = Decimal(rma.cost)
        converted = book.convert(amount, RMA_COST_CURRENCY, month, site)
        put(
            site,
            month,
            CopqLine(
                site.code,
                month,
                CopqClass.EXTERNAL,
                "rma",
                f"{rma.number} {rma.decision}",
                amount,
                RMA_COST_CURRENCY,
                converted,
                url=rma.url,
            ),
        )
        result.cell(site, month).warranty += converted
    for complaint in complaints_at_sites(ids, start, end):
        site, month = by_id[complaint.site_id], month_start(complaint.received_on)
        sc = costs.find(complaint.site_id, CostItemKind.COMPLAINT, None, complaint.received_on)
        if sc is None:
            result.uncosted.append(
                _("Complaint %(number)s (%(site)s): no standard cost of handling a complaint.")
                % {"number": complaint.number, "site": site.code}
            )
            continue
        put(
            site,
            month,
            CopqLine(
                site.code,
                month,
                CopqClass.EXTERNAL,
                "complaint",
                f"{complaint.number} {complaint.title}",
                sc.unit_cost,
                sc.currency,
                book.convert(sc.unit_cost, sc.currency, month, site),
                quantity=Decimal(1),
                unit_cost=sc.unit_cost,
                url=complaint.url,
            ),
        )
    for rev in SiteRevenue.objects.filter(site_id__in=ids, month__gte=start, month__lte=end):
        site = by_id[rev.site_id]
        result.cell(site, rev.month).revenue = book.convert(
            rev.amount, rev.currency, rev.month, site
        )
    return result
