"""Scans made here: text pages typeset by fpdf2, rendered by pypdfium2 to pictures, saved as an image-only PDF or
as image files (so OCR tests know exactly which words are on which page)."""

from __future__ import annotations

import io
import os
import re
import struct
import zlib

import matplotlib
from fpdf import FPDF

FONT = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf", "DejaVuSans.ttf")
SCAN_DPI = 144


def text_pdf(pages: list[list[str]], size: int = 12) -> bytes:
    """A PDF with a text layer: one page per list, one paragraph per string (DejaVu Sans: umlauts too)."""
    pdf = FPDF()
    pdf.add_font("dejavu", "", FONT)
    pdf.set_font("dejavu", size=size)
    for paragraphs in pages:
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.multi_cell(0, size * 0.6, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(size * 0.6)
    return bytes(pdf.output())


def page_pictures(data: bytes, dpi: int = SCAN_DPI) -> list:
    """Each page of a PDF as an RGB PIL image (copied out of pdfium's bitmap, which is freed after)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    pictures = []
    for number in range(len(pdf)):
        bitmap = pdf[number].render(scale=dpi / 72)
        pictures.append(bitmap.to_pil().convert("RGB"))
    pdf.close()
    return pictures


def scanned_pdf(pages: list[list[str]]) -> bytes:
    """The pages typeset, rendered, and saved as a PDF of pictures only (no text layer), at their real size."""
    return scanned(text_pdf(pages))


def scanned(data: bytes) -> bytes:
    """A text PDF rendered and saved as a PDF of pictures only (no text layer), at its real size."""
    pictures = page_pictures(data)
    out = io.BytesIO()
    pictures[0].save(out, format="PDF", save_all=True, append_images=pictures[1:], resolution=SCAN_DPI)
    return out.getvalue()


def image_file(pages: list[list[str]], fmt: str) -> bytes:
    """The pages as one image file: PNG or JPEG (first page), or a multi-page TIFF."""
    return pictures_file(text_pdf(pages), fmt)


def pictures_file(data: bytes, fmt: str) -> bytes:
    """A text PDF's pages rendered into one image file: PNG or JPEG (first page), or a multi-page TIFF."""
    pictures = page_pictures(data)
    out = io.BytesIO()
    if fmt == "TIFF":
        pictures[0].save(out, format="TIFF", save_all=True, append_images=pictures[1:], compression="tiff_deflate")
    else:
        pictures[0].save(out, format=fmt)
    return out.getvalue()


def words(text: str) -> list[str]:
    return [w.casefold() for w in re.findall(r"\w+", text)]


def share_found(expected: str, text: str) -> float:
    """The share of `expected`'s words that occur in `text` (a tolerant match: OCR may misread a few)."""
    found = set(words(text))
    wanted = words(expected)
    return sum(w in found for w in wanted) / len(wanted)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels (one-bit grey): a decompression bomb's shape."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * (1 + (width + 7) // 8) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def laid_out_pdf(header: str, pages: list[tuple[str, list[str]]]) -> bytes:
    """A text PDF of pages each with a running header (10 pt, top), a heading (22 pt), body paragraphs (12 pt)
    and "Page N" at the foot: what a scanned report looks like before it is scanned."""
    pdf = FPDF()
    pdf.add_font("dejavu", "", FONT)
    pdf.set_auto_page_break(False)
    for number, (heading, paragraphs) in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("dejavu", size=10)
        pdf.set_xy(pdf.l_margin, 10)
        pdf.cell(0, 6, header)
        pdf.set_xy(pdf.l_margin, 30)
        pdf.set_font("dejavu", size=22)
        pdf.cell(0, 12, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        pdf.set_font("dejavu", size=12)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 7, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(5)
        pdf.set_font("dejavu", size=10)
        pdf.set_xy(pdf.l_margin, 280)
        pdf.cell(0, 6, f"Page {number}", align="C")
    return bytes(pdf.output())
