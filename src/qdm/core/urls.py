from django.urls import path

from qdm.core.ui import MODEL_UIS
from qdm.core.views import pages

app_name = "core"

urlpatterns = [
    path("", pages.PlatformIndexView.as_view(platform="core"), name="index"),
    path("inbox/", pages.InboxView.as_view(), name="inbox"),
    path("language/", pages.SetLanguageView.as_view(), name="set_language"),
    path(
        "attachments/<int:pk>/", pages.AttachmentDownloadView.as_view(), name="attachment_download"
    ),
    path(
        "attachments/<str:app_label>/<str:model_name>/<int:pk>/",
        pages.AttachmentUploadView.as_view(),
        name="attachment_upload",
    ),
    path(
        "workflow/<str:app_label>/<str:model_name>/<int:pk>/<str:action>/",
        pages.TransitionView.as_view(),
        name="transition",
    ),
    path("schedule/", pages.ScheduleView.as_view(), name="schedule"),
    path("schedule/<str:job>/run/", pages.RunJobView.as_view(), name="schedule_run"),
    path(
        "notification-deliveries/<int:pk>/retry/",
        pages.DeliveryRetryView.as_view(),
        name="delivery_retry",
    ),
]
for model_ui in MODEL_UIS:
    urlpatterns += model_ui.urlpatterns()
