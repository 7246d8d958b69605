from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplierConfig(AppConfig):
    name = "qdm.supplier"
    label = "supplier"
    verbose_name = _("Supplier quality")

    def ready(self) -> None:
        from qdm.manufacturing.selectors import on_lot_judged, provide_severity
        from qdm.supplier.services.receipts import lot_judged, severity_for_lot

        # IQC lots of receipts are sampled under the supplier × material's switching
        # severity, and their verdicts move the switching state (after commit)
        provide_severity(severity_for_lot)
        on_lot_judged(lot_judged)
