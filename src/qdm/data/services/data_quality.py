"""Data-quality view: for every site, line and feed, when data last arrived, how much
arrives per day, how much is rejected, and on which days nothing came (gaps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from qdm.data.choices import FeedKind
from qdm.data.models import CellSortResult, ElResult, FlashTest, IngestBatch, Measurement

FEEDS: list[tuple[str, Any, str]] = [
    (FeedKind.FLASH, FlashTest, "tested_at"),
    (FeedKind.EL, ElResult, "tested_at"),
    (FeedKind.CELLS, CellSortResult, "tested_at"),
    (FeedKind.MEASUREMENTS, Measurement, "measured_at"),
]


@dataclass
class FeedHealth:
    site: Any
    line: Any
    feed: str
    last_received: datetime | None
    rows_per_day: float
    days_with_data: int
    gap_days: list[date] = field(default_factory=list)
    rejection_rate: float | None = None

    @property
    def feed_label(self) -> Any:
        return FeedKind(self.feed).label

    @property
    def stale(self) -> bool:
        return self.last_received is None or (
            timezone.now() - self.last_received > timedelta(hours=24)
        )


def feed_health(user: Any, *, days: int = 14, now: datetime | None = None) -> list[FeedHealth]:
    """One row per (site, line, feed) with data in the window, within the user's scope."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    window = [(since + timedelta(days=i + 1)).date() for i in range(days)]
    rejection = _rejection_rates(user, since)
    rows: list[FeedHealth] = []
    for feed, model, time_field in FEEDS:
        scoped = model.objects.for_user(user, "view").filter(**{f"{time_field}__gte": since})
        per_day = (
            scoped.annotate(day=TruncDate(time_field))
            .values("site", "line", "day")
            .annotate(n=Count("pk"))
        )
        grouped: dict[tuple[Any, Any], dict[date, int]] = {}
        for item in per_day:
            grouped.setdefault((item["site"], item["line"]), {})[item["day"]] = item["n"]
        last = {
            (item["site"], item["line"]): item["last"]
            for item in scoped.values("site", "line").annotate(last=Max(time_field))
        }
        for (site_id, line_id), counts in grouped.items():
            rows.append(
                FeedHealth(
                    site=site_id,
                    line=line_id,
                    feed=feed,
                    last_received=last.get((site_id, line_id)),
                    rows_per_day=sum(counts.values()) / days,
                    days_with_data=len(counts),
                    gap_days=[d for d in window if d not in counts and d <= now.date()],
                    rejection_rate=rejection.get((site_id, feed)),
                )
            )
    _attach_names(rows)
    rows.sort(key=lambda r: (str(r.site), str(r.line or ""), r.feed))
    return rows


def _rejection_rates(user: Any, since: datetime) -> dict[tuple[Any, str], float]:
    totals = (
        IngestBatch.objects.for_user(user, "view")
        .filter(created__gte=since)
        .values("site", "kind")
        .annotate(rows=Sum("rows"), rejected=Sum("rejected"))
        .filter(~Q(rows=0))
    )
    return {(t["site"], t["kind"]): t["rejected"] / t["rows"] for t in totals if t["rows"]}


def _attach_names(rows: list[FeedHealth]) -> None:
    from qdm.core.models import Line, Site

    sites = {s.pk: s for s in Site.objects.filter(pk__in={r.site for r in rows})}
    lines = {ln.pk: ln for ln in Line.objects.filter(pk__in={r.line for r in rows if r.line})}
    for row in rows:
        row.site = sites.get(row.site, row.site)
        row.line = lines.get(row.line) if row.line else None
