"""Writes of customer profiles and projects."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from qdm.service.models import CustomerProfile, Project, SatisfactionSurvey


def _save(instance: Any, fields: dict[str, Any], m2m: tuple[str, ...] = ()) -> Any:
    related = {name: fields.pop(name) for name in m2m if name in fields}
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, values in related.items():
        getattr(instance, name).set(values)
    return instance


def save_profile(form: Any, user: Any) -> CustomerProfile:
    with transaction.atomic():
        return _save(form.instance, dict(form.cleaned_data))


def save_project(form: Any, user: Any) -> Project:
    with transaction.atomic():
        return _save(form.instance, dict(form.cleaned_data), ("module_models",))


def create_profile(*, actor: Any, **fields: Any) -> CustomerProfile:
    with transaction.atomic():
        return _save(CustomerProfile(), fields)


def update_profile(instance: CustomerProfile, *, actor: Any, **fields: Any) -> CustomerProfile:
    with transaction.atomic():
        return _save(instance, fields)


def create_project(*, actor: Any, **fields: Any) -> Project:
    with transaction.atomic():
        return _save(Project(), fields, ("module_models",))


def update_project(instance: Project, *, actor: Any, **fields: Any) -> Project:
    with transaction.atomic():
        return _save(instance, fields, ("module_models",))


def _survey_defaults(instance: SatisfactionSurvey) -> None:
    """Region and country default to the customer's profile and country."""
    if instance.customer_id and not instance.region:
        profile = CustomerProfile.objects.filter(customer_id=instance.customer_id).first()
        instance.region = profile.region if profile else ""
    if instance.customer_id and not instance.country:
        instance.country = (instance.customer.country or "")[:2].upper()


def _save_survey(instance: SatisfactionSurvey, fields: dict[str, Any]) -> SatisfactionSurvey:
    for name, value in fields.items():
        setattr(instance, name, value)
    _survey_defaults(instance)
    instance.full_clean()
    instance.save()
    return instance


def save_survey(form: Any, user: Any) -> SatisfactionSurvey:
    with transaction.atomic():
        return _save_survey(form.instance, dict(form.cleaned_data))


def create_survey(*, actor: Any, **fields: Any) -> SatisfactionSurvey:
    with transaction.atomic():
        return _save_survey(SatisfactionSurvey(), fields)


def update_survey(instance: SatisfactionSurvey, *, actor: Any, **fields: Any) -> SatisfactionSurvey:
    with transaction.atomic():
        return _save_survey(instance, fields)
