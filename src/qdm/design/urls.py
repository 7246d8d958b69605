from django.urls import path

from qdm.core.views.pages import PlatformIndexView
from qdm.design import lessons_ui, views, views_apqp, views_qualification
from qdm.design.ui import MODEL_UIS
from qdm.design.ui_apqp import APQP_UIS
from qdm.design.ui_qualification import MODEL_UIS as QUALIFICATION_UIS

app_name = "design"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="design"), name="index"),
    *views.urlpatterns,
    *lessons_ui.urlpatterns,
    *views_qualification.urlpatterns,
    *views_apqp.urlpatterns,
]
for model_ui in [*MODEL_UIS, *QUALIFICATION_UIS, *APQP_UIS]:
    urlpatterns += model_ui.urlpatterns()
