"""The trace page, included in the ``data`` namespace: ``data:trace``."""

from django.urls import path

from qdm.data.trace.views import TraceView

urlpatterns = [
    path("trace/", TraceView.as_view(), name="trace"),
]
