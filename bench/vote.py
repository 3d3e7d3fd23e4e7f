"""Benchmark of the popularity vote (ciic/votes, ciic/engines/brushing.py), run by hand:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/vote.py [--ballots 200000] [--projects 60] [--brushing 0.05]
        [--workers 2] [--seed 2023] [--verify-sample 500] [--keep]

Creates a throw-away PostgreSQL database, ``ciic_bench_vote``, on the server DATABASE_URL names
(dropped afterwards unless ``--keep``), migrates it, loads the CIIC 2023 spec, makes
``--projects`` finalists (on confirmed lists, in the finals' round), and simulates a week of
voting (ciic/votes/simulation.py): ``--ballots`` ballots, ``--brushing`` of them planted in
three patterns: a farm of addresses in three neighbouring /24 prefixes, a pool of purchased
numbers in runs of consecutive numbers voting in a scripted batch each day, and a burst of fresh
numbers in the last hour.

**Ingestion.** Every ballot goes through the real vote view (`POST /vote/p/<id>/vote/`: Django's
WSGI handler, URL routing, every middleware with the CSRF check, the browser's signed vote
cookie, the view, `services.cast_vote` with its count and insert), in time order, on the vote's clock
(``services.now`` set to the ballot's simulated time, the window being the simulated week);
``--workers`` processes share the voters. Each voter is verified up front (its Voter row written
in bulk, its browser's cookie made): what is measured is voting, not texting codes. The spec's rate
limits are lifted: their windows are wall-clock, and the replayed week fits in one of them.
``--verify-sample`` numbers then prove themselves through the real pages (code, then verify).

**Detection.** `detection.run_detection` holds what the detectors find; precision and recall
are measured on the planted ballots (held and planted / held, held and planted / planted).

Prints:

    ballots=... projects=... planted=... workers=... votes_per_s=... ingest_seconds=... recorded=...
    verifications=... verifications_per_s=...
    detect_seconds=... held=... precision=... recall=... farm=.../... pool=.../... burst=.../...
    brushed_project=... winner_without_detector=... winner_with_detector=... genuine_winner=...
    brushed_wins_without_detector=yes|no brushed_wins_with_detector=yes|no
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import os
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "ciic_bench_vote"


def _database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def _setup_django(url: str) -> None:
    os.environ.update({
        "DATABASE_URL": url, "DEBUG": "false", "SECURE_COOKIES": "false", "LOG_LEVEL": "WARNING",
        # Persistent connections, as a deployment keeps them: each worker opens one.
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "600"),
        "SECRET_KEY": "bench-" + secrets.token_hex(16),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "BLIND_INDEX_KEY": "bench-" + secrets.token_hex(16),
        "DJANGO_SETTINGS_MODULE": "ciic.settings",
    })
    import django

    django.setup()


def _finalists(contest, count: int):
    """`count` finalists: projects with a finals version, on confirmed lists of every station and
    group, in the finals' roadshow round."""
    from django.utils import timezone

    from ciic.accounts.enums import Role
    from ciic.contests.models import Round
    from ciic.demo.identifiers import make_credit_code
    from ciic.entrants.models import Organization, Team
    from ciic.projects.models import Project, Submission
    from ciic.review.enums import FinalistStatus
    from ciic.review.models import FinalistEntry, FinalistList
    from ciic.review.rounds.services import create_round
    from ciic.testing.personas import make_user

    secretariat = make_user("office@bench.example", role=Role.SECRETARIAT, full_name="秘书处")
    stations = list(contest.stations.order_by("id"))
    groups = list(contest.groups.order_by("order"))
    finals = contest.stages.get(code="finals")
    section = contest.form_sections.order_by("order").first().code
    lists: dict = {}
    projects = []
    for i in range(count):
        station, group = stations[i % len(stations)], groups[(i // len(stations)) % len(groups)]
        lead = make_user(f"lead{i}@bench.example")
        org = Organization.objects.create(contest=contest, name=f"基准测试单位{i}", kind="software_it",
                                          credit_code=make_credit_code(9000 + i), group=group)
        team = Team.objects.create(contest=contest, organization=org, station=station,
                                   direction=station.directions.first(), name=f"基准测试队{i}", lead=lead)
        project = Project.objects.create(contest=contest, team=team, name=f"基于工业互联网平台的解决方案{i}")
        Submission.objects.create(project=project, stage=finals, number=1, name=project.name,
                                  sections={section: f"项目{i}的概述。"}, content_sha256=f"{i:064d}",
                                  submitted_at=timezone.now(), submitted_by=lead)
        found = lists.get((station.pk, group.pk))
        if found is None:
            found = lists[(station.pk, group.pk)] = FinalistList.objects.create(
                contest=contest, station=station, group=group, status=FinalistStatus.CONFIRMED,
                proposed_by=secretariat, confirmed_by=secretariat)
        FinalistEntry.objects.create(finalist_list=found, project=project, position=found.entries.count() + 1)
        projects.append(project.pk)
    create_round(spec_round=Round.objects.get(stage=finals, code="roadshow_defense"), station=None,
                 actor=secretariat)
    return secretariat, projects


def _prepare(args, vote):
    """Voters in bulk and their browsers' cookies; the window set to the simulated week; limits
    lifted."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from ciic.contests.models import Contest, ScheduleItem
    from ciic.contests.services import load_contest_file
    from ciic.votes import services, views
    from ciic.votes.models import Voter

    contest: Contest = load_contest_file(ROOT / "ciic" / "contests" / "specs" / "ciic-2023.yaml",
                                         shift_to_now=True).contest
    secretariat, projects = _finalists(contest, args.projects)
    # The simulated days are Beijing days (the quotas count them): the week starts at a
    # midnight, eight days ago, and has ended.
    midnight = timezone.localtime(timezone.now(), ZoneInfo(contest.time_zone)).replace(
        hour=0, minute=0, second=0, microsecond=0)
    start = midnight - dt.timedelta(days=8)
    end = start + dt.timedelta(seconds=vote.seconds)
    ScheduleItem.objects.filter(contest=contest, key="popularity_vote").update(starts_at=start, ends_at=end)
    block = contest.spec["popularity_vote"]
    for scope in block["rate_limits"]:
        block["rate_limits"][scope] = {"captcha": "9999999/s", "refuse": "9999999/s"}
    contest.save(update_fields=["spec"])

    numbers = sorted({int(n) for n in vote.number})
    voters = []
    for number in numbers:
        number_hash, region_hash, block_index = services.number_hashes(str(number))
        voters.append(Voter(contest=contest, number_hash=number_hash, region_hash=region_hash, block=block_index,
                            created_at=start, verified_at=end))
    Voter.objects.bulk_create(voters, batch_size=5000)
    ids = dict(zip(numbers, Voter.objects.filter(contest=contest).order_by("pk").values_list("pk", flat=True),
                   strict=True))
    # Each voter's browser as after proving its number on the page: its signed vote cookie.
    cookies = {number: views.cookie_value({"seed": secrets.token_hex(8), "voter": ids[number], "at": end.isoformat(),
                                           "contest": contest.pk}) for number in numbers}
    return contest, secretariat, projects, cookies, ids, start


def _ingest(worker: int, workers: int, rows, start, out) -> None:
    """One worker: its voters' ballots through the real view, in time order. Requests go to
    Django's WSGI handler as a server would pass them (every middleware, CSRF checked: the form's
    token and cookie, as a browser sends them), without a test client's bookkeeping."""
    import datetime as dt
    import io

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections

    from ciic.votes import services, views

    connections.close_all()
    handler = WSGIHandler()
    csrf = secrets.token_hex(16)  # a CSRF secret (32 characters), as the cookie holds it
    clock = {"at": start}
    services.now = lambda: clock["at"]
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append((status, dict(headers).get("Location", "")))

    done = 0
    began = time.perf_counter()
    for index, t, project, ip, ua, voter, vote_cookie in rows:
        if voter % workers != worker:
            continue
        clock["at"] = start + dt.timedelta(seconds=t)
        body = f"csrfmiddlewaretoken={csrf}&ballot_key=b{index:09d}&next=%2Fvote%2F".encode()
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": f"/vote/p/{project}/vote/", "SCRIPT_NAME": "", "QUERY_STRING": "",
            "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
            "HTTP_COOKIE": f"{views.COOKIE}={vote_cookie}; {settings.CSRF_COOKIE_NAME}={csrf}",
            "REMOTE_ADDR": ip, "HTTP_USER_AGENT": ua,
        }
        response = handler(environ, start_response)
        response.close()  # request_finished, as a server closes it
        status, location = statuses[-1]
        if not status.startswith("302") or location != "/vote/":  # not back to the ballot: refused
            raise RuntimeError(f"ballot {index}: HTTP {status} to {location}")
        done += 1
    out.put((worker, done, time.perf_counter() - began))
    connections.close_all()


