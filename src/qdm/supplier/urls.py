from django.urls import path

from qdm.core.views.pages import PlatformIndexView
from qdm.supplier import views
from qdm.supplier.ui import MODEL_UIS

app_name = "supplier"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="supplier"), name="index"),
    *views.urlpatterns,
]
for model_ui in MODEL_UIS:
    urlpatterns += model_ui.urlpatterns()
