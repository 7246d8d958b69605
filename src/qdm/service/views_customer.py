"""The customer's view of the 8D opened for their complaint.

Customer users hold no right on the system platform's CAPA records (their pages carry the
team's working notes while the 8D runs), so they follow the 8D through their complaint:
which disciplines are done and the current state — no texts — and, once the 8D is closed,
the final report as PDF in the language of their customer profile (the system platform's
export). Everything is reached through the complaint, scoped to the user's own company:
another customer's complaint, its 8D progress and its report answer 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from qdm.core.views.generic import get_scoped_object
from qdm.service.models import Complaint, CustomerProfile
from qdm.system.choices import CapaStatus
from qdm.system.exports import LANGUAGES
from qdm.system.exports_pdf import eightd_pdf

#: the order of the 8D states, to tell which disciplines a state has completed
ORDER = [
    CapaStatus.OPEN,
    CapaStatus.CONTAINED,
    CapaStatus.APPROVED,
    CapaStatus.IMPLEMENTED,
    CapaStatus.CLOSED,
]
DISCIPLINES = [
    ("D1", gettext_lazy("Team formed")),
    ("D2", gettext_lazy("Problem described")),
    ("D3", gettext_lazy("Containment in place")),
    ("D4", gettext_lazy("Root cause identified")),
    ("D5", gettext_lazy("Permanent corrective actions chosen")),
    ("D6", gettext_lazy("Corrective actions implemented and verified")),
    ("D7", gettext_lazy("Recurrence prevented")),
    ("D8", gettext_lazy("8D closed")),
]


def progress(capa: Any) -> list[dict[str, Any]]:
    """D1–D8 with done flags, from the state of the 8D and the presence of its parts."""
    rank = ORDER.index(capa.status) if capa.status in ORDER else -1
    done = {
        "D1": capa.team.exists(),
        "D2": bool((capa.problem_what or "").strip()),
        "D3": rank >= 1,
        "D4": rank >= 2 and capa.root_causes.exists(),
        "D5": rank >= 2,
        "D6": rank >= 3,
        "D7": rank >= 4,
        "D8": rank >= 4,
    }
    return [{"code": code, "label": label, "done": done[code]} for code, label in DISCIPLINES]


def report_language(complaint: Complaint) -> str:
    profile = CustomerProfile.objects.filter(customer_id=complaint.customer_id).first()
    language = profile.language if profile else "en"
    return language if language in LANGUAGES else "en"


def _complaint_with_8d(request: HttpRequest, pk: int) -> tuple[Complaint, Any]:
    complaint = get_scoped_object(Complaint, request.user, "view", pk)
    if not complaint.capa_id:
        raise Http404(_("No 8D has been opened for this complaint."))
    return complaint, complaint.capa


class EightDProgressView(LoginRequiredMixin, View):
    template_name = "service/complaint_8d_progress.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        complaint, capa = _complaint_with_8d(request, pk)
        context = {
            "object": complaint,
            "capa": capa,
            "steps": progress(capa),
            "final": capa.status == CapaStatus.CLOSED,
            "language": report_language(complaint),
            "languages": LANGUAGES,
            "report_url": reverse("service:complaint_8d_report", args=[complaint.pk]),
        }
        return render(request, self.template_name, context)


class EightDReportView(LoginRequiredMixin, View):
    """GET ``?lang=``: the final 8D report (closed 8D only) as PDF; the language defaults to
    the customer profile's report language."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        complaint, capa = _complaint_with_8d(request, pk)
        if capa.status != CapaStatus.CLOSED:
            raise Http404(_("The final 8D report is available once the 8D is closed."))
        language = request.GET.get("lang") or report_language(complaint)
        if language not in LANGUAGES:
            message = _("Unknown report language %(value)s: use one of %(choices)s.") % {
                "value": repr(language),
                "choices": ", ".join(LANGUAGES),
            }
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        response = HttpResponse(eightd_pdf(capa, language), content_type="application/pdf")
        name = f"{capa.number}-{language}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


urlpatterns = [
    path("complaints/<int:pk>/8d/", EightDProgressView.as_view(), name="complaint_8d_progress"),
    path(
        "complaints/<int:pk>/8d/report.pdf",
        EightDReportView.as_view(),
        name="complaint_8d_report",
    ),
]
