from django.urls import path

from qdm.core.views.pages import PlatformIndexView

app_name = "system"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="system"), name="index"),
]
