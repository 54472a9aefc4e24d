"""Request-wide behaviour: the interface language, the API's one error shape, and query strings no
database can hold."""

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


class UnstorableQueryTextMiddleware:
    """A query-string parameter with a NUL or a lone surrogate is refused before any view runs.

    PostgreSQL cannot hold such text even in a comparison, so a filter on it would be a server error;
    checking here covers every screen and API endpoint, present and future, in one place.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from phongdich.core.api import reject_unstorable_text

        errors = []
        for name, values in request.GET.lists():
            for value in [name, *values]:
                try:
                    reject_unstorable_text(value)
                except ValueError as exc:
                    errors.append({"field": reject_unstorable_label(name), "message": str(exc)})
                    break
        if not errors:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": gettext("The request has errors."), "errors": errors}, status=422)
        return HttpResponse(
            gettext("The address holds characters that cannot be used (%(field)s).") % {"field": errors[0]["field"]},
            status=400,
            content_type="text/plain; charset=utf-8",
        )


def reject_unstorable_label(name: str) -> str:
    """The parameter's name as it can be shown back: without the characters that were refused."""
    return name.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
