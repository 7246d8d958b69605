"""URL map: the cockpit at ``/``, one section per platform, the API at ``/api/v1/``."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from qdm.core.views.pages import LoginView

urlpatterns = [
    path("", include("qdm.cockpit.urls")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("kernel/", include("qdm.core.urls")),
    path("data/", include("qdm.data.urls")),
    path("system/", include("qdm.system.urls")),
    path("supplier/", include("qdm.supplier.urls")),
    path("manufacturing/", include("qdm.manufacturing.urls")),
    path("service/", include("qdm.service.urls")),
    path("design/", include("qdm.design.urls")),
    path("carbon/", include("qdm.carbon.urls")),
    path("api/v1/", include("qdm.core.api.urls")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
