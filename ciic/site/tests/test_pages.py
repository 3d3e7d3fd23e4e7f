"""The public home page and the dashboard of each persona."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_sees_the_contest_on_the_home_page(client, contest):
    response = client.get(reverse("site:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "第五届中国工业互联网大赛" in html
    assert "数字赋能 智创未来" in html
    # R-C2: hosts by role.
    assert "主办单位" in html and "工业和信息化部" in html and "宁波市人民政府" in html
    # R-D1: five directions with their descriptions and stations.
    for direction in contest.directions.all():
        assert direction.name in html
        assert direction.description[:30] in html
    for station in contest.stations.all():
        assert station.name in html
    # R-G2: group criteria labels.
    assert "领军组" in html and "新锐组" in html
    assert "工业企业：从业人数大于1000，或营收大于40000万元" in html
    # R-A1 prize tiers.
    assert "一等奖" in html and "三等奖" in html


def test_home_page_shows_registration_open_with_deadline_in_beijing_time(client, contest):
    from django.utils import timezone

    from ciic.contests.selectors import registration_deadline

    html = client.get(reverse("site:home")).content.decode()
    deadline = timezone.localtime(registration_deadline(contest), timezone.get_fixed_timezone(480))
    assert "报名进行中" in html
    assert deadline.strftime("%Y-%m-%d %H:%M") in html


def test_home_page_shows_schedule_in_asia_shanghai(client, closed_contest):
    html = client.get(reverse("site:home")).content.decode()
    # R-T1: 2023-10-22T23:59:59+08:00 shown as Beijing time, whatever the server's zone.
    assert "2023-10-22 23:59" in html
    assert "报名已截止或尚未开始" in html


def test_home_page_schedule_is_in_date_order_with_notes_in_the_readers_language(client, contest):
    """Items were ordered by their end while the page shows their start first."""
    import re

    for language, note in (("zh-hans", "各赛站组织方案另行公布"), ("en", "Each station publishes its own plan")):
        html = client.get(reverse("site:home"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        schedule = html[html.index('id="schedule"'):html.index('id="prizes"')]
        firsts = re.findall(r'<span class="nowrap">(\d{4}-\d{2}-\d{2})', schedule)
        assert len(firsts) == contest.schedule.count() and firsts == sorted(firsts)
        assert note in schedule


def test_placeholder_dates_and_rule_ids_are_for_staff_only(client, contest, verified, secretariat):
    public = client.get(reverse("site:home")).content.decode()
    schedule = public[public.index('id="schedule"'):public.index('id="prizes"')]
    assert "占位日期" not in schedule and "R-T1" not in schedule
    staff = verified(secretariat).get(reverse("site:home")).content.decode()
    schedule = staff[staff.index('id="schedule"'):staff.index('id="prizes"')]
    assert "占位日期" in schedule and 'href="/rules/#R-T1"' in schedule


def test_home_page_without_a_contest_says_so(client, empty_database):
    response = client.get(reverse("site:home"))
    assert response.status_code == 200
    assert "赛事信息尚未发布" in response.content.decode()


def test_layout_has_csrf_header_for_htmx_and_no_inline_script_or_style(client, contest):
    html = client.get(reverse("site:home")).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "vendor/htmx.min.js" in html
    assert "<style" not in html
    assert "style=" not in html
    # Scripts only from files: no inline code.
    for chunk in html.split("<script")[1:]:
        assert chunk.split(">", 1)[0].strip().startswith("src=")
        assert chunk.split(">", 1)[1].startswith("</script>")


def test_dashboard_requires_login(client, contest):
    response = client.get(reverse("site:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_entrant_dashboard_lists_own_organizations_and_teams(client, team, team_lead):
    client.force_login(team_lead)
    html = client.get(reverse("site:dashboard")).content.decode()
    assert team.organization.name in html
    assert team.name in html
    assert reverse("entrants:team_detail", args=[team.pk]) in html
    assert reverse("entrants:register") in html


def test_entrant_nav_has_my_registration_but_no_staff_lists(client, team_lead, contest):
    client.force_login(team_lead)
    html = client.get(reverse("site:dashboard")).content.decode()
    assert "我的报名" in html
    assert reverse("entrants:team_list") not in html
    assert reverse("admin:index") not in html


def test_secretariat_dashboard_links_to_lists_with_counts(verified, secretariat, team):
    client = verified(secretariat)
    html = client.get(reverse("site:dashboard")).content.decode()
    assert reverse("entrants:team_list") in html
    assert reverse("entrants:organization_list") in html
    assert "共 1 支" in html


def test_expert_dashboard_shows_what_is_coming_without_fake_features(verified, expert, contest):
    client = verified(expert)
    html = client.get(reverse("site:dashboard")).content.decode()
    assert "即将开放" in html
    assert reverse("entrants:team_list") not in html
    assert reverse("entrants:register") not in html


def test_admin_link_only_for_superusers(verified, secretariat, contest):
    """The secretariat works on the platform's pages (the schedule, the quotas); Django's
    untranslated admin is for superusers."""
    secretariat.is_staff = True
    secretariat.save()
    html = verified(secretariat).get(reverse("site:dashboard")).content.decode()
    assert reverse("admin:index") not in html and reverse("site:edition_schedule") in html
    secretariat.is_superuser = True
    secretariat.save()
    assert reverse("admin:index") in verified(secretariat).get(reverse("site:dashboard")).content.decode()


def test_language_switcher_posts_to_set_language(client, contest):
    html = client.get(reverse("site:home")).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="en"' in html


def test_english_page_is_translated_when_language_is_en(client, contest):
    """Data in English comes from the spec; gettext strings follow once the .po is compiled."""
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("site:home")).content.decode()
    assert '<html lang="en">' in html
    assert "China Industrial Internet Contest 2023" in html
    assert "Digital Empowerment, Intelligent Future" in html
    assert contest.directions.get(number=1).name_en in html


# --- the staff home ---------------------------------------------------------------------


def _draft_round(contest, station):
    from ciic.review.models import ReviewRound

    spec_round = contest.stages.order_by("order").first().rounds.order_by("order").first()
    return ReviewRound.objects.create(contest=contest, round=spec_round, station=station)


def _overdue_request(project, secretariat):
    import datetime as dt

    from django.utils import timezone

    from ciic.projects.models import MaterialRequest

    return MaterialRequest.objects.create(project=project, stage=project.contest.stages.order_by("order").first(),
                                          message="请补充", due_at=timezone.now() - dt.timedelta(days=1),
                                          requested_by=secretariat)


def test_the_secretariat_has_a_home_of_its_own_with_what_waits(verified, secretariat, project, contest, station):
    """The secretariat (a superuser in the demo) got the entrants' dashboard, every organization
    listed with a link to register a team."""
    secretariat.is_superuser = True
    secretariat.save()
    _draft_round(contest, station)
    _overdue_request(project, secretariat)
    html = verified(secretariat).get(reverse("site:dashboard")).content.decode()
    assert "我的参赛单位" not in html and reverse("entrants:register") not in html
    assert "1 个评审轮尚未分配专家" in html
    assert '<li class="is-urgent"><a href="/projects/">1 项补充材料要求已过截止时间，团队仍未答复</a></li>' in html
    assert "共 1 个，已提交 0 个" in html


def test_a_station_officer_sees_only_their_stations_work(verified, station_officer, secretariat, project, contest):
    assert project.team.station_id == station_officer.station_id
    _draft_round(contest, contest.stations.exclude(pk=station_officer.station_id).first())
    _overdue_request(project, secretariat)
    html = verified(station_officer).get(reverse("site:dashboard")).content.decode()
    assert "评审轮尚未分配专家" not in html  # another station's round
    assert "1 项补充材料要求已过截止时间" in html  # their own station's project
    assert "组相似项目" not in html  # the originality check is the secretariat's


def test_the_staff_home_reads_in_english(verified, secretariat, contest, station):
    _draft_round(contest, station)
    html = verified(secretariat).get(reverse("site:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 review round has no experts assigned yet" in html
