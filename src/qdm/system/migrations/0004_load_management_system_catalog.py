"""Seed the registry of management-system standards and their clauses (numbers and short
titles of our own wording) from ``qdm.system.ims_catalog``."""

from django.db import migrations


def load(apps, schema_editor):
    from qdm.system.ims_catalog import load_catalog

    load_catalog(apps.get_model("system", "ManagementSystem"), apps.get_model("system", "Clause"))


class Migration(migrations.Migration):
    dependencies = [("system", "0003b_responsibility_and_management_review")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
