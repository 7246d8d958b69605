import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0006_warranty_contracts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FieldMeasurement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("measured_on", models.DateField(blank=True, null=True, verbose_name="measured on")),
                ("pmax_w", models.FloatField(blank=True, null=True, verbose_name="field Pmax (W)")),
                ("voc_v", models.FloatField(blank=True, null=True, verbose_name="field Voc (V)")),
                ("isc_a", models.FloatField(blank=True, null=True, verbose_name="field Isc (A)")),
                ("ff_pct", models.FloatField(blank=True, null=True, verbose_name="field FF (%)")),
                (
                    "irradiance_wm2",
                    models.FloatField(blank=True, null=True, verbose_name="irradiance (W/m²)"),
                ),
                (
                    "module_temp_c",
                    models.FloatField(
                        blank=True, null=True, verbose_name="module temperature (°C)"
                    ),
                ),
                (
                    "stc_corrected",
                    models.BooleanField(
                        default=True,
                        help_text="The IV values are corrected to 1000 W/m² and 25 °C as given.",
                        verbose_name="corrected to STC",
                    ),
                ),
                (
                    "uncertainty_pct",
                    models.FloatField(
                        default=5.0,
                        validators=[
                            django.core.validators.MinValueValidator(0.0),
                            django.core.validators.MaxValueValidator(20.0),
                        ],
                        verbose_name="measurement uncertainty (%)",
                    ),
                ),
                (
                    "el_grade",
                    models.CharField(
                        blank=True,
                        choices=[("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")],
                        max_length=1,
                        verbose_name="field EL grade",
                    ),
                ),
                (
                    "el_defects",
                    models.CharField(blank=True, max_length=200, verbose_name="field EL defects"),
                ),
                ("notes", models.CharField(blank=True, max_length=300, verbose_name="notes")),
                (
                    "recorded_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="recorded at"
                    ),
                ),
                (
                    "item",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="field",
                        to="service.complaintitem",
                        verbose_name="complaint serial",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
            ],
            options={
                "verbose_name": "field measurement",
                "verbose_name_plural": "field measurements",
                "ordering": ["item__complaint", "item__serial"],
            },
        ),
    ]
