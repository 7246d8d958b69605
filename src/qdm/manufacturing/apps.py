from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManufacturingConfig(AppConfig):
    name = "qdm.manufacturing"
    label = "manufacturing"
    verbose_name = _("Manufacturing quality")

    def ready(self) -> None:
        from qdm.data.ingest.hooks import on_batch_stored
        from qdm.manufacturing.services.spc import evaluate_ingested_batch

        # new measurements are evaluated against the active SPC charts as they land
        on_batch_stored(evaluate_ingested_batch)
