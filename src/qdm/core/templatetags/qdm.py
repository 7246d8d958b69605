"""Small template helpers."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def app_label_of(obj: Any) -> str:
    return obj._meta.app_label


@register.filter
def model_name_of(obj: Any) -> str:
    return obj._meta.model_name
