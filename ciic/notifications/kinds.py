"""What each kind of notification says. The text is rendered when it is read, in the reader's
language, from the parameters stored with the notification (which are never personal data)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KINDS = {
    # R-J5: the committee asks for further material.
    "material_request": (
        _("请补充材料：%(project)s"),
        _("%(requester)s 要求补充材料，截止 %(due)s（北京时间）：%(message)s"),
    ),
    "material_request_answered": (
        _("团队已补充材料：%(project)s"),
        _("团队已就 %(requested_at)s 的补充材料要求提交材料。"),
    ),
    "material_request_cancelled": (
        _("补充材料要求已撤销：%(project)s"),
        _("秘书处撤销了补充材料要求：%(reason)s"),
    ),
    # R-P6, R-J2: the team is told about a disqualification and why.
    "project_disqualified": (
        _("项目被取消参赛资格：%(project)s"),
        _("理由：%(reason)s"),
    ),
    # Issue 4: an existing expert account is added to a contest's expert pool.
    "expert_invited": (
        _("您已受邀担任%(contest)s评审专家"),
        _("请登录平台（需完成两步验证）查看评审安排并申报利益冲突。"),
    ),
    # R-P8, R-V1: a conflict recorded after assigning; the round's staff add a replacement.
    "assignment_conflicted": (
        _("评审专家存在利益冲突，需替换：%(project)s"),
        _("%(round)s中已分配评审该项目的 %(n)s 位专家新登记了利益冲突，其评审不计入成绩。请补充评审专家或重新分配。"),
    ),
    # R-G2(c): the secretariat verified an organization's claim to be a central SOE.
    "central_soe_confirmed": (
        _("组别已核实：%(organization)s"),
        _("秘书处核实%(organization)s属于中央企业（集团）及下属公司，组别为%(group)s。核实意见：%(reason)s"),
    ),
    "central_soe_rejected": (
        _("组别已核实：%(organization)s"),
        _("秘书处核实%(organization)s不属于中央企业（集团）及下属公司，按其他条件判定组别为%(group)s。核实意见：%(reason)s"),
    ),
    # R-P3, issue 11: the person a team named confirms from a text message; collisions are
    # disputes the secretariat settles. The parameters never say who the other team is.
    "representative_declined": (
        _("参赛代表未确认：%(team)s"),
        _("%(name)s 未确认担任%(team)s的参赛代表，不计入团队的参赛代表。可移除后另行添加。"),
    ),
    "identity_challenged": (
        _("参赛代表身份待秘书处核实：%(team)s"),
        _("有人以%(name)s的身份信息确认担任其他团队的参赛代表，秘书处将核实并处理，期间%(name)s仍为%(team)s的参赛代表。"),
    ),
    "identity_dispute_opened": (
        _("新的参赛代表身份申诉"),
        _("%(contest)s有一项参赛代表身份冲突待处理：同一身份证号已被其他团队确认。"),
    ),
    "identity_dispute_upheld": (
        _("参赛代表身份申诉已处理：%(team)s"),
        _("秘书处已核实%(name)s的身份申诉，结论为申诉成立：确认其代表提出申诉的团队。处理意见：%(reason)s"),
    ),
    "identity_dispute_rejected": (
        _("参赛代表身份申诉已处理：%(team)s"),
        _("秘书处已核实%(name)s的身份申诉，结论为申诉不成立：维持原有登记。处理意见：%(reason)s"),
    ),
    # R-P1, issue 11: a registered credit code registered again: a squatter or a mistake.
    "credit_code_clash": (
        _("统一社会信用代码被再次申请注册：%(organization)s"),
        _("账号 %(account)s 试图以%(organization)s的统一社会信用代码注册参赛单位，已被拒绝。如该账号是单位的真实代表，请核实原注册人。"),
    ),
    "credit_code_attempt": (
        _("有人试图以本单位的统一社会信用代码注册：%(organization)s"),
        _("有账号试图以%(organization)s的统一社会信用代码再次注册参赛单位，已被拒绝，秘书处已收到通知。如有疑问请联系秘书处。"),
    ),
    # R-A1, R-A2, R-A3: the winners hear of a confirmed award, then of its certificate.
    "prize_confirmed": (
        _("获奖通知：%(award)s"),
        _("%(project)s获%(contest)s%(award)s。获奖名单将公示 %(days)s 天，公示期满无异议后奖金方可发放（R-T5、R-X3）。"),
    ),
    "award_confirmed": (
        _("获奖通知：%(award)s"),
        _("%(recipient)s获%(contest)s%(award)s（%(project)s）。获奖证书签发后另行通知。"),
    ),
    "award_revoked": (
        _("奖项已撤销：%(award)s"),
        _("经组委会裁定（%(basis)s），%(project)s的%(award)s已撤销，获奖证书同时作废；已发放的奖励将予追回（R-X3）。"),
    ),
    "unit_award_confirmed": (
        _("获奖通知：%(award)s"),
        _("%(recipient)s获%(contest)s%(award)s。获奖证书签发后可向组委会秘书处领取。"),
    ),
    "certificate_issued": (
        _("获奖证书已签发：%(award)s"),
        _("%(project)s的获奖证书（编号 %(number)s）已签发，可在平台下载，任何人可扫码核验。"),
    ),
    # R-X2: the complainant hears of each step of their case, by its number only.
    "complaint_received": (
        _("举报已收到：%(number)s"),
        _("您的举报已收到，编号 %(number)s。组委会将在规定时限内决定是否受理，并告知您每一步进展。"),
    ),
    "complaint_accepted": (
        _("举报已受理：%(number)s"),
        _("组委会已受理您的举报 %(number)s，将进行核查。"),
    ),
    "complaint_not_accepted": (
        _("举报不予受理：%(number)s"),
        _("组委会决定对您的举报 %(number)s 不予受理，理由见案件页面。"),
    ),
    "complaint_under_verification": (
        _("举报核查中：%(number)s"),
        _("组委会正在核查您的举报 %(number)s。"),
    ),
    "complaint_ruled": (
        _("举报已裁定：%(number)s"),
        _("组委会已对您的举报 %(number)s 作出裁定，裁定意见见案件页面。"),
    ),
    "complaint_closed": (
        _("举报已结案：%(number)s"),
        _("您的举报 %(number)s 已结案。"),
    ),
    # R-X2: the daily digest (publicity_daily) tells the committee and the officers which cases
    # passed their step's time limit; by case number only, never who complained.
    "complaints_overdue": (
        _("%(n)s 件举报案件已超过办理时限"),
        _("以下举报案件已超过本环节的办理时限，请尽快处理：%(numbers)s。"),
    ),
    "originality_done": (
        _("原创性检查已完成"),
        _("共比对 %(documents)s 份申报书，发现 %(pairs)s 组相似项目。"),
    ),
}


def render(kind: str, params: dict) -> tuple[str, str]:
    title, body = KINDS[kind]
    return str(title) % params, str(body) % params
