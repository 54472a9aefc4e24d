"""The release certificate's public verification address (what its QR holds)."""

from django.urls import URLPattern, URLResolver, path

from phongdich.quarantine import verify_views

urlpatterns: list[URLPattern | URLResolver] = [
    # "path": a token is URL-quoted, and a quoted character must not stop the match.
    path("q/verify/<path:token>", verify_views.verify_release, name="quarantine-verify"),
]
