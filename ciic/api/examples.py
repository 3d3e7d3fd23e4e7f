"""One example per response schema, for the OpenAPI document (issue 11 §6).

`EXAMPLES` maps each schema class to one answer the API could send: contest data of 第五届中国
工业互联网大赛, personal data masked by the same functions the API masks it with
(`ciic.core.masking`). The examples are the fields' values as sent, after the resolvers.

`ExampleSchema` puts them into the document: every response's media type gets the example of
the response it declares, worked out from the declaration, so a list (`list[X]`) gets
`[example of X]`, a page (ninja's `PagedX`) `{"items": [example of X], "count": 1}` and an
error (`ErrorsOut`) the example of its status. One table, read wherever a schema is used: a
new response without an example, or an example that drifts from its schema, fails
ciic/api/tests/test_openapi_examples.py.
"""

from __future__ import annotations

import copy
from typing import Any, get_args, get_origin

from ninja.constants import NOT_SET
from ninja.openapi.schema import OpenAPISchema

from ciic.core.masking import mask_id_number, mask_mobile
from ciic.core.responses import api_error_body

from . import (
    accounts,
    certificates,
    contests,
    entrants,
    finals,
    materials,
    organizing,
    originality,
    projects,
    publicity,
    review_experts,
    review_results,
    review_rounds,
    reviews,
    votes,
)
from .errors import ErrorsOut
from .pagination import Pages

# --- the contest ---------------------------------------------------------------------------

GROUP_LEADER = {
    "code": "leader", "name": "领军组", "is_default": False,
    "criteria": [
        "软件和信息技术服务商：从业人数大于300，或营收大于10000万元",
        "工业企业：从业人数大于1000，或营收大于40000万元",
        "中央企业（集团）及下属公司",
    ],
}
GROUP_NEWCOMER = {"code": "newcomer", "name": "新锐组", "is_default": True, "criteria": []}

CONTEST = {
    "slug": "ciic-2023",
    "name": "第五届中国工业互联网大赛",
    "name_zh": "第五届中国工业互联网大赛",
    "name_en": "China Industrial Internet Contest 2023",
    "edition": 5,
    "year": 2023,
    "theme": "数字赋能 智创未来",
    "hosts": {
        "hosts": ["工业和信息化部", "国务院国有资产监督管理委员会", "中华全国工商业联合会", "浙江省人民政府"],
        "organizers": ["国家工业信息安全发展研究中心", "浙江省经济和信息化厅", "宁波市人民政府"],
        "executing_organizers": ["宁波市经济和信息化局", "北京市经济和信息化局", "江苏省工业和信息化厅"],
        "secretariat": ["工业和信息化部信息技术发展司", "国务院国有资产监督管理委员会科技创新局"],
        "secretariat_office": ["中国工业信息安全发展研究中心"],
    },
    "website": "https://www.cii-contest.cn",
    "time_zone": "Asia/Shanghai",
    "registration_deadline": "2023-10-22T23:59:59+08:00",
    "registration_open": True,
    "max_representatives": 5,
    "groups": [GROUP_LEADER, GROUP_NEWCOMER],
    "prize_tiers": [
        {"code": "first", "name": "一等奖", "rank": 1, "count": 2, "amount": "100.00"},
        {"code": "second", "name": "二等奖", "rank": 2, "count": 6, "amount": "30.00"},
        {"code": "third", "name": "三等奖", "rank": 3, "count": 12, "amount": "10.00"},
    ],
    "prize_pool": "500.00",
    "publicity_days": 30,
}

STATION_REF = {"code": "beijing", "name": "北京赛站"}
DIRECTION_REF = {"number": 1, "code": "quality", "name": "工业互联网+质量提升解决方案"}

DIRECTION = {
    **DIRECTION_REF,
    "description": "聚焦提升产品质量竞争力要求，征集推动质量策划、质量控制、质量保证、质量改进的工业互联网"
                   "解决方案……该赛题方向由北京赛站组织。",
    "station": STATION_REF,
}

STATION = {
    **STATION_REF,
    "city": "北京",
    "directions": [DIRECTION_REF],
    "local_units": [
        {"name": "北京市经济和信息化局", "credit_code": ""},
        {"name": "北京市石景山区人民政府", "credit_code": ""},
    ],
}

SCHEDULE_ITEM = {
    "key": "registration",
    "name": "注册报名和参赛项目提交",
    "starts_at": "2023-08-01T00:00:00+08:00",
    "ends_at": "2023-10-22T23:59:59+08:00",
    "note": "开始日期为平台开放日期，由秘书处确定",
}

POLICY = {
    "id": 2,
    "kind": "pledge",
    "kind_label": "参赛承诺书",
    "version": "2023.1",
    "title": "《第五届中国工业互联网大赛参赛承诺书》",
    "text": "第五届中国工业互联网大赛参赛承诺书\n\n本单位（团队）自愿参加第五届中国工业互联网大赛，"
            "已阅读并同意《第五届中国工业互联网大赛服务规则》，郑重承诺如下：……",
    "published_at": "2023-08-01T00:00:00+08:00",
}

