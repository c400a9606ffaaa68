"""Where uploads wait, and which of them a handler may take: the app's own upload folder under the index.

Gradio writes every file the browser uploads into its upload folder, and an event's file value is a path
the client names. A client may name any path (a Gradio `FileData` with `"path": "/home/someone/notes.txt"`),
so a handler takes a file only when it is one that Gradio's upload route wrote into *this app's* upload
folder: a regular file, no symlink on the way, its real path inside the folder, and listed by that route.
Everything else gets one message that says nothing about whether the path exists. A taken file is deleted
once it has been saved or refused, so no second copy of a document stays behind.

`use_upload_folder` points Gradio at the folder (GRADIO_TEMP_DIR); the entry point calls it once, before the
Blocks are built, because Gradio reads it when each component is made. No Gradio import here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Callable, Collection
from pathlib import Path

from ..errors import QAError
from .hosts import ASGIApp, Receive, Scope, Send

UPLOADS_FOLDER = ".uploads"  # in the index folder; hidden, and no index file is named like it
GRADIO_TEMP_ENV = "GRADIO_TEMP_DIR"
_SHOWN_NAME_CHARS = 80


def upload_folder(index_dir: str | os.PathLike[str]) -> Path:
    """The app's upload folder for the index at `index_dir` (an absolute path with no symlinks)."""
    return Path(index_dir).resolve() / UPLOADS_FOLDER


def use_upload_folder(index_dir: str | os.PathLike[str]) -> Path:
    """Create the upload folder (owner-only), empty it of an earlier run's leftovers and make it Gradio's
    temporary folder for this process. Call before the Blocks are built."""
    folder = upload_folder(index_dir)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise QAError(f"'{folder}' is not a plain folder; remove it so the app can keep its uploads there")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)  # uploads are readable by this user only
        for entry in folder.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    except OSError as exc:
        raise QAError(
            f"cannot prepare the upload folder '{folder}' ({exc.strerror or exc}); make the index folder writable"
        ) from None
    os.environ[GRADIO_TEMP_ENV] = str(folder)
    return folder


def shown_name(given: object) -> str:
    """The last part of a client-given path, printable and short: enough to say which file is meant."""
    name = os.path.basename(str(given)) or str(given)
    name = "".join(ch if ch.isprintable() else "?" for ch in name)
    return name if len(name) <= _SHOWN_NAME_CHARS else name[: _SHOWN_NAME_CHARS - 1] + "…"


def not_uploaded(given: object) -> QAError:
    """The one refusal for any file value that is not an upload of this page (same text whatever the path is)."""
    return QAError(
        f"'{shown_name(given)}' was not uploaded through this page (only files uploaded here are "
        "accepted); upload it with the file control and try again"
    )


class UploadArea:
    """The upload folder and the uploads Gradio's upload route wrote into it (`listed`, read at each call:
    the Blocks' `upload_file_set`)."""

    def __init__(self, folder: str | os.PathLike[str], listed: Callable[[], Collection[str]]) -> None:
        self.folder = Path(folder).resolve()
        self._listed = listed

    def _inside(self, path: str) -> bool:
        return os.path.commonpath([self.folder, path]) == str(self.folder) and path != str(self.folder)

    def accept(self, given: object) -> Path:
        """The uploaded file `given` names; QAError (`not_uploaded`) for anything else."""
        if not isinstance(given, (str, os.PathLike)) or not os.path.isabs(given):
            raise not_uploaded(given)
        path = os.path.abspath(given)
        try:
            mode = os.lstat(path).st_mode
            real = os.path.realpath(path, strict=True)
        except (OSError, ValueError):
            raise not_uploaded(given) from None
        if not stat.S_ISREG(mode) or real != path or not self._inside(path):
            raise not_uploaded(given)  # a link, a folder or device, a link on the way, or outside the folder
        if path not in {os.path.abspath(p) for p in self._listed()}:
            raise not_uploaded(given)  # in the folder, but not written there by the upload route
        return Path(path)

    def discard(self, given: object) -> None:
        """Delete an upload once it is saved or refused (and its folder when empty). Paths outside the upload
        folder are never touched; a symlink is removed itself, never its target."""
        if not isinstance(given, (str, os.PathLike)) or not os.path.isabs(given):
            return
        path = os.path.abspath(given)
        if not self._inside(path) or os.path.realpath(os.path.dirname(path)) != os.path.dirname(path):
            return
        listed = self._listed()
        for entry in [p for p in listed if os.path.abspath(p) == path]:
            with contextlib.suppress(AttributeError, KeyError, ValueError):
                listed.remove(entry)  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):
            os.unlink(path)
        parent = os.path.dirname(path)
        if parent != str(self.folder):
            with contextlib.suppress(OSError):  # not empty: another upload waits there
                os.rmdir(parent)


# ---------------------------------------------------------------- room in the upload folder

DEFAULT_UPLOAD_ROOM_BYTES = 512 * 1024 * 1024
UPLOAD_ROUTE_SUFFIX = "/upload"  # Gradio's upload route (`/gradio_api/upload`)


def folder_bytes(folder: Path) -> int:
    """What the files under `folder` take (apparent sizes; links are not followed)."""
    total = 0
    for root, _, files in os.walk(folder, followlinks=False):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def room_refusal(waiting: int, incoming: int, room: int) -> str | None:
    """Why an upload of `incoming` bytes (0: not announced) is refused while `waiting` bytes of uploads wait in
    the folder, or None when it fits in `room`."""
    if waiting + incoming <= room:
        return None
    mb = 1024 * 1024
    return (
        f"uploads waiting to be added take {waiting / mb:.0f} MB and this one {incoming / mb:.0f} MB, over the "
        f"{room / mb:.0f} MB the app keeps for uploads; wait until the documents being added are saved, then "
        "upload again"
    )


class UploadRoomMiddleware:
    """Refuse an upload (413, before a byte is written) when the upload folder would grow past `room` bytes: files
    wait there until a handler saves or refuses them, and a client may upload without ever asking for that."""

    def __init__(self, app: ASGIApp, folder: str | os.PathLike[str], room: int = DEFAULT_UPLOAD_ROOM_BYTES) -> None:
        self.app = app
        self.folder = Path(folder)
        self.room = room

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or not scope["path"].endswith(UPLOAD_ROUTE_SUFFIX):
            await self.app(scope, receive, send)
            return
        announced = dict(scope.get("headers") or ()).get(b"content-length", b"0")
        incoming = int(announced) if announced.isdigit() else 0
        reason = room_refusal(folder_bytes(self.folder), incoming, self.room)
        if reason is None:
            await self.app(scope, receive, send)
            return
        body = (reason + "\n").encode("utf-8")
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
