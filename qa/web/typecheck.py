"""The kind of an uploaded file, checked on the server and said in one line under the file control.

Gradio's own check (a `gr.File` with `file_types`) runs in the browser and shows "Invalid file type" as a toast
that stays ten seconds over the page, covering the next uploads; its length cannot be set. So the app's file
controls leave that check out and this one runs when files arrive: a file of another kind is named in a line
under the control, its upload copy deleted, and the control emptied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..errors import QAError
from .uploads import shown_name
from .views import error_html


def upload_name_and_path(item: object) -> tuple[str, str]:
    """(the name the browser gave, the server path) of one raw Gradio file value (a FileData or its dict)."""
    if isinstance(item, dict):
        path = str(item.get("path") or "")
        return str(item.get("orig_name") or path), path
    path = str(getattr(item, "path", "") or "")
    return str(getattr(item, "orig_name", None) or path), path


def raw_files(payload: object) -> list[tuple[str, str]]:
    """(name, path) of every file in a raw Gradio file payload: None, one file, a list, or a ListFiles."""
    if payload is None:
        return []
    root = getattr(payload, "root", payload)
    items = root if isinstance(root, (list, tuple)) else [root]
    return [upload_name_and_path(item) for item in items if item is not None]


def wrong_kind(names: Sequence[str], types: Sequence[str]) -> list[str]:
    """The names whose suffix is not one of `types` (".pdf", ...; compared case-insensitively)."""
    allowed = tuple(t.lower() for t in types)
    return [name for name in names if not name.lower().endswith(allowed)]


def kind_message(wrong: Sequence[str], types: Sequence[str]) -> str:
    """One line naming the refused files (the first three), the kinds accepted and the fix."""
    shown = ", ".join(f"'{shown_name(n)}'" for n in wrong[:3]) + (
        f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
    )
    return f"{shown} {'is' if len(wrong) == 1 else 'are'} not one of {', '.join(types)}; upload files of those kinds"


def check_kinds(
    types: Sequence[str], accept: Callable[[str], object], discard: Callable[[str], None]
) -> Callable[[object], tuple[str, object]]:
    """The `.upload` handler of a file control, run with `preprocess=False, postprocess=False`: ("", the payload
    as it came) when every file is an upload of this page (`accept`: `UploadArea.accept`, raising QAError
    otherwise) of an accepted kind; else (one-line error, None: the control is emptied) with every upload copy of
    this batch deleted.

    The payload goes back as a plain value, never as `gr.skip()`: Gradio answers an update with a new copy of the
    component in the session, made from its constructor, which would lose the control's own preprocess."""

    def check_upload_kinds(payload: object) -> tuple[str, object]:
        files = raw_files(payload)
        try:
            for _, path in files:
                accept(path)
            wrong = wrong_kind([name for name, _ in files], types)
            problem = kind_message(wrong, types) if wrong else None
        except QAError as exc:
            problem = str(exc)
        if problem is None:
            return "", payload
        for _, path in files:
            discard(path)
        return error_html(problem), None

    return check_upload_kinds
