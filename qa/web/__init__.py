"""The Gradio web app, in parts: `holder` (the served engine and its rebuilds), `views` (HTML), `files`
(what the browser may read and write in the corpus folder), `pageimage` (PDF pages with the answer marked),
`routes` (the document routes and the server), `evaluation` (the Evaluate tab) and `layout` (the page).
"""

from __future__ import annotations

from ..embed import offline_environment

offline_environment()  # before gradio, transformers or the hub are imported

from .holder import EngineHolder, Served, configure_torch, prepare  # noqa: E402
from .layout import EXAMPLES_FILE, build_app, example_questions, launch_options  # noqa: E402
from .routes import app_with_routes, serve  # noqa: E402

__all__ = ["EXAMPLES_FILE", "EngineHolder", "Served", "app_with_routes", "build_app", "configure_torch",
           "example_questions", "launch_options", "prepare", "serve"]
