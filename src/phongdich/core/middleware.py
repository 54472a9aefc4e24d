"""Request-wide behaviour: the interface language, and the API's one error shape."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext


class VietnameseFirstLocaleMiddleware:
    """The language cookie set by the switch decides; otherwise Vietnamese.

    Screens ignore the browser's Accept-Language (officials' phones are often set to English, and the
    province works in Vietnamese). API clients may ask for English error messages with Accept-Language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def language_for(self, request: HttpRequest) -> str:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if chosen in self.supported:
            return chosen
        if request.path.startswith("/api/"):
            return translation.get_language_from_request(request)
        return settings.LANGUAGE_CODE

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class ApiErrorShapeMiddleware:
    """Every 4xx under /api/ in the API's one error shape, also those Django or ninja answer by
    themselves (an unknown path, a method the path does not take)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and 400 <= response.status_code < 500
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self.shaped(request, response)
        return response

    @staticmethod
    def shaped(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = {
            404: gettext("Not found."),
            405: gettext("This address does not take the %(method)s method.") % {"method": request.method},
        }
        detail = messages.get(response.status_code, response.reason_phrase)
        shaped = JsonResponse({"detail": detail, "errors": []}, status=response.status_code)
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        return shaped
