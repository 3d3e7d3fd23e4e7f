"""Organizing-unit personas: a provincial department with its contact account, a second unit
with its own contact, and helpers to make recommended teams at any stage."""

from __future__ import annotations

import pytest

from ciic.accounts.enums import Role
from ciic.testing.personas import make_user


@pytest.fixture
def unit(contest, secretariat):
    from ciic.organizing.services import create_unit

    return create_unit(contest=contest, kind="industry_department", name="浙江省经济和信息化厅", actor=secretariat)


@pytest.fixture
def other_unit(contest, secretariat):
    from ciic.organizing.services import create_unit

    return create_unit(contest=contest, kind="industry_association", name="中国工业互联网产业联盟", actor=secretariat)


@pytest.fixture
def unit_contact(unit):
    from ciic.organizing.models import UnitAccount

    user = make_user("unit@example.com", role=Role.ORGANIZING_CONTACT, full_name="王联络")
    UnitAccount.objects.create(unit=unit, user=user)
    return user


@pytest.fixture
def other_contact(other_unit):
    from ciic.organizing.models import UnitAccount

    user = make_user("unit2@example.com", role=Role.ORGANIZING_CONTACT, full_name="赵联络")
    UnitAccount.objects.create(unit=other_unit, user=user)
    return user


@pytest.fixture
def deadline_of(contest):
    """deadline_of(key) -> the schedule item's end."""
    from ciic.contests.models import ScheduleItem

    return lambda key: ScheduleItem.objects.get(contest=contest, key=key).ends_at
