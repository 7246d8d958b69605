"""Generic views (NetBox style): a platform declares queryset, table, filterset and form;
list (with HTMX filtering and XLSX export), detail (with History and Attachments tabs),
create, edit and delete come for free, always through the scoped queryset.

Out-of-scope objects answer 404. After a save, inside the same transaction, the object
must still be in the user's scope; otherwise the transaction is rolled back and the form
shows the error, so nothing is half-saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.deletion import ProtectedError
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig

from qdm.utilities.xlsx import build_workbook


class ScopeViolation(Exception):
    """The saved object fell outside the user's scope; the transaction is rolled back."""


def perm_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def url_name(model: type[models.Model], view: str) -> str:
    return f"{model._meta.app_label}:{model._meta.model_name}_{view}"


def scoped(model: type[models.Model], user: Any, action: str) -> models.QuerySet:
    return model._default_manager.for_user(user, action)  # type: ignore[attr-defined]


def get_scoped_object(model: type[models.Model], user: Any, action: str, pk: Any) -> Any:
    """The object ``pk`` if the user may ``action`` it; 404 otherwise (never 403, which
    would reveal that it exists). ``action`` may be a custom action the model declares;
    an unknown action is a programming error and raises ``ValueError``, not 404."""
    queryset = scoped(model, user, action)
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("No such record, or it is outside your scope.")) from exc


def restrict_form_choices(form: Any, user: Any) -> None:
    """Limit every model-choice field of a form to what the user may see."""
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None and hasattr(queryset, "for_user"):
            field.queryset = queryset.for_user(user, "view")


def site_timezone(obj: models.Model) -> str | None:
    """The timezone of the site a record belongs to (times are shown in it), if any."""
    from qdm.core.models import Site

    site = obj if isinstance(obj, Site) else None
    path = getattr(getattr(type(obj), "scope", None), "site", None)
    if site is None and path and path != "pk":
        site = Site.objects.filter(
            pk__in=type(obj)._default_manager.filter(pk=obj.pk).values(path)
        ).first()
    return site.timezone if site is not None else None


def style_form(form: Any) -> Any:
    """Give widgets Tabler/Bootstrap classes (keeps templates generic)."""
    from django import forms

    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else ""
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        if css:
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return form


def assert_in_scope(obj: models.Model, user: Any, action: str) -> None:
    if not scoped(type(obj), user, action).filter(pk=obj.pk).exists():
        raise ScopeViolation


class BaseObjectView(LoginRequiredMixin, View):
    model: type[models.Model]
    queryset: models.QuerySet | None = None
    action = "view"
    template_name = ""

    def get_queryset(self) -> models.QuerySet:
        base: Any = self.queryset if self.queryset is not None else self.model._default_manager
        return base.for_user(self.request.user, self.action)

    def require_permission(self) -> None:
        if not self.request.user.has_perm(perm_name(self.model, self.action)):
            raise PermissionDenied

    def get_object(self, pk: Any) -> Any:
        try:
            return self.get_queryset().get(pk=pk)
        except (ObjectDoesNotExist, ValueError, TypeError) as exc:
            raise Http404(_("No such record, or it is outside your scope.")) from exc

    def base_context(self) -> dict[str, Any]:
        opts = self.model._meta
        user = self.request.user
        return {
            "model": self.model,
            "verbose_name": opts.verbose_name,
            "verbose_name_plural": opts.verbose_name_plural,
            "list_url": reverse(url_name(self.model, "list")),
            "add_url": reverse(url_name(self.model, "add"))
            if self.ui.editable and user.has_perm(perm_name(self.model, "add"))
            else None,
            "app_label": opts.app_label,
        }

    @property
    def ui(self) -> ModelUI:
        return self.model_ui  # type: ignore[attr-defined]