SECTION = {"code": "overview", "name": "项目概述", "parts": ["项目背景", "应用范围", "核心优势"], "max_chars": 3000}

MATERIAL_TYPE = {
    "code": "presentation",
    "name": "项目介绍PPT",
    "category": "presentation",
    "formats": ["ppt", "pptx", "pdf"],
    "max_size_mb": 100,
    "required": True,
    "link_required": False,
    "own_entity_attestation": False,
}

CENTRAL_SOE = {"name": "中国建筑集团有限公司", "list": "sasac", "counts": True}
PAST_WINNER = {"edition": 1, "project_name": "基于工业互联网平台的离散制造质量追溯系统"}

# --- accounts ------------------------------------------------------------------------------

USER = {
    "id": 21,
    "email": "zhangwei@example.com",
    "mobile": mask_mobile("13800000001"),
    "full_name": "张伟",
    "role": "entrant",
    "role_label": "参赛团队负责人",
    "station": None,
    "needs_two_factor": False,
}

TOKEN = {
    "id": 7,
    "name": "报名脚本",
    "prefix": "ciic_FgUKVm3",
    "scope": "write",
    "created_at": "2023-09-12T10:15:00+08:00",
    "expires_at": "2023-12-11T10:15:00+08:00",
    "last_used_at": "2023-09-12T10:20:41+08:00",
    "revoked_at": None,
}

NEW_TOKEN = {**TOKEN, "last_used_at": None, "key": "ciic_FgUKVm3B1Sjxefbx5OjVIL3XSCIqKRBw8TWRGeExPbE"}

# --- errors --------------------------------------------------------------------------------

REFUSAL_ITEM = {"field": "representatives[0].id_number", "rule": "R-P3", "message": "居民身份证号无效"}

# By HTTP status: ErrorsOut (and DetailOut, the same class) answers each of these.
ERRORS = {
    401: api_error_body(401, "API 令牌无效、已撤销或已过期"),
    403: api_error_body(403, "无权执行此操作"),
    404: api_error_body(404, "未找到，或无权查看"),
    422: {"errors": [REFUSAL_ITEM]},
    429: api_error_body(429, "失败次数过多，已暂时锁定，请稍后再试"),
}

# --- entrants ------------------------------------------------------------------------------

GROUP_REF = {"code": "newcomer", "name": "新锐组"}
GROUP_REASON = ("新锐组：不满足其他组别的任一条件：软件和信息技术服务商：从业人数大于300，或营收大于10000万元"
                "（从业人数 120 ≤ 300，营收 3,500万元 ≤ 10,000万元）；工业企业：从业人数大于1000，"
                "或营收大于40000万元（单位类型不是工业企业）；中央企业（集团）及下属公司"
                "（不在中央企业名录中，上级单位也不在）")

ORGANIZATION = {
    "id": 12,
    "name": "北京智造云科技有限公司",
    "credit_code": "91110108MA01C8XY3G",
    "kind": "software_it",
    "kind_label": "软件和信息技术服务商",
    "headcount": 120,
    "annual_revenue": "3500.00",
    "province_code": "11",
    "province": "北京市",
    "group": GROUP_REF,
    "group_reason": GROUP_REASON,
    "group_status": "derived",
    "group_verification_note": "",
    "group_verified_at": None,
    "parent": {"id": 11, "name": "智造云控股（北京）有限公司", "credit_code": "91110108MA01B7WX2P",
               "is_registered": False},
    "created_at": "2023-08-20T09:30:00+08:00",
    "updated_at": "2023-08-20T09:30:00+08:00",
}

GROUP_PREVIEW = {"group": GROUP_REF, "group_status": "derived", "reason": GROUP_REASON, "errors": []}

ORGANIZATION_REF = {"id": 12, "name": "北京智造云科技有限公司", "group": GROUP_REF, "group_status": "derived"}

# One person, two rows: the team that holds her, and the one whose confirmation collided.
ID_NUMBER = "110108199003071238"
REPRESENTATIVE = {
    "id": 78,
    "name": "李娜",
    "id_number_masked": mask_id_number(ID_NUMBER),
    "mobile_masked": mask_mobile("13800000002"),
    "email": "lina@example.com",
    "status": "confirmed",
    "status_note": "",
    "confirmed_at": "2023-08-21T14:05:12+08:00",
}

ACCEPTANCES = [
    {"policy_id": 1, "kind": "service_rules", "version": "2023.1", "title": "《第五届中国工业互联网大赛服务规则》",
     "accepted_at": "2023-08-21T10:00:00+08:00"},
    {"policy_id": 2, "kind": "pledge", "version": "2023.1", "title": "《第五届中国工业互联网大赛参赛承诺书》",
     "accepted_at": "2023-08-21T10:00:00+08:00"},
]

