"""The JSON Schema of a contest spec (`specs/*.yaml`), JSON Schema draft 2020-12.

The schema fixes the shape: keys, types, formats and the sizes the database columns allow.
What one part says about another (tiers add up to the pool, a direction's station exists,
exactly one default group...) is checked in `spec.py`. The enumerations come from the code's
TextChoices: they name what the code knows how to do, never a fact of one edition.
"""

from __future__ import annotations

from typing import Any

from .enums import AwardRecipient, OrganizationKind, PolicyKind, RoundKind

SPEC_FORMAT = 1

CODE = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*$", "maxLength": 40}
KEY = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*$", "maxLength": 60}
# Names hold no control characters and texts none but tabs and line breaks: a NUL byte is
# refused by PostgreSQL's text columns, and none belongs in a name anyone reads.
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
NO_CONTROL_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
NAME = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NO_CONTROL}
# Every named thing of the contest has its English name, which the English pages show. The
# official names of organizations (hosts, local organizing units, central SOEs) and the
# policies' legal texts are Chinese only.
NAME_EN = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NO_CONTROL}
TEXT = {"type": "string", "minLength": 1, "pattern": NO_CONTROL_TEXT}
DATETIME = {"type": "string", "format": "date-time"}
# The largest whole number a database column holds (PostgreSQL's integer): a larger one in a
# spec is refused here rather than failing the load.
INT_MAX = 2_147_483_647
COUNT = {"type": "integer", "minimum": 1, "maximum": INT_MAX}
NATURAL = {"type": "integer", "minimum": 0, "maximum": INT_MAX}
AMOUNT = {"type": "number", "exclusiveMinimum": 0, "maximum": 9999999999}
# 统一社会信用代码: 18 characters, or empty while the secretariat has not filled it in.
CREDIT_CODE = {"type": "string", "pattern": r"^([0-9A-HJ-NPQRTUWXY]{18})?$"}
NAMES = {"type": "array", "items": NAME}


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def _list(item: dict[str, Any], *, min_items: int = 0) -> dict[str, Any]:
    return {"type": "array", "items": item, "minItems": min_items}


CONTEST = _object(
    ["slug", "edition", "year", "name", "name_en", "theme", "theme_en", "time_zone"],
    {
        "slug": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*$", "maxLength": 60},
        "edition": COUNT,
        "year": {"type": "integer", "minimum": 2000, "maximum": 2999},
        "name": NAME,
        "name_en": NAME_EN,
        "theme": NAME,
        "theme_en": NAME_EN,
        "website": {"type": "string", "format": "uri", "maxLength": 200},
        "contact_email": {"type": "string", "format": "email", "maxLength": 254},
        "time_zone": {"type": "string", "minLength": 1, "maxLength": 60},
    },
)

# R-C2: {role: [unit names]}; the three roles of the notice are required, others may follow.
HOSTS = {
    "type": "object",
    "required": ["hosts", "organizers", "executing_organizers"],
    "properties": {
        "hosts": {**NAMES, "minItems": 1},
        "organizers": {**NAMES, "minItems": 1},
        "executing_organizers": NAMES,
    },
    "additionalProperties": NAMES,
}

LOCAL_UNIT = _object(["name"], {"name": NAME, "credit_code": CREDIT_CODE})

STATION = _object(
    ["code", "name", "name_en"],
    {
        "code": CODE,
        "name": NAME,
        "name_en": NAME_EN,
        "city": {"type": "string", "maxLength": 60},
        "local_units": _list(LOCAL_UNIT),
    },
)

DIRECTION = _object(
    ["number", "code", "name", "name_en", "description", "description_en", "station"],
    {
        "number": COUNT,
        "code": CODE,
        "name": NAME,
        "name_en": NAME_EN,
        "description": TEXT,
        "description_en": TEXT,
        "station": CODE,
    },
)

CONDITION = _object(
    ["field", "gt"],
    {"field": {"enum": ["headcount", "annual_revenue"]}, "gt": {"type": "number", "minimum": 0}},
)

# One way to qualify for a group (R-G2): by kind and size, or by being a central SOE.
# That a criterion is one or the other, never both nor neither, is checked in spec.py.
CRITERION = {
    **_object(
        ["label", "label_en"],
        {
            "label": NAME,
            "label_en": NAME_EN,
            "kinds": {
                "type": "array",
                "items": {"enum": list(OrganizationKind.values)},
                "minItems": 1,
            },
            "any": _list(CONDITION, min_items=1),
            "central_soe": {"const": True},
            # Which of the central SOE lists count (their `list` codes); all of them when left out.
            "lists": {"type": "array", "items": CODE, "minItems": 1, "uniqueItems": True},
        },
    ),
    "dependentRequired": {"kinds": ["any"], "any": ["kinds"], "lists": ["central_soe"]},
}

