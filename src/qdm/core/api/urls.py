"""``/api/v1/``: one router for every platform's resources."""

from typing import Any

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from qdm.core.modules import optional_module
from qdm.core.navigation import PLATFORM_APPS

router = DefaultRouter()
extra_paths: list[Any] = []
for module_name in ("qdm.core.api.resources", *(f"qdm.{app}.api" for app in PLATFORM_APPS)):
    module = optional_module(module_name)
    if module is None:
        continue
    # ROUTES: (prefix, viewset) for the router; API_URLS: plain path() entries (actions
    # that are not resources, e.g. ingestion and trace)
    for prefix, viewset in getattr(module, "ROUTES", []):
        router.register(prefix, viewset, basename=prefix.replace("/", "-"))
    extra_paths += getattr(module, "API_URLS", [])

urlpatterns = [
    *extra_paths,
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include(router.urls)),
]
