"""The audit trail is append-only and hash-chained (style.md habit 3)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from ciic.audit.models import AuditEntry
from ciic.audit.services import record, verify_chain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_database")]


def _entries(n: int) -> list[AuditEntry]:
    return [record(actor=None, action="test.write", object_type="t", object_id=i, before={"v": i},
                   after={"v": i + 1}) for i in range(n)]


def test_entries_chain_each_to_the_previous_hash():
    entries = _entries(3)
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    assert verify_chain() == (3, None, "")


def test_verify_audit_reports_intact_chain(capsys):
    _entries(2)
    call_command("verify_audit")
    assert "2 entries verified" in capsys.readouterr().out


def test_tampered_entry_is_named_by_verify_audit():
    entries = _entries(4)
    # Tamper below the ORM, as an attacker with database access would (triggers dropped first
    # on SQLite; on PostgreSQL triggers are switched off for the transaction).
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("DROP TRIGGER audit_entry_no_update")
        else:
            cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("UPDATE audit_auditentry SET after = %s WHERE seq = %s", ['{"v": 999}', entries[2].seq])
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit")
    assert f"entry #{entries[2].seq}" in str(exc.value)


def test_removed_entry_breaks_the_chain():
    entries = _entries(3)
    with connection.cursor() as cur:
        if connection.vendor != "sqlite":
            cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("DELETE FROM audit_auditentry WHERE seq = %s", [entries[1].seq])
    _checked, broken, reason = verify_chain()
    assert broken is not None and broken.seq == entries[2].seq and reason


def test_database_refuses_updates_to_audit_entries():
    entry = _entries(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=entry.seq).update(action="forged")
    entry.refresh_from_db()
    assert entry.action == "test.write"


def test_model_refuses_to_save_an_existing_entry():
    entry = _entries(1)[0]
    entry.action = "forged"
    with pytest.raises(RuntimeError):
        entry.save()


def test_sensitive_values_are_masked_before_recording():
    entry = record(actor=None, action="t", object_type="t", object_id=1,
                   after={"id_number": "110105199001010002", "mobile": "13812345678", "name": "张三"})
    assert entry.after == {"id_number": "110105********0002", "mobile": "138****5678", "name": "张三"}


def test_sensitive_values_nested_in_lists_are_masked():
    entry = record(actor=None, action="t", object_type="t", object_id=1,
                   after={"representatives": [{"id_number": "110105199001010002", "name": "张三"}]})
    assert entry.after["representatives"][0]["id_number"] == "110105********0002"
