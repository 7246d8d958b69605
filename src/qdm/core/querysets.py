"""Scoped querysets: the one place where grants become filters (NetBox's RestrictedQuerySet).

Every model that users see declares a ``scope`` (which lookup leads to its site, its
supplier and its customer) and uses ``ScopedManager``. ``Model.objects.for_user(user,
action)`` returns only the rows the user may ``view``/``add``/``change``/``delete`` — or
take a custom action the model declares in ``Meta.permissions`` (``approve_supplierprofile``
→ ``for_user(user, "approve")``), which is scoped exactly like the standard ones:

* no grant whose role holds ``<app>.<action>_<model>``: nothing;
* a grant with no site, supplier or customer (group-wide): everything;
* a site grant: rows whose site is that site; rows of a model without a site path are
  shared master data and all visible to internal users;
* a supplier (customer) grant: rows whose supplier (customer) is that company; a model with
  no such path shows nothing to external users.

Every list, detail, edit, delete, API endpoint, export, chart feed and form choice must go
through ``for_user``; an object outside the result answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from qdm.core.models.users import User

ACTIONS = ("view", "add", "change", "delete")


def custom_actions(model: type[models.Model]) -> tuple[str, ...]:
    """The custom actions ``model`` declares: ``Meta.permissions`` codenames of the form
    ``<action>_<model_name>`` (e.g. ``approve_supplierprofile`` → ``"approve"``)."""
    suffix = f"_{model._meta.model_name}"
    return tuple(
        codename[: -len(suffix)]
        for codename, _name in model._meta.permissions
        if codename.endswith(suffix) and len(codename) > len(suffix)
    )


def model_actions(model: type[models.Model]) -> tuple[str, ...]:
    """Every action ``for_user`` accepts for ``model``: the four standard ones and its own."""
    return (*ACTIONS, *custom_actions(model))


def check_action(model: type[models.Model], action: str) -> None:
    """Raise ``ValueError`` naming the model and its actions unless ``action`` is one."""
    if action in ACTIONS:
        return
    allowed = model_actions(model)
    if action not in allowed:
        opts = model._meta
        raise ValueError(
            f"unknown action {action!r} for {opts.app_label}.{opts.model_name}; expected one "
            f"of {allowed} (a custom action is declared in Meta.permissions as "
            f"'<action>_{opts.model_name}')"
        )


def action_of(perm: str, model: type[models.Model]) -> str:
    """The scope action of ``perm`` ("app.codename") on ``model``.

    ``supplier.approve_supplierprofile`` on SupplierProfile → ``"approve"``. A permission
    of another model (``data.change_characteristic`` checked on an FMEA) keeps its first word
    as today. Raises ``ValueError`` when the action is unknown to ``model``."""
    codename = perm.split(".", 1)[-1]
    suffix = f"_{model._meta.model_name}"
    if codename.endswith(suffix) and len(codename) > len(suffix):
        action = codename[: -len(suffix)]
    else:
        action = codename.split("_", 1)[0]
    check_action(model, action)
    return action


@dataclass(frozen=True)
class Scope:
    """Lookups from a model to the site, supplier and customer that own a row.

    ``"pk"`` means the row *is* the site (supplier, customer); ``None`` means the model has
    no such owner.
    """

    site: str | None = None
    supplier: str | None = None
    customer: str | None = None
    #: rows whose site is empty belong to the whole group (a group-wide specification):
    #: every internal user who may see the model sees them too
    group_rows_when_site_empty: bool = False


@dataclass(frozen=True)
class GrantScope:
    """One grant reduced to what scoping needs."""

    permissions: frozenset[str]
    site_id: int | None
    supplier_id: int | None
    customer_id: int | None

    @property
    def group_wide(self) -> bool:
        return self.site_id is None and self.supplier_id is None and self.customer_id is None


def grant_scopes(user: User | AnonymousUser) -> list[GrantScope]:
    """The user's grants with the permissions of their roles, cached on the user object
    (which lives as long as the request).

    One query of plain tuples (grant × permission of its role): a role holds hundreds of
    permissions, and building a model instance for each was most of an API request."""
    cached = getattr(user, "_qdm_grant_scopes", None)
    if cached is not None:
        return cached
    from qdm.core.models.users import Grant

    scopes: list[GrantScope] = []
    if user.is_authenticated and user.is_active:
        rows = (
            Grant.objects.filter(user_id=user.pk)
            .order_by("role__name", "pk")
            .values_list(
                "pk",
                "site_id",
                "supplier_id",
                "customer_id",
                "role__permissions__content_type__app_label",
                "role__permissions__codename",
            )
        )
        grants: dict[int, tuple[tuple[int | None, int | None, int | None], set[str]]] = {}
        for pk, site_id, supplier_id, customer_id, app_label, codename in rows:
            _where, perms = grants.setdefault(pk, ((site_id, supplier_id, customer_id), set()))
            if codename is not None:
                perms.add(f"{app_label}.{codename}")
        scopes = [GrantScope(frozenset(perms), *where) for where, perms in grants.values()]
    user._qdm_grant_scopes = scopes  # type: ignore[union-attr]
    return scopes


def clear_grant_cache(user: Any) -> None:
    """Forget cached grants (after grants change within the same request or test)."""
    for attr in (
        "_qdm_grant_scopes",
        "_qdm_perm_cache",
        "_perm_cache",
        "_user_perm_cache",
        "_group_perm_cache",
    ):
        if hasattr(user, attr):
            delattr(user, attr)


def permitted_site_ids(user: Any, perm: str) -> set[int] | None:
    """The sites where ``user`` holds ``perm``: ``None`` means every site (a superuser, or a
    group-wide grant holding it); a site grant adds its site; supplier and customer grants
    add none. An anonymous or inactive user gets the empty set."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    ids: set[int] = set()
    for grant in grant_scopes(user):
        if perm not in grant.permissions:
            continue
        if grant.group_wide:
            return None
        if grant.site_id is not None:
            ids.add(grant.site_id)
    return ids


