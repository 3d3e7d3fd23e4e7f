"""Serving stored material files to those allowed to read them (R-J7); 404 for everyone else."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from ciic.core.responses import private_download

from .models import StoredFile


@require_safe
def download_file(request: HttpRequest, pk: int) -> FileResponse:
    """Stream the file as an attachment, never rendered inline: a material is the team's
    upload, whatever its bytes. The name is the safe one kept at upload; Django encodes
    non-ASCII names per RFC 5987 (filename*=utf-8'')."""
    return stored_file_response(visible_file(request.user, pk))


def visible_file(user, pk: int) -> StoredFile:
    """The stored file if `user` may download it (projects.download_material); a 404 whether
    it exists or not. The web page and the API's download both ask here."""
    stored = get_object_or_404(StoredFile.objects.select_related("project__team"), pk=pk)
    if not user.has_perm("projects.download_material", stored.project):
        raise Http404
    return stored


def stored_file_response(stored: StoredFile) -> FileResponse:
    return private_download(stored.file, name=stored.original_name, content_type=stored.content_type)
