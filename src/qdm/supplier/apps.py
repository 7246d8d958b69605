from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplierConfig(AppConfig):
    name = "qdm.supplier"
    label = "supplier"
    verbose_name = _("Supplier quality")
