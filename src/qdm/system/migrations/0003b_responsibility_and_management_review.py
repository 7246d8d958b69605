# Split from 0003 (responsibility matrix and management review) to keep modules short.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("system", "0003_integrated_management_systems"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Department",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=30, unique=True, verbose_name="code")),
                ("name", models.CharField(max_length=120, verbose_name="name (Chinese)")),
                ("name_en", models.CharField(max_length=120, verbose_name="name (English)")),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.enterprise",
                        verbose_name="company",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="system.department",
                        verbose_name="parent department",
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        blank=True,
                        help_text="Leave empty for a department of the group.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.site",
                        verbose_name="site",
                    ),
                ),
            ],
            options={
                "verbose_name": "department",
                "verbose_name_plural": "departments",
                "ordering": ["code"],
            },
        ),
        migrations.CreateModel(
            name="ManagementReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "number",
                    models.CharField(
                        editable=False, max_length=40, unique=True, verbose_name="number"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                ("period_start", models.DateField(verbose_name="period start")),
                ("period_end", models.DateField(verbose_name="period end")),
                (
                    "meeting_date",
                    models.DateField(blank=True, null=True, verbose_name="meeting date"),
                ),
                (
                    "conclusions",
                    models.TextField(
                        blank=True, verbose_name="conclusions on the system's suitability"
                    ),
                ),
                (
                    "inputs",
                    models.JSONField(
                        blank=True, default=dict, editable=False, verbose_name="compiled inputs"
                    ),
                ),
                (
                    "compiled_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="compiled at"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("held", "Held"), ("closed", "Closed")],
                        db_index=True,
                        default="draft",
                        editable=False,
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                (
                    "closed_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="closed at"
                    ),
                ),
                (
                    "attendees",
                    models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="attendees",
                    ),
                ),
                (
                    "chair",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="chair",
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        blank=True,
                        help_text="Leave empty for a review of the whole group.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.site",
                        verbose_name="site",
                    ),
                ),
            ],
            options={
                "verbose_name": "management review",
                "verbose_name_plural": "management reviews",
                "ordering": ["-period_end", "number"],
            },
        ),
        migrations.CreateModel(
            name="Post",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=40, unique=True, verbose_name="code")),
                ("name", models.CharField(max_length=120, verbose_name="name (Chinese)")),
                ("name_en", models.CharField(max_length=120, verbose_name="name (English)")),
                (
                    "department",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="posts",
                        to="system.department",
                        verbose_name="department",
                    ),
                ),
                (
                    "holders",
                    models.ManyToManyField(
                        blank=True,
                        related_name="posts",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="held by",
                    ),
                ),
                (
                    "reports_to",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="system.post",
                        verbose_name="reports to",
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        blank=True,
                        help_text="Where the post works; empty for a group post.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.site",
                        verbose_name="site",
                    ),
                ),
            ],
            options={
                "verbose_name": "post",
                "verbose_name_plural": "posts",
                "ordering": ["department__code", "code"],
            },
        ),
        migrations.CreateModel(
            name="QualityObjective",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("metric", models.CharField(max_length=160, verbose_name="metric")),
                ("unit", models.CharField(blank=True, max_length=20, verbose_name="unit")),
                (
                    "target",
                    models.DecimalField(decimal_places=4, max_digits=14, verbose_name="target"),
                ),
                (
                    "actual",
                    models.DecimalField(
                        blank=True,
                        decimal_places=4,
                        max_digits=14,
                        null=True,
                        verbose_name="actual",
                    ),
                ),
                (
                    "higher_is_better",
                    models.BooleanField(default=True, verbose_name="higher is better"),
                ),
                ("period_start", models.DateField(verbose_name="period start")),
                ("period_end", models.DateField(verbose_name="period end")),
                (
                    "process",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="objectives",
                        to="system.process",
                        verbose_name="process",
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        blank=True,
                        help_text="Leave empty for an objective of the whole group.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.site",
                        verbose_name="site",
                    ),
                ),
            ],
            options={
                "verbose_name": "quality objective",
                "verbose_name_plural": "quality objectives",
                "ordering": ["-period_start", "metric"],
            },
        ),
        migrations.CreateModel(
            name="Responsibility",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("accountable", "Accountable"),
                            ("responsible", "Responsible"),
                            ("consulted", "Consulted"),
                            ("informed", "Informed"),
                        ],
                        default="responsible",
                        max_length=20,
                        verbose_name="role",
                    ),
                ),
                ("description", models.TextField(verbose_name="responsibility")),
                (
                    "post",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="responsibilities",
                        to="system.post",
                        verbose_name="post",
                    ),
                ),
                (
                    "process",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="responsibilities",
                        to="system.process",
                        verbose_name="process",
                    ),
                ),
            ],
            options={
                "verbose_name": "quality responsibility",
                "verbose_name_plural": "quality responsibilities",
                "ordering": ["post__code", "process__code", "pk"],
            },
        ),
        migrations.CreateModel(
            name="ReviewAction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("decision", models.TextField(verbose_name="decision")),
                ("action", models.TextField(verbose_name="action")),
                ("due_date", models.DateField(verbose_name="due date")),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("done", "Done"), ("cancelled", "Cancelled")],
                        default="open",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                (
                    "completed_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="completed at"
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
                (
                    "review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="actions",
                        to="system.managementreview",
                        verbose_name="management review",
                    ),
                ),
            ],
            options={
                "verbose_name": "management review action",
                "verbose_name_plural": "management review actions",
                "ordering": ["review", "due_date", "pk"],
            },
        ),
    ]
