"""HTTP routes beside the Gradio app: the original documents and rendered PDF pages (and page images), read only from inside
the corpus folder (`files.corpus_file` decides), and the server that mounts Gradio next to them, with every
route behind the Host/Origin check (`hosts`) and Gradio's own file checks switched on (`guard_gradio_files`)."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from ..errors import QAError
from ..index.store import ChunkStore
from ..ingest.extract import kind_of
from .files import attachment_of, corpus_file
from .hosts import HostOriginMiddleware, allowed_hosts
from .pageimage import MAX_SENTENCE_CHARS, RenderBusy, page_png
from .reading import CSP, READ_ROUTE, ReadingPage, check_offsets, page_html, parse_offset, view_window, whole_lines
from .uploads import DEFAULT_UPLOAD_ROOM_BYTES, UploadRoomMiddleware
from .views import ORIGINAL_ROUTE, PAGE_IMAGE_ROUTE, PICTURED_KINDS

NOT_FOUND = "no such document in the corpus folder"
NOT_INDEXED = "this document is not in the served index; rebuild the index, then open it from a card"
MAX_PART = 10_000
StoreFn = Callable[[], ChunkStore]  # the chunk store of the index being served now (it changes after a rebuild)
_TYPES = {
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def reading_view(store: ChunkStore, doc: str, start: str, end: str) -> Response:
    """The reading page of `doc`'s indexed text with `[start, end)` marked; a one-line plain-text 400 for offsets
    that are not numbers or not inside the text, 404 for a document the index does not hold."""
    length = store.text_length(doc)
    if length is None:
        return PlainTextResponse(NOT_INDEXED, status_code=404)
    try:
        a, b = parse_offset(start, "start"), parse_offset(end, "end")
        check_offsets(a, b, length)
    except QAError as exc:
        return PlainTextResponse(str(exc), status_code=400, headers={"X-Content-Type-Options": "nosniff"})
    left, right = view_window(a, b, length)
    text, at = whole_lines(store.text_slice(doc, left, right), left, length)
    return HTMLResponse(
        page_html(ReadingPage(doc, text, at, a, b, length)),
        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )


def file_routes(corpus_dir: str | Path, texts: StoreFn | None = None) -> APIRouter:
    """GET /original/<doc>[?download=1], /page-image/<doc>?page=N&sentence=... and (with `texts`, the served
    index's chunk store) /read/<doc>?start=A&end=B; 404 for anything not a corpus document."""
    router = APIRouter()
    corpus = Path(corpus_dir)

    @router.get(f"/{READ_ROUTE}/{{doc:path}}", include_in_schema=False)
    def read(doc: str, start: str = Query("", max_length=40), end: str = Query("", max_length=40)) -> Response:
        if corpus_file(corpus, doc) is None:
            raise HTTPException(status_code=404, detail=NOT_FOUND)
        if texts is None:
            return PlainTextResponse(NOT_INDEXED, status_code=404)
        return reading_view(texts(), doc, start, end)

    @router.get(f"/{ORIGINAL_ROUTE}/{{doc:path}}", include_in_schema=False)
    def original(doc: str, download: bool = False, part: int | None = Query(None, ge=1, le=MAX_PART)) -> Response:
        path = corpus_file(corpus, doc)
        if path is None:
            raise HTTPException(status_code=404, detail=NOT_FOUND)
        if part is not None:
            return attachment_response(path, part, download)
        suffix = path.suffix.lower()
        return FileResponse(
            path,
            media_type=_media_type(path.name),
            headers=_original_headers(suffix),
            content_disposition_type="inline" if suffix in _TYPES and not download else "attachment",
            filename=path.name,
        )

    @router.get(f"/{PAGE_IMAGE_ROUTE}/{{doc:path}}", include_in_schema=False)
    def page_image(
        doc: str,
        page: int = Query(ge=1, le=100_000),
        sentence: str = Query("", max_length=MAX_SENTENCE_CHARS),
        part: int | None = Query(None, ge=1, le=MAX_PART),
    ) -> Response:
        path = corpus_file(corpus, doc)
        if path is None or (part is None and kind_of(path.name) not in PICTURED_KINDS):  # a part: attachment_of checks
            raise HTTPException(status_code=404, detail=NOT_FOUND)
        try:
            png = page_png(path, page, sentence, part)
        except RenderBusy as exc:
            raise HTTPException(status_code=503, detail=str(exc), headers={"Retry-After": "5"}) from None
        except QAError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        return Response(
            png,
            media_type="image/png",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"},
        )

    return router


def _media_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _original_headers(suffix: str) -> dict[str, str]:
    """A saved web page (or an attached one) must not run in the app's origin: no scripts, no same-origin access."""
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    if suffix != ".pdf":  # Chromium's PDF viewer does not run in a sandboxed document
        headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return headers


def attachment_response(path: Path, part: int, download: bool) -> Response:
    """Attachment `part` of the e-mail at `path`, read out of the message, served as its own file (inline for the
    kinds a browser shows, like an original); 404 with one line for a file that is no message or has no such
    attachment, or one bigger than a corpus file may be."""
    try:
        name, data = attachment_of(path, part)
    except QAError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    suffix = Path(name).suffix.lower()
    shown = "inline" if suffix in _TYPES and not download else "attachment"
    headers = {**_original_headers(suffix), "Content-Disposition": content_disposition(shown, name)}
    return Response(data, media_type=_media_type(name), headers=headers)


def content_disposition(disposition: str, name: str) -> str:
    """A Content-Disposition header for a file name taken from an e-mail (anything may be in it): an ASCII
    fallback with every other character as `_`, and the name itself percent-encoded (RFC 6266, 5987)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name) or "file"
    return f"{disposition}; filename=\"{fallback}\"; filename*=utf-8''{quote(name, safe='')}"


def guard_gradio_files(demo, corpus_dir: str | Path) -> None:  # type: ignore[no-untyped-def]
    """Switch Gradio's own file checks on for a mounted app.

    `Blocks.launch` marks the Blocks as launched, and only then does Gradio refuse an event's file value that
    its upload route did not write into its upload folder (`processing_utils._check_allowed`). An app mounted
    with `gr.mount_gradio_app` is never marked, so without this any server path a client names would be copied
    in. The corpus folder is blocked too: Gradio never serves or moves a document (the file routes do)."""
    demo.has_launched = True
    demo.allowed_paths = []
    demo.blocked_paths = [str(Path(corpus_dir).resolve())]


def app_with_routes(
    demo,
    corpus_dir: str | Path,
    launch_options: dict,
    host: str = "127.0.0.1",  # type: ignore[no-untyped-def]
    port: int = 7860,
    allow_hosts: tuple[str, ...] = (),
    upload_dir: str | Path | None = None,
    upload_room: int = DEFAULT_UPLOAD_ROOM_BYTES,
    texts: StoreFn | None = None,
):
    """A FastAPI app serving the file routes with the Gradio Blocks mounted at the root (Gradio's own way to
    add routes: `gr.mount_gradio_app`), every route behind the Host/Origin check; with `upload_dir`, uploads
    are refused while the files waiting there would pass `upload_room` bytes; with `texts` (the served index's
    chunk store), non-PDF documents open in the reading view."""
    import gradio as gr

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(file_routes(corpus_dir, texts))
    app = gr.mount_gradio_app(app, demo, path="/", server_name=host, server_port=port, **launch_options)
    guard_gradio_files(demo, corpus_dir)
    if upload_dir is not None:
        app.add_middleware(UploadRoomMiddleware, folder=upload_dir, room=upload_room)
    app.add_middleware(HostOriginMiddleware, allowed=allowed_hosts(host, allow_hosts))  # outermost: checked first
    return app


def serve(
    demo,
    corpus_dir: str | Path,
    host: str,
    port: int,
    launch_options: dict,  # type: ignore[no-untyped-def]
    allow_hosts: tuple[str, ...] = (),
    upload_dir: str | Path | None = None,
    upload_room: int = DEFAULT_UPLOAD_ROOM_BYTES,
    texts: StoreFn | None = None,
) -> None:
    """Run the app (Gradio plus the file routes) with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(
        app_with_routes(demo, corpus_dir, launch_options, host, port, allow_hosts, upload_dir, upload_room, texts),
        host=host,
        port=port,
        log_level="warning",
    )