TEAM = {
    "id": 34,
    "name": "智造先锋队",
    "status": "registered",
    "status_label": "已报名",
    "organization": ORGANIZATION_REF,
    "station": STATION_REF,
    "direction": DIRECTION_REF,
    "lead_name": "张伟",
    "created_at": "2023-08-21T10:00:00+08:00",
}

TEAM_DETAIL = {
    **TEAM,
    "representatives": [REPRESENTATIVE],
    "acceptances": ACCEPTANCES,
    "has_accepted_current_policies": True,
}

TEAM_CHECK = {"ok": False, "errors": [REFUSAL_ITEM]}

IDENTITY_DISPUTE = {
    "id": 5,
    "status": "open",
    "claimant": {
        "id": 91, "name": "李娜", "id_number_masked": mask_id_number(ID_NUMBER),
        "mobile_masked": mask_mobile("13900000003"), "status": "pending", "team_id": 40,
        "team_name": "甬创数智队", "organization_name": "宁波甬创智能装备有限公司",
    },
    "holder": {
        "id": 78, "name": "李娜", "id_number_masked": mask_id_number(ID_NUMBER),
        "mobile_masked": mask_mobile("13800000002"), "status": "confirmed", "team_id": 34,
        "team_name": "智造先锋队", "organization_name": "北京智造云科技有限公司",
    },
    "statement": "本人受聘于宁波甬创智能装备有限公司，从未同意代表智造先锋队参赛，请核实。",
    "created_at": "2023-09-03T11:20:00+08:00",
    "resolved_at": None,
    "resolution": "",
}

# --- projects and materials ----------------------------------------------------------------

PROJECT_NAME = "基于工业互联网平台的汽车零部件全流程质量管控解决方案"
SECTIONS = {
    "overview": "面向汽车零部件制造企业，打通设计、生产、检验与售后数据，实现全流程质量管控……",
    "solution": "平台采用“边缘采集 + 云端分析”架构，质量数据模型覆盖 200 余类检测项……",
}

PROJECT = {
    "id": 56,
    "team_id": 34,
    "name": PROJECT_NAME,
    "status": "active",
    "name_locked": True,
    "past_winner_match": "",
    "draft": SECTIONS,
    "draft_saved_at": "2023-10-20T17:12:08+08:00",
}

SUBMISSION = {
    "number": 2,
    "stage": "local",
    "name": PROJECT_NAME,
    "submitted_at": "2023-10-20T17:30:00+08:00",
    "content_sha256": "bb9a72a5d82275818e143ede5a6339e7d8c6cf15ef35f8241bc70bd8be7829a4",
    "counts": True,
}

SUBMISSION_DETAIL = {**SUBMISSION, "sections": SECTIONS}

FILE = {
    "id": 301,
    "name": "智造先锋队-项目介绍.pptx",
    "size": 18874368,
    "kind": "pptx",
    "sha256": "8634a738d774fe5c78737e7535d0d92bbb1941c1b6800a0dcc1654b6581397c1",
    "download_url": "/api/v1/files/301",
}

MATERIAL = {"type": "presentation", "file": FILE, "link": "", "attested_own_entity": False, "note": ""}
DRAFT_MATERIAL = {**MATERIAL, "updated_at": "2023-10-18T20:41:37+08:00"}

MATERIAL_REQUEST = {
    "id": 4,
    "project_id": 56,
    "stage": "local",
    "message": "请补充 2022 年度财务审计报告（须为参赛单位本身的报告）。",
    "due_at": "2023-11-03T18:00:00+08:00",
    "requested_at": "2023-10-27T09:00:00+08:00",
    "status": "answered",
    "answer_note": "已上传审计报告。",
    "answered_at": "2023-10-30T15:20:00+08:00",
    "cancel_reason": "",
    "items": [{
        "id": 9,
        "file": {"id": 302, "name": "2022年度审计报告.pdf", "size": 2457600, "kind": "pdf",
                 "sha256": "4be876908680719a825bf1b843f5feb2d0fe2b9f6901ea4b35c7bc19aae3cb1d",
                 "download_url": "/api/v1/files/302"},
        "link": "",
        "note": "2022 年度审计报告",
        "uploaded_at": "2023-10-30T15:18:02+08:00",
    }],
}

# --- originality ---------------------------------------------------------------------------

ORIGINALITY_RUN = {
    "id": 3,
    "status": "done",
    "trigger": "manual",
    "threshold": 0.5,
    "requested_by_id": 2,
    "created_at": "2023-10-23T09:00:00+08:00",
    "started_at": "2023-10-23T09:00:02+08:00",
    "finished_at": "2023-10-23T09:03:45+08:00",
    "total": 412,
    "done": 412,
    "percent": 100,
    "pairs_found": 2,
    "error": "",
}

