"""Input of the registration pages, and the services' errors laid out for templates.

Forms here only collect and render input. Every rule (R-P1, R-G2, R-P3 ...) is checked by
`ciic.entrants.services`, whose `ValidationError`s are keyed by field and coded by rule ID;
`field_errors` turns them into {field: [FieldError]} with `__all__` as `non_field`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from ciic.contests.enums import OrganizationKind
from ciic.contests.models import Contest, Direction, PolicyDocument, Station

from .models import Organization
from .services import OrganizationInput, RepresentativeInput

RULE_ID = re.compile(r"^R-[A-Z]+\d+(\.\d+)?$")
REP_KEY = re.compile(r"^representatives\[(\d+)\]\.(\w+)$")
REP_FIELD = re.compile(r"^representatives-(\d+)-(name|id_number|mobile|email)$")
REP_FIELDS = ("name", "id_number", "mobile", "email")
# However many rows a crafted POST carries, only this many are read (the service refuses
# anything above the contest's limit anyway: R-P3).
MAX_ROWS_READ = 30


@dataclass(frozen=True)
class FieldError:
    message: str
    rule: str  # "R-P3" etc., or "" when the code is not a rule ID


def field_errors(errors: ValidationError | Mapping[str, list[ValidationError]]) -> dict[str, list[FieldError]]:
    """{field: [FieldError]} from a service's ValidationError or an `Errors.by_field`."""
    if isinstance(errors, ValidationError):
        by_field = errors.error_dict if hasattr(errors, "error_dict") else {"__all__": errors.error_list}
    else:
        by_field = errors
    out: dict[str, list[FieldError]] = {}
    for key, errs in by_field.items():
        target = "non_field" if key == "__all__" else key
        for err in errs:
            code = getattr(err, "code", "") or ""
            for message in err.messages:
                out.setdefault(target, []).append(FieldError(message, code if RULE_ID.match(code) else ""))
    return out


def fold_unknown(errors: dict[str, list[FieldError]], known: Iterable[str]) -> dict[str, list[FieldError]]:
    """Errors of fields the page does not show are shown with the form's own errors."""
    known = set(known) | {"non_field"}
    out: dict[str, list[FieldError]] = {}
    for key, errs in errors.items():
        out.setdefault(key if key in known else "non_field", []).extend(errs)
    return out


# --- organizations -------------------------------------------------------------------

NUMBER_ATTRS = {"inputmode": "numeric", "min": "0"}


class OrganizationForm(forms.Form):
    """The fields of step 1. All optional here: the service says what is missing, and why."""

    name = forms.CharField(label=_("单位名称"), required=False,
                           help_text=_("与营业执照或法人登记证书一致"))
    credit_code = forms.CharField(label=_("统一社会信用代码"), required=False,
                                  help_text=_("18 位，见营业执照"),
                                  widget=forms.TextInput(attrs={"maxlength": "24", "autocomplete": "off"}))
    kind = forms.ChoiceField(label=_("单位类型"), required=False,
                             choices=[("", _("请选择")), *OrganizationKind.choices])
    headcount = forms.CharField(label=_("从业人数"), required=False,
                                widget=forms.NumberInput(attrs={**NUMBER_ATTRS, "step": "1"}))
    annual_revenue = forms.CharField(label=_("年营业收入（万元）"), required=False,
                                     help_text=_("上一会计年度，单位：万元"),
                                     widget=forms.NumberInput(attrs={**NUMBER_ATTRS, "step": "0.01"}))
    parent_credit_code = forms.CharField(
        label=_("上级单位统一社会信用代码（选填）"), required=False,
        help_text=_("母公司或总公司；中央企业下属公司请填写，以便判定组别"),
        widget=forms.TextInput(attrs={"maxlength": "24", "autocomplete": "off"}))
    parent_name = forms.CharField(label=_("上级单位名称（选填）"), required=False,
                                  help_text=_("上级单位尚未在平台注册时填写"))

    FIELDS = ("name", "credit_code", "kind", "headcount", "annual_revenue",
              "parent_credit_code", "parent_name")

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        bound_data = args[0] if args else kwargs.get("data")
        if organization is not None and bound_data is None:
            kwargs["initial"] = initial_for(organization)
        super().__init__(*args, **kwargs)
        self.organization = organization
        if organization is not None:
            # R-P1: the credit code identifies the unit; it cannot change after registration.
            self.fields["credit_code"].disabled = True
            self.fields["credit_code"].help_text = _("注册后不能修改")

    def to_input(self) -> OrganizationInput:
        data = self.data
        value = {name: (data.get(name) or "").strip() for name in self.FIELDS}
        if self.organization is not None:
            value["credit_code"] = self.organization.credit_code
        return OrganizationInput(**value)


