from django.urls import path

from qdm.core.views.pages import PlatformIndexView

app_name = "design"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="design"), name="index"),
]