ORIGINALITY_PAIR = {
    "id": 17,
    "run_id": 3,
    "rule": "R-J2",
    "similarity": 0.62,
    "left": {"project_id": 56, "project_name": PROJECT_NAME, "project_status": "active",
             "team_name": "智造先锋队", "station": "beijing", "version": 2, "stage": "local"},
    "right": {"project_id": 63, "project_name": "汽车零部件质量大数据分析平台", "project_status": "active",
              "team_name": "甬创数智队", "station": "ningbo", "version": 1, "stage": "local"},
    "past_winner": None,
    "shared_passages": ["打通设计、生产、检验与售后数据，实现全流程质量管控",
                        "质量数据模型覆盖 200 余类检测项"],
    "verdict": "pending",
    "verdict_note": "",
    "judged_at": None,
}

# --- the expert pool and conflicts ---------------------------------------------------------

EXPERT = {
    "id": 15,
    "name": "陈晓华",
    "email": "chenxiaohua@example.com",
    "employer": "华北工业技术研究院",
    "employer_credit_code": "",
    "kind": "research",
    "directions": ["quality", "industrial_brain"],
    "keywords": "质量管理，工业大数据，机器视觉检测",
    "profile": "研究员，长期从事制造业质量工程与工业互联网平台研究。",
    "station": "beijing",
    "active": True,
    "has_account": True,
    "created_at": "2023-09-05T10:00:00+08:00",
}

INVITE = {"expert_id": 15, "account_created": True}

CONFLICT = {
    "expert_id": 15,
    "expert": "陈晓华",
    "project_id": 56,
    "project": PROJECT_NAME,
    "organization": "北京智造云科技有限公司",
    "conflicts": [{
        "source": "team",
        "reason": "团队申报回避专家“陈晓华”：曾为本单位的竞争对手提供咨询"
                  "（仅按姓名匹配，可能是同名的另一位专家，请核实）",
        "possible": True,
        "avoidance_id": 6,
    }],
}

DECLARATION = {"project_id": 56, "reason": "本人曾参与该项目的前期技术论证"}

DISMISSAL = {
    "id": 2,
    "avoidance_id": 6,
    "expert_id": 15,
    "project_id": 56,
    "reason": "经核实，团队所指为另一单位的同名专家",
    "dismissed_by": "赵敏",
    "dismissed_at": "2023-11-01T16:30:00+08:00",
}

AVOIDANCE = {
    "id": 6,
    "kind": "person",
    "name": "陈晓华",
    "reason": "曾为本单位的竞争对手提供咨询",
    "declared_at": "2023-10-25T14:00:00+08:00",
}

# --- review --------------------------------------------------------------------------------

CRITERIA = [
    {"code": "innovation", "name": "创新性", "name_en": "Innovation", "weight": 25, "min": 0, "max": 10},
    {"code": "technology", "name": "技术先进性", "name_en": "Technology", "weight": 25, "min": 0, "max": 10},
    {"code": "application", "name": "应用成效", "name_en": "Application results", "weight": 20, "min": 0, "max": 10},
    {"code": "business_model", "name": "商业模式", "name_en": "Business model", "weight": 15, "min": 0, "max": 10},
    {"code": "team", "name": "团队能力", "name_en": "Team", "weight": 15, "min": 0, "max": 10},
]
RECOMMENDATIONS = [
    {"code": "advance", "name": "推荐晋级", "name_en": "Recommend advancing"},
    {"code": "consider", "name": "可以考虑", "name_en": "Could be considered"},
    {"code": "reject", "name": "不推荐", "name_en": "Not recommended"},
]

EXPERT_ASSIGNMENT = {
    "round_id": 8,
    "round": "北京赛站 · 网上评审",
    "round_status": "open",
    "closes_at": "2023-11-10T18:00:00+08:00",
    "project_id": 56,
    "project": PROJECT_NAME,
    "status": "draft",
    "total": 8.05,
}

JUDGED_PROJECT = {
    "round_id": 8,
    "project_id": 56,
    "name": PROJECT_NAME,
    "direction": "quality",
    "group": "newcomer",
    "submission": {
        "number": 2,
        "stage": "local",
        "name": PROJECT_NAME,
        "submitted_at": "2023-10-20T17:30:00+08:00",
        "content_sha256": "bb9a72a5d82275818e143ede5a6339e7d8c6cf15ef35f8241bc70bd8be7829a4",
        "sections": SECTIONS,
        "materials": [MATERIAL],
    },
    "slot": None,
    # As the API sends them: weights and bounds are numbers with a decimal point.
    "criteria": [{**c, "weight": float(c["weight"]), "min": float(c["min"]), "max": float(c["max"])}
                 for c in CRITERIA],
    "recommendations": RECOMMENDATIONS,
    "blind_until_submitted": True,
    "accepts_scores": True,
}

