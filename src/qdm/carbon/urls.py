from django.urls import path

from qdm.core.views.pages import PlatformIndexView

app_name = "carbon"

urlpatterns = [
    path("", PlatformIndexView.as_view(platform="carbon"), name="index"),
]
