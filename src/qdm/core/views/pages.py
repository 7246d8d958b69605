"""Kernel pages: platform landing pages, inbox, language switch, attachments, workflow
buttons, delivery retry, the daily jobs."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from qdm.core.forms import AttachmentForm, SignatureForm
from qdm.core.middleware import activate_user_language
from qdm.core.models import Attachment, NotificationDelivery, ScheduledRun
from qdm.core.navigation import landing_url, menu_for
from qdm.core.schedule import daily_jobs
from qdm.core.services.attachments import AttachmentError, add_attachment
from qdm.core.services.notifications import mark_read, retry_delivery
from qdm.core.services.schedule import last_runs, run_now
from qdm.core.views.generic import get_scoped_object, perm_name
from qdm.core.workflow import TransitionError, transition


class PlatformIndexView(LoginRequiredMixin, TemplateView):
    """The landing page of one platform: what it holds and where to go."""

    template_name = "core/platform_index.html"
    platform = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        menu = menu_for(self.platform)
        context.update(menu=menu, items=menu.visible_items(self.request.user))
        return context


class LoginView(auth_views.LoginView):
    """Password login (axes counts failures); the user's language applies at once."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        activate_user_language(self.request, user.language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
        return response

    def get_default_redirect_url(self) -> str:
        """External users land on their portal (when their platform declares one)."""
        user = self.request.user
        return (
            landing_url(user) if user.is_authenticated else None
        ) or super().get_default_redirect_url()


class SetLanguageView(View):
    """Switch English / 简体中文; remembered on the user and in a cookie."""

    def post(self, request: HttpRequest) -> HttpResponse:
        language = request.POST.get("language", "")
        if language not in dict(settings.LANGUAGES):
            return HttpResponseBadRequest(_("Unknown language."))
        next_url = request.POST.get("next") or "/"
        if not url_has_allowed_host_and_scheme(
            next_url, {request.get_host()}, require_https=request.is_secure()
        ):
            next_url = "/"
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
        activate_user_language(request, language)
        response = HttpResponseRedirect(next_url)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response


class InboxView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        notifications = user.notifications.all()[:200]
        return render(request, "core/inbox.html", {"notifications": notifications})

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = request.POST.getlist("id")
        mark_read(request.user, [int(i) for i in ids if i.isdigit()] if ids else None)
        return HttpResponseRedirect(reverse("core:inbox"))


def _target(app_label: str, model_name: str) -> Any:
    try:
        return apps.get_model(app_label, model_name)
    except LookupError as exc:
        from django.http import Http404

        raise Http404 from exc


class AttachmentUploadView(LoginRequiredMixin, View):
    """Attach a file to a record the user may change."""

    def post(self, request: HttpRequest, app_label: str, model_name: str, pk: int) -> HttpResponse:
        model = _target(app_label, model_name)
        obj = get_scoped_object(model, request.user, "view", pk)
        if not request.user.has_perm(perm_name(model, "change"), obj):
            raise PermissionDenied
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
            messages.error(request, " ".join(errors) or _("Choose a file to attach."))
        else:
            try:
                add_attachment(
                    obj,
                    form.cleaned_data["file"],
                    actor=request.user,
                    description=form.cleaned_data["description"],
                )
                messages.success(request, _("File attached."))
            except AttachmentError as exc:
                messages.error(request, str(exc.message))
        return HttpResponseRedirect(obj.get_absolute_url())


class AttachmentDownloadView(LoginRequiredMixin, View):
    """Download an attachment if the record it belongs to is in scope."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        attachment = get_object_or_404(Attachment, pk=pk)
        model: Any = attachment.content_type.model_class()
        get_scoped_object(model, request.user, "view", attachment.object_id)
        return FileResponse(
            attachment.file.open("rb"), as_attachment=True, filename=attachment.name
        )


class TransitionView(LoginRequiredMixin, View):
    """The workflow buttons post here; the engine decides."""

    def post(
        self, request: HttpRequest, app_label: str, model_name: str, pk: int, action: str
    ) -> HttpResponse:
        model = _target(app_label, model_name)
        obj = get_scoped_object(model, request.user, "view", pk)
        form = SignatureForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        try:
            transition(
                obj,
                action,
                actor=request.user,
                comment=data.get("comment", ""),
                password=data.get("password"),
                reason=data.get("reason", ""),
                meaning=request.POST.get("meaning") or None,
            )
        except TransitionError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Done."))
        return HttpResponseRedirect(obj.get_absolute_url())


class DeliveryRetryView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        delivery = get_scoped_object(NotificationDelivery, request.user, "change", pk)
        retry_delivery(delivery)
        messages.success(request, _("The delivery will be retried."))
        return HttpResponseRedirect(delivery.get_absolute_url())


class ScheduleView(LoginRequiredMixin, View):
    """The daily jobs: time, command, the last run of each, and "Run now" for admins."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("core.view_scheduledrun"):
            raise PermissionDenied
        runs = ScheduledRun.objects.for_user(request.user, "view")
        last = last_runs(runs)
        jobs = [(job, last.get(job.name)) for job in daily_jobs()]
        return render(
            request,
            "core/schedule.html",
            {
                "jobs": jobs,
                "recent": runs.select_related("requested_by")[:20],
                "may_run": request.user.has_perm("core.add_scheduledrun"),
                "time_zone": settings.TIME_ZONE,
            },
        )


class RunJobView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, job: str) -> HttpResponse:
        try:
            run = run_now(job, request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("core:schedule"))
        messages.success(
            request, _("%(job)s: %(status)s.") % {"job": job, "status": run.get_status_display()}
        )
        return HttpResponseRedirect(run.get_absolute_url())
