from django.urls import path

from qdm.carbon import target_views, views
from qdm.carbon.ui import MODEL_UIS
from qdm.core.views.pages import PlatformIndexView

app_name = "carbon"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="carbon"), name="index"),
    *views.urlpatterns,
    *target_views.urlpatterns,
]
for model_ui in MODEL_UIS:
    urlpatterns += model_ui.urlpatterns()
