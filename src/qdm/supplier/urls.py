from django.urls import path

from qdm.core.views.pages import PlatformIndexView

app_name = "supplier"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="supplier"), name="index"),
]