def _verify_sample(contest, n: int, at) -> tuple[int, float]:
    """`n` new numbers prove themselves through the real pages at `at` (in the window): ask for
    a code, type it."""
    import re

    from django.conf import settings
    from django.test import Client

    from ciic.notifications import sms
    from ciic.votes import services

    services.now = lambda: at
    settings.SMS_BACKEND = "ciic.notifications.sms.LocmemSmsBackend"
    sms.outbox.clear()
    began = time.perf_counter()
    done = 0
    for i in range(n):
        client = Client()
        mobile = f"199{i:08d}"
        ip = f"100.64.{i // 250}.{i % 250 + 1}"
        client.post("/vote/verify/", {"action": "send", "mobile": mobile}, REMOTE_ADDR=ip)
        found = re.search(r"(\d{6})", sms.outbox[-1].text) if sms.outbox else None
        code = found.group(1) if found else ""
        response = client.post("/vote/verify/", {"action": "verify", "mobile": mobile, "code": code},
                               REMOTE_ADDR=ip)
        done += response.status_code == 302
    return done, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=200_000)
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--brushing", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--verify-sample", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
    bench_url = _database(url, BENCH_DB)
    _admin(url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    _admin(url, f'CREATE DATABASE "{BENCH_DB}"')
    try:
        _run(args, bench_url)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _admin(url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def _run(args, bench_url: str) -> None:
    import numpy as np

    _setup_django(bench_url)
    from django.core.management import call_command
    from django.db import connections
    from django.db.models import Count

    from ciic.votes import detection
    from ciic.votes.enums import VoteStatus
    from ciic.votes.models import Vote
    from ciic.votes.simulation import PATTERNS, Scenario, ip_text, simulate

    call_command("migrate", verbosity=0)
    vote = simulate(Scenario(ballots=args.ballots, projects=args.projects, brushing=args.brushing, seed=args.seed))
    contest, secretariat, projects, cookies, voter_ids, start = _prepare(args, vote)
    rows = [(i, float(vote.time[i]), projects[vote.project[i]], ip_text(vote.ip[i]), f"Mozilla/5.0 UA-{vote.ua[i]}",
             voter_ids[int(vote.number[i])], cookies[int(vote.number[i])]) for i in range(len(vote))]
    connections.close_all()

    context = multiprocessing.get_context("fork")
    out = context.Queue()
    began = time.perf_counter()
    procs = [context.Process(target=_ingest, args=(w, args.workers, rows, start, out))
             for w in range(args.workers)]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
        if proc.exitcode:
            sys.exit(f"a worker failed (exit code {proc.exitcode})")
    seconds = time.perf_counter() - began
    done = sum(r[1] for r in results)
    # A ballot the view refused (a quota, the window) is redirected back with a message, as one
    # it took: the database says which were recorded.
    recorded = Vote.objects.filter(contest=contest).count()
    print(f"ballots={len(vote)} projects={args.projects} planted={int(vote.planted.sum())} workers={args.workers} "
          f"votes_per_s={done / seconds:.0f} ingest_seconds={seconds:.1f} recorded={recorded} "
          f"refused={len(vote) - recorded}", flush=True)

    if args.verify_sample:
        import datetime as dt

        verified, spent = _verify_sample(contest, args.verify_sample,
                                         start + dt.timedelta(seconds=vote.seconds - 7200))
        print(f"verifications={verified} verifications_per_s={verified / spent:.0f}", flush=True)

    began = time.perf_counter()
    run = detection.run_detection(contest=contest, actor=secretariat)
    detect_seconds = time.perf_counter() - began
    held = {int(k[1:]) for k in Vote.objects.filter(contest=contest, status=VoteStatus.HELD)
            .values_list("ballot_key", flat=True)}
    mask = np.zeros(len(vote), dtype=bool)
    mask[list(held)] = True
    planted = vote.planted
    caught = int((mask & planted).sum())
    per_pattern = " ".join(f"{name}={int((mask & (vote.pattern == code)).sum())}/{int((vote.pattern == code).sum())}"
                           for code, name in PATTERNS.items())
    print(f"detect_seconds={detect_seconds:.1f} held={int(mask.sum())} precision={caught / max(mask.sum(), 1):.4f} "
          f"recall={caught / max(planted.sum(), 1):.4f} {per_pattern} findings={sum(v for k, v in run.summary.items() if k.endswith('_findings'))}",
          flush=True)

    raw = dict(Vote.objects.filter(contest=contest).values_list("project_id").annotate(n=Count("id")))
    counted = dict(Vote.objects.filter(contest=contest, status=VoteStatus.COUNTED).values_list("project_id")
                   .annotate(n=Count("id")))
    genuine = np.bincount(vote.project[~planted], minlength=args.projects)
    brushed = projects[vote.brushed_project]
    without = max(raw, key=raw.get)
    with_detector = max(counted, key=counted.get)
    genuine_winner = projects[int(genuine.argmax())]
    print(f"brushed_project={brushed} winner_without_detector={without} winner_with_detector={with_detector} "
          f"genuine_winner={genuine_winner} brushed_votes={raw[brushed]} brushed_counted={counted.get(brushed, 0)} "
          f"genuine_winner_votes={int(genuine.max())} "
          f"brushed_wins_without_detector={'yes' if without == brushed else 'no'} "
          f"brushed_wins_with_detector={'yes' if with_detector == brushed else 'no'}", flush=True)


if __name__ == "__main__":
    main()
