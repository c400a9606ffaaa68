"""The Gradio web app, in parts: `holder` (the served engine and its rebuilds), `views` (HTML), `files`
(what the browser may read and write in the corpus folder), `uploads` (which uploaded files a handler may
take), `admission` (the checks an upload passes before it is saved), `hosts` (the Host/Origin check),
`pageimage` (PDF pages with the answer marked), `reading` (the reading view of a document's indexed text),
`routes` (the document routes and the server), `evaluation` (the Evaluate tab), `removal` (remove with confirm,
restore), `typecheck` (the upload kind check), `jobs` (uploads indexed in the background, a status per file) and
`layout` (the page).

Names are imported on first use, so `qa.web.files` or `qa.web.pageimage` load without Gradio.
"""

from __future__ import annotations

from importlib import import_module

_WHERE = {
    "EngineHolder": "holder",
    "Served": "holder",
    "prepare": "holder",
    "EXAMPLES_FILE": "layout",
    "build_app": "layout",
    "example_questions": "layout",
    "launch_options": "layout",
    "app_with_routes": "routes",
    "serve": "routes",
    "use_upload_folder": "uploads",
    "DEFAULT_CORPUS_QUOTA_BYTES": "admission",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    if name not in _WHERE:
        raise AttributeError(f"module 'qa.web' has no attribute {name!r}")
    return getattr(import_module(f".{_WHERE[name]}", __name__), name)
