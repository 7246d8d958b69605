from django.urls import URLPattern, URLResolver, include, path

from qdm.cockpit import views, views_copq, views_home, views_risk
from qdm.cockpit.alerts_ui import ALERT_UIS
from qdm.cockpit.alerts_views import AlertAcknowledgeView
from qdm.cockpit.ui_copq import COPQ_UIS, CostImportView
from qdm.cockpit.ui_goals import GOAL_UIS, GoalCascadeView
from qdm.core.views.pages import PlatformIndexView

app_name = "cockpit"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_home.HomeView.as_view(), name="home"),
    path("cockpit/home/", views_home.HomeView.as_view(), name="my_home"),
    path("cockpit/home/layout/", views_home.LayoutView.as_view(), name="home_layout"),
    path("cockpit/home/widgets/<str:code>/", views_home.WidgetView.as_view(), name="home_widget"),
    path("cockpit/wall/", views_home.WallView.as_view(), name="wall"),
    path("cockpit/wall/panel/", views_home.WallPanelView.as_view(), name="wall_panel"),
    path("cockpit/risks/", views_risk.RiskView.as_view(), name="risks"),
    path("api/v1/cockpit/home/layout/", views_home.LayoutApi.as_view(), name="api_home_layout"),
    path(
        "api/v1/cockpit/home/widgets/<str:code>/",
        views_home.WidgetApi.as_view(),
        name="api_home_widget",
    ),
    path("api/v1/cockpit/risks/", views_risk.RiskApi.as_view(), name="api_risks"),
    path("cockpit/sites/", views.CrossSiteView.as_view(), name="cross_site"),
    path("cockpit/kpis/<str:code>/", views.KpiDrillView.as_view(), name="kpi_drill"),
    path("cockpit/alerts/", views.AlertsView.as_view(), name="alerts"),
    path(
        "cockpit/alerts/<int:pk>/acknowledge/",
        AlertAcknowledgeView.as_view(),
        name="alert_acknowledge",
    ),
    path("cockpit/goals/", GoalCascadeView.as_view(), name="goals"),
    path("cockpit/copq/", views_copq.CopqView.as_view(), name="copq"),
    path("cockpit/copq/export/", views_copq.CopqExportView.as_view(), name="copq_export"),
    path("cockpit/copq/import/", CostImportView.as_view(), name="copq_import"),
    path("cockpit/reports/", views_copq.ReportView.as_view(), name="report"),
    path(
        "cockpit/reports/download/",
        views_copq.ReportDownloadView.as_view(),
        name="report_download",
    ),
    path("cockpit/", PlatformIndexView.as_view(platform="cockpit"), name="index"),
]

for _ui in GOAL_UIS:
    urlpatterns += [path("cockpit/", include(_ui.urlpatterns()))]
for _ui in ALERT_UIS:
    urlpatterns += [path("cockpit/", include(_ui.urlpatterns()))]
for _ui in COPQ_UIS:
    urlpatterns += [path("cockpit/", include(_ui.urlpatterns()))]
