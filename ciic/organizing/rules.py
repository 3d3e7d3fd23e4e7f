"""Who may do what: named predicates (django-rules)."""

from __future__ import annotations
