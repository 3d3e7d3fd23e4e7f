"""Benchmark of the version PDF (ciic/projects/documents.py), run by hand:

    .venv/bin/python bench/pdf.py [--runs 5]

Sets up a throw-away platform (SQLite and media in a temporary directory, the CIIC 2023 spec
with its schedule shifted to today, two demo teams), fills every section of an application to
its length limit, attaches the required materials, submits, renders the version's PDF
``--runs`` times and prints one line per kind of text:

    text=... chars=... distinct=... pages=... size_kb=... first_s=... median_s=...

``text=generated`` is Chinese application prose from ciic/engines/originality_testdata.py
(a small vocabulary, some 700 distinct characters); ``text=wide`` draws from the 3,755
common characters of GB 2312 level 1, as many distinct characters as a long real application
may use: the font subset, and so the time and size, grow with the distinct characters.
``first_s`` includes importing fpdf2 and fontTools; ``median_s`` is what each later request
costs (the font collection is parsed again for every PDF: fpdf2 subsets it in place).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _generated(rng: random.Random, limit: int) -> str:
    from ciic.engines.originality_testdata import TECHS, sentence

    topic = rng.sample(TECHS, 4)
    paragraphs, size = [], 0
    while size < limit:
        paragraph = "".join(sentence(rng, topic) for _ in range(rng.randint(3, 7)))
        paragraphs.append(paragraph)
        size += len(paragraph) + 1
    return "\n".join(paragraphs)[:limit]


# GB 2312 level 1: rows 16-55, 94 cells each (row 55 has 89), in pinyin order.
COMMON = "".join(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312")
                 for row in range(16, 56) for cell in range(1, 95) if not (row == 55 and cell > 89))


def _wide(rng: random.Random, limit: int) -> str:
    lines = []
    while sum(len(line) + 1 for line in lines) < limit:
        lines.append("".join(rng.choices(COMMON, k=rng.randint(120, 400))) + "。")
    return "\n".join(lines)[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ciic-pdf-bench-") as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ciic.settings")
        os.environ["LOG_LEVEL"] = "WARNING"
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.MEDIA_ROOT = Path(tmp) / "media"
        call_command("migrate", verbosity=0)

        from pypdf import PdfReader

        from ciic.contests.services import load_contest_file
        from ciic.demo.entrants import seed_entrants
        from ciic.demo.samples import attach_required_materials
        from ciic.entrants.models import Team
        from ciic.projects.documents import submission_pdf
        from ciic.projects.services import save_draft, start_project, submit_project

        spec = ROOT / "ciic" / "contests" / "specs" / "ciic-2023.yaml"
        contest = load_contest_file(spec, shift_to_now=True).contest
        seed_entrants(contest, teams=2)
        teams = Team.objects.filter(contest=contest).select_related("lead").order_by("id")[:2]
        rng = random.Random(2024)
        for (kind, make), team in zip((("generated", _generated), ("wide", _wide)), teams, strict=True):
            project = start_project(team=team, name="基于工业互联网平台的设备预测性维护系统", actor=team.lead)
            sections = {s.code: make(rng, s.max_chars) for s in contest.form_sections.all()}
            save_draft(project=project, actor=team.lead, sections=sections)
            attach_required_materials(project, team.lead)
            submission = submit_project(project=project, actor=team.lead)

            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                content = submission_pdf(submission)
                times.append(time.perf_counter() - started)
            pages = len(PdfReader(io.BytesIO(content)).pages)
            chars = sum(len(t) for t in sections.values())
            distinct = len(set("".join(sections.values())))
            later = times[1:] or times
            print(f"text={kind} chars={chars} distinct={distinct} pages={pages} size_kb={len(content) / 1024:.0f} "
                  f"first_s={times[0]:.2f} median_s={statistics.median(later):.2f}", flush=True)


if __name__ == "__main__":
    main()
