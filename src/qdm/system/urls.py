from django.urls import path

from qdm.core.views.pages import PlatformIndexView
from qdm.system import views, views_reports
from qdm.system.ui import MODEL_UIS

app_name = "system"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="system"), name="index"),
    *views.urlpatterns,
    *views_reports.urlpatterns,
]
for model_ui in MODEL_UIS:
    urlpatterns += model_ui.urlpatterns()
