from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManufacturingConfig(AppConfig):
    name = "qdm.manufacturing"
    label = "manufacturing"
    verbose_name = _("Manufacturing quality")
