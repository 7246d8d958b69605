from django.urls import path

from qdm.core.views.pages import PlatformIndexView
from qdm.design import lessons_ui, views
from qdm.design.ui import MODEL_UIS

app_name = "design"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="design"), name="index"),
    *views.urlpatterns,
    *lessons_ui.urlpatterns,
]
for model_ui in MODEL_UIS:
    urlpatterns += model_ui.urlpatterns()
