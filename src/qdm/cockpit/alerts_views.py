"""The Acknowledge button of the alerts centre (POST): scoped (an alert out of the user's
scope is a 404), refused without the right (403, nothing changed), audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from qdm.cockpit.alerts import acknowledge_alert, may_acknowledge
from qdm.cockpit.models import CockpitAlert
from qdm.core.views.generic import get_scoped_object


class AlertAcknowledgeView(LoginRequiredMixin, View):
    def post(self, request: Any, pk: int) -> Any:
        alert = get_scoped_object(CockpitAlert, request.user, "view", pk)
        if not may_acknowledge(request.user, alert):
            raise PermissionDenied
        try:
            acknowledge_alert(alert, actor=request.user, note=request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Alert acknowledged."))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("cockpit:alerts")
        return HttpResponseRedirect(target or reverse("cockpit:alerts"))
