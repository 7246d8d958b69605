"""The roles of DESIGN §4 as code. Each role is a Django group whose permissions are kept
in line with ``ROLES`` after every migrate. Permissions are ``<app>.<action>_<model>``;
a rule ``(app, model, actions)`` accepts ``"*"`` for app or model. An action is one of
view/add/change/delete or a custom action the model declares in ``Meta.permissions``
(``("supplier", "supplierprofile", ("approve",))``); custom actions are scoped like the
standard ones (see ``querysets``). ``"*"`` actions do not exist: name them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

V = ("view",)
VA = ("view", "add")
VAC = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")
ORG_LINES = ("workshop", "line", "station")
QUALITY_APPS = ("data", "system", "manufacturing", "supplier", "service", "design", "carbon")

Rule = tuple[str, str, tuple[str, ...]]

#: supplier-quality decisions beyond view/add/change/delete (custom permissions)
SUPPLIER_DECISIONS: tuple[Rule, ...] = (
    ("supplier", "supplierprofile", ("approve",)),  # approval status, e-signed
    ("supplier", "switchingstate", ("approve",)),  # normal → reduced, resumption
    ("supplier", "scarrequest", ("review", "respond")),  # accept / return SCAR responses
)

ROLES: dict[str, dict[str, Any]] = {
    "administrator": {
        "label": _("Administrator"),
        "rules": [("*", "*", ALL)],
    },
    "chief_quality_officer": {
        "label": _("Chief quality officer"),
        "rules": [
            ("*", "*", V),
            *((app, "*", VAC) for app in (*QUALITY_APPS, "cockpit")),
            *SUPPLIER_DECISIONS,
        ],
    },
    "site_quality_manager": {
        "label": _("Site quality manager"),
        "rules": [
            ("*", "*", V),
            *((app, "*", ALL) for app in QUALITY_APPS),
            *(("core", model, ALL) for model in ORG_LINES),
            ("core", "notificationchannel", ALL),
            ("core", "notificationdelivery", VAC),  # retry a failed delivery of their site
            ("cockpit", "*", VAC),
        ],
    },
    "quality_engineer": {
        "label": _("Quality engineer"),
        "rules": [
            ("*", "*", V),
            *((app, "*", VAC) for app in ("data", "system", "manufacturing", "service")),
            *(("core", model, VAC) for model in ORG_LINES),
        ],
    },
    "inspector": {
        "label": _("Inspector"),
        "rules": [
            ("*", "*", V),
            ("manufacturing", "*", VA),
            ("supplier", "*", VA),
            ("system", "nonconformity", VA),
        ],
    },
    "supplier_quality_engineer": {
        "label": _("Supplier quality engineer"),
        "rules": [
            ("*", "*", V),
            ("supplier", "*", ALL),
            *SUPPLIER_DECISIONS,
            ("system", "*", VAC),
            ("core", "supplier", VAC),
        ],
    },
    "supplier_user": {
        "label": _("Supplier user (external)"),
        "external": "supplier",
        "rules": [
            ("core", "supplier", V),
            # portal: read their own records; upload certificates, declare origins on their
            # receipts and answer SCARs — nothing else of the supplier platform changes
            ("supplier", "*", V),
            ("supplier", "certificate", VAC),
            ("supplier", "coavalue", VA),  # upload certificates of analysis
            ("supplier", "receipt", ("view", "change")),
            ("supplier", "scarrequest", ("view", "respond")),
            ("system", "*", V),
            ("data", "unit", V),
            ("carbon", "supplierfactor", V),  # their own verified carbon factors
        ],  # their own material lots, through the scope
    },
    "customer_user": {
        "label": _("Customer user (external)"),
        "external": "customer",
        "rules": [("core", "customer", V), ("service", "*", VA)],
    },
    "customer_service_engineer": {
        "label": _("Customer-service engineer"),
        "rules": [
            ("*", "*", V),
            ("service", "*", ALL),
            ("system", "*", VAC),
            ("core", "customer", VAC),
        ],
    },
    "design_engineer": {
        "label": _("Design engineer"),
        "rules": [("*", "*", V), ("design", "*", ALL), ("data", "*", VAC)],
    },
    "auditor": {
        "label": _("Auditor"),
        "rules": [("*", "*", V), ("system", "*", VAC)],
    },
    "carbon_analyst": {
        "label": _("Carbon analyst"),
        "rules": [("*", "*", V), ("carbon", "*", ALL)],
    },
    "viewer": {
        "label": _("Viewer"),
        "rules": [("*", "*", V)],
    },
}

#: role name → "supplier" or "customer" for roles held by people outside the group
EXTERNAL_ROLES: dict[str, str] = {
    name: spec["external"] for name, spec in ROLES.items() if spec.get("external")
}

#: Apps whose permissions no role other than administrator receives through "*" rules:
#: the audit trail and user administration are read through their own pages.
PRIVILEGED = {
    ("core", "user"),
    ("core", "grant"),
    ("auth", "group"),
    ("auth", "permission"),
    ("core", "chainhead"),
    ("core", "numbersequence"),
}
INTERNAL_ONLY = {("core", "chainhead"), ("core", "numbersequence")}
SKIPPED_APPS = {
    "admin",
    "sessions",
    "contenttypes",
    "axes",
    "django_tasks_database",
    "authtoken",
    "auditlog",
}


def role_permissions(role: str, all_permissions: list[tuple[str, str, str, int]]) -> set[int]:
    """Permission ids for ``role`` from ``(app_label, model, codename, id)`` tuples."""
    spec = ROLES[role]
    result: set[int] = set()
    for app_label, model, codename, pk in all_permissions:
        if app_label in SKIPPED_APPS and role != "administrator":
            continue
        # everyone may read users and grants of their own scope, but not administer them
        if (
            (app_label, model) in PRIVILEGED
            and role != "administrator"
            and (not codename.startswith("view_") or (app_label, model) in INTERNAL_ONLY)
        ):
            continue
        suffix = f"_{model}"
        action = (
            codename[: -len(suffix)]
            if codename.endswith(suffix) and len(codename) > len(suffix)
            else codename.split("_", 1)[0]
        )
        for rule_app, rule_model, actions in spec["rules"]:
            if rule_app not in ("*", app_label) or rule_model not in ("*", model):
                continue
            if action in actions:
                result.add(pk)
                break
    return result


def sync_roles() -> None:
    """Create or update every role group with exactly the permissions its rules grant."""
    from django.contrib.auth.models import Group, Permission

    perms = list(
        Permission.objects.values_list(
            "content_type__app_label", "content_type__model", "codename", "pk"
        )
    )
    for name in ROLES:
        group, _created = Group.objects.get_or_create(name=name)
        wanted = role_permissions(name, perms)
        current = set(group.permissions.values_list("pk", flat=True))
        if wanted != current:
            group.permissions.set(wanted)


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    # Run once per migrate, after the last app with models has had its permissions created
    # (post_migrate is sent only to apps that have a models module, in INSTALLED_APPS order).
    from django.apps import apps

    with_models = [a.label for a in apps.get_app_configs() if a.models_module is not None]
    if with_models and getattr(sender, "label", None) == with_models[-1]:
        sync_roles()


def role_label(name: str) -> str:
    spec = ROLES.get(name)
    return str(spec["label"]) if spec else name
