"""Demo data for a newcomer's first look, seeded through the real services (`make run` calls
`manage.py demo_setup`). It sits on top of every app: it imports any of them, and no app
imports it (the import contracts in pyproject.toml check it).

- `entrants`: accounts for every role and realistic organizations and teams.
- `projects`: projects with application text, materials and a submitted version, with
  near-copies planted for the originality check.
- `review`: an expert pool, one station's reviewed online round with results and finalists,
  and the next round open for the demo expert.
- `identifiers`, `samples`: valid credit codes, ID numbers and mobiles, and small files of
  each kind, which the tests use too.
"""
