"""Menu entries of the quality data platform."""

from django.utils.translation import gettext_lazy as _

from qdm.core.navigation import Menu, MenuItem

menu = Menu(
    key="data",
    number="7.1",
    label=_("Quality data platform"),
    short_label=_("Data"),
    description=_(
        "Master data, characteristic catalog, measurements, ingestion, genealogy and traceability."
    ),
    items=[
        MenuItem(_("Overview"), "data:index"),
    ],
)
