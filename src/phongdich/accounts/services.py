"""Accounts and API tokens: creating, issuing, revoking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import ApiToken, User
from phongdich.accounts.roles import Role
from phongdich.core.clock import to_utc
from phongdich.core.errors import FieldError, InvalidInput, NotFound
from phongdich.geo.models import AdministrativeUnit

MAX_TOKENS_PER_USER = 50
MAX_TOKEN_LIFETIME = dt.timedelta(days=3 * 366)


@transaction.atomic
def create_account(
    username: str,
    *,
    role: str,
    units: Iterable[AdministrativeUnit] = (),
    password: str | None = None,
    password_hash: str | None = None,
    full_name: str = "",
    email: str = "",
) -> User:
    """A staff or citizen account. ``password_hash`` lets bulk creation hash one password once."""
    if role not in Role.values:
        raise InvalidInput(_("Unknown role."), [FieldError("role", _("Unknown role."))])
    user = User(username=username, role=role, first_name=full_name, email=email)
    if password_hash is not None:
        user.password = password_hash
    elif password is not None:
        user.password = make_password(password)
    else:
        user.set_unusable_password()
    # Province administrators keep the reference data (units, accounts) in the Django admin.
    user.is_staff = role == Role.PROVINCE_ADMIN
    user.save()
    user.units.set(list(units))
    if user.is_staff:
        user.user_permissions.set(Permission.objects.filter(_reference_data_permissions()))
    return user


def _reference_data_permissions() -> Q:
    """Units: view and change; accounts and tokens: everything; stay rules and safety checklists: view, add,
    change. Never person records nor venues (they are scoped)."""
    return (
        Q(content_type__app_label="geo", codename__in=["view_administrativeunit", "change_administrativeunit"])
        | Q(content_type__app_label="accounts")
        # The province's stay rules and safety checklist (venue records themselves are scoped).
        | Q(
            content_type__app_label="venues",
            content_type__model__in=["stayrule", "safetychecklist"],
            codename__regex=r"^(view|add|change)_",
        )
    )


def issue_token(
    user: User, *, label: str, kind: str = ApiToken.Kind.USER, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret, which is shown once and never stored."""
    label = label.strip()
    errors = []
    if not label or len(label) > 100:
        errors.append(FieldError("label", _("Give the token a name of 1 to 100 characters.")))
    if kind not in ApiToken.Kind.values:
        errors.append(FieldError("kind", _("A token is 'user' or 'device'.")))
    if expires_at is not None:
        expires_at = to_utc(expires_at, "expires_at")
        if expires_at <= timezone.now():
            errors.append(FieldError("expires_at", _("The expiry must be in the future.")))
        elif expires_at > timezone.now() + MAX_TOKEN_LIFETIME:
            errors.append(FieldError("expires_at", _("A token lasts at most 3 years.")))
    if ApiToken.objects.usable().filter(user=user).count() >= MAX_TOKENS_PER_USER:
        errors.append(FieldError("label", _("Revoke an old token first: at most 50 are active at once.")))
    if errors:
        raise InvalidInput(_("The token request has errors."), errors)
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user, label=label, kind=kind, prefix=secret[:10], key_hash=ApiToken.hash(secret), expires_at=expires_at
    )
    return token, secret


def tokens_of(user: User, limit: int = 100) -> list[ApiToken]:
    """The account's own tokens, newest first (only ever its own)."""
    return list(ApiToken.objects.filter(user=user)[:limit])


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens. Another user's token looks missing."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first() if 0 < token_id < 2**63 else None
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def purge_expired_tokens(older_than_days: int = 90) -> int:
    """Delete tokens revoked or expired long ago; their use is already in the audit trail."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    deleted, _counts = (
        ApiToken.objects.filter(revoked_at__lt=cutoff) | ApiToken.objects.filter(expires_at__lt=cutoff)
    ).delete()
    return deleted