GROUP = _object(
    ["code", "name", "name_en"],
    {
        "code": CODE,
        "name": NAME,
        "name_en": NAME_EN,
        "is_default": {"type": "boolean"},
        "criteria": _list(CRITERION),
    },
)

# A central SOE group (R-G2c): its registered name, other names it is known by, the list that
# holds it (sasac, mof...: a criterion's `lists` says which count) and, once the secretariat
# knows it, its credit code (then it is matched by code only).
CENTRAL_SOE = _object(
    ["name"],
    {
        "name": NAME,
        "aliases": {"type": "array", "items": NAME, "uniqueItems": True},
        "list": CODE,
        "credit_code": CREDIT_CODE,
    },
)

RULE_ID = {"type": "string", "pattern": r"^R-[A-Z][0-9]+[a-z]?(\.[0-9]+)?$"}

# A step of the schedule. Its dates are only in starts_at/ends_at (a note holding a date would
# go stale when the schedule moves: spec.py refuses one); `rules` and `placeholder` (a date the
# committee has yet to set) are for staff and are not shown to the public.
SCHEDULE_ITEM = _object(
    ["key", "name", "name_en", "ends_at"],
    {
        "key": KEY,
        "name": NAME,
        "name_en": NAME_EN,
        "starts_at": DATETIME,
        "ends_at": DATETIME,
        "note": {"type": "string", "maxLength": 300},
        "note_en": {"type": "string", "maxLength": 300},
        "rules": {"type": "array", "items": RULE_ID, "uniqueItems": True},
        "placeholder": {"type": "boolean"},
    },
)

# The review form experts fill in (R-V1: the committee sets the standards): weighted criteria
# with their score ranges, and the recommendations an expert may give. That weights are
# positive and each range has min < max is checked in spec.py.
FORM_CRITERION = _object(
    ["code", "name", "name_en", "weight", "min", "max"],
    {
        "code": CODE,
        "name": NAME,
        "name_en": NAME_EN,
        "weight": {"type": "number"},
        "min": {"type": "number"},
        "max": {"type": "number"},
    },
)

RECOMMENDATION = _object(["code", "name", "name_en"], {"code": CODE, "name": NAME, "name_en": NAME_EN})

REVIEW_FORM = _object(
    ["criteria"],
    {
        "criteria": _list(FORM_CRITERION, min_items=1),
        "recommendations": _list(RECOMMENDATION),
        # R-V2: the decimals a score is shown and ranked with; equal shown scores are tied.
        "score_decimals": {"type": "integer", "minimum": 0, "maximum": 4},
    },
)

ROUND = _object(
    ["code", "name", "name_en", "kind"],
    {
        "code": CODE,
        "name": NAME,
        "name_en": NAME_EN,
        "kind": {"enum": list(RoundKind.values)},
        # This round's own form; without it the round uses the top-level `review_form`.
        "form": REVIEW_FORM,
    },
)

STAGE = _object(
    ["code", "name", "name_en", "rounds"],
    {
        "code": CODE,
        "name": NAME,
        "name_en": NAME_EN,
        "schedule_key": KEY,
        # R-J4: the schedule item whose end is the stage's submission deadline; the last
        # version submitted before it is the one judged.
        "submission_key": KEY,
        "rounds": _list(ROUND, min_items=1),
    },
)

# R-P9: what the secretariat checks on each finalist before the finals (the notice names no
# list: the committee sets it).
CHECK_ITEM = _object(["code", "name", "name_en"], {"code": CODE, "name": NAME, "name_en": NAME_EN})

QUOTA = _object(
    ["station", "group", "finalists"],
    {"station": CODE, "group": CODE, "finalists": {"type": ["integer", "null"], "minimum": 0, "maximum": INT_MAX}},
)

PRIZE_TIER = _object(
    ["code", "rank", "name", "name_en", "count", "amount"],
    {
        "code": CODE,
        "rank": COUNT,
        "name": NAME,
        "name_en": NAME_EN,
        "count": COUNT,
        "amount": AMOUNT,
    },
)

