from django.urls import path

from qdm.cockpit import views
from qdm.core.views.pages import PlatformIndexView

app_name = "cockpit"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cockpit/sites/", views.CrossSiteView.as_view(), name="cross_site"),
    path("cockpit/alerts/", views.AlertsView.as_view(), name="alerts"),
    path("cockpit/", PlatformIndexView.as_view(platform="cockpit"), name="index"),
]
