"""What every screen's layout needs: the navigation for the signed-in account's role, and who is signed in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from phongdich.web.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = menu_for(user)
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None else None
    active = next((item.url_name for item in items if item.covers(current)), None)

    def units() -> list[str]:
        # Called by the template only where the layout shows it (not in htmx partials).
        if user is None or not user.is_authenticated:
            return []
        return [unit.name for unit in user.assigned_units()]

    return {"nav_items": items, "nav_active": active, "signed_in_units": units}
