"""Request id, user language, Content-Security-Policy and external-landing middleware."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation

_request_id: ContextVar[str | None] = ContextVar("qdm_request_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def get_request_id() -> str | None:
    """The id of the request being served (auditlog's correlation id getter)."""
    return _request_id.get()


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed ``X-Request-ID`` from a proxy);
    it is stored on every audit row and echoed in the response header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class UserLanguageMiddleware:
    """Use the signed-in user's language unless the session chose one explicitly."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # runs before LocaleMiddleware: put the preference where it looks (the cookie)
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            user_language = request.session.get("qdm_language")
            if user_language:
                request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = user_language
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy from settings on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class ExternalLandingMiddleware:
    """Send external users (supplier or customer grants only) from the home page ``/`` to
    their portal's landing page, declared by a platform's menu item (``landing=True``).
    Internal users and external users without a landing page keep the home page.
    Goes after ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if request.path == "/" and request.method == "GET" and user and user.is_authenticated:
            from qdm.core.navigation import landing_url

            target = landing_url(user)
            if target and target != "/":
                return HttpResponseRedirect(target)
        return self.get_response(request)


def activate_user_language(request: HttpRequest, language: str) -> None:
    """Remember ``language`` for this session (used at login and by the language switch)."""
    request.session["qdm_language"] = language
    translation.activate(language)
