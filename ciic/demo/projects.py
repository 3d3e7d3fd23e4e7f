"""Demo projects: applications written from the originality test corpus's vocabulary, the
required materials as small sample files, and a submitted version, with near-copies and a
past winner's re-entry planted for the secretariat's originality check (R-J2, R-J3)."""

from __future__ import annotations

import random

from django.db import transaction

from ciic.contests.models import Contest, PastWinner
from ciic.engines import originality_testdata as words
from ciic.entrants.models import Team
from ciic.projects.models import Project
from ciic.projects.selectors import open_stage
from ciic.projects.services import save_draft, start_project, submit_project

from .entrants import TEAM_WORDS, _working_now
from .samples import attach_required_materials, demo_documents

# Demo projects whose applications are planted for the originality check (R-J2, R-J3), by
# their position among the demo projects: the second is a lightly edited copy of the first, the
# third a more heavily edited one; the fourth re-enters an earlier prize winner.
COPIES = {1: (0, 0.06), 2: (0, 0.15)}
PAST_WINNER_COPY = 3


def _application(rng: random.Random, sections) -> dict[str, list[list[str]]]:
    """An application as paragraphs of sentences per section (originality_testdata's
    industrial-internet vocabulary), each section up to about 900 characters."""
    topic = rng.sample(words.TECHS, 4)
    result = {}
    for section in sections:
        target = min(section.max_chars, rng.randint(500, 900))
        paragraphs: list[list[str]] = [[]]
        size = 0
        while True:
            sentence = words.sentence(rng, topic)
            if size + len(sentence) > target:
                break
            if len(paragraphs[-1]) >= rng.randint(3, 5):
                paragraphs.append([])
            paragraphs[-1].append(sentence)
            size += len(sentence)
        result[section.code] = paragraphs
    return result


def _edited_copy(rng: random.Random, source: dict[str, list[list[str]]], share: float):
    """`source` as a copier would hand it in: `share` of the sentences rewritten, two paragraphs
    of each section swapped."""
    topic = rng.sample(words.TECHS, 4)
    copy = {}
    for code, paragraphs in source.items():
        new = [[words.sentence(rng, topic) if rng.random() < share else s for s in p] for p in paragraphs]
        if len(new) > 1:
            i, j = rng.sample(range(len(new)), 2)
            new[i], new[j] = new[j], new[i]
        copy[code] = new
    return copy


def _as_text(application: dict[str, list[list[str]]]) -> dict[str, str]:
    return {code: "\n\n".join("".join(p) for p in paragraphs) for code, paragraphs in application.items()}


def seed_projects(contest: Contest, *, projects: int, seed: int = 2023) -> int:
    """Give up to `projects` demo teams a project with a filled-in application, the required
    materials (small sample files) and a first submitted version. Idempotent in effect.

    Among them, two near-copies of the first application and a re-entry of an earlier prize
    winner (COPIES, PAST_WINNER_COPY), for the secretariat's originality check. Each submission
    queues a check (debounced); with the database task backend it runs once the worker starts."""
    rng = random.Random(seed)
    now = _working_now(contest)
    have = Project.objects.filter(contest=contest).count()
    teams = list(Team.objects.filter(contest=contest, project__isnull=True).select_related("direction", "lead")
                 .order_by("id")[: max(projects - have, 0)])
    stage_open = open_stage(contest) is not None
    sections = list(contest.form_sections.all())
    winner = PastWinner.objects.filter(contest=contest).exclude(text="").order_by("edition", "id").first()
    made: dict[int, dict[str, list[list[str]]]] = {}
    documents = demo_documents(contest) if teams else {}
    for position, team in enumerate(teams, start=have):
        with transaction.atomic():
            words = TEAM_WORDS[rng.randrange(len(TEAM_WORDS))]
            name = f"{words}{team.direction.name.split('+')[-1]}平台"
            application = _application(rng, sections)
            if position in COPIES and COPIES[position][0] in made:
                source, share = COPIES[position]
                application = _edited_copy(rng, made[source], share)
            made[position] = application
            texts = _as_text(application)
            if position == PAST_WINNER_COPY and winner is not None:
                # A lazy re-entry: the winner's name with a word added and its text as the
                # overview, the other sections pointing to it (R-J3).
                name = winner.project_name.replace("平台", "云平台", 1) if "平台" in winner.project_name \
                    else f"{winner.project_name}（升级版）"
                texts = {s.code: "详见项目概述。" for s in sections}
                texts[sections[0].code] = winner.text
            project = start_project(team=team, name=name[:200], actor=team.lead, now=now)
            save_draft(project=project, actor=team.lead,
                       sections={s.code: texts[s.code][: s.max_chars] for s in sections})
            attach_required_materials(project, team.lead, documents=documents)
            if stage_open:
                submit_project(project=project, actor=team.lead)
    return Project.objects.filter(contest=contest).count()
