"""Plain text and Markdown: strict UTF-8, kept as written (the segmenter reads Markdown headings and lists)."""

from __future__ import annotations

from . import Extracted

_BINARY_SNIFF_BYTES = 8192


def decode_text(data: bytes, name: str) -> str:
    """Strict UTF-8 (a BOM is dropped). Raises ValueError with a one-line reason."""
    if not data.strip():
        raise ValueError("empty file")
    if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise ValueError(
            f"not valid UTF-8 (byte 0x{bad} at offset {exc.start}); convert it, e.g. iconv -f latin1 -t utf-8 '{name}'"
        ) from None
    if not text.strip():
        raise ValueError("empty file (whitespace only)")
    return text


def extract_text(data: bytes, name: str) -> Extracted:
    return Extracted(decode_text(data, name))
