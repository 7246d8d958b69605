from django.urls import path

from qdm.core.views.pages import PlatformIndexView
from qdm.service import views, views_customer, views_field, views_quality, views_requirements
from qdm.service.ui import MODEL_UIS

app_name = "service"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="service"), name="index"),
    *views.urlpatterns,
    *views_quality.urlpatterns,
    *views_customer.urlpatterns,
    *views_requirements.urlpatterns,
    *views_field.urlpatterns,
]
for model_ui in MODEL_UIS:
    urlpatterns += model_ui.urlpatterns()