class ObjectListView(BaseObjectView):
    """A filtered, sorted, paginated table; HTMX requests get only the table; ``?export=xlsx``
    returns every filtered row as a workbook."""

    template_name = "generic/object_list.html"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        self.require_permission()
        queryset = self.get_queryset()
        filterset = None
        if self.ui.filterset:
            filterset = self.ui.filterset(request.GET or None, queryset=queryset, request=request)
            queryset = (
                filterset.qs
                if filterset.is_bound and filterset.is_valid()
                else (queryset if not filterset.is_bound else queryset.none())
            )
        if filterset is not None:
            style_form(filterset.form)
        table = self.ui.table(queryset, request=request)
        if request.GET.get("export") == "xlsx":
            return self.export(table)
        RequestConfig(request, paginate={"per_page": self.ui.per_page}).configure(table)
        query = request.GET.copy()
        for key in ("page", "export"):
            query.pop(key, None)
        context = {
            **self.base_context(),
            "table": table,
            "filterset": filterset,
            "record_count": table.page.paginator.count if table.page else len(table.rows),
            "export_query": query.urlencode(),
        }
        if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "object-table":
            return render(request, "generic/_table.html", context)
        return render(request, self.template_name, context)

    def export(self, table: Any) -> HttpResponse:
        rows = list(table.as_values())
        header, body = (rows[0], rows[1:]) if rows else ([], [])
        title = str(self.model._meta.verbose_name_plural)
        content = build_workbook(title, [str(h) for h in header], body)
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        filename = f"{self.ui.slug}-{stamp}.xlsx"
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ObjectDetailView(BaseObjectView):
    """One record with tabs: details, history (field changes and events), attachments."""

    template_name = "generic/object_detail.html"

    def get(self, request: HttpRequest, pk: Any, tab: str = "details") -> HttpResponse:
        obj = self.get_object(pk)
        from qdm.core.services.attachments import attachments_for, attachments_locked
        from qdm.core.services.audit import history_for
        from qdm.core.workflow import available_transitions

        context = {
            **self.base_context(),
            "object": obj,
            "tab": tab,
            "fields": self.ui.detail_rows(obj, request.user),
            "edit_url": reverse(url_name(self.model, "edit"), args=[obj.pk])
            if self.ui.editable and request.user.has_perm(perm_name(self.model, "change"), obj)
            else None,
            "delete_url": reverse(url_name(self.model, "delete"), args=[obj.pk])
            if self.ui.editable and request.user.has_perm(perm_name(self.model, "delete"), obj)
            else None,
            "history_url": reverse(url_name(self.model, "history"), args=[obj.pk]),
            "detail_url": reverse(url_name(self.model, "detail"), args=[obj.pk]),
            "transitions": available_transitions(obj, request.user),
            "site_timezone": site_timezone(obj),
        }
        if tab == "history":
            context["history"] = history_for(obj, request.user)
        context["attachments"] = attachments_for(obj)
        # why the upload form is not offered (an approved document revision), or None
        context["attachments_locked"] = attachments_locked(obj)
        if self.ui.extra_context is not None:
            context.update(self.ui.extra_context(obj, request.user))
        return render(request, self.ui.detail_template or self.template_name, context)