# R-A2: what decides each special award: a finals criterion (`criterion:<code>`, the best mean
# of that criterion among the finalists), the popularity vote, the organizing units' statistics
# (`organizing_units`), or a committee decision with a recorded reason. `count` winners;
# `with_tier`: whether a team holding a tier prize may also hold it.
SPECIAL_AWARD = _object(
    ["code", "name", "name_en", "recipient"],
    {
        "code": CODE,
        "name": NAME,
        "name_en": NAME_EN,
        "recipient": {"enum": list(AwardRecipient.values)},
        "basis": {"type": "string", "pattern": r"^(criterion:[a-z0-9][a-z0-9_-]*|popularity|organizing_units|committee)$"},
        "count": COUNT,
        "with_tier": {"type": "boolean"},
    },
)

# R-A1: how the tiers are spread over directions x groups (ciic.engines.prizes): one overall
# ranking, in proportion to each cell's finalists (largest remainder, a minimum per cell), or a
# fixed table of cell x tier counts.
ALLOCATION_CELL = _object(["direction", "group", "tier", "count"], {
    "direction": CODE, "group": CODE, "tier": CODE, "count": NATURAL,
})
ALLOCATION = _object(["method"], {
    "method": {"enum": ["overall", "proportional", "fixed"]},
    "minimum_per_cell": NATURAL,
    "table": _list(ALLOCATION_CELL),
})

AWARDS = _object(
    ["prize_pool", "tiers"],
    {
        "prize_pool": AMOUNT,
        "tiers": _list(PRIZE_TIER, min_items=1),
        "allocation": ALLOCATION,
        "special": _list(SPECIAL_AWARD),
    },
)

# R-V4: the finals' roadshow and defense. Minutes per team and the published tie-break order:
# `score` (the round's aggregation), `criterion:<code>` (the mean of one criterion of the
# form, on its own scale), `median` (the median ballot); a tie on every key is settled by a
# recorded committee decision.
TIE_KEY = {"type": "string", "pattern": r"^(score|median|criterion:[a-z0-9][a-z0-9_-]*)$"}
FINALS = _object(
    ["pitch_minutes", "defense_minutes", "tie_break"],
    {
        "pitch_minutes": COUNT,
        "defense_minutes": COUNT,
        "aggregation": {"enum": ["raw", "zscore", "least_squares", "trimmed_mean"]},
        "tie_break": {**_list(TIE_KEY, min_items=1), "uniqueItems": True},
    },
)

SECTION = _object(
    ["code", "name", "name_en", "max_chars"],
    {
        "code": CODE,
        "name": NAME,
        "name_en": NAME_EN,
        "parts": {"type": "array", "items": NAME},
        "max_chars": COUNT,
    },
)

MATERIAL_TYPE = _object(
    ["code", "name", "name_en", "category", "formats", "max_size_mb"],
    {
        "code": CODE,
        "name": NAME,
        "name_en": NAME_EN,
        "category": CODE,
        "formats": {
            "type": "array",
            "items": {"type": "string", "pattern": r"^[a-z0-9]+$", "maxLength": 10},
            "minItems": 1,
            "uniqueItems": True,
        },
        "max_size_mb": COUNT,
        "required": {"type": "boolean"},
        "link_required": {"type": "boolean"},
        "own_entity_attestation": {"type": "boolean"},
    },
)

POLICY = _object(
    ["kind", "version", "title", "text", "is_current"],
    {
        "kind": {"enum": list(PolicyKind.values)},
        "version": {"type": "string", "minLength": 1, "maxLength": 20},
        "title": NAME,
        "text": TEXT,
        "is_current": {"type": "boolean"},
        "published_at": DATETIME,
    },
)

# A rule of the contest as the notice states it, under the ID the platform cites (R-P3).
RULE = _object(
    ["id", "title", "title_en", "text", "text_en"],
    {
        "id": {"type": "string", "pattern": r"^R-[A-Z]+[0-9]+$", "maxLength": 20},
        "title": NAME,
        "title_en": NAME_EN,
        "text": TEXT,
        "text_en": TEXT,
    },
)

# R-P3 (and room for the other per-team limits of a later edition).
PARTICIPATION = _object(["max_representatives"], {
    "max_representatives": COUNT,
    # R-J4: a team iterates its project; this many versions an hour at most.
    "max_versions_per_hour": COUNT,
})

# R-J2, R-J3: how alike two texts must be for the originality check to report them.
ORIGINALITY = _object([], {"threshold": {"type": "number", "minimum": 0.05, "maximum": 1}})

