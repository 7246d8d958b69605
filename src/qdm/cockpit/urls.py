from django.urls import path

from qdm.cockpit import views
from qdm.core.views.pages import PlatformIndexView

app_name = "cockpit"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cockpit/", PlatformIndexView.as_view(platform="cockpit"), name="index"),
]
