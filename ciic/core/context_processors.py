from __future__ import annotations


def platform(request):
    from ciic.contests.selectors import current_contest

    return {"contest": current_contest()}