def scope_filter(model: type[models.Model], user: Any, action: str) -> Q | None:
    """The Q that limits ``model`` for ``user`` and ``action``; ``None`` means no limit.

    Returns ``Q(pk__in=[])`` when nothing is allowed.
    """
    check_action(model, action)
    nothing = Q(pk__in=[])
    if user is None or not user.is_authenticated or not user.is_active:
        return nothing
    if user.is_superuser:
        return None
    opts = model._meta
    perm = f"{opts.app_label}.{action}_{opts.model_name}"
    scope: Scope = getattr(model, "scope", Scope())
    site_ids: set[int] = set()
    supplier_ids: set[int] = set()
    customer_ids: set[int] = set()
    for grant in grant_scopes(user):
        if perm not in grant.permissions:
            continue
        if grant.group_wide:
            return None
        if grant.site_id is not None:
            if scope.site is None:
                return None  # shared master data: every internal user with the permission
            site_ids.add(grant.site_id)
        if grant.supplier_id is not None and scope.supplier is not None:
            supplier_ids.add(grant.supplier_id)
        if grant.customer_id is not None and scope.customer is not None:
            customer_ids.add(grant.customer_id)
    q = nothing
    if site_ids and scope.site:
        q |= Q(**{f"{scope.site}__in": site_ids})
        if scope.group_rows_when_site_empty:
            q |= Q(**{f"{scope.site}__isnull": True})
    if supplier_ids and scope.supplier:
        q |= Q(**{f"{scope.supplier}__in": supplier_ids})
    if customer_ids and scope.customer:
        q |= Q(**{f"{scope.customer}__in": customer_ids})
    return q


def users_with_access(model: type[models.Model], action: str, obj: models.Model) -> Any:
    """The active users who may ``action`` the row ``obj`` of ``model``: the grants
    ``scope_filter`` reads, turned round into one query over users (a superuser, or a grant
    whose role holds the permission and that is group-wide, at a site where the row's
    scope has no site path, or at the row's site, supplier or customer)."""
    from qdm.core.models.users import Grant, User

    check_action(model, action)
    opts = model._meta
    scope: Scope = getattr(model, "scope", Scope())
    paths = {
        key: path
        for key, path in (
            ("site", scope.site),
            ("supplier", scope.supplier),
            ("customer", scope.customer),
        )
        if path
    }
    owners: dict[str, set[Any]] = {key: set() for key in paths}
    if paths:
        names = list(paths.values())
        for row in model._default_manager.filter(pk=obj.pk).values_list(*names):
            for key, value in zip(paths, row, strict=True):
                owners[key].add(value)
    reach = Q(site__isnull=True, supplier__isnull=True, customer__isnull=True)
    if "site" in paths:
        sites = {v for v in owners["site"] if v is not None}
        reach |= Q(site_id__in=sites)
        if scope.group_rows_when_site_empty and None in owners["site"]:
            reach |= Q(site__isnull=False)
    else:
        reach |= Q(site__isnull=False)  # shared master data: every internal holder
    for key in ("supplier", "customer"):
        if key in paths:
            reach |= Q(**{f"{key}_id__in": {v for v in owners[key] if v is not None}})
    grants = Grant.objects.filter(
        reach,
        user_id=models.OuterRef("pk"),
        role__permissions__content_type__app_label=opts.app_label,
        role__permissions__codename=f"{action}_{opts.model_name}",
    )
    return User.objects.filter(is_active=True).filter(Q(is_superuser=True) | models.Exists(grants))


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to a user's grants."""

    def for_user(self, user: Any, action: str = "view") -> ScopedQuerySet:
        q = scope_filter(self.model, user, action)
        if q is None:
            return self
        # distinct: a path through a to-many relation must not duplicate rows
        return self.filter(q).distinct() if _crosses_many(self.model, q) else self.filter(q)


def _crosses_many(model: type[models.Model], q: Q) -> bool:
    scope: Scope = getattr(model, "scope", Scope())
    for path in (scope.site, scope.supplier, scope.customer):
        if not path or path == "pk":
            continue
        current = model
        for part in path.split("__"):
            field = current._meta.get_field(part)
            if field.many_to_many or field.one_to_many:
                return True
            if field.related_model is None:
                break
            current = field.related_model  # type: ignore[assignment]
    return False


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Default manager of every scoped model."""
