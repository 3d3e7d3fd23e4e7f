"""A team lead invites the team's other representatives to accounts that see the team and the
project, read-only or editing as the lead allows (pretalx's co-speakers); only the lead
manages them, a link works once for the invited address, and everything is audited."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from ciic.audit.models import AuditEntry
from ciic.entrants.models import TeamInvitation, TeamMember
from ciic.testing.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(client, team, team_lead, django_capture_on_commit_callbacks):
    """invite(can_edit) -> the path of the link mailed to the team's representative."""
    def send(can_edit: bool = False) -> str:
        client.force_login(team_lead)
        rep = team.representatives.order_by("id").first()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("entrants:team_invite", args=[team.pk, rep.pk]),
                                   {"can_edit": "on"} if can_edit else {})
        assert response.status_code == 302
        assert mail.outbox[-1].to == [rep.email]
        return re.search(r"/teams/invitations/\S+/", mail.outbox[-1].body).group(0)
    return send


@pytest.fixture
def rep_user(team):
    """The account of the team's representative (signed up with the address on record)."""
    return make_user(team.representatives.order_by("id").first().email, full_name="代表一")


def test_an_invited_representative_sees_the_team_and_the_project_read_only(client, invite, rep_user, team, project):
    link = invite()
    client.force_login(rep_user)
    assert client.get(reverse("entrants:team_detail", args=[team.pk])).status_code == 404  # not yet
    assert client.post(link).status_code == 302
    member = TeamMember.objects.get(team=team, user=rep_user)
    assert member.can_edit is False
    assert client.get(reverse("entrants:team_detail", args=[team.pk])).status_code == 200
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 200
    code = project.contest.form_sections.first().code
    assert client.post(reverse("projects:save", args=[project.pk]), {f"section_{code}": "改动"}).status_code == 403
    assert client.post(link).status_code == 400  # a link works once
    assert AuditEntry.objects.filter(action="team.join").exists()
    mine = AuditEntry.objects.filter(action__in=["team.invite_member", "team.join"]).values("before", "after")
    assert len(mine) == 2 and team.representatives.get().email not in str(list(mine))


def test_a_member_the_lead_lets_edit_saves_the_draft(client, invite, rep_user, team, project):
    link = invite(can_edit=True)
    client.force_login(rep_user)
    client.post(link)
    code = project.contest.form_sections.first().code
    response = client.post(reverse("projects:save", args=[project.pk]), {f"section_{code}": "成员写的概述"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    project.draft.refresh_from_db()
    assert project.draft.sections[code] == "成员写的概述"


def test_only_the_invited_address_can_accept(client, invite, team, other_lead):
    link = invite()
    client.force_login(other_lead)
    response = client.post(link)
    assert response.status_code == 400 and "请使用收到邀请的邮箱对应的账号接受邀请" in response.content.decode()
    assert not TeamMember.objects.exists()


def test_the_lead_changes_and_removes_members_and_others_cannot(client, invite, rep_user, team, team_lead, other_lead,
                                                               project):
    link = invite()
    client.force_login(rep_user)
    client.post(link)
    member = TeamMember.objects.get()
    url = reverse("entrants:team_member_change", args=[team.pk, member.pk])
    assert client.post(url, {"action": "allow_edit"}).status_code == 404  # a member manages nothing
    rep = team.representatives.get()
    assert client.post(reverse("entrants:team_invite", args=[team.pk, rep.pk])).status_code == 404
    client.force_login(other_lead)
    assert client.post(url, {"action": "remove"}).status_code == 404
    client.force_login(team_lead)
    client.post(url, {"action": "allow_edit"})
    assert TeamMember.objects.get().can_edit is True
    client.post(url, {"action": "remove"})
    assert not TeamMember.objects.exists()
    client.force_login(rep_user)
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 404
    assert AuditEntry.objects.filter(action="team.remove_member").exists()


def test_a_withdrawn_invitation_no_longer_works(client, invite, rep_user, team, team_lead):
    link = invite()
    invitation = TeamInvitation.objects.get()
    client.post(reverse("entrants:team_invitation_revoke", args=[team.pk, invitation.pk]))
    client.force_login(rep_user)
    assert client.post(link).status_code == 400 and not TeamMember.objects.exists()


def test_members_see_their_team_on_the_dashboard_but_not_other_representatives_addresses(
        client, invite, rep_user, team, team_lead, rep_input):
    from ciic.entrants.services import add_representative

    add_representative(team=team, actor=team_lead, data=rep_input(2))
    link = invite()
    client.force_login(rep_user)
    client.post(link)
    assert team.name in client.get(reverse("site:dashboard")).content.decode()
    page = client.get(reverse("entrants:team_detail", args=[team.pk])).content.decode()
    assert "rep2@example.com" not in page  # the lead and staff see the addresses
    client.force_login(team_lead)
    assert "rep2@example.com" in client.get(reverse("entrants:team_detail", args=[team.pk])).content.decode()
