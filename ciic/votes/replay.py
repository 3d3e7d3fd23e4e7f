"""A simulated vote (ciic/votes/simulation.py) stored as the services store votes, in bulk: the
voters' keyed hashes, each vote's hashed signals, its Beijing day and its quota slots. For the
demo (a vote with planted brushing for the secretariat to audit) and for tests; the benchmark
sends its ballots through the real view instead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from ciic.contests.models import Contest

from . import services
from .config import vote_config
from .models import Vote, Voter
from .simulation import Vote as SimulatedVote
from .simulation import ip_text


def store_simulated_vote(*, contest: Contest, vote: SimulatedVote, projects: Sequence[int],
                         start: dt.datetime) -> dict[str, bool]:
    """Store `vote`'s ballots for `projects` (the simulation's project i is `projects[i]`), its
    week starting at `start`. Returns ballot key -> planted (brushing)."""
    zone = vote_config(contest).time_zone
    voters = {}
    for number in sorted({int(n) for n in vote.number}):
        number_hash, region_hash, block = services.number_hashes(str(number))
        voters[number] = Voter(contest=contest, number_hash=number_hash, region_hash=region_hash, block=block,
                               created_at=start, verified_at=start)
    Voter.objects.bulk_create(voters.values(), batch_size=2000)
    ids = dict(zip(voters, Voter.objects.filter(contest=contest, number_hash__in=[v.number_hash for v in voters.values()])
                   .order_by("pk").values_list("pk", flat=True), strict=True))
    rows, daily, per_project, planted = [], {}, {}, {}
    for i in range(len(vote)):
        number, project = int(vote.number[i]), projects[int(vote.project[i])]
        client = services.Client(ip_text(vote.ip[i]), f"Mozilla/5.0 UA-{vote.ua[i]}")
        at = start + dt.timedelta(seconds=float(vote.time[i]))
        day = timezone.localtime(at, zone).date()
        daily[(number, day)] = daily.get((number, day), 0) + 1
        per_project[(number, day, project)] = per_project.get((number, day, project), 0) + 1
        key = f"sim-{i:08d}"
        planted[key] = bool(vote.planted[i])
        rows.append(Vote(contest=contest, project_id=project, voter_id=ids[number], day=day, cast_at=at,
                         ip_hash=services.signal_hash(client.ip, "ip"),
                         prefix_hash=services.signal_hash(client.prefix, "prefix"),
                         ua_hash=services.signal_hash(client.user_agent, "ua"), ballot_key=key,
                         daily_slot=daily[(number, day)], project_slot=per_project[(number, day, project)]))
    Vote.objects.bulk_create(rows, batch_size=2000)
    return planted
