"""The alerts centre's services: alert rules (checked, saved, seeded with defaults), the
scan that materialises ``CockpitAlert`` rows (``qdm alerts scan``, daily) and the
acknowledgement of an alert.

Scan: for every enabled rule, the conditions of its kind open today (``alerts_sources``),
those at the rule's site only when it names one. A condition without an open alert raises
one (and the kernel notifies the rules' roles at the alert's site and the record's owner,
through the inbox, e-mail and the site's channels as the rules say); a condition that is
already alerted changes nothing; an open alert whose condition is no longer found (cleared,
or its rules disabled) is closed. Running it twice in a row raises and notifies nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qdm.cockpit.alerts_sources import READERS, Condition
from qdm.cockpit.models_alerts import AlertKind, AlertRule, CockpitAlert
from qdm.core.roles import ROLES
from qdm.core.services.audit import record_event
from qdm.core.services.notifications import notify

#: alerts of these kinds are about the group's records (suppliers, customers' complaints):
#: they have no site, and only a rule of every site raises them
GROUP_KINDS = {AlertKind.SUPPLIER_GRADE_DROP, AlertKind.COMPLAINT_SLA}

#: parameter → (smallest, largest) whole number, or the allowed values
PARAMETERS: dict[str, dict[str, Any]] = {
    AlertKind.SPC: {},
    AlertKind.CAPA_OVERDUE: {"days_overdue": (0, 365)},
    AlertKind.CERTIFICATE_EXPIRING: {"days": (1, 730)},
    AlertKind.SUPPLIER_GRADE_DROP: {"drop": (1, 3)},
    AlertKind.KPI_GOAL_BREACH: {"status": ("red", "amber")},
    AlertKind.COMPLAINT_SLA: {},
}

DEFAULT_RULES: list[dict[str, Any]] = [
    {"kind": AlertKind.SPC, "roles": ["site_quality_manager", "quality_engineer"]},
    {"kind": AlertKind.CAPA_OVERDUE, "roles": ["site_quality_manager"]},
    {
        "kind": AlertKind.CERTIFICATE_EXPIRING,
        "roles": ["site_quality_manager"],
        "parameters": {"days": 90},
    },
    {
        "kind": AlertKind.SUPPLIER_GRADE_DROP,
        "roles": ["supplier_quality_engineer"],
        "parameters": {"drop": 1},
    },
    {
        "kind": AlertKind.KPI_GOAL_BREACH,
        "roles": ["chief_quality_officer", "site_quality_manager"],
        "parameters": {"status": "red"},
    },
    {"kind": AlertKind.COMPLAINT_SLA, "roles": ["customer_service_engineer"]},
]


# --- rules ---------------------------------------------------------------------------------


def check_rule(rule: AlertRule) -> None:
    """Every problem of a rule, keyed by the field it is in."""
    errors: dict[str, str] = {}
    roles = rule.roles
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        errors["roles"] = _("Give the roles as a list of role codes.")
    else:
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            errors["roles"] = _("Unknown role %(codes)s; known roles: %(known)s.") % {
                "codes": ", ".join(unknown),
                "known": ", ".join(ROLES),
            }
    allowed = PARAMETERS.get(rule.kind)
    params = rule.parameters
    if allowed is None:
        errors["kind"] = _("Unknown alert kind %(kind)s.") % {"kind": rule.kind}
    elif not isinstance(params, dict):
        errors["parameters"] = _('Give the parameters as an object, e.g. {"days": 90}.')
    else:
        for name, value in params.items():
            spec = allowed.get(name)
            if spec is None:
                errors["parameters"] = _(
                    "Unknown parameter %(name)s for this kind; it accepts: %(known)s."
                ) % {"name": name, "known": ", ".join(allowed) or "—"}
            elif isinstance(spec[0], int):
                ok = isinstance(value, int) and not isinstance(value, bool)
                if not ok or not spec[0] <= value <= spec[1]:
                    errors["parameters"] = _(
                        "Parameter %(name)s must be a whole number from %(low)s to %(high)s."
                    ) % {"name": name, "low": spec[0], "high": spec[1]}
            elif value not in spec:
                errors["parameters"] = _("Parameter %(name)s must be one of %(values)s.") % {
                    "name": name,
                    "values": ", ".join(spec),
                }
    if rule.kind in GROUP_KINDS and rule.site_id is not None:
        errors["site"] = _(
            "Alerts of this kind are about the group's records and have no site; "
            "leave the site empty."
        )
    if errors:
        raise ValidationError(errors)


def save_rule(rule: AlertRule | None, /, *, actor: Any, **fields: Any) -> AlertRule:
    """Create or change an alert rule (checked; nothing saved when a field is wrong).
    Empty roles or parameters (a blank form field) are an empty list / object."""
    for name, empty in (("roles", list), ("parameters", dict)):
        if name in fields and fields[name] in (None, ""):
            fields[name] = empty()
    with transaction.atomic():
        creating = rule is None or rule.pk is None
        obj = rule if rule is not None else AlertRule()
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save()
        record_event(
            obj,
            "created" if creating else "changed",
            actor=actor,
            message=str(obj)[:200],
            data={"fields": sorted(fields)},
        )
    return obj


def create_rule(*, actor: Any, **fields: Any) -> AlertRule:
    return save_rule(None, actor=actor, **fields)


def ensure_default_rules() -> int:
    """Create the default rules (every kind, every site) when no rule exists at all."""
    if AlertRule.objects.exists():
        return 0
    for spec in DEFAULT_RULES:
        save_rule(None, actor=None, **spec)
    return len(DEFAULT_RULES)


# --- scan ----------------------------------------------------------------------------------


@dataclass
class ScanResult:
    raised: list[CockpitAlert] = field(default_factory=list)
    closed: int = 0
    still_open: int = 0
    rules_created: int = 0


def role_holders(roles: list[str], site: Any) -> list[Any]:
    """Active users holding one of ``roles`` at ``site`` or group-wide (for an alert of the
    group, any internal grant of the role)."""
    from qdm.core.models import Grant

    grants = Grant.objects.filter(
        role__name__in=roles, supplier__isnull=True, customer__isnull=True, user__is_active=True
    )
    if site is not None:
        grants = grants.filter(Q(site=site) | Q(site__isnull=True))
    return [g.user for g in grants.select_related("user").order_by("user_id")]


def _matching(today: date) -> dict[tuple[str, str], tuple[Condition, list[AlertRule]]]:
    found: dict[tuple[str, str], tuple[Condition, list[AlertRule]]] = {}
    cache: dict[tuple[str, str], list[Condition]] = {}
    rules = AlertRule.objects.filter(enabled=True).select_related("site").order_by("pk")
    for rule in rules:
        params = rule.parameters if isinstance(rule.parameters, dict) else {}
        read = (rule.kind, json.dumps(params, sort_keys=True))
        if read not in cache:
            cache[read] = READERS[rule.kind](params, today)
        for condition in cache[read]:
            site_id = getattr(condition.site, "pk", None)
            if rule.site_id is not None and site_id != rule.site_id:
                continue
            found.setdefault((rule.kind, condition.key), (condition, []))[1].append(rule)
    return found


def scan(today: date | None = None) -> ScanResult:
    """Materialise the alerts of ``today`` (see the module docstring)."""
    today = today or timezone.localdate()
    result = ScanResult(rules_created=ensure_default_rules())
    found = _matching(today)
    now = timezone.now()
    with transaction.atomic():
        current = {
            (a.kind, a.key): a
            for a in CockpitAlert.objects.select_for_update().filter(closed_at__isnull=True)
        }
        gone = [a.pk for k, a in current.items() if k not in found]
        result.closed = CockpitAlert.objects.filter(pk__in=gone).update(closed_at=now)
        result.still_open = len(current) - len(gone)
        for key, (condition, rules) in found.items():
            if key in current:
                continue
            result.raised.append(_raise(condition, rules, now))
    return result


def _raise(condition: Condition, rules: list[AlertRule], now: Any) -> CockpitAlert:
    rules = sorted(rules, key=lambda r: (r.site_id is None, r.pk))  # the site's rule first
    source = condition.source
    alert = CockpitAlert.objects.create(
        kind=condition.kind,
        key=condition.key,
        rule=rules[0],
        site=condition.site,
        title=str(condition.title)[:200],
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=getattr(source, "pk", None),
        link=condition.link[:300],
        owner=condition.owner,
        due=condition.due,
        raised_at=now,
    )
    recipients: list[Any] = []
    for rule in rules:
        recipients += role_holders(rule.roles, alert.site)
        if rule.notify_owner and alert.owner is not None:
            recipients.append(alert.owner)
    where = alert.site.code if alert.site else _("group")
    notify(
        recipients,
        _("Alert: %(kind)s — %(title)s") % {"kind": alert.get_kind_display(), "title": alert.title},
        _("Raised %(when)s: %(kind)s at %(where)s.")
        % {"kind": alert.get_kind_display(), "where": where, "when": f"{now:%Y-%m-%d %H:%M}"},
        alert.link,
        site=alert.site,
        email=any(r.notify_email for r in rules),
        channels=any(r.notify_channels for r in rules),
    )
    alert.notified_at = now
    alert.save(update_fields=["notified_at"])
    return alert


# --- acknowledgement -----------------------------------------------------------------------


def may_acknowledge(user: Any, alert: CockpitAlert) -> bool:
    """The alert's owner, whoever may change the alert, or whoever may change the record it
    is about (e.g. a quality engineer of the site for an SPC violation or a CAPA action)."""
    if alert.owner_id is not None and alert.owner_id == user.pk:
        return True
    if user.has_perm("cockpit.change_cockpitalert", alert):
        return True
    if alert.source_type is None or alert.source_id is None:
        return False
    ct = alert.source_type
    try:
        source = ct.get_object_for_this_type(pk=alert.source_id)
    except ct.model_class().DoesNotExist:  # type: ignore[union-attr]
        return False
    return user.has_perm(f"{ct.app_label}.change_{ct.model}", source)


def acknowledge_alert(alert: CockpitAlert, *, actor: Any, note: str = "") -> CockpitAlert:
    """Someone has seen the alert (and says what is done): recorded on the alert, audited.
    Refused — nothing changed — without the right, or when already acknowledged or closed.
    The alert stays open until its condition clears."""
    with transaction.atomic():
        alert = CockpitAlert.objects.select_for_update().get(pk=alert.pk)
        if not may_acknowledge(actor, alert):
            raise ValidationError(
                _("You may not acknowledge this alert."), code="permission_denied"
            )
        if alert.acknowledged_at is not None:
            raise ValidationError(
                _("This alert was already acknowledged on %(when)s.")
                % {"when": f"{timezone.localtime(alert.acknowledged_at):%Y-%m-%d %H:%M}"},
                code="invalid",
            )
        if alert.closed_at is not None:
            raise ValidationError(_("This alert is closed: its condition cleared."), code="invalid")
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.acknowledgement = (note or "").strip()[:2000]
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement"])
        record_event(
            alert,
            "alert_acknowledged",
            actor=actor,
            message=f"{alert.title}: {alert.acknowledgement}"[:500],
            data={"kind": alert.kind, "key": alert.key},
        )
    return alert
