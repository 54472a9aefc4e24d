"""The one place that decides which records an account may see or touch.

Every query of personal records goes through :func:`restrict` (NetBox's ``restrict(user, action)``):
staff see the records of their assigned units and everything below them (CommCare HQ's rule),
citizens see their own, leaders see none, and anything else sees nothing (deny by default). A model
holding personal data declares three class attributes:

- ``access_resource``: its row in :data:`phongdich.accounts.roles.PERMISSIONS`;
- ``jurisdiction_lookup``: the path to the commune (an ``AdministrativeUnit``) the record belongs to;
- ``person_lookup``: the path to the person the record is about, for citizens' own-record access;
- ``operator_lookup`` (optional): the path to the accounts operating the record's venue, for venue
  operators, who work on their own venues rather than on a territory.

Models without ``jurisdiction_lookup`` (the audit log) are visible in full to the roles allowed.
A record outside the caller's scope must look exactly like a missing one: :func:`get_or_404`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from phongdich.accounts.roles import AGGREGATE_ONLY_ROLES, Role, allowed_actions
from phongdich.core.errors import NotFound

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from phongdich.accounts.models import User

M = TypeVar("M", bound=models.Model)

NOTHING = models.Q(pk__in=[])


def can(user: User | AnonymousUser | None, resource: str, action: str) -> bool:
    """Whether the role may take this action on this kind of record at all (scope aside)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return action in allowed_actions(user.role, resource)


def scope(user: User | AnonymousUser | None, model: type[models.Model], action: str) -> models.Q:
    """The filter that limits ``model`` to what ``user`` may do ``action`` on."""
    resource = getattr(model, "access_resource", None)
    if resource is None:
        raise TypeError(f"{model.__name__} declares no access_resource; it cannot be restricted.")
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return models.Q()
    if user.role in AGGREGATE_ONLY_ROLES or not can(user, resource, action):
        return NOTHING
    jurisdiction: str | None = getattr(model, "jurisdiction_lookup", None)
    if user.role == Role.CITIZEN:
        person_lookup: str | None = getattr(model, "person_lookup", None)
        if person_lookup is None or user.person_id is None:
            return NOTHING
        return models.Q(**{person_lookup: user.person_id})
    operator_lookup: str | None = getattr(model, "operator_lookup", None)
    if user.role == Role.VENUE_OPERATOR and operator_lookup is not None:
        # Operators work on their own venues (and what happens there), not on a territory.
        return models.Q(**{operator_lookup: user.pk})
    paths = user.unit_paths()
    if not paths:
        # Staff without units see nothing, even of records that belong to no unit (deny by default).
        return NOTHING
    if jurisdiction is None:
        return models.Q()
    return units_within(paths, prefix=f"{jurisdiction}__")


def restrict(
    queryset: models.QuerySet[M], user: User | AnonymousUser | None, action: str = "view"
) -> models.QuerySet[M]:
    return queryset.filter(scope(user, queryset.model, action))


def get_or_404(
    queryset: models.QuerySet[M], user: User | AnonymousUser | None, action: str = "view", **lookup: Any
) -> M:
    """The record, or NotFound whether it is missing or outside the caller's scope."""
    for value in lookup.values():
        # Ids beyond a 64-bit column are malformed requests, not database errors.
        if isinstance(value, int) and not 0 < value < 2**63:
            raise NotFound()
    try:
        return restrict(queryset, user, action).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None


def units_within(paths: list[str], prefix: str = "") -> models.Q:
    """Units (or records via ``prefix``, e.g. ``"home_commune__"``) at or below any of ``paths``."""
    condition = NOTHING
    for path in outermost(paths):
        condition |= models.Q(**{f"{prefix}path__startswith": path})
    return condition


def outermost(paths: list[str]) -> list[str]:
    """The paths not inside another one: a province account also assigned its communes is one LIKE."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return sorted(kept)


def unit_scope(user: User | AnonymousUser | None) -> models.Q:
    """The administrative units an account works in: its units and everything below them."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return models.Q()
    return units_within(user.unit_paths())


def unit_in_scope(user: User | AnonymousUser | None, unit_path: str) -> bool:
    """Whether a unit (by path) lies within the user's assigned units."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(unit_path.startswith(path) for path in user.unit_paths())


class RestrictedQuerySet(models.QuerySet[M]):
    """Gives every personal-data model ``Model.objects.restrict(user, action)``."""

    def restrict(self, user: User | AnonymousUser | None, action: str = "view") -> RestrictedQuerySet[M]:
        return self.filter(scope(user, self.model, action))
