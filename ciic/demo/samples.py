"""Small files whose content really is of a kind, and attaching a project's required materials."""

from __future__ import annotations

import functools
import io
import zipfile


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


SAMPLES = {
    "pdf": b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64,
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64,
    "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 256,
    "exe": b"MZ\x90\x00" + b"\x00" * 128,
    "pptx": _zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}),
    "docx": _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
    "zip": _zip({"install.sh": b"#!/bin/sh\necho install\n", "README.txt": b"how to install\n"}),
}


def attach_required_materials(project, actor, *, documents: dict[str, bytes] | None = None) -> None:
    """Attach one valid file (or link) for every required material type of the contest (R-J7).
    `documents` (material type code -> PDF bytes) replaces the tiny sample PDF, for the demo."""
    from ciic.contests.models import MaterialType
    from ciic.projects.materials import attach_file, attach_link

    for material_type in MaterialType.objects.filter(contest=project.contest, required=True):
        if material_type.link_required:
            attach_link(project=project, material_type=material_type, url="https://demo.example.com/",
                        actor=actor)
            continue
        kind = "pdf" if "pdf" in material_type.formats else material_type.formats[0]
        content = (documents or {}).get(material_type.code) if kind == "pdf" else None
        attach_file(project=project, material_type=material_type, stream=io.BytesIO(content or SAMPLES[kind]),
                    filename=f"{material_type.code}.{kind}", actor=actor,
                    attested=material_type.own_entity_attestation)


def demo_documents(contest) -> dict[str, bytes]:
    """One readable PDF per required PDF material type of the contest (its name and a few
    paragraphs of industrial-internet prose), shared by every demo project: the sample PDF
    above has no pages, and an expert opening a demo material should see some."""
    from ciic.contests.models import MaterialType

    return {t.code: _document(t.code, t.name)
            for t in MaterialType.objects.filter(contest=contest, required=True, link_required=False)
            if "pdf" in t.formats}


@functools.cache
def _document(code: str, title: str) -> bytes:
    """Made once per process (subsetting the CJK font takes about a second)."""
    import random

    from ciic.engines import originality_testdata as words
    from ciic.projects.documents import text_pdf

    rng = random.Random(f"document:{code}")
    topic = rng.sample(words.TECHS, 3)
    paragraphs = ["".join(words.sentence(rng, topic) for _ in range(4)) for _ in range(5)]
    return text_pdf(title, paragraphs)
