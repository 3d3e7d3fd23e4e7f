"""Demo data for the award publicity and its complaints (issue 13), through the real services.

The finals demo leaves the finals round open with one ballot missing. Here the demo expert
gives it, the round closes, the tier prizes are proposed and confirmed (frozen), their
certificates issued and the awards released on the results pages; the secretariat publishes
the publicity notice, and three people who proved their identities complain:

- one complaint is not accepted (a disagreement dressed as a breach: outside what complaints
  cover);
- one is under verification: an officer assigned, the accused team asked for its response;
- one is upheld: the award revoked, its prize revoked, then reclaim_due and reclaimed, the
  certificate revoked, the ruling published on the notice.

`office@demo.ciic.cn` is in the complaint committee; `complainant1@demo.ciic.cn` and the
others log in with the demo password to see their cases. Runs once (a contest with a notice is
left as it is).
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test.utils import override_settings
from django.utils import timezone

from ciic.accounts.enums import Role
from ciic.accounts.models import User
from ciic.accounts.verification import send_number_code
from ciic.awards import prizes, publication
from ciic.awards.enums import PrizeStatus, PublicationKind
from ciic.awards.models import AwardList, Prize
from ciic.certificates.services import issue_certificates
from ciic.contests.models import Contest
from ciic.notifications import sms
from ciic.publicity import cases, identity, notices
from ciic.publicity.enums import CaseState, Outcome
from ciic.publicity.models import Notice
from ciic.publicity.rules import COMMITTEE_GROUP
from ciic.review.enums import RoundStatus
from ciic.review.models import Assignment, Review
from ciic.review.reviews.services import save_review
from ciic.review.rounds.services import close_round

from .entrants import DEMO_DOMAIN, DEMO_PASSWORD
from .identifiers import make_credit_code, make_id_number, make_mobile
from .review import _recommendation

# A one-page PDF, enough for the content check (the evidence is illustrative).
EVIDENCE = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _evidence(name: str) -> cases.EvidenceFile:
    return cases.EvidenceFile(io.BytesIO(EVIDENCE + name.encode()), name)


def _complainant(n: int, name: str) -> User:
    email = f"complainant{n}@{DEMO_DOMAIN}"
    return User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=DEMO_PASSWORD, role=Role.ENTRANT, full_name=name, email_verified_at=timezone.now())


def _prove_person(user: User, name: str, seq: int) -> None:
    """The person's identity through the real flow: the code texted to the number (kept in
    memory here: the demo's numbers are made up) typed back."""
    mobile = make_mobile(9000 + seq)
    send_number_code(user=user, mobile=mobile)
    code = sms.outbox[-1].text.split("验证码 ")[1][:6]
    identity.prove_individual(user=user, name=name, id_number=make_id_number(9000 + seq, birth="19800512"),
                              mobile=mobile, code=code)


def _close_finals(contest: Contest, office: User) -> bool:
    review_round = prizes.finals_round(contest)
    if review_round is None:
        return False
    if review_round.status != RoundStatus.CLOSED:
        form = review_round.form
        for assignment in Assignment.objects.filter(review_round=review_round).exclude(
                pk__in=Review.objects.filter(submitted_at__isnull=False).values("assignment_id")).select_related(
                "expert__user"):
            scores = {c["code"]: round((c["min"] + c["max"]) * 0.4, 1) for c in form}
            save_review(assignment=assignment, actor=assignment.expert.user, scores=scores,
                        recommendation=_recommendation(review_round, 80), submit=True)
        close_round(review_round=review_round, actor=office)
    award_list, allocation = prizes.propose_awards(contest=contest, actor=office)
    for tie in allocation.ties:  # a demo settles its exact ties by the order the engine gives
        prizes.decide_tie(contest=contest, key=tie.key, chosen=list(tie.projects[:tie.seats]),
                          reason="演示数据：按现场答辩表现确定", actor=office)
    if allocation.ties:
        award_list, allocation = prizes.propose_awards(contest=contest, actor=office)
    prizes.confirm_awards(award_list=award_list, actor=office)
    return True


def seed_publicity(contest: Contest) -> dict[str, int]:
    # Mail and text messages stay in memory: the demo's people and numbers are made up.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                           SMS_BACKEND="ciic.notifications.sms.LocmemSmsBackend"):
        try:
            return _seed(contest)
        finally:
            sms.outbox.clear()