def initial_for(org: Organization) -> dict:
    parent = org.parent
    return {
        "name": org.name, "credit_code": org.credit_code, "kind": org.kind,
        "headcount": org.headcount, "annual_revenue": org.annual_revenue,
        "parent_credit_code": parent.credit_code if parent else "",
        "parent_name": parent.name if parent else "",
    }


# --- teams ---------------------------------------------------------------------------


@dataclass
class RepRow:
    """One representative row of a form; `index` names its inputs (representatives-<index>-*)."""

    index: int
    name: str = ""
    id_number: str = ""
    mobile: str = ""
    email: str = ""
    errors: dict[str, list[FieldError]] = field(default_factory=dict)

    @property
    def key_prefix(self) -> str:
        return f"representatives-{self.index}-"

    @property
    def is_blank(self) -> bool:
        return not any(getattr(self, f).strip() for f in REP_FIELDS)

    def to_input(self) -> RepresentativeInput:
        return RepresentativeInput(**{f: getattr(self, f).strip() for f in REP_FIELDS})

    @property
    def row_errors(self) -> list[FieldError]:
        return self.errors.get("row", [])


def parse_rep_rows(data: QueryDict | Mapping) -> list[RepRow]:
    rows: dict[int, RepRow] = {}
    for key in data:
        m = REP_FIELD.match(key)
        if not m:
            continue
        index = int(m.group(1))
        if index >= MAX_ROWS_READ:
            continue
        row = rows.setdefault(index, RepRow(index))
        setattr(row, m.group(2), data.get(key) or "")
    return [rows[i] for i in sorted(rows)]


def attach_rep_errors(errors: dict[str, list[FieldError]], rows: list[RepRow]) -> dict[str, list[FieldError]]:
    """Move `representatives[i].field` errors onto the i-th submitted row; return the rest."""
    rest: dict[str, list[FieldError]] = {}
    for key, errs in errors.items():
        m = REP_KEY.match(key)
        if m and int(m.group(1)) < len(rows):
            rows[int(m.group(1))].errors.setdefault(m.group(2), []).extend(errs)
        else:
            rest.setdefault(key, []).extend(errs)
    return rest


def _pick(queryset, value):
    value = (value or "").strip()
    if not value.isdigit():
        return None
    return next((obj for obj in queryset if obj.pk == int(value)), None)


@dataclass
class TeamDraft:
    """What the team form holds: chosen objects (None when nothing valid was chosen)."""

    station: Station | None
    direction: Direction | None
    name: str
    rows: list[RepRow]
    accepted: list[PolicyDocument]

    @property
    def filled_rows(self) -> list[RepRow]:
        return [r for r in self.rows if not r.is_blank]

    def representatives(self) -> list[RepresentativeInput]:
        return [r.to_input() for r in self.filled_rows]


def parse_team(data: QueryDict, *, stations, directions, policies) -> TeamDraft:
    accepted_ids = set(data.getlist("accept_policies"))
    return TeamDraft(
        station=_pick(stations, data.get("station")),
        direction=_pick(directions, data.get("direction")),
        name=(data.get("name") or "").strip(),
        rows=parse_rep_rows(data),
        accepted=[p for p in policies if str(p.pk) in accepted_ids],
    )


class RepresentativeForm(forms.Form):
    """One representative on the team page (R-P3); the service validates it."""

    name = forms.CharField(label=_("姓名"), required=False)
    id_number = forms.CharField(label=_("居民身份证号"), required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": "20"}))
    mobile = forms.CharField(label=_("手机号"), required=False,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    email = forms.CharField(label=_("电子邮箱"), required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "off"}))

    def to_input(self) -> RepresentativeInput:
        return RepresentativeInput(**{f: (self.data.get(f) or "").strip() for f in REP_FIELDS})


def station_choices(contest: Contest):
    return list(contest.stations.all())


def direction_choices(contest: Contest, station: Station | None = None):
    qs = contest.directions.select_related("station").order_by("number")
    if station is not None:
        qs = qs.filter(station=station)
    return list(qs)