def add_service_errors(form: ModelForm, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: on the field when the form has it."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ObjectEditView(BaseObjectView):
    """Create (``pk`` is None) or edit one record through its form."""

    template_name = "generic/object_edit.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.action = "change" if kwargs.get("pk") is not None else "add"
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, instance: Any, data: Any = None, files: Any = None) -> ModelForm:
        # a create link may pre-fill fields: /specifications/add/?characteristic=12
        initial = self.request.GET.dict() if instance is None and data is None else None
        form = self.ui.form(data=data, files=files, instance=instance, initial=initial)
        restrict_form_choices(form, self.request.user)
        return style_form(form)

    def get(self, request: HttpRequest, pk: Any = None) -> HttpResponse:
        self.require_permission()
        instance = self.get_object(pk) if pk is not None else None
        return self.render_form(self.get_form(instance), instance)

    def post(self, request: HttpRequest, pk: Any = None) -> HttpResponse:
        self.require_permission()
        instance = self.get_object(pk) if pk is not None else None
        form = self.get_form(instance, request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    obj = self.ui.save(form, request.user)
                    # NetBox idiom: re-check scope after the save, inside the transaction
                    assert_in_scope(obj, request.user, self.action)
            except ScopeViolation:
                form.add_error(
                    None,
                    _(
                        "You may not save this record with these values: "
                        "it would fall outside your scope."
                    ),
                )
            except ValidationError as exc:
                # the rules live in the services: their refusals go on the form, and the
                # transaction has rolled back everything the save did
                add_service_errors(form, exc)
            except self.ui.service_errors as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved %(record)s.") % {"record": obj})
                return HttpResponseRedirect(reverse(url_name(self.model, "detail"), args=[obj.pk]))
        return self.render_form(form, instance, status=400)

    def render_form(self, form: ModelForm, instance: Any, status: int = 200) -> HttpResponse:
        context = {**self.base_context(), "form": form, "object": instance}
        return render(
            request=self.request, template_name=self.template_name, context=context, status=status
        )


class ObjectDeleteView(BaseObjectView):
    """Confirm and delete one record; protected records explain what holds them."""

    template_name = "generic/object_delete.html"
    action = "delete"

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        self.require_permission()
        obj = self.get_object(pk)
        return render(request, self.template_name, {**self.base_context(), "object": obj})

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        self.require_permission()
        obj = self.get_object(pk)
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError as exc:
            names = ", ".join(sorted({str(o) for o in list(exc.protected_objects)[:5]}))
            messages.error(
                request,
                _("%(record)s is still used by: %(others)s") % {"record": obj, "others": names},
            )
            return HttpResponseRedirect(reverse(url_name(self.model, "detail"), args=[pk]))
        messages.success(request, _("Deleted %(record)s.") % {"record": obj})
        return HttpResponseRedirect(reverse(url_name(self.model, "list")))


@dataclass
class ModelUI:
    """What a platform declares for a model to get its UI."""

    model: type[models.Model]
    table: Any
    filterset: Any = None
    form: Any = None
    detail_fields: tuple[str, ...] | None = None
    detail_template: str | None = None
    per_page: int = 50
    #: ``saver(form, user) -> obj``: the platform's service function for create and edit
    saver: Any = None
    #: ``extra_context(obj, user) -> dict`` for a custom detail template
    extra_context: Any = None
    #: the platform's own refusal exceptions (besides ``ValidationError``) that the edit
    #: view shows on the form instead of failing
    service_errors: tuple[type[Exception], ...] = ()

    @property
    def editable(self) -> bool:
        return self.form is not None

    def save(self, form: ModelForm, user: Any) -> Any:
        """Save through the platform's service when it has one (all writes are services)."""
        return self.saver(form, user) if self.saver else form.save()

    def detail_rows(self, obj: models.Model, user: Any) -> list[tuple[str, Any]]:
        """(label, value) of the detail fields; a foreign key to a scoped record ``user`` may
        not view reads as ``HIDDEN_RECORD`` (as in the history), never its name."""
        from qdm.core.services.audit import HIDDEN_RECORD

        rows = []
        names = self.detail_fields or tuple(
            f.name for f in obj._meta.fields if f.name not in {"id", "seq", "prev_hash", "row_hash"}
        )
        for name in names:
            field = obj._meta.get_field(name)
            display = getattr(obj, f"get_{name}_display", None)
            related = field.related_model if field.many_to_one or field.one_to_one else None
            key = getattr(obj, field.attname, None) if related is not None else None  # type: ignore[union-attr]
            if (
                key is not None
                and hasattr(related._default_manager, "for_user")  # type: ignore[union-attr]
                and not related._default_manager.for_user(user, "view")  # type: ignore[union-attr]
                .filter(**{field.target_field.attname: key})  # type: ignore[union-attr]
                .exists()
            ):
                value: Any = HIDDEN_RECORD
            else:
                value = display() if callable(display) else getattr(obj, name)
            rows.append((str(field.verbose_name).capitalize(), value))  # type: ignore[union-attr]
        return rows

    @property
    def slug(self) -> str:
        """URL segment: the English plural, e.g. ``nonconformities``."""
        from django.utils import translation

        with translation.override("en"):
            return slugify(str(self.model._meta.verbose_name_plural or self.model.__name__))

    def urlpatterns(self) -> list[Any]:
        name = self.model._meta.model_name
        slug = self.slug
        views = {
            "list": ObjectListView,
            "detail": ObjectDetailView,
            "edit": ObjectEditView,
            "delete": ObjectDeleteView,
        }
        bound: dict[str, Any] = {
            key: type(
                f"{self.model.__name__}{cls.__name__}",
                (cls,),
                {"model": self.model, "model_ui": self},
            )
            for key, cls in views.items()
        }
        patterns = [
            path(f"{slug}/", bound["list"].as_view(), name=f"{name}_list"),
            path(f"{slug}/<int:pk>/", bound["detail"].as_view(), name=f"{name}_detail"),
            path(
                f"{name}s/<int:pk>/history/",
                bound["detail"].as_view(),
                {"tab": "history"},
                name=f"{name}_history",
            ),
        ]
        if self.editable:
            patterns += [
                path(f"{slug}/add/", bound["edit"].as_view(), name=f"{name}_add"),
                path(f"{slug}/<int:pk>/edit/", bound["edit"].as_view(), name=f"{name}_edit"),
                path(f"{slug}/<int:pk>/delete/", bound["delete"].as_view(), name=f"{name}_delete"),
            ]
        return patterns
