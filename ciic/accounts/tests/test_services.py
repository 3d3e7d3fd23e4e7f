from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import connection

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.accounts.services import (
    issue_api_token,
    revoke_api_token,
    sign_up,
    update_profile,
    user_for_api_key,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Zhi-zao-2023!"


def test_sign_up_with_email_then_log_in(rf):
    user = sign_up(identifier="Lead@Example.com", password=PASSWORD, full_name="张伟")
    assert user.role == Role.ENTRANT and user.email == "lead@example.com"
    assert authenticate(rf.post("/"), username="lead@example.com", password=PASSWORD) == user


def test_sign_up_with_mobile_then_log_in_with_it(rf):
    user = sign_up(identifier="+86 138-1234-5678", password=PASSWORD)
    assert authenticate(rf.post("/"), username="13812345678", password=PASSWORD) == user


def test_mobile_is_encrypted_and_not_stored_in_the_clear():
    user = sign_up(identifier="13812345678", password=PASSWORD)
    with connection.cursor() as cur:
        cur.execute("SELECT mobile, mobile_hash FROM accounts_user WHERE id = %s", [user.pk])
        raw, digest = cur.fetchone()
    assert "13812345678" not in raw and "13812345678" not in digest
    assert User.objects.get(pk=user.pk).mobile == "13812345678"


@pytest.mark.parametrize("identifier", ["not-an-email@", "12345", "2381234567"])
def test_bad_identifier_is_refused_naming_the_field(identifier):
    with pytest.raises(ValidationError) as exc:
        sign_up(identifier=identifier, password=PASSWORD)
    assert "identifier" in exc.value.error_dict
    assert User.objects.count() == 0


def test_duplicate_sign_up_is_refused():
    sign_up(identifier="13812345678", password=PASSWORD)
    with pytest.raises(ValidationError) as exc:
        sign_up(identifier="138 1234 5678", password=PASSWORD)
    assert "identifier" in exc.value.error_dict


def test_weak_password_is_refused():
    with pytest.raises(ValidationError) as exc:
        sign_up(identifier="a@example.com", password="123456")
    assert "password" in exc.value.error_dict


def test_full_name_with_a_direction_override_is_refused():
    """The name shown to others must show what it holds: at sign-up and when changed later."""
    with pytest.raises(ValidationError) as exc:
        sign_up(identifier="a@example.com", password=PASSWORD, full_name="正常\u202egnp.exe")
    assert exc.value.error_dict["full_name"][0].message == "姓名不能包含不可见字符或文字方向控制字符（U+202E）"
    assert User.objects.count() == 0
    user = sign_up(identifier="a@example.com", password=PASSWORD, full_name="张伟")
    with pytest.raises(ValidationError) as exc:
        update_profile(user=user, full_name="张\u200b伟")
    assert "full_name" in exc.value.error_dict
    user.refresh_from_db()
    assert user.full_name == "张伟"


def test_api_token_authenticates_until_revoked():
    user = sign_up(identifier="a@example.com", password=PASSWORD)
    token, key = issue_api_token(user=user, name="script")
    assert token.key_hash != key and key.startswith("ciic_")
    assert user_for_api_key(key) == user
    revoke_api_token(token=token, actor=user)
    assert user_for_api_key(key) is None


def test_staff_roles_need_two_factor():
    assert User(role=Role.SECRETARIAT).needs_two_factor
    assert User(role=Role.STATION_OFFICER).needs_two_factor
    assert User(role=Role.EXPERT).needs_two_factor
    assert not User(role=Role.ENTRANT).needs_two_factor
