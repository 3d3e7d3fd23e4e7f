"""Accounts: sign up, who am I, and API tokens for scripts.

A token is issued from a browser session, or by `POST /auth/token` with the account's
password (throttled by django-axes like the login page), never by another token, so a leaked
token cannot mint more. Staff give a current authenticator code either way. The key is
returned once; only its hash is kept; it expires and is read-only or read-write.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.responses import Status

from ciic.accounts.services import issue_api_token, revoke_api_token, sign_up

from .auth import ANY_AUTH, SESSION_ONLY
from .errors import DetailOut, ErrorsOut

router = Router(tags=["accounts"])


class SignUpIn(Schema):
    identifier: str = Field(max_length=254, description="电子邮箱或 11 位中国大陆手机号 / Email or mainland mobile number")
    password: str = Field(max_length=128, description="密码 / Password")
    full_name: str = Field("", max_length=100, description="姓名 / Full name")


class UserOut(Schema):
    id: int
    email: str | None = Field(description="电子邮箱 / Email")
    mobile: str = Field(description="手机号（脱敏）/ Mobile number, masked")
    full_name: str = Field(description="姓名 / Full name")
    role: str = Field(description="角色 / Role")
    role_label: str = Field(description="角色名称 / Role label")
    station: str | None = Field(description="赛站工作人员所属赛站代码 / Station code of a station officer")
    needs_two_factor: bool = Field(description="该角色须两步验证 / Whether the role requires two-factor")

    @staticmethod
    def resolve_mobile(obj) -> str:
        return obj.masked_mobile

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_station(obj) -> str | None:
        return obj.station.code if obj.station_id else None


class TokenIn(Schema):
    name: str = Field("script", max_length=100, description="令牌名称，便于识别 / A name to recognize the token by")
    scope: Literal["read", "write"] = Field("write", description="只读或读写 / Read-only, or read and write")
    otp_code: str | None = Field(None, max_length=10, description=(
        "工作人员账号须提供身份验证器上的当前验证码 / Staff accounts: the current code of their authenticator"))


class PasswordTokenIn(TokenIn):
    identifier: str = Field(max_length=254, description="登录用的电子邮箱或手机号 / The email or mobile number you log in with")
    password: str = Field(max_length=128, description="密码 / Password")


class TokenOut(Schema):
    id: int
    name: str = Field(description="名称 / Name")
    prefix: str = Field(description="密钥前缀，用于识别 / Key prefix, to recognize it")
    scope: str = Field(description="read 或 write / read or write")
    created_at: dt.datetime
    expires_at: dt.datetime | None = Field(description="到期时间 / When it stops working")
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NewTokenOut(TokenOut):
    key: str = Field(description="完整密钥，仅此一次显示 / The full key, shown this once only")


@router.post("/accounts/signup", auth=None, response={201: UserOut, 422: ErrorsOut},
             summary="注册账号 / Sign up")
def signup(request: HttpRequest, payload: SignUpIn):
    user = sign_up(identifier=payload.identifier, password=payload.password,
                   full_name=payload.full_name)
    return Status(201, user)


@router.get("/accounts/me", auth=ANY_AUTH, response={200: UserOut}, summary="当前用户 / Who am I")
def me(request: HttpRequest):
    return request.auth


@router.post("/accounts/tokens", auth=SESSION_ONLY, response={201: NewTokenOut, 401: DetailOut, 422: ErrorsOut},
             summary="签发 API 令牌（仅浏览器会话）/ Issue an API token (browser session only)")
def create_token(request: HttpRequest, payload: TokenIn):
    token, key = issue_api_token(user=request.auth, name=payload.name, scope=payload.scope, otp_code=payload.otp_code)
    token.key = key  # on this response only; the database keeps the hash
    return Status(201, token)


@router.get("/accounts/tokens", auth=ANY_AUTH, response=list[TokenOut],
            summary="我的 API 令牌 / My API tokens")
def list_tokens(request: HttpRequest):
    return request.auth.api_tokens.order_by("-created_at", "-id")


@router.delete("/accounts/tokens/{token_id}", auth=ANY_AUTH, response={204: None, 404: DetailOut},
               summary="撤销 API 令牌 / Revoke an API token")
def delete_token(request: HttpRequest, token_id: int):
    token = get_object_or_404(request.auth.api_tokens, pk=token_id, revoked_at__isnull=True)
    revoke_api_token(token=token, actor=request.auth)
    return Status(204, None)


@router.post("/auth/token", auth=None, response={201: NewTokenOut, 401: DetailOut, 422: ErrorsOut, 429: DetailOut},
             summary="用账号和密码签发 API 令牌 / Issue an API token with the account's password")
def token_by_password(request: HttpRequest, payload: PasswordTokenIn):
    """For scripts with no browser: the account and password (and, for staff, a current
    authenticator code in `otp_code`). Failures count against the account and the address as
    on the login page; after too many the answer is 429 until the cool-off ends."""
    user = authenticate(request=request, username=payload.identifier, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        raise HttpError(429, _("失败次数过多，已暂时锁定，请稍后再试"))
    if user is None:
        raise AuthenticationError(message=_("账号或密码错误。多次失败后账号将被暂时锁定。"))
    token, key = issue_api_token(user=user, name=payload.name, scope=payload.scope, otp_code=payload.otp_code)
    token.key = key  # on this response only; the database keeps the hash
    return Status(201, token)
