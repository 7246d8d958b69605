from django.urls import path

from qdm.core.views.pages import PlatformIndexView

app_name = "data"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="data"), name="index"),
]
