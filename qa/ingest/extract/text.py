"""Plain text and Markdown, kept as written (the segmenter reads Markdown headings and lists), decoded as the file
was saved: UTF-8; UTF-16 or UTF-32 by its byte-order mark (Notepad's "Unicode", Excel's "Unicode Text"), or UTF-16
without one when every other byte is zero; else Windows-1252, the code page Excel and Notepad save in across
Western Europe and the Americas, when the bytes are that (every byte defined in it, and letters mostly ASCII: text
of another 8-bit code page read as Windows-1252 turns nearly all its letters into accented ones). Other bytes are
refused in one line naming the offset and the fix.
"""

from __future__ import annotations

import re

from . import Extracted

_BINARY_SNIFF_BYTES = 8192
_BOMS = (  # the 4-byte marks first: UTF-32 LE starts as UTF-16 LE does
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_UNDEFINED_IN_1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_HIGH_BYTES = re.compile(rb"[\x80-\xff]")
_ASCII_LETTERS = re.compile(rb"[A-Za-z]")
_SAMPLE_BYTES = 1 << 20  # the share of accented letters is measured on the first megabyte
_MIN_PRINTABLE_SHARE = 0.95  # of the characters UTF-16 without a mark decodes to
_MAX_ACCENTED_SHARE = 0.3  # of the ASCII letters: Western European text stays far below, another code page far above


def decode_text(data: bytes, name: str) -> str:
    """The file's text, by `decoded`; raises ValueError with a one-line reason."""
    if not data.strip():
        raise ValueError("empty file")
    text = decoded(data, name)
    if not text.strip():
        raise ValueError("empty file (whitespace only)")
    return text


def decoded(data: bytes, name: str) -> str:
    """UTF-8, or the encoding a byte-order mark names, or UTF-16 told by its zero bytes, or Windows-1252."""
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return _strict(data, encoding, name)
    head = data[:_BINARY_SNIFF_BYTES]
    if b"\x00" in head:
        encoding = utf16_by_zeros(head)
        if encoding is None:
            raise ValueError("binary file (contains NUL bytes)")
        return _strict(data, encoding, name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        western = windows_1252(data)
        if western is not None:
            return western
        bad = data[exc.start : exc.start + 1].hex()
        raise ValueError(
            f"not valid UTF-8 (byte 0x{bad} at offset {exc.start}) nor Western Windows-1252 text; convert it, e.g. "
            f"iconv -f <its encoding> -t utf-8 '{name}'"
        ) from None


def utf16_by_zeros(head: bytes) -> str | None:
    """UTF-16 LE or BE for text without a byte-order mark: the zero high bytes of its Latin characters fall on
    every other byte, and only there, and what they decode to is nearly all printable (binary data is not)."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    pairs = len(head) // 2
    encoding = (
        "utf-16-le" if odd >= 0.3 * pairs and even == 0 else "utf-16-be" if even >= 0.3 * pairs and odd == 0 else None
    )
    if encoding is None:
        return None
    sample = head[: 2 * pairs].decode(encoding, errors="replace")
    printable = sum(c.isprintable() or c.isspace() for c in sample)
    return encoding if printable >= _MIN_PRINTABLE_SHARE * len(sample) else None


def windows_1252(data: bytes) -> str | None:
    """The bytes as Windows-1252 when they look like it: no byte the code page leaves undefined, and accented
    letters (bytes 0x80–0xFF) at most a third of the ASCII letters in the first megabyte."""
    if _UNDEFINED_IN_1252.search(data):
        return None
    sample = data[:_SAMPLE_BYTES]
    if len(_HIGH_BYTES.findall(sample)) > _MAX_ACCENTED_SHARE * len(_ASCII_LETTERS.findall(sample)):
        return None
    return data.decode("cp1252")


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"not valid {encoding.upper()} (at byte offset {exc.start}) though it starts as such; convert it, e.g. "
            f"iconv -f {encoding} -t utf-8 '{name}'"
        ) from None


def extract_text(data: bytes, name: str) -> Extracted:
    return Extracted(decode_text(data, name))
