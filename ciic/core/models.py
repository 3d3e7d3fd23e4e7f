"""Shared model behaviour."""

from __future__ import annotations

from django.db import models


class WriteOnceModel(models.Model):
    """A row that is written once and never changed or deleted through the ORM: submitted
    versions and their materials (R-J6), audit entries. `immutable_reason` names the rule."""

    immutable_reason = "this record is write-once"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError(f"{self._meta.label}: {self.immutable_reason}")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(f"{self._meta.label}: {self.immutable_reason}")