# innovation×25 + technology×25 + application×20 + business_model×15 + team×15, over 100.
REVIEW = {
    "scores": {"innovation": 8.0, "technology": 8.0, "application": 9.0, "business_model": 7.0, "team": 8.0},
    "total": 8.05,
    "comment": "质量数据模型完整，已在三家整车厂的供应商体系中应用；商业模式的收费方式尚需细化。",
    "recommendation": "advance",
    "submitted_at": None,
    "updated_at": "2023-11-06T21:14:09+08:00",
    "revisions": 2,
}

PEER_REVIEW = {
    "expert": "专家 1",
    "scores": {"innovation": 7.0, "technology": 8.0, "application": 8.0, "business_model": 7.0, "team": 8.0},
    "total": 7.6,
    "recommendation": "consider",
    "comment": "技术路线成熟，创新点主要在质量追溯的数据模型。",
    "submitted_at": "2023-11-05T10:02:44+08:00",
}

SLOT = {
    "project_id": 56,
    "starts_at": "2023-11-20T09:00:00+08:00",
    "ends_at": "2023-11-20T09:30:00+08:00",
    "link": "https://meeting.example.com/ciic-beijing-0901",
    "venue": "",
}

# --- review results and finalists ----------------------------------------------------------

ROUND_RESULTS = {
    "round_id": 8,
    "status": "closed",
    "aggregation": "raw",
    "aggregation_locked": True,
    "groups": [{
        "direction": "quality",
        "group": "newcomer",
        "seats": 3,
        "count": 3,
        "proportion": None,
        "results": [{
            "project_id": 56, "project": PROJECT_NAME, "team": "智造先锋队", "rank": 1,
            "raw_score": 8.05, "score": 8.05, "reviews": 5, "spread": 1.2, "disagreement": False,
            "stability": 0.97, "tied_at_cut": False, "advanced": True,
        }],
        "tie": None,
    }],
}

ARCHIVE = {
    "id": 2,
    "sha256": "91aefb9dca9d37459ecca2773e7d74c7e51b0470c123109c91c6f7256cc2fe30",
    "created_at": "2023-11-12T10:00:00+08:00",
    "files": [
        {"name": "round.json", "sha256": "d65bc3f3e496bb4cd7a7e51d2088acd047a9a321c90f896f59f3bc5144461c3a",
         "bytes": 812},
        {"name": "ranking.json", "sha256": "56fb7168fb31d446133fe5a8173d203d2cbd8c216cd127c8960f8631774e4599",
         "bytes": 15320},
    ],
    "problems": [],
}

FINALIST_LIST = {
    "id": 4,
    "station": "beijing",
    "group": "newcomer",
    "status": "confirmed",
    "entries": [{"id": 11, "position": 1, "project_id": 56, "project": PROJECT_NAME, "replaces_id": None,
                 "due_diligence": True}],
    "snapshot": {
        "contest": "ciic-2023", "station": "beijing", "group": "newcomer", "round_id": 10,
        "confirmed_at": "2023-11-30T16:00:00+08:00", "confirmed_by": 2,
        "entries": [{"position": 1, "project_id": 56, "project": PROJECT_NAME, "team_id": 34, "team": "智造先锋队",
                     "organization": "北京智造云科技有限公司", "direction": "quality", "score": 8.05,
                     "raw_score": 8.05, "rank": 1}],
    },
    "snapshot_sha256": "d5dacf9314bc32d497d7d163fe220a81a24fce8f5d5c1d55be55cf7e83d83262",
    "snapshot_verified": True,
}

DUE_DILIGENCE = {
    "project_id": 56,
    "checklist": [
        {"code": "qualification", "name": "资质真实性", "ok": True, "note": ""},
        {"code": "finance", "name": "财务数据", "ok": True, "note": "与 2022 年度审计报告一致"},
        {"code": "ip", "name": "知识产权", "ok": True, "note": ""},
        {"code": "application", "name": "应用证明", "ok": True, "note": ""},
        {"code": "compliance", "name": "无违法违规记录", "ok": True, "note": ""},
    ],
    "findings": "各项核查均无问题。",
    "passed": True,
    "decided_at": "2023-12-04T15:00:00+08:00",
}

# --- review rounds and assignment ----------------------------------------------------------

ROUND = {
    "id": 8,
    "stage": "local",
    "round": "online_review",
    "station": "beijing",
    "previous_id": None,
    "status": "open",
    "experts_per_project": 5,
    "max_load": 12,
    "form": CRITERIA,
    "recommendations": RECOMMENDATIONS,
    "project_ids": [56, 57, 58],
    "expert_ids": [15, 16, 17, 18, 19, 20],
    "opens_at": "2023-11-01T09:00:00+08:00",
    "closes_at": "2023-11-10T18:00:00+08:00",
    "blind_until_submitted": True,
}

PAIR_RULE = {"id": 3, "expert_id": 16, "project_id": 57, "rule": "forbid", "reason": "专家曾担任该项目的技术顾问"}

