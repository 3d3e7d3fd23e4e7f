"""A confirmed finals award list with its prizes and certificates, and a complainant who
proved an identity: what the publicity and its complaints start from.

`notice_ready` holds the certificates app's `awarded` lists (first prize to the persona lead's
project, second and third to two other teams), a Prize per tier award (pending publicity), the
certificates issued, and the secretariat in the complaint committee."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from ciic.awards.models import Prize
from ciic.certificates.services import issue_certificates
from ciic.certificates.tests.conftest import awarded  # noqa: F401 - the fixture
from ciic.publicity.rules import COMMITTEE_GROUP
from ciic.testing.personas import make_user

# A valid resident ID number (GB 11643 checksum) and one with a wrong check digit.
ID_NUMBER = "11010519491231002X"
BAD_ID_NUMBER = "110105194912310021"
MOBILE = "13912345678"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "evidence.pdf"):
    from ciic.publicity.cases import EvidenceFile

    return EvidenceFile(io.BytesIO(PDF + name.encode()), name)


@pytest.fixture
def notice_ready(awarded, contest, secretariat):  # noqa: F811
    for award in awarded.finals.awards.all():
        Prize.objects.create(award=award, contest=contest, payee=award.project.team.organization, amount=award.amount)
    issue_certificates(contest=contest, actor=secretariat)
    Group.objects.get_or_create(name=COMMITTEE_GROUP)[0].user_set.add(secretariat)
    return awarded


@pytest.fixture
def complainant(db):
    return make_user("citizen@example.com", full_name="张举报")


def texted_code(outbox) -> str:
    return outbox[-1].text.split("验证码 ")[1][:6]


@pytest.fixture
def proved(complainant, sms_outbox, django_capture_on_commit_callbacks):
    from ciic.accounts.verification import send_number_code
    from ciic.publicity.identity import prove_individual

    with django_capture_on_commit_callbacks(execute=True):
        send_number_code(user=complainant, mobile=MOBILE)
    identity = prove_individual(user=complainant, name="张三", id_number=ID_NUMBER, mobile=MOBILE,
                                code=texted_code(sms_outbox))
    return SimpleNamespace(user=complainant, identity=identity)
