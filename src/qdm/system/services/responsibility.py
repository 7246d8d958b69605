"""The responsibility matrix as a service: who is responsible for a process at a site, and
who is a user's manager. CAPA escalation asks ``manager_of`` before falling back to the
site quality managers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from qdm.system.choices import ResponsibilityRole
from qdm.system.models import Department, Post, Process, Responsibility
from qdm.system.services.ims import save_record

#: roles that make someone answerable for a process (the "R" and "A" of RACI)
ANSWERABLE = (ResponsibilityRole.ACCOUNTABLE, ResponsibilityRole.RESPONSIBLE)


def _active(users: Any) -> list[Any]:
    seen: dict[int, Any] = {}
    for user in users:
        if user.is_active:
            seen.setdefault(user.pk, user)
    return list(seen.values())


def save_department(department: Department | None, /, *, actor: Any, **fields: Any) -> Any:
    parent = fields.get("parent")
    if parent is not None and department is not None and department.pk:
        node = parent
        while node is not None:
            if node.pk == department.pk:
                raise ValidationError(
                    {"parent": _("A department cannot be its own parent (directly or not).")}
                )
            node = node.parent
    return save_record(Department, department, actor=actor, **fields)


def save_post(post: Post | None, /, *, actor: Any, **fields: Any) -> Any:
    boss = fields.get("reports_to")
    if boss is not None and post is not None and post.pk:
        node = boss
        while node is not None:
            if node.pk == post.pk:
                raise ValidationError(
                    {"reports_to": _("A post cannot report to itself (directly or not).")}
                )
            node = node.reports_to
    return save_record(Post, post, actor=actor, **fields)


def save_responsibility(
    responsibility: Responsibility | None, /, *, actor: Any, **fields: Any
) -> Any:
    return save_record(Responsibility, responsibility, actor=actor, **fields)


def responsible_for(process: Process, site: Any = None) -> list[Any]:
    """The people answerable (accountable or responsible) for ``process`` at ``site``.

    Posts at that site come first; when none is named there, the group posts (site empty)
    answer; when the matrix names nobody, the process owner."""
    rows = Responsibility.objects.filter(process=process, role__in=ANSWERABLE).select_related(
        "post"
    )
    posts_here = [r.post for r in rows if site is not None and r.post.site_id == site.pk]
    posts = posts_here or [r.post for r in rows if r.post.site_id is None]
    people = _active(u for post in posts for u in post.holders.all().order_by("username"))
    if people:
        return people
    return _active([process.owner])


def manager_of(user: Any, site: Any = None) -> list[Any]:
    """The holders of the post(s) that ``user``'s post(s) report to, per the matrix.

    With ``site``, the user's posts at that site (or group posts) are used. An empty list
    means the matrix does not know: callers keep their own fallback."""
    posts = Post.objects.filter(holders=user).select_related("reports_to")
    if site is not None:
        posts = posts.filter(Q(site=site) | Q(site__isnull=True))
    bosses = [p.reports_to for p in posts if p.reports_to_id]
    managers = _active(u for boss in bosses for u in boss.holders.all().order_by("username"))
    return [m for m in managers if m.pk != user.pk]