ASSIGNMENT_RUN = {
    "id": 5,
    "round_id": 8,
    "mode": "fair",
    "status": "done",
    "progress": 100,
    "message": "",
    "figures": {
        "mode": "fair", "projects": 42, "experts": 18, "k": 5, "total": 163.254, "bound": 163.9,
        "lp_gap": 0.394, "worst": 3.12, "worst_bound": 3.12, "worst_lp_bound": 3.2, "ceiling": 171.4,
        "worst_of_ceiling": 1.82, "conflicts": 6, "forbidden": 1, "pinned": 2, "fixed": 0,
        "project_affinity": {"min": 3.12, "median": 3.9, "mean": 3.887, "max": 4.6},
        "expert_load": {"min": 11.0, "median": 12.0, "mean": 11.6667, "max": 12.0},
        "expert_affinity": {"min": 0.52, "median": 0.78, "mean": 0.7774, "max": 0.95},
        "idle_experts": 0, "seconds": 2.417, "stored": {"created": 210, "replaced": 0, "kept": 0},
    },
    "created_at": "2023-10-30T14:00:00+08:00",
    "started_at": "2023-10-30T14:00:01+08:00",
    "finished_at": "2023-10-30T14:00:04+08:00",
}

ASSIGNMENT = {
    "id": 120,
    "expert_id": 15,
    "expert": "陈晓华",
    "project_id": 56,
    "project": PROJECT_NAME,
    "source": "solver",
    "affinity": 0.82,
    "review": "submitted",
}

# --- the finals ----------------------------------------------------------------------------

FINALS_SESSION = {
    "id": 3,
    "direction": "quality",
    "group": "leader",
    "venue": "宁波国际会议中心 A 厅",
    "starts_at": "2023-12-05T09:00:00+08:00",
    "chair_id": 8,
    "draw_seed": "宁波公证处 20231205-0931",
    "drawn_at": "2023-12-05T08:40:12+08:00",
    "current_entry_id": 21,
    "scores_released": True,
    "board": [{
        "entry_id": 21, "project_id": 56, "project_name": PROJECT_NAME, "team_name": "智造先锋队",
        "position": 1, "on_stage_at": "2023-12-05T09:02:00+08:00", "received": 5, "expected": 5, "score": 86.47,
        "ballots": [{"id": 301, "expert_id": 15, "expert_name": "陈晓华", "submitted": True}],
    }],
}

STANDING = {
    "rank": 1, "project_id": 56, "project_name": PROJECT_NAME, "team_name": "智造先锋队", "direction": "quality",
    "group": "leader", "score": 86.47, "keys": [86.47, 8.6, 86.0], "margin": 0.85, "tied_with": [],
}

AWARD_LIST = {
    "status": "proposed",
    "method": "overall",
    "confirmed_at": None,
    "snapshot_sha256": "",
    "awards": [{"kind": "tier", "code": "first", "name": "一等奖", "project_id": 56, "rank": 1, "score": 86.47,
                "margin": 0.85, "amount": "100.00"}],
    "open_ties": [{"key": "overall:third", "projects": [71, 74], "seats": 1}],
}

PRIZE = {
    "id": 1, "award": "一等奖", "rank": 1, "project_id": 56, "payee": "测试科技有限公司", "amount": "100.00",
    "status": "pending_publicity", "updated_at": "2023-12-06T10:00:00+08:00",
    "reclaim_amount": None, "reclaim_due_on": None, "reclaimed_on": None,
}

SPECIAL_AWARDS = {
    "status": "proposed",
    "awards": [{"code": "tech_innovation", "name": "最佳技术创新奖", "basis": "criterion:technology", "count": 1,
                "with_tier": True, "winners": [{"award_id": 31, "project_id": 56, "recipient": "测试科技有限公司",
                                                "reason": "总决赛“technology”平均分 8.6"}]}],
    "open_ties": [],
    "waiting": ["market_demand", "popularity"],
}

LOCAL_AWARDS = {
    "station": "beijing",
    "status": "proposed",
    "categories": [{"id": 1, "code": "first", "name": "北京赛站一等奖", "count": 1, "amount": "5.00"}],
    "awards": [{"kind": "local", "code": "first", "name": "北京赛站一等奖", "project_id": 56, "rank": None,
                "score": 88.4, "margin": None, "amount": "5.00"}],
    "open_ties": [],
}

PUBLICATION = {"kind": "finalists", "released_at": "2023-12-01T10:00:00+08:00"}

# --- certificates --------------------------------------------------------------------------

CERTIFICATE = {
    "id": 1,
    "number": "CIIC2023-F-001",
    "status": "valid",
    "scope": "finals",
    "award_id": 12,
    "award": "一等奖",
    "award_en": "First prize",
    "station": "",
    "project_id": 56,
    "project": PROJECT_NAME,
    "recipient": "测试科技有限公司",
    "issued_at": "2023-12-20T10:00:00+08:00",
    "revoked_at": None,
    "revoke_category": "",
    "revoke_reason": "",
    "verification_url": "https://www.cii-contest.cn/certificates/verify/q3Jk8ZyX0bQf1mNw4tRv2sLp/",
}

