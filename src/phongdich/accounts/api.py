"""/api/v1/tokens: the caller's own API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from phongdich.accounts import services
from phongdich.accounts.models import ApiToken
from phongdich.core.api import ERRORS, InputSchema, actor

router = Router(tags=["tokens"])


class TokenIn(InputSchema):
    label: str = Field(..., min_length=1, max_length=100, examples=["Lab tablet 2"])
    kind: Literal["user", "device"] = "user"
    expires_at: dt.datetime | None = None


class TokenOut(Schema):
    id: int
    label: str
    kind: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @staticmethod
    def of(token: ApiToken) -> TokenOut:
        return TokenOut(
            id=token.pk,
            label=token.label,
            kind=token.kind,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
        )


class NewTokenOut(TokenOut):
    token: str = Field(..., description="Shown once: store it now. Send it as Authorization: Bearer <token>.")


@router.get("", response={200: list[TokenOut], **ERRORS}, summary="Your API tokens")
def list_tokens(request: HttpRequest) -> list[TokenOut]:
    return [TokenOut.of(t) for t in services.tokens_of(actor(request))]


@router.post("", response={201: NewTokenOut, **ERRORS}, summary="Issue an API token")
def create_token(request: HttpRequest, payload: TokenIn) -> Status[NewTokenOut]:
    token, secret = services.issue_token(
        actor(request), label=payload.label, kind=payload.kind, expires_at=payload.expires_at
    )
    return Status(201, NewTokenOut(**TokenOut.of(token).model_dump(), token=secret))


@router.delete("/{token_id}", response={200: TokenOut, **ERRORS}, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int = Path(..., ge=1, le=2**63 - 1)) -> TokenOut:
    return TokenOut.of(services.revoke_token(actor(request), token_id))
