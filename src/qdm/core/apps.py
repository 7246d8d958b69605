from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qdm.core"
    label = "core"
    verbose_name = _("Kernel")

    def ready(self) -> None:
        from qdm.core.roles import sync_roles_after_migrate

        # Roles are code: after every migrate, groups and their permissions are brought in
        # line with qdm.core.roles.ROLES (idempotent). Infrastructure, not business logic.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="qdm-sync-roles")
