from django.urls import path

from qdm.core.modules import optional_module
from qdm.core.views.pages import PlatformIndexView

app_name = "data"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="data"), name="index"),
]
# sub-packages of the platform (ingestion, trace) bring their own pages
for name in ("qdm.data.ui", "qdm.data.views", "qdm.data.ingest.urls", "qdm.data.trace.urls"):
    module = optional_module(name)
    if module is None:
        continue
    if hasattr(module, "MODEL_UIS"):
        for model_ui in module.MODEL_UIS:
            urlpatterns += model_ui.urlpatterns()
    urlpatterns += getattr(module, "urlpatterns", [])
