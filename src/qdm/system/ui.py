from typing import Any

from qdm.core.views.generic import ModelUI
from qdm.system.filtersets import NonconformityFilterSet
from qdm.system.forms import NonconformityForm
from qdm.system.models import Nonconformity
from qdm.system.services.nonconformity import raise_nonconformity, update_nonconformity
from qdm.system.tables import NonconformityTable


def save_nonconformity(form: Any, user: Any) -> Nonconformity:
    if form.instance.pk:
        return update_nonconformity(form.instance, actor=user, **form.cleaned_data)
    return raise_nonconformity(actor=user, **form.cleaned_data)


MODEL_UIS = [
    ModelUI(
        Nonconformity,
        NonconformityTable,
        NonconformityFilterSet,
        NonconformityForm,
        saver=save_nonconformity,
        detail_fields=(
            "number",
            "status",
            "site",
            "source",
            "severity",
            "title",
            "description",
            "item",
            "lots",
            "quantity",
            "supplier",
            "containment",
            "disposition",
            "raised_by",
            "owner",
            "raised_at",
            "closed_at",
        ),
    ),
]
