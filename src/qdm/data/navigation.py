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
        MenuItem(_("Traceability"), "data:trace", "data.view_unit"),
        MenuItem(_("Upload test data"), "data:ingest_upload", "data.add_flashtest"),
        MenuItem(_("Ingestion batches"), "data:ingestbatch_list", "data.view_ingestbatch"),
        MenuItem(_("Data quality"), "data:data_quality", "data.view_ingestbatch"),
        MenuItem(_("Characteristics"), "data:characteristic_list", "data.view_characteristic"),
        MenuItem(_("Specifications"), "data:specification_list", "data.view_specification"),
        MenuItem(_("Module models"), "data:modulemodel_list", "data.view_modulemodel"),
        MenuItem(_("Cell products"), "data:cellproduct_list", "data.view_cellproduct"),
        MenuItem(_("Wafer products"), "data:waferproduct_list", "data.view_waferproduct"),
        MenuItem(_("Product families"), "data:productfamily_list", "data.view_productfamily"),
        MenuItem(_("Materials"), "data:material_list", "data.view_material"),
        MenuItem(
            _("Material categories"), "data:materialcategory_list", "data.view_materialcategory"
        ),
        MenuItem(_("Flash tests"), "data:flashtest_list", "data.view_flashtest"),
        MenuItem(_("EL results"), "data:elresult_list", "data.view_elresult"),
        MenuItem(_("Cell sorter results"), "data:cellsortresult_list", "data.view_cellsortresult"),
        MenuItem(_("Measurements"), "data:measurement_list", "data.view_measurement"),
        MenuItem(_("Traceable units"), "data:unit_list", "data.view_unit"),
    ],
)
