"""Writing to the audit trail. Every write service calls `record` inside its transaction."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from .models import GENESIS_HASH, AuditEntry, AuditHead

# Personal data never enters the audit trail in the clear (DEVELOPERS.md): fields with these
# names are replaced by their masked form before they are recorded.
SENSITIVE_FIELDS = {"id_number", "mobile", "phone", "password", "otp_secret", "key", "token"}


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    if getattr(actor, "is_anonymous", False):
        return "anonymous"
    label = getattr(actor, "audit_label", None)
    return label() if callable(label) else str(actor)


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _mask_tree(value: Any) -> Any:
    from ciic.core.masking import mask_value

    if isinstance(value, dict):
        return {k: (mask_value(k, v) if k in SENSITIVE_FIELDS else _mask_tree(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_tree(v) for v in value]
    return value


def _scrub(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON-ready values with personal data masked at any depth."""
    if values is None:
        return None
    return _mask_tree(_jsonable(values))


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of `obj`, for before/after records."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {n: getattr(obj, n) for n in names}


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain. Must run inside the caller's transaction."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_hash": GENESIS_HASH}
        )
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=_actor_label(actor)[:200],
            action=action,
            object_type=object_type or (target._meta.label_lower if target is not None else ""),
            object_id=str(object_id if object_id is not None else (target.pk if target else "")),
            object_repr=(str(target) if target is not None else "")[:300],
            before=_scrub(before),
            after=_scrub(after),
            prev_hash=head.last_hash,
        )
        # Round-trip the JSON so the hash sees exactly what the database will return.
        entry.before = json.loads(json.dumps(entry.before, cls=DjangoJSONEncoder))
        entry.after = json.loads(json.dumps(entry.after, cls=DjangoJSONEncoder))
        entry.hash = entry.compute_hash()
        entry.save()
        AuditHead.objects.filter(id=1).update(last_hash=entry.hash)
        return entry


def verify_chain() -> tuple[int, AuditEntry | None, str]:
    """Walk the chain; return (entries checked, first broken entry or None, reason)."""
    prev = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return checked, entry, "prev_hash does not match the previous entry's hash"
        if entry.compute_hash() != entry.hash:
            return checked, entry, "content does not match its hash"
        prev = entry.hash
        checked += 1
    head = AuditHead.objects.filter(id=1).first()
    if head and checked and head.last_hash != prev:
        return checked, None, "the chain's head does not match its last entry (entries removed)"
    return checked, None, ""
