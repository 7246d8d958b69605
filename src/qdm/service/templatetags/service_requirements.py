"""``{% requirements_in_force %}``: the customer-specific requirements in force today, for
the OQC desk of manufacturing (which packs pallets against them). Shows only what the user
may see."""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.db.models import Field, Q
from django.utils import timezone

from qdm.service.models import CustomerRequirement

register = template.Library()


def in_force(user: Any, day: Any = None) -> list[CustomerRequirement]:
    """The latest version per customer, project and module model in force on ``day``."""
    day = day or timezone.localdate()
    if not user.has_perm("service.view_customerrequirement"):
        return []
    qs = (
        CustomerRequirement.objects.for_user(user, "view")
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day), effective_from__lte=day)
        .select_related("customer", "project", "module_model")
        .order_by("customer__code", "project__name", "module_model_id", "-version")
    )
    latest: dict[tuple[Any, ...], CustomerRequirement] = {}
    for r in qs:
        latest.setdefault((r.customer_id, r.project_id, r.module_model_id), r)
    meta = CustomerRequirement._meta
    for r in latest.values():
        # the ``deliver_*`` flags are model fields (never a relation): they have a verbose name
        r.document_labels = [  # type: ignore[attr-defined]
            str(cast("Field[Any, Any]", meta.get_field(f"deliver_{name}")).verbose_name)
            for name in r.documents
        ]
    return list(latest.values())


@register.inclusion_tag("service/_requirements_in_force.html", takes_context=True)
def requirements_in_force(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = in_force(user) if user is not None and user.is_authenticated else []
    return {"requirements": rows[:100], "count": len(rows)}
