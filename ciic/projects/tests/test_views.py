"""The team's project pages: start, autosave, upload, confirm and submit, read versions;
outsiders get a 404 and nothing is written."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ciic.projects.models import DraftMaterial, Project, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_client(client, team_lead):
    client.force_login(team_lead)
    return client


def test_team_lead_starts_the_project_from_the_team(team, lead_client):
    url = reverse("projects:team_project", args=[team.pk])
    assert lead_client.get(url).status_code == 200
    response = lead_client.post(url, {"name": "设备预测性维护云平台"})
    project = Project.objects.get(team=team)
    assert response.status_code == 302 and response.url == reverse("projects:detail", args=[project.pk])
    assert lead_client.get(url).url == reverse("projects:detail", args=[project.pk])


def test_empty_project_name_is_refused_naming_the_field(team, lead_client):
    response = lead_client.post(reverse("projects:team_project", args=[team.pk]), {"name": ""})
    assert response.status_code == 200 and "R-J1" in response.content.decode()
    assert not Project.objects.exists()


def test_autosave_answers_with_a_status_line(project, lead_client):
    code = project.contest.form_sections.first().code
    response = lead_client.post(reverse("projects:save", args=[project.pk]),
                                {f"section_{code}": "自动保存的内容"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="autosave-status"' in response.content.decode()
    project.draft.refresh_from_db()
    assert project.draft.sections[code] == "自动保存的内容"


def test_upload_through_the_page_stores_the_material(project, lead_client, samples, mtype):
    upload = SimpleUploadedFile("简介.pptx", samples["pptx"])
    response = lead_client.post(reverse("projects:material", args=[project.pk, "presentation"]), {"file": upload})
    assert response.status_code == 302
    assert DraftMaterial.objects.get(project=project, material_type=mtype("presentation")).file.kind == "pptx"


def test_a_hosted_service_takes_its_link_and_its_documentation(project, lead_client, samples, mtype):
    """R-J7.5: 云服务托管链接和说明文档: the row offered a URL box only."""
    cloud = mtype("cloud_service")
    url = reverse("projects:material", args=[project.pk, "cloud_service"])
    page = lead_client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "上传说明文档" in page
    assert lead_client.post(url, {"link": "https://cloud.example.com/demo"}).status_code == 302
    doc = SimpleUploadedFile("说明.pdf", samples["pdf"])
    assert lead_client.post(url, {"file": doc}).status_code == 302
    material = DraftMaterial.objects.get(project=project, material_type=cloud)
    assert material.link == "https://cloud.example.com/demo" and material.file.kind == "pdf"
    page = lead_client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "https://cloud.example.com/demo" in page and "说明.pdf" in page


def test_the_team_sees_file_names_and_sizes_and_staff_also_the_fingerprint(project, lead_client, samples, verified,
                                                                           secretariat):
    upload = SimpleUploadedFile("简介.pptx", samples["pptx"])
    lead_client.post(reverse("projects:material", args=[project.pk, "presentation"]), {"file": upload})
    sha = DraftMaterial.objects.get(project=project).file.sha256
    team_page = lead_client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "简介.pptx" in team_page and sha[:12] not in team_page
    staff_page = verified(secretariat).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert sha[:12] in staff_page


def test_wrong_content_is_refused_on_the_page_and_nothing_stored(project, lead_client, samples):
    upload = SimpleUploadedFile("简介.pptx", samples["exe"])
    response = lead_client.post(reverse("projects:material", args=[project.pk, "presentation"]), {"file": upload})
    assert response.status_code == 200 and "R-J7" in response.content.decode()
    assert not DraftMaterial.objects.filter(project=project).exists()


def test_submit_asks_for_confirmation_then_freezes_a_version(project, lead_client, complete_materials):
    complete_materials()
    url = reverse("projects:submit", args=[project.pk])
    page = lead_client.get(url).content.decode()
    assert "第 1 版" in page and not Submission.objects.exists()
    response = lead_client.post(url)
    assert response.status_code == 302
    version_page = lead_client.get(response.url).content.decode()
    assert "计入评审" in version_page
    assert Submission.objects.get(project=project).number == 1


def test_the_same_confirmation_sent_twice_makes_one_version(project, lead_client, complete_materials):
    """A double click, or the browser resending the form: the page's one-time key makes the
    second POST land on the version the first made."""
    import re

    complete_materials()
    url = reverse("projects:submit", args=[project.pk])
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', lead_client.get(url).content.decode())[1]
    first = lead_client.post(url, {"idempotency_key": key})
    second = lead_client.post(url, {"idempotency_key": key})
    assert first.url == second.url and Submission.objects.filter(project=project).count() == 1


def test_project_page_checks_what_the_version_needs_item_by_item(project, lead_client, complete_materials):
    """R-J7: each section and each material type with its state; a fix turns its line ready."""
    from ciic.projects.services import save_draft

    complete_materials()
    first = project.contest.form_sections.first()
    save_draft(project=project, actor=project.team.lead, sections={first.code: ""})
    html = lead_client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    checklist = html[html.index('class="checklist"'):]
    checklist = checklist[:checklist.index("</ul>")]
    assert 'class="is-missing"' in checklist and f'href="#id_section_{first.code}"' in checklist
    assert f"请填写“{first.display_name}”" in checklist
    for mtype in project.contest.material_types.filter(required=True):
        assert f'href="#material-{mtype.code}"' in checklist
    assert checklist.count('class="is-missing"') == 1  # the materials are complete

    save_draft(project=project, actor=project.team.lead, sections={first.code: "补上的项目概述"})
    html = lead_client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'class="is-missing"' not in html


def test_confirmation_lists_what_is_missing_and_offers_no_submit_until_it_is_there(project, lead_client):
    """The confirmation page let a team submit with empty sections and missing materials."""
    from ciic.projects.services import save_draft

    first = project.contest.form_sections.first()
    save_draft(project=project, actor=project.team.lead, sections={first.code: ""})
    required = list(project.contest.material_types.filter(required=True))
    html = lead_client.get(reverse("projects:submit", args=[project.pk])).content.decode()
    assert 'class="alert alert-error error-summary"' in html
    assert f"#id_section_{first.code}" in html and all(f"#material-{m.code}" in html for m in required)
    assert f"还缺 {1 + len(required)} 项" in html
    assert '<form method="post"' not in html and "确认提交</button>" not in html
    assert not Submission.objects.filter(project=project).exists()


def test_other_team_gets_404_and_writes_nothing(project, client, other_lead, samples):
    client.force_login(other_lead)
    for name, args in [("projects:detail", [project.pk]), ("projects:submit", [project.pk])]:
        assert client.get(reverse(name, args=args)).status_code == 404
    assert client.post(reverse("projects:save", args=[project.pk]), {"name": "x"}).status_code == 404
    upload = SimpleUploadedFile("a.pdf", io.BytesIO(samples["pdf"]).getvalue())
    assert client.post(reverse("projects:material", args=[project.pk, "qualification"]),
                       {"file": upload, "attested": "on"}).status_code == 404
    assert client.post(reverse("projects:submit", args=[project.pk])).status_code == 404
    assert not Submission.objects.exists() and not DraftMaterial.objects.exists()


def test_anonymous_is_sent_to_login(project, client):
    response = client.post(reverse("projects:submit", args=[project.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_team_page_links_to_the_project(team, lead_client):
    page = lead_client.get(reverse("entrants:team_detail", args=[team.pk])).content.decode()
    assert reverse("projects:team_project", args=[team.pk]) in page


def test_staff_list_shows_versions_per_stage_and_exports_the_same_rows(project, complete_materials, team_lead,
                                                                       secretariat, verified):
    from openpyxl import load_workbook

    from ciic.projects.services import submit_project

    complete_materials()
    submit_project(project=project, actor=team_lead)
    client = verified(secretariat)
    page = client.get(reverse("projects:list"))
    assert page.status_code == 200
    row = next(r for r in page.context["rows"] if r[0].pk == project.pk)
    assert row[1][0] == 1  # one version in the first stage (the local stage)
    export = client.get(reverse("projects:export"), {"q": project.name})
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet["A2"].value == project.name and sheet.max_row == 2


def test_project_list_filters_are_labelled_and_disqualifying_starts_on_the_project_page(project, verified,
                                                                                       secretariat):
    client = verified(secretariat)
    listing = client.get(reverse("projects:list")).content.decode()
    for field in ("f-station", "f-direction", "f-group", "f-status", "f-q"):
        assert f'<label for="{field}">' in listing
    assert reverse("projects:disqualify", args=[project.pk]) not in listing  # no action on every row
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:disqualify", args=[project.pk]) in page
    assert reverse("projects:disqualify", args=[project.pk]) not in verified(project.team.lead).get(
        reverse("projects:detail", args=[project.pk])).content.decode()


def test_station_officer_lists_only_own_station_projects(project, station_officer, verified, contest):
    from ciic.entrants.models import Team

    client = verified(station_officer)
    listed = {p.pk for p, _counts in client.get(reverse("projects:list")).context["rows"]}
    assert (project.pk in listed) == (Team.objects.get(pk=project.team_id).station_id == station_officer.station_id)


def test_entrant_cannot_list_all_projects(project, lead_client):
    assert lead_client.get(reverse("projects:list")).status_code == 403
    assert lead_client.get(reverse("projects:export")).status_code == 403


def test_project_list_query_count_does_not_grow_with_rows(project, secretariat, verified,
                                                          django_assert_max_num_queries):
    client = verified(secretariat)
    with django_assert_max_num_queries(20):
        client.get(reverse("projects:list"))