def _seed(contest: Contest) -> dict[str, int]:
    if Notice.objects.filter(contest=contest).exists():
        return {"cases": contest.publicity_notice.cases.count()}
    office = User.objects.filter(email=f"office@{DEMO_DOMAIN}").first()
    if office is None or (contest.spec or {}).get("publicity") is None:
        return {}
    try:
        if not AwardList.objects.filter(contest=contest, scope="finals", status="confirmed").exists() and \
                not _close_finals(contest, office):
            return {}
    except ValidationError:  # a small demo without enough finalists for the prizes
        return {}
    Group.objects.get_or_create(name=COMMITTEE_GROUP)[0].user_set.add(office)
    issue_certificates(contest=contest, actor=office)
    publication.release(contest=contest, kind=PublicationKind.AWARDS, actor=office, publish=True)
    notice = notices.publish_notice(contest=contest, actor=office)
    entries = {e["tier"]: e for e in reversed(notice.entries)}  # the best-ranked of each tier

    people = [_complainant(1, "刘志强"), _complainant(2, "赵敏")]
    for seq, user in enumerate(people, start=1):
        _prove_person(user, user.full_name, seq)
    unit = _complainant(3, "某智能装备有限公司（联系人）")
    identity.prove_unit(user=unit, name="宁波某智能装备有限公司", credit_code=make_credit_code(9003, region="330203"),
                        legal_representative="孙立", stream=io.BytesIO(EVIDENCE), filename="举报函（盖章）.pdf")

    # 1. Not accepted: a disagreement with the result, filed under "other".
    first = cases.file_complaint(contest=contest, actor=people[0], filing=cases.Filing(
        ground="other", facts="该项目现场答辩表现一般，获得一等奖与其水平不符，请组委会重新评审。",
        project_id=entries["first"]["project_id"], links=["https://www.cii-contest.cn/"]))
    cases.transition(case=first, to=CaseState.NOT_ACCEPTED, actor=office, reason="outside_scope",
                     note="对评审结果的不同意见，不属于举报受理范围。")

    # 2. Under verification: accepted, an officer assigned, the team asked for its response.
    second = cases.file_complaint(contest=contest, actor=people[1], filing=cases.Filing(
        ground="originality", facts="该项目核心算法与某高校 2021 年公开发表的论文高度一致，疑似非本单位原创。",
        project_id=entries["second"]["project_id"], files=[_evidence("论文对比.pdf")]))
    cases.transition(case=second, to=CaseState.ACCEPTED, actor=office, note="材料齐全，予以受理。")
    cases.assign_officer(case=second, officer=office, actor=office)
    cases.transition(case=second, to=CaseState.UNDER_VERIFICATION, actor=office)
    cases.request_response(case=second, actor=office,
                           message="请就项目核心算法的来源作出书面说明，并提供相关研发记录或知识产权证明。")

    # 3. Upheld: the third prize revoked, its money reclaimed, the ruling on the notice.
    third = cases.file_complaint(contest=contest, actor=unit, filing=cases.Filing(
        ground="false_information", facts="该项目申报的应用案例（某汽车零部件厂）从未部署其系统，申报材料中的用户证明系伪造。",
        project_id=entries["third"]["project_id"], files=[_evidence("用户单位情况说明.pdf")],
        links=["https://www.example.com/notice/2023-12"]))
    cases.transition(case=third, to=CaseState.ACCEPTED, actor=office)
    cases.assign_officer(case=third, officer=office, actor=office)
    cases.transition(case=third, to=CaseState.UNDER_VERIFICATION, actor=office)
    cases.add_officer_evidence(case=third, actor=office, file=_evidence("用户单位复函.pdf"),
                               note="用户单位书面确认未部署该系统")
    cases.record_findings(case=third, actor=office, findings="经向用户单位核实，申报材料所附用户证明非该单位出具。")
    cases.transition(case=third, to=CaseState.RULED, actor=office, outcome=Outcome.UPHELD,
                     ruling="举报属实：申报材料中的用户证明不实，撤销该项目三等奖，追回奖金，证书作废。")
    prize = Prize.objects.get(award_id=entries["third"]["award_id"])
    today = timezone.now().astimezone(notice.starts_at.tzinfo).date()
    prize = prizes.transition(prize=prize, to=PrizeStatus.RECLAIM_DUE, actor=office, reason="裁定撤销，已预付奖金须退回",
                              amount=prize.amount, on=today + dt.timedelta(days=30))
    prizes.transition(prize=prize, to=PrizeStatus.RECLAIMED, actor=office, reason="收到退款，银行回单已存档",
                      on=today + dt.timedelta(days=7))
    cases.transition(case=third, to=CaseState.CLOSED, actor=office)
    return {"cases": 3, "notice": notice.pk}