# R-A2 最佳人气奖: the public vote (issue 12 §4). Its window is the schedule item `schedule_key`
# (Beijing time, shifted with the rest of the schedule); quotas per mobile number and Beijing
# day; whether live counts are shown (rounded down to `round_to`, cached); the text-message code;
# the rate limits ("N/period", s m h d: past `captcha` a CAPTCHA is asked, past `refuse` the
# request is refused) per number, address and /24 or /48 prefix; and the detectors' thresholds
# (ciic/engines/brushing.py says what each means).
RATE = {"type": "string", "pattern": r"^[1-9][0-9]{0,6}/[smhd]$"}
RATE_PAIR = _object(["captcha", "refuse"], {"captcha": RATE, "refuse": RATE})
SHARE = {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
FACTOR = {"type": "number", "minimum": 1, "maximum": 1000}
POPULARITY_VOTE = _object(
    ["schedule_key", "votes_per_day", "votes_per_project_per_day", "verified_minutes", "live_counts", "code",
     "rate_limits"],
    {
        "schedule_key": KEY,
        "votes_per_day": {"type": "integer", "minimum": 1, "maximum": 100},
        "votes_per_project_per_day": {"type": "integer", "minimum": 1, "maximum": 100},
        "verified_minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
        "live_counts": _object(["show", "round_to", "cache_seconds"], {
            "show": {"type": "boolean"},
            # Never exact to the vote.
            "round_to": {"type": "integer", "minimum": 10, "maximum": 1_000_000},
            "cache_seconds": {"type": "integer", "minimum": 1, "maximum": 86400},
        }),
        "code": _object(["digits", "valid_minutes", "max_attempts", "resend_seconds"], {
            "digits": {"type": "integer", "minimum": 4, "maximum": 8},
            "valid_minutes": {"type": "integer", "minimum": 1, "maximum": 60},
            "max_attempts": {"type": "integer", "minimum": 1, "maximum": 20},
            "resend_seconds": {"type": "integer", "minimum": 0, "maximum": 3600},
        }),
        "rate_limits": _object(["code_number", "code_ip", "code_prefix", "vote_ip", "vote_prefix"], {
            "code_number": RATE_PAIR,
            "code_ip": RATE_PAIR,
            "code_prefix": RATE_PAIR,
            "vote_ip": RATE_PAIR,
            "vote_prefix": RATE_PAIR,
        }),
        "detection": _object([], {
            "burst": _object([], {
                "bin_minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
                "min_votes": COUNT, "ratio": FACTOR, "z": {"type": "number", "minimum": 0, "maximum": 100},
            }),
            "prefix": _object([], {
                "min_numbers": COUNT, "share": SHARE, "ratio": FACTOR,
                "z": {"type": "number", "minimum": 0, "maximum": 100},
            }),
            "blocks": _object([], {"min_per_block": {"type": "integer", "minimum": 2, "maximum": 100},
                                   "min_numbers": COUNT}),
            "dense": _object([], {
                "bucket_minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
                "hot_ratio": FACTOR, "hot_min": COUNT, "min_together": {"type": "integer", "minimum": 2, "maximum": 1000},
                "min_rows": COUNT, "min_ratio": FACTOR,
                "max_blocks": {"type": "integer", "minimum": 1, "maximum": 100},
            }),
        }),
    },
)

# R-X1, R-X2, R-X3, R-T5: the award publicity and its complaints (issue 13). The period is
# `publicity_days`; the time limits of each step are working days; the grounds name the rule a
# complaint invokes, and a ground with `complaint: false` (disagreement with the evaluation)
# is explained and refused, as the notice does not treat it as a complaint.
GROUND = _object(["code", "name", "name_en", "rule"], {
    "code": CODE, "name": NAME, "name_en": NAME_EN, "rule": RULE_ID,
    "complaint": {"type": "boolean"},
    "help": NAME, "help_en": NAME_EN,
})
WORKING_DAYS = {"type": "integer", "minimum": 1, "maximum": 365}
PUBLICITY = _object(
    ["contact", "time_limits", "grounds", "not_accepted_reasons", "promote_next"],
    {
        "contact": _object(["name", "name_en"], {
            "name": NAME, "name_en": NAME_EN, "email": {"type": "string", "format": "email", "maxLength": 254},
            "phone": {"type": "string", "pattern": r"^[0-9+() -]{5,30}$"},
            "address": NAME, "address_en": NAME_EN,
        }),
        "time_limits": _object(["accept", "respond", "verify", "rule"], {
            "accept": WORKING_DAYS, "respond": WORKING_DAYS, "verify": WORKING_DAYS, "rule": WORKING_DAYS,
        }),
        "holidays": {"type": "array", "items": {"type": "string", "format": "date"}},
        "extra_working_days": {"type": "array", "items": {"type": "string", "format": "date"}},
        "grounds": _list(GROUND, min_items=1),
        "not_accepted_reasons": _list(_object(["code", "name", "name_en"], {
            "code": CODE, "name": NAME, "name_en": NAME_EN}), min_items=1),
        "promote_next": {"type": "boolean"},
        "evidence": _object([], {
            "max_files": {"type": "integer", "minimum": 1, "maximum": 50},
            "max_links": {"type": "integer", "minimum": 0, "maximum": 50},
            "max_mb": {"type": "integer", "minimum": 1, "maximum": 500},
        }),
    },
)

# R-O1, R-O2, R-T2, R-A2, R-S1, R-A4: organizing units and industry services (issue 14). The
# deadlines are schedule items named by key; the ranking's weights are the published formula
# (ciic/engines/organizing.py says how they combine).
NAMED_KIND = _object(["code", "name", "name_en"], {"code": CODE, "name": NAME, "name_en": NAME_EN})
WEIGHT = {"type": "number", "minimum": 0, "maximum": 1000}
ORGANIZING = _object(
    ["receipt_schedule_key", "report_schedule_key", "unit_kinds", "ranking", "meetings"],
    {
        "receipt_schedule_key": KEY,
        "report_schedule_key": KEY,
        "unit_kinds": _list(_object(["code", "name", "name_en"], {
            "code": CODE, "name": NAME, "name_en": NAME_EN, "receipt": {"type": "boolean"},
        }), min_items=1),
        "report": _object([], {
            "max_chars": {"type": "integer", "minimum": 100, "maximum": 100_000},
            "max_files": {"type": "integer", "minimum": 0, "maximum": 50},
            "formats": {"type": "array", "items": {"type": "string", "pattern": r"^[a-z0-9]{2,5}$"}, "minItems": 1},
            "max_size_mb": {"type": "integer", "minimum": 1, "maximum": 2048},
        }),
        "ranking": _object(["entries", "weights"], {
            "award_code": CODE,
            "entries": _object(["weight", "transform"], {
                "weight": WEIGHT, "transform": {"enum": ["linear", "sqrt", "log"]},
            }),
            "weights": _object(
                ["stations", "directions", "finalists", "winners", "receipt_on_time", "report_on_time"],
                {k: WEIGHT for k in ("stations", "directions", "finalists", "winners", "receipt_on_time",
                                     "report_on_time")}),
        }),
        "meetings": _object(["kinds", "slot_minutes", "max_open_requests"], {
            "kinds": _list(NAMED_KIND, min_items=1),
            "slot_minutes": {"type": "integer", "minimum": 5, "maximum": 240},
            "max_open_requests": {"type": "integer", "minimum": 1, "maximum": 1000},
        }),
        "benefits": _list(NAMED_KIND),
    },
)

PAST_WINNER = _object(
    ["edition", "project_name", "prize"],
    {
        "edition": COUNT,
        "project_name": {"type": "string", "minLength": 1, "maxLength": 300},
        "organization": {"type": "string", "maxLength": 200},
        "prize": {"type": "string", "minLength": 1, "maxLength": 40},
        "text": {"type": "string"},
    },
)

SPEC_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://www.cii-contest.cn/schemas/contest-spec.json",
    "title": "Contest spec",
    **_object(
        [
            "spec_format",
            "contest",
            "hosts",
            "stations",
            "directions",
            "groups",
            "schedule",
            "stages",
            "awards",
            "publicity_days",
            "participation",
            "material_types",
            "application_sections",
            "policies",
        ],
        {
            "spec_format": {"const": SPEC_FORMAT},
            "contest": CONTEST,
            "hosts": HOSTS,
            "stations": _list(STATION, min_items=1),
            "directions": _list(DIRECTION, min_items=1),
            "groups": _list(GROUP, min_items=1),
            "central_soes": _list(CENTRAL_SOE),
            "schedule": _list(SCHEDULE_ITEM, min_items=1),
            "stages": _list(STAGE, min_items=1),
            "quotas": _list(QUOTA),
            "due_diligence_checklist": _list(CHECK_ITEM),
            "awards": AWARDS,
            "finals": FINALS,
            "publicity_days": COUNT,
            "upload_grace_minutes": NATURAL,
            "participation": PARTICIPATION,
            "originality": ORIGINALITY,
            "popularity_vote": POPULARITY_VOTE,
            "organizing": ORGANIZING,
            "publicity": PUBLICITY,
            "review_form": REVIEW_FORM,
            "application_sections": _list(SECTION, min_items=1),
            "material_types": _list(MATERIAL_TYPE, min_items=1),
            "policies": _list(POLICY, min_items=1),
            "past_winners": _list(PAST_WINNER),
            "uncivil_words": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 60}},
            "rules": _list(RULE),
        },
    ),
}