CERTIFICATE_VERIFICATION = {
    "number": "CIIC2023-S-002",
    "status": "revoked",
    "revoked_on": "2024-01-18",
    "revoke_category": "award_revoked",
    "revoke_category_label": "获奖资格已被撤销",
    "contest": "第五届中国工业互联网大赛",
    "award": "优秀组织奖",
    "station": "",
    "project": "",
    "recipient": "浙江省经济和信息化厅",
    "issued_on": "2023-12-20",
}

CERTIFICATE_BATCH = {
    "id": 2,
    "status": "done",
    "total": 48,
    "done": 48,
    "percent": 100,
    "issued": 3,
    "created_at": "2023-12-20T10:05:00+08:00",
    "started_at": "2023-12-20T10:05:01+08:00",
    "finished_at": "2023-12-20T10:05:52+08:00",
    "size": 3145728,
    "sha256": "9f2b5c0e8d7a6b4c3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d",
    "zip_available": True,
    "error": "",
}

# --- the popularity vote -------------------------------------------------------------------

VOTE_FINALIST = {
    "project_id": 56, "name": PROJECT_NAME, "organization": "北京智造云科技有限公司", "direction": "quality",
    "group": "leader", "summary": "面向汽车零部件制造企业，基于工业互联网平台实现从原材料到售后的全流程质量数据贯通……",
    "video_url": "/vote/p/56/video/", "live_count": 12300,
}
VOTE_BALLOT = {
    "opens_at": "2023-12-01T00:00:00+08:00", "closes_at": "2023-12-07T23:59:59+08:00", "is_open": True,
    "votes_per_day": 5, "votes_per_project_per_day": 1, "live_counts_round_to": 100, "published": False,
    "finalists": [VOTE_FINALIST],
}
VOTE_CAPTCHA = {"key": "8c1f0e6a2d4b7c9e1f3a5b7d9e0c2a4f6b8d0e1f", "image_url": "/vote/captcha/8c1f0e6a2d4b7c9e1f3a5b7d9e0c2a4f6b8d0e1f/"}
VOTE_CODE = {"expires_at": "2023-12-03T20:41:37+08:00", "resend_after_seconds": 60}
VOTE_CAST = {"ballot_key": "b-3f9c2a7e51d84b06", "project_id": 56, "cast_at": "2023-12-03T20:33:05+08:00",
             "created": True, "votes_left_today": 4}
VOTE_RUN = {"id": 4, "status": "done", "error": "", "started_at": "2023-12-08T09:00:00+08:00", "finished_at": "2023-12-08T09:00:03+08:00",
            "votes_examined": 200000, "held": 10148,
            "summary": {"burst_findings": 1, "burst_votes": 2546, "prefix_findings": 3, "prefix_votes": 4000,
                        "blocks_findings": 6, "blocks_votes": 3500, "held": 10148, "newly_held": 10148, "released": 0}}
VOTE_FINDING = {"id": 31, "reason": "prefix", "project_id": 56,
                "description": "网段 #3fa2c1d09e：895 个号码为该项目投票，占该网段号码的 100%，按号码归属地预期约 241 个",
                "votes": 1352, "status": "open", "decision_reason": ""}
VOTE_TALLY = {"published": True, "published_at": "2023-12-09T10:00:00+08:00", "counts": {"56": 20459, "71": 15632},
              "voided": {"prefix": 4000, "blocks": 3500, "burst": 2546}, "totals": {
                  "cast": 200000, "counted": 189852, "cleared": 0, "voided": 10148, "held": 0},
              "sha256": "5d41402abc4b2a76b9719d911017c592ae1f1c2ee9a8c3c4e1b5d6f7a8b9c0d1"}
VOTE_AUDIT = {"counts": {"counted": 189852, "held": 10148, "cleared": 0, "voided": 0}, "last_run": VOTE_RUN,
              "findings": [VOTE_FINDING], "blockers": ["尚有 10148 张待审核的投票，须先放行或作废"],
              "preview": {**VOTE_TALLY, "published": False, "published_at": None, "voided": {}, "sha256": "",
                          "totals": {"cast": 200000, "counted": 189852, "cleared": 0, "voided": 0, "held": 10148}}}
VOTE_DECISION = {"findings": [31, 32, 33], "cleared": 0, "voided": 4000, "still_held": 0}

# --- the table -----------------------------------------------------------------------------

