"""What each corpus file became in an index: its kind, pages, passages, the pages OCR read and the attachments
read as documents of their own (`qa status --documents`, the app's Index tab). Read from the store and the
manifest, so it describes the index being served, not the folder as it is now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..ingest.extract import SLIDE_KINDS
from .manifest import Manifest
from .store import ChunkStore


@dataclass(frozen=True)
class IndexedFile:
    """One document of an index. `pages` is None for a format without pages; `ocr_pages` are the pages whose text
    OCR read, and `ocr` is true when any of its text was (a page, or a scanned attachment of an e-mail);
    `attachments` names the attachments read as documents of their own."""

    path: str
    kind: str
    title: str
    size: int | None
    pages: int | None
    passages: int
    ocr_pages: tuple[int, ...] = ()
    ocr: bool = False
    attachments: tuple[str, ...] = ()

    @property
    def pages_text(self) -> str:
        """ "13 pages", "1 page", "48 slides" (a presentation's pages are its slides); '' without pages."""
        if self.pages is None:
            return ""
        unit = "slide" if self.kind in SLIDE_KINDS else "page"
        return f"{self.pages} {unit}{'s' if self.pages != 1 else ''}"

    @property
    def notes(self) -> str:
        """One line on how it was read: "OCR on pages 1–3, 5; attached: a.pdf, b.xlsx" ('' when plainly)."""
        notes = []
        if self.ocr_pages:
            notes.append(f"OCR on {'page' if len(self.ocr_pages) == 1 else 'pages'} {page_ranges(self.ocr_pages)}")
        elif self.ocr:
            notes.append("OCR on part of its text")
        if self.attachments:
            notes.append("attached: " + ", ".join(self.attachments))
        return "; ".join(notes)

    def to_json(self) -> dict[str, Any]:
        """Keyed "file", not "path": gradio_client takes any dict with a "path" for a file to download."""
        return {
            "file": self.path,
            "kind": self.kind,
            "title": self.title,
            "size": self.size,
            "pages": self.pages,
            "passages": self.passages,
            "ocr": self.ocr,
            "ocr_pages": list(self.ocr_pages),
            "attachments": list(self.attachments),
            "notes": self.notes,
        }


def page_ranges(pages: tuple[int, ...] | list[int]) -> str:
    """Page numbers as runs: (1, 2, 3, 5) → "1–3, 5"."""
    runs: list[list[int]] = []
    for page in sorted(set(pages)):
        if runs and page == runs[-1][1] + 1:
            runs[-1][1] = page
        else:
            runs.append([page, page])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def indexed_files(chunks: ChunkStore, manifest: Manifest) -> list[IndexedFile]:
    """Every document of an index's chunk store, by path, with what its manifest recorded of its file."""
    files = manifest.files
    found = []
    for doc, title, kind, pages, passages in chunks.document_summaries():
        entry = files.get(doc)
        ocr_pages = entry.ocr_pages if entry else ()
        found.append(
            IndexedFile(
                path=doc,
                kind=kind,
                title=title,
                size=entry.size if entry else None,
                pages=pages or None,
                passages=passages,
                ocr_pages=ocr_pages,
                ocr=bool(ocr_pages or (entry and entry.ocr_spans)),
                attachments=tuple(part.name for part in entry.attachments) if entry else (),
            )
        )
    return found
