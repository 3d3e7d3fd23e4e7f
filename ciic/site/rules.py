"""Who may use the site app's staff pages (django-rules)."""

from __future__ import annotations

import rules

from ciic.accounts.rules import is_secretariat

# The secretariat changes the edition's schedule and the finalist quotas on pages (the spec
# is checked and the change audited, as a load); Django's admin stays for superusers.
rules.add_perm("contests.edit_spec", is_secretariat)
