"""Writes of the contest spec: loading a spec (YAML or dict) into the database.

A spec is the whole of one edition's facts (R-C1..R-X3 of rules.md that are data): the
loader checks it all, then writes it all in one transaction, or writes nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.contrib.admin.utils import NestedObjects
from django.db import IntegrityError, models, router, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ciic.audit.models import AuditEntry
from ciic.audit.services import record

from .models import (
    ApplicationSection,
    CentralSOE,
    Contest,
    Direction,
    Group,
    LocalOrganizingUnit,
    MaterialType,
    PastWinner,
    PolicyDocument,
    PrizeTier,
    Round,
    ScheduleItem,
    SpecialAward,
    Stage,
    Station,
    StationQuota,
    UncivilWord,
)
from .spec import (
    SpecError,
    as_decimal,
    parse_datetime,
    plain,
    shift_schedule,
    spec_sha256,
    validate_spec,
)

__all__ = ["LoadResult", "SpecError", "load_contest_file", "load_contest_spec"]

# The rows a spec owns. Removing one of them is the spec's business; a row of any other
# model pointing at one of them makes it "referenced", and then it is kept.
SPEC_MODELS: tuple[type[models.Model], ...] = (
    Contest, Station, Direction, LocalOrganizingUnit, Group, CentralSOE, ScheduleItem, Stage,
    Round, StationQuota, PrizeTier, SpecialAward, ApplicationSection, MaterialType,
    PolicyDocument, PastWinner, UncivilWord,
)

# --shift-to-now puts `now` this long after registration opened (see spec.shift_schedule).
SHIFT_LEAD = dt.timedelta(days=7)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept: int = 0  # missing from the spec but referenced, so not removed

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


@dataclass
class LoadResult:
    contest: Contest
    created: bool
    changed: bool
    spec_sha256: str
    shift: dt.timedelta | None
    tallies: dict[str, Tally] = field(default_factory=dict)
    audit_entry: AuditEntry | None = None

    def summary(self) -> list[str]:
        """Lines for a person: what the load did, model by model."""
        c = self.contest
        verb = "created" if self.created else ("updated" if self.changed else "unchanged")
        lines = [f"{c.slug} ({c.name}): {verb}, spec sha256 {self.spec_sha256[:12]}"]
        if self.shift is not None:
            lines.append(f"schedule shifted by {self.shift} so that registration is open now")
        for label, t in self.tallies.items():
            if t.changed or t.kept:
                extra = f", {t.kept} kept (referenced)" if t.kept else ""
                lines.append(f"  {label}: +{t.created} ~{t.updated} -{t.deleted}{extra}")
        return lines


# --- reading YAML -----------------------------------------------------------------------------


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as text (the spec holds ISO strings, checked by the
    schema) and refuses a key repeated in one mapping (YAML would keep the last silently)."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _SpecLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_SpecLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_spec_file(path: str | Path) -> dict[str, Any]:
    """The spec in a YAML file, as plain JSON types; SpecError if it cannot be read as one."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([f"{path}: cannot read the file ({exc.strerror or exc})"]) from exc
    try:
        data = yaml.load(text, Loader=_SpecLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise SpecError([f"{path}: not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise SpecError([f"{path}: the spec must be a YAML mapping at the top level"])
    return data


def load_contest_file(path: str | Path, **kwargs: Any) -> LoadResult:
    """Read a YAML spec and load it: see `load_contest_spec` for the keyword arguments."""
    return load_contest_spec(data=read_spec_file(path), **kwargs)


# --- editing during an edition ---------------------------------------------------------------

# The parts of a spec staff change on pages while an edition runs (site/edition views).
EDITABLE_SECTIONS = ("schedule", "quotas", "stations", "material_types", "policies")


class StaleSpec(SpecError):
    """The spec changed since the page that edits it was shown: applying the page's section
    would undo the other change, so nothing is written."""


def edit_spec_section(*, contest: Contest, actor: Any, section: str, value: Any,
                      expected_sha256: str | None = None) -> LoadResult:
    """Change one section of the contest's spec and apply it as a load does: the whole spec
    is checked by the same schema and rules (on any error `SpecError` lists them by path and
    nothing is written), the rows follow, and besides the load's own entry one audit entry
    `contest.edit` records the section before and after. Used for the schedule's dates, the
    finalist quotas, the local organizing units, the material limits and the policies
    (R-T1..R-T5, R-V2, R-D3, R-J7, R-P5).

    `expected_sha256` is the spec's fingerprint when the page was shown: if another edit
    landed since, `StaleSpec` is raised rather than one page silently undoing the other (two
    secretaries publishing the same policy version at once would otherwise rewrite it). The
    contest row is locked while the spec is read and applied."""
    if section not in EDITABLE_SECTIONS:
        raise ValueError(f"{section!r} is not edited on a page")
    with transaction.atomic():
        locked = Contest.objects.select_for_update().get(pk=contest.pk)
        if expected_sha256 is not None and locked.spec_sha256 != expected_sha256:
            raise StaleSpec([_("赛事设置已被他人修改：请刷新页面，在最新内容上重新修改")])
        data = copy.deepcopy(locked.spec)
        before = data.get(section)
        data[section] = value
        result = load_contest_spec(data=data, actor=actor)
        if before != value:
            record(actor=actor, action="contest.edit", target=result.contest,
                   before={section: before}, after={section: value})
    return result


# --- loading --------------------------------------------------------------------------------


def load_contest_spec(
    *,
    data: dict[str, Any],
    actor: Any = None,
    shift_to_now: bool = False,
    now: dt.datetime | None = None,
) -> LoadResult:
    """Create or update a contest and every row of its spec, by natural keys.

    Steps:
    1. Validate (`spec.validate_spec`): on any error raise `SpecError` listing them all;
       nothing is written.
    2. With `shift_to_now`, move the whole schedule by one offset so that registration is
       open at `now` (started 7 days before); gaps between dates are kept, and the stored
       spec holds the shifted dates.
    3. In one `transaction.atomic()`: update_or_create each row by its natural key (contest
       slug, station code, ...); a row whose values already match is not written. Rows
       missing from the spec are deleted unless another app's row references them (a team's
       station, a policy a team accepted): those are kept and counted as `kept`.
    4. Store the spec and its sha256 on the contest, and record ONE audit entry
       `contest.load` with the fingerprints before and after.

    Idempotent: loading the same spec again finds every row as it is, writes nothing and
    records NO audit entry (`changed` is False). If rows were edited since (in the admin),
    the load puts them back and records its entry, even with the same fingerprint.

    Rules held as data: R-C1, R-C2, R-D1, R-D3, R-G1..R-G3, R-T1..R-T5, R-V1, R-V2, R-V4,
    R-A1, R-A2, R-P3, R-P5, R-P7, R-J3, R-J7, R-X1.
    """
    data = plain(data)
    errors = validate_spec(data)
    if errors:
        raise SpecError(errors)
    shift: dt.timedelta | None = None
    if shift_to_now:
        data, shift = shift_schedule(data, now=now or timezone.now(), lead=SHIFT_LEAD)
    sha = spec_sha256(data)
    try:
        with transaction.atomic():
            return _Loader(data, sha).run(actor=actor, shift=shift)
    except IntegrityError as exc:
        # A row kept because it is referenced can clash with a new one (same direction
        # number under a new code): the spec cannot be applied as it stands.
        raise SpecError([f"spec: conflicts with rows kept in the database: {exc}"]) from exc


def _differs(obj: models.Model, values: dict[str, Any]) -> bool:
    for name, value in values.items():
        f = obj._meta.get_field(name)
        if f.is_relation:
            if getattr(obj, f.attname) != (value.pk if value is not None else None):
                return True
        elif getattr(obj, name) != value:
            return True
    return False


class _Loader:
    """One load: upserts parents first, prunes children before parents."""

    def __init__(self, data: dict[str, Any], sha: str) -> None:
        self.data = data
        self.sha = sha
        self.tallies: dict[str, Tally] = {}

    # -- helpers --

    def tally(self, model: type[models.Model]) -> Tally:
        return self.tallies.setdefault(model._meta.label, Tally())

    def upsert(
        self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]
    ) -> models.Model:
        """update_or_create, called only when the row is missing or differs, so that an
        identical reload writes nothing and can tell that it changed nothing."""
        existing = model._default_manager.filter(**lookup).first()
        if existing is not None and not _differs(existing, values):
            return existing
        obj, created = model._default_manager.update_or_create(**lookup, defaults=values)
        t = self.tally(model)
        if created:
            t.created += 1
        else:
            t.updated += 1
        return obj

    def prune(
        self,
        queryset: QuerySet,
        wanted: Iterable[Hashable],
        key: Callable[[Any], Hashable],
        *,
        on_kept: Callable[[Any], None] | None = None,
    ) -> None:
        """Delete the rows of `queryset` whose natural key is not `wanted`, unless referenced."""
        wanted = set(wanted)
        for obj in queryset:
            if key(obj) in wanted:
                continue
            t = self.tally(queryset.model)
            if _is_referenced(obj):
                t.kept += 1
                if on_kept:
                    on_kept(obj)
            else:
                obj.delete()
                t.deleted += 1

    # -- the load --

    def run(self, *, actor: Any, shift: dt.timedelta | None) -> LoadResult:
        d = self.data
        info = d["contest"]
        contest_values = {
            "edition": info["edition"],
            "year": info["year"],
            "name": info["name"],
            "name_en": info.get("name_en", ""),
            "theme": info["theme"],
            "theme_en": info.get("theme_en", ""),
            "time_zone": info["time_zone"],
            "website": info.get("website", ""),
            "contact_email": info.get("contact_email", ""),
            "hosts": d["hosts"],
            "prize_pool": as_decimal(d["awards"]["prize_pool"]),
            "publicity_days": d["publicity_days"],
            "upload_grace_minutes": d.get("upload_grace_minutes", 0),
            "max_representatives": d["participation"]["max_representatives"],
            "originality_threshold": d.get("originality", {}).get(
                "threshold", Contest._meta.get_field("originality_threshold").default),
            "due_diligence_checklist": d.get("due_diligence_checklist", []),
            "spec": d,
            "spec_sha256": self.sha,
        }
        existing = Contest.objects.select_for_update().filter(slug=info["slug"]).first()
        old_sha = existing.spec_sha256 if existing else ""
        contest = self.upsert(Contest, {"slug": info["slug"]}, contest_values)
        assert isinstance(contest, Contest)
        created = existing is None

        stations = self.load_stations(contest)
        groups = self.load_groups(contest)
        stages = self.load_stages(contest)
        self.load_directions(contest, stations)
        self.load_local_units(contest, stations)
        self.load_quotas(contest, stations, groups)
        self.load_rounds(contest, stages)
        self.load_flat(contest)
        # Parents last: their children are already gone or moved to rows still wanted.
        self.prune(contest.stations.all(), stations, lambda o: o.code)
        self.prune(contest.groups.all(), groups, lambda o: o.code)
        self.prune(contest.stages.all(), stages, lambda o: o.code)

        changed = any(t.changed for t in self.tallies.values())
        entry = None
        if changed:
            Contest.objects.filter(pk=contest.pk).update(loaded_at=timezone.now())
            contest.refresh_from_db()
            entry = record(
                actor=actor,
                action="contest.load",
                target=contest,
                before={"spec_sha256": old_sha or None},
                after={
                    "spec_sha256": self.sha,
                    "shifted": shift is not None,
                    "shift_seconds": int(shift.total_seconds()) if shift is not None else 0,
                },
            )
        return LoadResult(
            contest=contest,
            created=created,
            changed=changed,
            spec_sha256=self.sha,
            shift=shift,
            tallies=self.tallies,
            audit_entry=entry,
        )

    def load_stations(self, contest: Contest) -> dict[str, Station]:
        """R-D1 stations."""
        out: dict[str, Station] = {}
        for order, s in enumerate(self.data["stations"]):
            out[s["code"]] = self.upsert(
                Station,
                {"contest": contest, "code": s["code"]},
                {"name": s["name"], "name_en": s.get("name_en", ""), "city": s.get("city", ""),
                 "order": order},
            )
        return out

    def load_groups(self, contest: Contest) -> dict[str, Group]:
        """R-G1..R-G3 groups and their criteria."""
        out: dict[str, Group] = {}
        for order, g in enumerate(self.data["groups"]):
            out[g["code"]] = self.upsert(
                Group,
                {"contest": contest, "code": g["code"]},
                {"name": g["name"], "name_en": g.get("name_en", ""),
                 "is_default": g.get("is_default", False), "criteria": g.get("criteria", []),
                 "order": order},
            )
        return out

    def load_stages(self, contest: Contest) -> dict[str, Stage]:
        """R-V1/R-V4 stages."""
        out: dict[str, Stage] = {}
        for order, s in enumerate(self.data["stages"]):
            out[s["code"]] = self.upsert(
                Stage,
                {"contest": contest, "code": s["code"]},
                {"name": s["name"], "name_en": s.get("name_en", ""),
                 "schedule_key": s.get("schedule_key", ""),
                 "submission_key": s.get("submission_key", ""), "order": order},
            )
        return out

    def load_directions(self, contest: Contest, stations: dict[str, Station]) -> None:
        """R-D1 directions; stale ones go first so their numbers are free again."""
        items = self.data["directions"]
        self.prune(contest.directions.all(), [x["code"] for x in items], lambda o: o.code)
        for x in items:
            self.upsert(
                Direction,
                {"contest": contest, "code": x["code"]},
                {"number": x["number"], "name": x["name"], "name_en": x.get("name_en", ""),
                 "description": x["description"], "description_en": x.get("description_en", ""),
                 "station": stations[x["station"]]},
            )

    def load_local_units(self, contest: Contest, stations: dict[str, Station]) -> None:
        """R-D3 local organizing units, per station (R-P8 bars them from it)."""
        wanted = [(s["code"], u["name"]) for s in self.data["stations"] for u in s.get("local_units", [])]
        self.prune(
            LocalOrganizingUnit.objects.filter(station__contest=contest).select_related("station"),
            wanted, lambda o: (o.station.code, o.name),
        )
        for s in self.data["stations"]:
            for u in s.get("local_units", []):
                self.upsert(
                    LocalOrganizingUnit,
                    {"station": stations[s["code"]], "name": u["name"]},
                    {"credit_code": u.get("credit_code", "")},
                )

    def load_quotas(
        self, contest: Contest, stations: dict[str, Station], groups: dict[str, Group]
    ) -> None:
        """R-V2 finalists per station and group (null until the secretariat sets them)."""
        items = self.data.get("quotas", [])
        self.prune(
            StationQuota.objects.filter(station__contest=contest).select_related("station", "group"),
            [(q["station"], q["group"]) for q in items], lambda o: (o.station.code, o.group.code),
        )
        for q in items:
            self.upsert(
                StationQuota,
                {"station": stations[q["station"]], "group": groups[q["group"]]},
                {"finalists": q["finalists"]},
            )

    def load_rounds(self, contest: Contest, stages: dict[str, Stage]) -> None:
        """R-V1 local rounds, R-V4 the finals' roadshow and defense."""
        wanted = [(s["code"], r["code"]) for s in self.data["stages"] for r in s["rounds"]]
        self.prune(
            Round.objects.filter(stage__contest=contest).select_related("stage"),
            wanted, lambda o: (o.stage.code, o.code),
        )
        default_form = self.data.get("review_form", {})
        for s in self.data["stages"]:
            for order, r in enumerate(s["rounds"]):
                self.upsert(
                    Round,
                    {"stage": stages[s["code"]], "code": r["code"]},
                    {"name": r["name"], "name_en": r.get("name_en", ""), "kind": r["kind"],
                     "order": order, "review_form": r.get("form", default_form)},
                )

    def load_flat(self, contest: Contest) -> None:
        """The lists that hang on the contest alone."""
        d = self.data

        def dt_or_none(value: str | None) -> dt.datetime | None:
            return parse_datetime(value) if value else None

        schedule = d["schedule"]
        self.prune(contest.schedule.all(), [x["key"] for x in schedule], lambda o: o.key)
        for x in schedule:
            self.upsert(
                ScheduleItem,
                {"contest": contest, "key": x["key"]},
                {"name": x["name"], "name_en": x.get("name_en", ""),
                 "starts_at": dt_or_none(x.get("starts_at")), "ends_at": parse_datetime(x["ends_at"]),
                 "note": x.get("note", ""), "note_en": x.get("note_en", ""), "rules": x.get("rules", []),
                 "placeholder": x.get("placeholder", False)},
            )

        tiers = d["awards"]["tiers"]
        self.prune(contest.prize_tiers.all(), [x["code"] for x in tiers], lambda o: o.code)
        for x in tiers:
            self.upsert(
                PrizeTier,
                {"contest": contest, "code": x["code"]},
                {"rank": x["rank"], "name": x["name"], "name_en": x.get("name_en", ""),
                 "count": x["count"], "amount": as_decimal(x["amount"])},
            )

        special = d["awards"].get("special", [])
        self.prune(contest.special_awards.all(), [x["code"] for x in special], lambda o: o.code)
        for order, x in enumerate(special):
            self.upsert(
                SpecialAward,
                {"contest": contest, "code": x["code"]},
                {"name": x["name"], "name_en": x.get("name_en", ""), "recipient": x["recipient"],
                 "order": order},
            )

        sections = d["application_sections"]
        self.prune(contest.form_sections.all(), [x["code"] for x in sections], lambda o: o.code)
        for order, x in enumerate(sections):
            self.upsert(
                ApplicationSection,
                {"contest": contest, "code": x["code"]},
                {"name": x["name"], "name_en": x.get("name_en", ""), "parts": x.get("parts", []),
                 "max_chars": x["max_chars"], "order": order},
            )

        materials = d["material_types"]
        self.prune(contest.material_types.all(), [x["code"] for x in materials], lambda o: o.code)
        for order, x in enumerate(materials):
            self.upsert(
                MaterialType,
                {"contest": contest, "code": x["code"]},
                {"name": x["name"], "name_en": x.get("name_en", ""), "category": x["category"],
                 "formats": x["formats"], "max_size_mb": x["max_size_mb"],
                 "required": x.get("required", False), "link_required": x.get("link_required", False),
                 "own_entity_attestation": x.get("own_entity_attestation", False), "order": order},
            )

        self.load_policies(contest)

        soes = d.get("central_soes", [])
        self.prune(contest.central_soes.all(), [x["name"] for x in soes], lambda o: o.name)
        for x in soes:
            self.upsert(CentralSOE, {"contest": contest, "name": x["name"]},
                        {"credit_code": x.get("credit_code", ""), "list_code": x.get("list", ""),
                         "aliases": x.get("aliases", [])})

        winners = d.get("past_winners", [])
        self.prune(contest.past_winners.all(), [(x["edition"], x["project_name"]) for x in winners],
                   lambda o: (o.edition, o.project_name))
        for x in winners:
            self.upsert(
                PastWinner,
                {"contest": contest, "edition": x["edition"], "project_name": x["project_name"]},
                {"organization": x.get("organization", ""), "prize": x["prize"], "text": x.get("text", "")},
            )

        words = d.get("uncivil_words", [])
        self.prune(contest.uncivil_words.all(), words, lambda o: o.word)
        for word in words:
            self.upsert(UncivilWord, {"contest": contest, "word": word}, {})

    def load_policies(self, contest: Contest) -> None:
        """R-P5. At most one current version per kind, also while rows change: versions
        that stop being current are written first, and a version kept only because a team
        accepted it is no longer current."""
        items = self.data["policies"]

        def retire(obj: PolicyDocument) -> None:
            if obj.is_current:
                PolicyDocument.objects.filter(pk=obj.pk).update(is_current=False)
                self.tally(PolicyDocument).updated += 1

        self.prune(contest.policies.all(), [(x["kind"], x["version"]) for x in items],
                   lambda o: (o.kind, o.version), on_kept=retire)
        # A version teams accepted keeps the exact words they accepted: a change is a new version.
        # (`acceptances` is the reverse name of the entrants' acceptance rows.)
        errors = []
        for i, x in enumerate(items):
            row = contest.policies.filter(kind=x["kind"], version=x["version"]).first()
            if row is not None and (row.title, row.text) != (x["title"], x["text"]) and row.acceptances.exists():
                errors.append(f"policies[{i}].text: version {x['version']!r} of {x['kind']!r} was accepted "
                              "by teams and cannot change; publish a new version instead (R-P5)")
        if errors:
            raise SpecError(errors)
        for x in sorted(items, key=lambda x: x["is_current"]):
            self.upsert(
                PolicyDocument,
                {"contest": contest, "kind": x["kind"], "version": x["version"]},
                {"title": x["title"], "text": x["text"], "is_current": x["is_current"],
                 "published_at": parse_datetime(x["published_at"]) if x.get("published_at") else None},
            )


def _is_referenced(obj: models.Model) -> bool:
    """Whether deleting `obj` would touch a row that is not the spec's own: a protected or
    restricted reference, a cascade into another app's table, or a reference set to null."""
    collector = NestedObjects(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    if collector.protected:
        return True
    if any(model not in SPEC_MODELS and objs for model, objs in collector.model_objs.items()):
        return True
    for (f, _value), batches in collector.field_updates.items():
        if f.model in SPEC_MODELS:
            continue
        for batch in batches:
            if batch.exists() if isinstance(batch, QuerySet) else batch:
                return True
    return False
