from django.urls import path

from qdm.core.views.pages import PlatformIndexView

app_name = "manufacturing"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="manufacturing"), name="index"),
]
