from django.urls import path

from qdm.core.views.pages import PlatformIndexView

app_name = "service"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="service"), name="index"),
]
