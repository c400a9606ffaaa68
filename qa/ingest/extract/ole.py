"""Old Office files (Word and PowerPoint 97–2003: OLE compound files) as the .doc and .ppt readers open them: the
container, refused in one line when damaged, and the title it records in its summary information, decoded by the
property set's own code page (a Bulgarian document's is Windows-1251)."""

from __future__ import annotations

import io

from .blocks import clean


def open_ole(data: bytes, suffix: str):  # type: ignore[no-untyped-def]
    """The open olefile of `data`; ValueError naming the `suffix` (".doc") when the container is damaged."""
    import olefile

    try:
        return olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises OSError or its own errors for a damaged container
        raise ValueError(f"the {suffix} file is damaged ({type(exc).__name__}); open and save it again") from None


def summary_title(ole) -> str:  # type: ignore[no-untyped-def]
    """The title of the open olefile `ole`; '' when there is none or its property set cannot be read."""
    try:
        meta = ole.get_metadata()
    except Exception:  # a damaged property set: the caller's other title stands
        return ""
    title = meta.title or b""
    if isinstance(title, bytes):
        codec = {1200: "utf-16-le", 65001: "utf-8"}.get(meta.codepage or 1252, f"cp{meta.codepage or 1252}")
        try:
            title = title.decode(codec, errors="replace")
        except LookupError:  # a code page Python has no codec for
            title = title.decode("cp1252", errors="replace")
    return clean(str(title).rstrip("\x00"))
