from django.urls import include, path

from qdm.cockpit import views
from qdm.cockpit.ui_goals import GOAL_UIS, GoalCascadeView
from qdm.core.views.pages import PlatformIndexView

app_name = "cockpit"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cockpit/sites/", views.CrossSiteView.as_view(), name="cross_site"),
    path("cockpit/alerts/", views.AlertsView.as_view(), name="alerts"),
    path("cockpit/goals/", GoalCascadeView.as_view(), name="goals"),
    path("cockpit/", PlatformIndexView.as_view(platform="cockpit"), name="index"),
]

for _ui in GOAL_UIS:
    urlpatterns += [path("cockpit/", include(_ui.urlpatterns()))]
