import datetime as dt

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from phongdich.accounts.models import ApiToken, User
from phongdich.accounts.roles import STAFF_ROLES, Role
from phongdich.accounts.services import (
    MAX_TOKENS_PER_USER,
    create_account,
    issue_token,
    purge_expired_tokens,
    revoke_token,
)
from phongdich.core.errors import InvalidInput, NotFound


def test_create_account_with_units_and_password(units):
    user = create_account("nv-ha-khanh", role=Role.COMMUNE_OFFICER, units=[units["06649"]], password="mật khẩu dài 1")
    user.refresh_from_db()
    assert user.role == Role.COMMUNE_OFFICER
    assert user.check_password("mật khẩu dài 1")
    assert "mật khẩu" not in user.password
    assert user.unit_paths() == ["22/193/06649/"]
    assert user.is_staff_role
    assert [u.code for u in user.assigned_units()] == ["06649"]


def test_create_account_without_password_cannot_sign_in(db):
    user = create_account("citizen", role=Role.CITIZEN)
    assert not user.has_usable_password()
    assert not user.is_staff_role
    assert user.unit_paths() == []


def test_create_account_with_a_prepared_hash(db):
    hashed = make_password("một mật khẩu")
    user = create_account("bulk", role=Role.VACCINATOR, password_hash=hashed)
    assert user.password == hashed and user.check_password("một mật khẩu")


def test_unknown_role_is_rejected(db):
    with pytest.raises(InvalidInput) as caught:
        create_account("x", role="emperor")
    assert [e.field for e in caught.value.errors] == ["role"]
    assert not User.objects.filter(username="x").exists()


def test_staff_roles_are_all_but_citizen():
    assert Role.CITIZEN not in STAFF_ROLES
    assert set(STAFF_ROLES) | {Role.CITIZEN} == set(Role.values)


def test_only_the_hash_of_a_token_is_stored(db):
    user = create_account("u", role=Role.COMMUNE_OFFICER)
    token, secret = issue_token(user, label="  Máy tính bảng  ")
    assert secret.startswith("pd_") and len(secret) > 40
    assert token.label == "Máy tính bảng"
    assert token.key_hash == ApiToken.hash(secret) != secret
    assert token.prefix == secret[:10]
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(secret in str(value) for value in row.values())
    assert token.is_active
    assert str(token) == f"Máy tính bảng ({secret[:10]}…)"


def test_two_tokens_have_different_secrets(db):
    user = create_account("u", role=Role.COMMUNE_OFFICER)
    assert issue_token(user, label="a")[1] != issue_token(user, label="b")[1]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"label": "   "}, "label"),
        ({"label": "x" * 101}, "label"),
        ({"label": "ok", "kind": "robot"}, "kind"),
        ({"label": "ok", "expires_at": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)}, "expires_at"),
    ],
)
def test_bad_token_requests(db, kwargs, field):
    user = create_account("u", role=Role.COMMUNE_OFFICER)
    with pytest.raises(InvalidInput) as caught:
        issue_token(user, **kwargs)
    assert [e.field for e in caught.value.errors] == [field]
    assert not ApiToken.objects.exists()


def test_at_most_fifty_active_tokens(db):
    user = create_account("u", role=Role.COMMUNE_OFFICER)
    for n in range(MAX_TOKENS_PER_USER):
        issue_token(user, label=f"t{n}")
    with pytest.raises(InvalidInput):
        issue_token(user, label="one more")
    revoke_token(user, ApiToken.objects.filter(user=user).first().pk)
    issue_token(user, label="one more")


def test_revoking_is_idempotent_and_keeps_the_first_time(db):
    user = create_account("u", role=Role.COMMUNE_OFFICER)
    token, _secret = issue_token(user, label="t")
    first = revoke_token(user, token.pk).revoked_at
    assert first is not None
    assert revoke_token(user, token.pk).revoked_at == first
    assert not ApiToken.objects.get(pk=token.pk).is_active
    assert not ApiToken.objects.usable().filter(pk=token.pk).exists()


@pytest.mark.parametrize("token_id", [0, -1, 2**63, 2**70])
def test_revoking_a_malformed_id_is_not_found(db, token_id):
    user = create_account("u", role=Role.COMMUNE_OFFICER)
    with pytest.raises(NotFound):
        revoke_token(user, token_id)


def test_another_users_token_cannot_be_revoked(db):
    owner = create_account("owner", role=Role.COMMUNE_OFFICER)
    other = create_account("other", role=Role.COMMUNE_OFFICER)
    token, _secret = issue_token(owner, label="t")
    with pytest.raises(NotFound):
        revoke_token(other, token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_expired_tokens_are_not_usable(db):
    user = create_account("u", role=Role.COMMUNE_OFFICER)
    token, _secret = issue_token(user, label="t", expires_at=timezone.now() + dt.timedelta(hours=1))
    assert ApiToken.objects.usable().filter(pk=token.pk).exists()
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert not ApiToken.objects.usable().filter(pk=token.pk).exists()
    assert not ApiToken.objects.get(pk=token.pk).is_active


def test_purge_removes_only_long_dead_tokens(db):
    user = create_account("u", role=Role.COMMUNE_OFFICER)
    issue_token(user, label="live")
    old_revoked, _ = issue_token(user, label="old revoked")
    old_expired, _ = issue_token(user, label="old expired")
    recent_revoked, _ = issue_token(user, label="recent revoked")
    long_ago = timezone.now() - dt.timedelta(days=100)
    ApiToken.objects.filter(pk=old_revoked.pk).update(revoked_at=long_ago)
    ApiToken.objects.filter(pk=old_expired.pk).update(expires_at=long_ago)
    revoke_token(user, recent_revoked.pk)
    assert purge_expired_tokens(90) == 2
    assert set(ApiToken.objects.values_list("label", flat=True)) == {"live", "recent revoked"}


@pytest.mark.parametrize(
    "expires_at",
    ["2972-07-12T14:44:55.01-20:10", "9999-12-31T23:59:59-05:00", "2030-01-01T00:00:00+00:00"],
)
def test_token_expiry_out_of_range_is_a_named_field_error(api_client, province_admin, expires_at):
    """Far-future years and offsets PostgreSQL cannot store answer 422 naming expires_at, never 500."""
    client = api_client(province_admin)
    before = ApiToken.objects.count()
    response = client.post(
        "/api/v1/tokens", {"label": "far", "expires_at": expires_at}, content_type="application/json"
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["expires_at"]
    assert ApiToken.objects.count() == before


def test_naive_expiry_is_local_time_stored_in_utc(province_admin):
    token, _secret = issue_token(
        province_admin,
        label="local",
        expires_at=dt.datetime(2027, 1, 1, 7, 0),  # 07:00 in Hà Nội
    )
    assert token.expires_at == dt.datetime(2027, 1, 1, 0, 0, tzinfo=dt.UTC)
