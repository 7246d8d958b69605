"""API errors: every 4xx is ``{"error": {"code", "message", "fields"}}`` with a stable code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorCode(StrEnum):
    BAD_JSON = "bad_json"
    INVALID = "invalid"
    UNKNOWN_FIELD = "unknown_field"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    THROTTLED = "throttled"
    CONFLICT = "conflict"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"


class ApiError(exceptions.APIException):
    """Raise from services/views with an explicit code and optional field errors."""

    def __init__(
        self,
        code: str,
        message: Any,
        *,
        fields: dict[str, Any] | None = None,
        status_code: int = 400,
    ) -> None:
        super().__init__(detail=str(message), code=code)
        self.error_code = code
        self.message = str(message)
        self.fields = fields or {}
        self.status_code = status_code


@contextmanager
def service_errors() -> Iterator[None]:
    """Validation errors raised by services become the API's error envelope: field errors
    keep their fields and the first stable code; ``permission_denied`` answers 403."""
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            codes = [e.code for errs in exc.error_dict.values() for e in errs if e.code]
            message = " ".join(m for ms in fields.values() for m in ms)
            raise ApiError(
                codes[0] if codes else ErrorCode.INVALID, message, fields=fields
            ) from exc
        code = getattr(exc, "code", None) or ErrorCode.INVALID
        status = 403 if code == ErrorCode.PERMISSION_DENIED else 400
        raise ApiError(code, " ".join(exc.messages), status_code=status) from exc


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApiError):
        return Response(
            {"error": {"code": exc.error_code, "message": exc.message, "fields": exc.fields}},
            status=exc.status_code,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("No such record, or it is outside your scope."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields: dict[str, Any] = {}
    code: str
    if isinstance(exc, exceptions.ParseError):
        code, message = ErrorCode.BAD_JSON, _("The request body is not valid JSON: %s") % exc.detail
    elif isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _flatten(detail)
        codes = exc.get_codes()
        unknown = isinstance(codes, dict) and any(
            c == ErrorCode.UNKNOWN_FIELD or (isinstance(c, list) and ErrorCode.UNKNOWN_FIELD in c)
            for c in codes.values()
        )
        code = ErrorCode.UNKNOWN_FIELD if unknown else ErrorCode.INVALID
        names = ", ".join(k for k in fields if k != "non_field_errors")
        message = (
            _("Unknown fields: %s") % names
            if unknown
            else _("Invalid input in: %s") % names
            if names
            else "; ".join(str(m) for m in fields.get("non_field_errors", []))
            or _("Invalid input.")
        )
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code, message = ErrorCode.NOT_AUTHENTICATED, str(exc.detail)
    elif isinstance(exc, exceptions.PermissionDenied):
        code, message = ErrorCode.PERMISSION_DENIED, str(exc.detail)
    elif isinstance(exc, exceptions.NotFound):
        code, message = ErrorCode.NOT_FOUND, str(exc.detail)
    elif isinstance(exc, exceptions.MethodNotAllowed):
        code, message = ErrorCode.METHOD_NOT_ALLOWED, str(exc.detail)
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        code, message = ErrorCode.UNSUPPORTED_MEDIA_TYPE, str(exc.detail)
    elif isinstance(exc, exceptions.Throttled):
        code, message = ErrorCode.THROTTLED, str(exc.detail)
    else:
        code = str(getattr(exc, "default_code", "error"))
        message = str(getattr(exc, "detail", exc))
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        code = ErrorCode.NOT_AUTHENTICATED
    response.data = {"error": {"code": str(code), "message": message, "fields": fields}}
    return response
