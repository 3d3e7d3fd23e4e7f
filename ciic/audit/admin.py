"""Admin building blocks: every change made through the Django admin lands in the audit trail.

`AuditedModelAdmin` records one entry per object added, changed or deleted, from the change
form, the change list (list_editable), the delete page, the bulk "delete selected" action and
inline formsets alike, with the object's values before and after, many-to-many links
included (style.md habit 3: every decision is logged). Entries are written in the same
transaction as the change. A save that changes nothing records nothing.

Actions: `admin.add`, `admin.change`, `admin.delete`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, router, transaction
from django.db.models import QuerySet
from django.forms import BaseModelForm
from django.forms.models import BaseModelFormSet
from django.http import HttpRequest

from .services import record, snapshot

ADD = "admin.add"
CHANGE = "admin.change"
DELETE = "admin.delete"

# Where save_model leaves the stored values for save_related, which records the entry once
# the many-to-many links are saved too. The form lives for one request only.
_BEFORE = "_audit_before"


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every write is recorded with before/after snapshots.

    `audit_exclude` names fields left out of the snapshots (large blobs whose fingerprint is
    recorded through another field). Writes that bypass the ModelAdmin hooks (a custom action
    calling `queryset.update`) are not covered: write such actions as audited services.
    """

    audit_exclude: tuple[str, ...] = ()

    # -- snapshots --

    def audit_snapshot(self, obj: models.Model) -> dict[str, Any]:
        """Concrete field values, plus the primary keys of each many-to-many link."""
        exclude = self.audit_exclude
        names = [
            f.attname for f in obj._meta.concrete_fields
            if f.name not in exclude and f.attname not in exclude
        ]
        values = snapshot(obj, names)
        if obj.pk is not None:
            for f in obj._meta.many_to_many:
                if f.name not in exclude:
                    values[f.name] = sorted(getattr(obj, f.name).values_list("pk", flat=True))
        return values

    def _db(self, model: type[models.Model]) -> str:
        return router.db_for_write(model)

    # -- add and change: before in save_model, entry in save_related --

    def save_model(self, request: HttpRequest, obj: models.Model, form: BaseModelForm, change: bool) -> None:
        # The form has already written its values onto `obj`: read the row as stored.
        stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change and obj.pk else None
        setattr(form, _BEFORE, self.audit_snapshot(stored) if stored is not None else None)
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: BaseModelForm, formsets: list[BaseModelFormSet], change: bool
    ) -> None:
        obj = form.instance
        with transaction.atomic(using=self._db(type(obj))):
            super().save_related(request, form, formsets, change)
            before = getattr(form, _BEFORE, None)
            after = self.audit_snapshot(obj)
            if before is None:
                record(actor=request.user, action=ADD, target=obj, after=after)
            elif before != after:
                record(actor=request.user, action=CHANGE, target=obj, before=before, after=after)

    # -- delete --

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic(using=self._db(type(obj))):
            pk, before = obj.pk, self.audit_snapshot(obj)
            super().delete_model(request, obj)
            record(actor=request.user, action=DELETE, target=obj, object_id=pk, before=before)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic(using=self._db(queryset.model)):
            objs = [(obj, obj.pk, self.audit_snapshot(obj)) for obj in queryset]
            super().delete_queryset(request, queryset)
            for obj, pk, before in objs:
                record(actor=request.user, action=DELETE, target=obj, object_id=pk, before=before)

    # -- inlines --

    def save_formset(
        self, request: HttpRequest, form: BaseModelForm, formset: BaseModelFormSet, change: bool
    ) -> None:
        """One entry per inline object added, changed or deleted."""
        model = formset.model
        with transaction.atomic(using=self._db(model)):
            pks = [f.instance.pk for f in formset.initial_forms if f.instance.pk is not None]
            before = {
                pk: self.audit_snapshot(obj)
                for pk, obj in model._default_manager.in_bulk(pks).items()
            }
            # Deleted objects lose their pk in delete(): remember it by identity.
            pk_of = {id(f.instance): f.instance.pk for f in formset.initial_forms}
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                record(actor=request.user, action=ADD, target=obj, after=self.audit_snapshot(obj))
            for obj, _fields in formset.changed_objects:
                record(actor=request.user, action=CHANGE, target=obj, before=before.get(obj.pk),
                       after=self.audit_snapshot(obj))
            for obj in formset.deleted_objects:
                pk = pk_of.get(id(obj))
                record(actor=request.user, action=DELETE, target=obj, object_id=pk,
                       before=before.get(pk))