EXAMPLES: dict[type, Any] = {
    votes.VoteBallotOut: VOTE_BALLOT,
    votes.VoteCaptchaOut: VOTE_CAPTCHA,
    votes.VoteCodeOut: VOTE_CODE,
    votes.VoteCastOut: VOTE_CAST,
    votes.VoteRunOut: VOTE_RUN,
    votes.VoteTallyOut: VOTE_TALLY,
    votes.VoteAuditOut: VOTE_AUDIT,
    votes.VoteDecisionOut: VOTE_DECISION,
    certificates.CertificateOut: CERTIFICATE,
    certificates.VerificationOut: CERTIFICATE_VERIFICATION,
    certificates.BatchOut: CERTIFICATE_BATCH,
    accounts.UserOut: USER,
    accounts.TokenOut: TOKEN,
    accounts.NewTokenOut: NEW_TOKEN,
    contests.ContestOut: CONTEST,
    contests.DirectionOut: DIRECTION,
    contests.StationOut: STATION,
    contests.ScheduleItemOut: SCHEDULE_ITEM,
    contests.PolicyOut: POLICY,
    contests.SectionOut: SECTION,
    contests.MaterialTypeOut: MATERIAL_TYPE,
    contests.CentralSOEOut: CENTRAL_SOE,
    contests.PastWinnerOut: PAST_WINNER,
    entrants.GroupPreviewOut: GROUP_PREVIEW,
    entrants.OrganizationOut: ORGANIZATION,
    entrants.TeamCheckOut: TEAM_CHECK,
    entrants.TeamOut: TEAM,
    entrants.TeamDetailOut: TEAM_DETAIL,
    entrants.RepresentativeOut: REPRESENTATIVE,
    entrants.IdentityDisputeOut: IDENTITY_DISPUTE,
    entrants.AcceptanceOut: ACCEPTANCES[0],
    projects.ProjectOut: PROJECT,
    projects.SubmissionOut: SUBMISSION,
    projects.SubmissionDetailOut: SUBMISSION_DETAIL,
    materials.MaterialOut: MATERIAL,
    materials.DraftMaterialOut: DRAFT_MATERIAL,
    materials.RequestOut: MATERIAL_REQUEST,
    originality.RunOut: ORIGINALITY_RUN,
    originality.PairOut: ORIGINALITY_PAIR,
    review_experts.ExpertOut: EXPERT,
    review_experts.InviteOut: INVITE,
    review_experts.ConflictOut: CONFLICT,
    review_experts.DeclareIn: DECLARATION,
    review_experts.DismissalOut: DISMISSAL,
    review_experts.AvoidanceOut: AVOIDANCE,
    reviews.ExpertAssignmentOut: EXPERT_ASSIGNMENT,
    reviews.JudgedProjectOut: JUDGED_PROJECT,
    reviews.ReviewOut: REVIEW,
    reviews.PeerReviewOut: PEER_REVIEW,
    reviews.SlotOut: SLOT,
    review_results.RoundResultsOut: ROUND_RESULTS,
    review_results.ArchiveOut: ARCHIVE,
    review_results.FinalistListOut: FINALIST_LIST,
    review_results.DiligenceOut: DUE_DILIGENCE,
    review_rounds.RoundOut: ROUND,
    review_rounds.PairRuleOut: PAIR_RULE,
    review_rounds.AssignmentRunOut: ASSIGNMENT_RUN,
    review_rounds.AssignmentOut: ASSIGNMENT,
    finals.SessionOut: FINALS_SESSION,
    finals.StandingOut: STANDING,
    finals.AwardListOut: AWARD_LIST,
    finals.PrizeOut: PRIZE,
    finals.SpecialAwardsOut: SPECIAL_AWARDS,
    finals.LocalAwardsOut: LOCAL_AWARDS,
    finals.PublicationOut: PUBLICATION,
    **organizing.EXAMPLES,
    **publicity.EXAMPLES,
}


def response_example(annotation: Any, status: int) -> Any | None:
    """The example of a response declared as `annotation` with HTTP `status`, or None when
    there is none: `[example]` for `list[X]`, one item and a count of 1 for a page."""
    if get_origin(annotation) is list:
        item = response_example(get_args(annotation)[0], status)
        return None if item is None else [item]
    if annotation is ErrorsOut:
        return ERRORS.get(status)
    if isinstance(annotation, type) and issubclass(annotation, Pages.Output) and annotation is not Pages.Output:
        items = response_example(annotation.model_fields[Pages.items_attribute].annotation, status)
        return None if items is None else {Pages.items_attribute: items, "count": len(items)}
    return EXAMPLES.get(annotation)


class ExampleSchema(OpenAPISchema):
    """ninja's OpenAPI document, with each JSON response's example on its media type."""

    def responses(self, operation) -> dict[int, dict]:
        result = super().responses(operation)
        for status, model in operation.response_models.items():
            if model in (None, NOT_SET) or status not in result:
                continue
            example = response_example(model.model_fields["response"].annotation, status)
            if example is None:
                continue
            for media in result[status].get("content", {}).values():
                media["example"] = copy.deepcopy(example)
        return result
