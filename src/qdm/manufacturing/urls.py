from django.urls import path

from qdm.core.views.pages import PlatformIndexView
from qdm.manufacturing import views, views_quality, views_yield
from qdm.manufacturing.ui import MODEL_UIS

app_name = "manufacturing"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="manufacturing"), name="index"),
    *views.urlpatterns,
    *views_quality.urlpatterns,
    *views_yield.urlpatterns,
]
for model_ui in MODEL_UIS:
    urlpatterns += model_ui.urlpatterns()
