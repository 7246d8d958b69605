"""Ingestion pages, included in the ``data`` namespace by ``qdm.data.urls``."""

from django.urls import path

from qdm.data.ingest.views import IngestUploadView, QuarantineFixView

urlpatterns = [
    path("ingest/", IngestUploadView.as_view(), name="ingest_upload"),
    path("ingest/quarantine/<int:pk>/fix/", QuarantineFixView.as_view(), name="quarantine_fix"),
]
