"""The web app's page: Ask, Evaluate and Index tabs wired to one shared, swappable engine (`holder.py`).

The UI handlers return escaped HTML (`views.py`); the API functions (`ask`, `status`) return JSON-ready dicts.
Both call the same library functions. Run it with `routes.serve`, which adds the document routes.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

import gradio as gr  # the entry point (app.py) set the offline environment before this import
from gradio.data_classes import ListFiles

from ..engine import MAX_K, Engine
from ..errors import QAError
from ..evaluate.gold import GoldQuestion, answers_missing_from, evaluate_gold, load_gold
from ..ingest.extract import READABLE
from ..ingest.load import DEFAULT_MAX_FILE_BYTES
from ..options import Mode
from .admission import DEFAULT_CORPUS_QUOTA_BYTES
from .evaluation import CountingEngine, metrics_figure, metrics_frame, read_gold_upload
from .files import DOCUMENT_SUFFIXES, Saved, corpus_documents, save_upload
from .holder import EngineHolder, as_int, indexed_documents
from .jobs import UploadQueue, queue_html
from .removal import removal_controls, wire_removal
from .typecheck import check_kinds
from .uploads import UploadArea, shown_name, upload_folder
from .views import error_html, files_html, message_html, misses_html, response_html, status_html

MODES = Mode.values()

log = logging.getLogger(__name__)

UI_MAX_K = 10
ALL_MODES = "all modes"
CONCURRENCY = 4  # simultaneous questions; more wait in the queue
UPLOAD_SWEEP = (3600, 3600)  # every hour, Gradio deletes uploads older than an hour that no event took
POLL_SECONDS = 1.0  # how often a page asks for the upload status while files are being indexed
# Example questions live with the data: a JSON Lines file (gold format: question, answers) in the corpus
# folder. Hidden, so the loader never indexes it and the document routes never serve it.
EXAMPLES_FILE = ".examples.jsonl"

CSS = """
.qa-question-echo { color: var(--body-text-color); margin: 4px 0 8px; font-weight: 600; overflow-wrap: anywhere; }
.qa-mode { font-weight: 400; color: var(--body-text-color-subdued); }
.qa-answer { border-left: 4px solid #e8a500; background: var(--background-fill-secondary); padding: 10px 14px;
             border-radius: 6px; margin: 6px 0 10px; font-size: 1.05em; line-height: 1.5; }
.qa-answer-label { font-weight: 700; text-transform: uppercase; font-size: 0.8em; letter-spacing: 0.05em;
                   margin-right: 6px; color: var(--body-text-color-subdued); }
.qa-answer-source { color: var(--body-text-color-subdued); font-size: 0.9em; }
.qa-warning { border-left: 4px solid #c2410c; background: #fff4e5; color: #4a2500; padding: 10px 14px;
              border-radius: 6px; margin: 6px 0 10px; }
.qa-error { border-left: 4px solid #b91c1c; background: #fdecec; color: #5f0b0b; padding: 10px 14px;
            border-radius: 6px; margin: 6px 0; font-weight: 600; }
.qa-info { border-left: 4px solid #2563eb; background: var(--background-fill-secondary); padding: 8px 12px;
           border-radius: 6px; margin: 6px 0; }
.qa-notices { color: var(--body-text-color-subdued); font-size: 0.9em; margin: 0 0 8px 18px; }
.qa-results-label { font-size: 1em; margin: 14px 0 4px; }
.qa-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 14px; margin: 10px 0;
           background: var(--background-fill-primary); box-shadow: 0 1px 2px rgba(0,0,0,0.04); }
.qa-not-confident .qa-card { border-style: dashed; }
.qa-card-head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; margin-bottom: 6px; }
.qa-rank { font-weight: 700; }
.qa-doc { font-family: var(--font-mono); font-size: 0.9em; }
.qa-heading { font-style: italic; }
.qa-sep { color: var(--body-text-color-subdued); }
.qa-score { margin-left: auto; font-size: 0.85em; color: var(--body-text-color-subdued); font-variant-numeric: tabular-nums; }
.qa-passage, .qa-context-body { white-space: pre-wrap; line-height: 1.55; }
mark.qa-sentence { background: #fff1a8; color: #1f1f1f; padding: 1px 0; border-radius: 2px; }
mark.qa-span { background: #ffc933; color: #111; font-weight: 700; padding: 1px 1px; border-radius: 2px; }
mark.qa-term { background: transparent; color: inherit; padding: 0; border-bottom: 2px solid #d4a017; }
.qa-context { margin-top: 8px; }
.qa-context summary { cursor: pointer; color: var(--body-text-color-subdued); font-size: 0.9em; }
.qa-context-body { border-top: 1px dashed var(--border-color-primary); margin-top: 6px; padding-top: 6px; }
.qa-context-side { color: var(--body-text-color-subdued); }
.qa-context-self { }
.qa-context-heading { font-weight: 700; font-style: italic; margin: 6px 0 2px; white-space: normal; }
.qa-context-edge { color: var(--body-text-color-subdued); font-size: 0.85em; white-space: normal; }
.qa-status { border: none; border-collapse: collapse; margin: 4px 0 8px; width: auto; }
.qa-status th, .qa-status td { border: none; border-bottom: 1px solid var(--border-color-primary); padding: 5px 18px 5px 0;
                               text-align: left; vertical-align: top; }
.qa-status th { white-space: nowrap; }
.qa-status ul { margin: 4px 0 0 18px; }
.qa-files summary { cursor: pointer; font-weight: 600; margin: 6px 0; }
.qa-files-table { border-collapse: collapse; width: auto; font-size: 0.92em; }
.qa-files-table th, .qa-files-table td { border: none; border-bottom: 1px solid var(--border-color-primary);
                                         padding: 3px 14px 3px 0; text-align: left; vertical-align: top; }
.qa-files-table td:nth-child(3), .qa-files-table td:nth-child(4) { text-align: right; }
.qa-file, .qa-file-notes { overflow-wrap: anywhere; }
.qa-state-fresh { color: #15803d; font-weight: 700; }
.qa-state-stale { color: #b45309; font-weight: 700; }
.qa-miss { margin: 6px 0; }
.qa-miss-q { font-weight: 600; cursor: pointer; overflow-wrap: anywhere; }
.qa-misses > summary { cursor: pointer; font-weight: 600; }
.qa-miss-cards { margin: 6px 0 10px 0; padding: 0; list-style: none; }
.qa-miss-card { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.qa-miss-snippet { white-space: pre-wrap; font-size: 0.9em; line-height: 1.45; }
.qa-miss-meta, .qa-miss-answer { font-size: 0.9em; color: var(--body-text-color-subdued); }
.qa-page { font-size: 0.9em; }
.qa-attached { font-size: 0.85em; color: var(--body-text-color-subdued); }
.qa-ocr { font-size: 0.8em; padding: 0 4px; border: 1px solid var(--border-color-primary); border-radius: 3px; color: var(--body-text-color-subdued); }
.qa-links { display: flex; flex-direction: column; gap: 4px; margin-top: 6px; font-size: 0.9em; }
.qa-open, .qa-download { width: fit-content; }
.qa-page-view summary { cursor: pointer; color: var(--body-text-color-subdued); }
.qa-page-image { max-width: 100%; border: 1px solid var(--border-color-primary); margin-top: 6px; }
.qa-update ul { margin: 2px 0 2px 18px; }
.qa-jobs-summary { margin: 4px 0; color: var(--body-text-color-subdued); }
.qa-job-name { font-family: var(--font-mono); font-size: 0.9em; }
.qa-job-state { font-variant-numeric: tabular-nums; }
.qa-job[data-state="done"] .qa-job-state { color: #15803d; }
.qa-job[data-state="refused"] .qa-job-state, .qa-job[data-state="failed"] .qa-job-state { color: #b91c1c; }
.qa-job[data-state="cancelled"] .qa-job-state { color: var(--body-text-color-subdued); }
.qa-job[data-state="reading"] .qa-job-state, .qa-job[data-state="embedding"] .qa-job-state,
.qa-job[data-state="writing"] .qa-job-state { color: #1d4ed8; font-weight: 600; }
"""


def upload_control(file_types: list[str], **kwargs) -> gr.File:  # type: ignore[no-untyped-def]
    """A `gr.File` (filepath mode) whose handler gets each uploaded file's own path and nothing more.

    `gr.File.preprocess` also leaves an empty temporary file in the upload folder for every file it hands over,
    which nothing ever deletes, so this control's preprocess is replaced (on this instance only: subclassing a
    Gradio component makes Gradio write a `.pyi` stub next to the module at import time). The kinds are checked
    here and by `typecheck.check_kinds` (a line under the control), not by Gradio in the browser, whose toast
    stays ten seconds over the next uploads."""
    control = gr.File(type="filepath", **kwargs)
    control.qa_file_types = file_types  # type: ignore[attr-defined]  # not `file_types`: the page would check them

    def preprocess(payload):  # type: ignore[no-untyped-def]
        if payload is None:
            return None
        from gradio_client.utils import is_valid_file

        files = list(payload) if isinstance(payload, ListFiles) else [payload]
        for file in files:
            if not is_valid_file(file.path, file_types):
                raise gr.Error(
                    f"'{shown_name(file.path)}' is not one of {', '.join(file_types)}; upload a file of those types",
                    duration=4,  # short: a toast must not stay over the next uploads
                    print_exception=False,
                )
        paths = [str(file.path) for file in files]
        return paths[0] if control.file_count == "single" else paths

    control.preprocess = preprocess  # type: ignore[method-assign]
    return control


def theme():  # type: ignore[no-untyped-def]
    """Local/system fonts only: the default theme would fetch fonts from Google."""
    return gr.themes.Default(
        font=[gr.themes.Font("system-ui"), "sans-serif"], font_mono=[gr.themes.Font("ui-monospace"), "monospace"]
    )


def launch_options(max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> dict:
    """Keyword arguments for `Blocks.launch` / `gr.mount_gradio_app` that keep the page offline and styled.
    Gradio's upload route refuses files over `max_file_bytes` (the build's per-file limit) while they stream in."""
    return {
        "theme": theme(),
        "css": CSS,
        "ssr_mode": False,
        "pwa": False,
        "mcp_server": False,
        "footer_links": ["api", "settings"],
        "show_error": False,
        "max_file_size": max_file_bytes,
    }


def upload_area(holder: EngineHolder, upload_dir: str | Path | None, listed) -> UploadArea:  # type: ignore[no-untyped-def]
    """The area the handlers take uploads from; refuses to build an app whose Gradio keeps uploads elsewhere
    (the entry point must call `uploads.use_upload_folder` before the Blocks are built)."""
    from gradio.utils import get_upload_folder

    folder = Path(upload_dir) if upload_dir is not None else upload_folder(holder.index_dir)
    gradio_folder = Path(get_upload_folder()).resolve()
    if gradio_folder != folder.resolve():
        raise QAError(
            f"Gradio keeps uploads in '{gradio_folder}', not in the app's upload folder '{folder}'; call "
            "qa.web.use_upload_folder(index) before build_app"
        )
    return UploadArea(folder, listed)


def example_candidates(corpus_dir: str | Path | None, gold_path: str | Path | None) -> list[GoldQuestion]:
    """The questions of the corpus folder's examples file, then of the gold file (a missing or broken file gives
    none, with a log line)."""
    candidates: list[GoldQuestion] = []
    for path in (Path(corpus_dir) / EXAMPLES_FILE if corpus_dir is not None else None, gold_path):
        if path is None or not Path(path).is_file():
            continue
        try:
            candidates += load_gold(path)
        except QAError as exc:
            log.warning("examples not read: %s", exc)
    return candidates


def example_questions(
    engine: Engine, corpus_dir: str | Path | None = None, gold_path: str | Path | None = None, limit: int = 5
) -> list[str]:
    """Example questions whose answers the indexed corpus holds and that the engine answers without "the corpus
    may not answer": the corpus folder's examples file, then the gold file's questions. A missing or broken file
    just contributes none."""
    candidates = example_candidates(corpus_dir, gold_path)
    answered = answers_in_corpus(engine, candidates)
    questions = dict.fromkeys(q.question for q in candidates if id(q) in answered)
    return [q for q in questions if engine.ask(q, k=1).confident][:limit]  # an example never shows a doubt


def answers_in_corpus(engine: Engine, candidates: list[GoldQuestion]) -> set[int]:
    """`id()`s of the candidates whose answer text the indexed documents hold (one document in memory at a time)."""
    answered: set[int] = set()
    store = engine.index.chunks
    for doc in sorted(indexed_documents(engine.index.manifest)):
        if len(answered) == len(candidates):
            break
        document = store.document(doc)
        text = document.text if document is not None else "\n".join(c.text for _, c in store.doc_chunks(doc))
        pending = [q for q in candidates if id(q) not in answered and (not q.doc or q.doc == doc)]
        missing = {id(q) for q in answers_missing_from(pending, {doc: text})}
        answered |= {id(q) for q in pending if id(q) not in missing}
    return answered


def _unexpected(exc: Exception, what: str) -> str:
    traceback.print_exc()  # the page shows one line; the terminal gets the traceback
    first = str(exc).splitlines()[0] if str(exc) else ""
    return error_html(f"{what} ({type(exc).__name__}: {first})" if first else f"{what} ({type(exc).__name__})")


def build_app(
    holder: EngineHolder,
    *,
    gold_path: str | Path | None = None,
    examples: Sequence[str] | None = None,
    concurrency: int = CONCURRENCY,
    upload_dir: str | Path | None = None,
    corpus_quota_bytes: int = DEFAULT_CORPUS_QUOTA_BYTES,
) -> gr.Blocks:
    """The Blocks app, with its queue enabled. Serve it with `routes.serve(demo, corpus, host, port, launch_options())`.
    `examples` default to `example_questions` of the loaded index and corpus folder. File inputs take only
    uploads Gradio wrote into `upload_dir` (default: the index's `.uploads`, see `uploads.use_upload_folder`);
    added documents must keep the corpus folder within `corpus_quota_bytes`."""
    if examples is None:
        examples = example_questions(holder.engine, holder.corpus_dir, gold_path)
    area = upload_area(holder, upload_dir, lambda: demo.upload_file_set)
    uploads = UploadQueue(holder)

    # ------------------------------------------------ handlers (UI: HTML; API: dicts)

    def ui_ask(question: str, k: float, mode: str) -> str:
        try:
            response, served = holder.ask(question, k=int(k), mode=mode)
            return response_html(response, served)
        except QAError as exc:
            return error_html(str(exc))
        except Exception as exc:
            return _unexpected(exc, "unexpected error")

    def api_ask(question: str, k: int = 5, mode: str = "hybrid") -> dict:
        """Answer a question: the `qa ask --json` contract (question, mode, results, confident, notices)."""
        try:
            k = as_int(k, "k")
            if not 1 <= k <= MAX_K:
                raise QAError(f"k={k} is outside 1..{MAX_K}; ask for between 1 and {MAX_K} passages")
            response, _ = holder.ask(question, k=k, mode=mode)
            return response.to_json()
        except QAError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def api_status() -> dict:
        """The index manifest summary and whether the corpus changed since the build."""
        return holder.status()

    def ui_status() -> str:
        try:
            return status_html(holder.status())
        except QAError as exc:
            return error_html(str(exc))

    def ui_files(shown: str):  # type: ignore[no-untyped-def]
        """What each document became, in a component of its own: when it was part of the status, every refresh
        replaced it and folded it closed under the reader's eyes. Sent again only when another index is served."""
        served = str(holder.engine.index.path)
        if served == shown:
            return gr.skip(), shown
        return files_html([file.to_json() for file in holder.files()]), served

    def documents_choice():  # type: ignore[no-untyped-def]
        return gr.Dropdown(choices=corpus_documents(holder.corpus_dir), value=None)

    def ui_rebuild(progress=gr.Progress()) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        try:
            progress(0.0, desc="starting the build")
            rebuilt = holder.rebuild(lambda fraction, message: progress(fraction, desc=message))
            message = message_html(rebuilt.summary(), "info")
        except QAError as exc:
            message = error_html(str(exc))
        except Exception as exc:
            message = _unexpected(exc, "rebuild failed; the previous index is still served")
        return message, ui_status()

    def add_one(given: str) -> Saved:
        """One upload of this page into the corpus folder if it passes every check; its upload copy is deleted."""
        try:
            source = area.accept(given)
            return save_upload(
                holder.corpus_dir, source.name, source, max_bytes=holder.max_file_bytes, quota_bytes=corpus_quota_bytes
            )
        except QAError as exc:
            return Saved(shown_name(given), None, str(exc))
        finally:
            area.discard(given)

    def ui_add(paths: list[str] | None):  # type: ignore[no-untyped-def]
        """Save the uploaded files into the corpus folder (each after every check) and queue them; they are indexed
        in the background, one at a time, while questions are answered from the current index."""
        if not paths:
            return (
                error_html("no file chosen; pick the documents to add first"),
                queue_html(uploads.view()),
                ui_status(),
                None,
                gr.Timer(active=uploads.view().busy),
            )
        uploads.submit([add_one(p) for p in ([paths] if isinstance(paths, str) else paths)])
        # the file control is emptied; the index status says which saved files wait to be indexed
        return "", queue_html(uploads.view()), ui_status(), None, gr.Timer(active=True)

    def ui_upload_status(seen: int):  # type: ignore[no-untyped-def]
        """The upload panel, polled while files are indexed; the index status and the document list are refreshed
        when a file finished, and the polling stops once nothing is left."""
        view = uploads.view()
        changed = view.finished != seen
        return (
            queue_html(view),
            ui_status() if changed else gr.skip(),
            documents_choice() if changed else gr.skip(),
            view.finished,
            gr.Timer(active=view.busy),
        )

    def ui_upload_panel():  # type: ignore[no-untyped-def]
        """The upload panel as a page opens: polling runs while files are being indexed."""
        view = uploads.view()
        return queue_html(view), view.finished, gr.Timer(active=view.busy)

    def ui_upload_cancel() -> str:
        uploads.cancel()
        return queue_html(uploads.view())

    def read_gold(upload: str | None) -> tuple[list[GoldQuestion], str]:
        """The uploaded gold set (only an upload of this page; its upload copy is deleted once read), else the default."""
        if not upload:
            return read_gold_upload(None, gold_path)
        try:
            return read_gold_upload(str(area.accept(upload)), gold_path)
        finally:
            area.discard(upload)

    def ui_evaluate(upload: str | None, mode: str, progress=gr.Progress()):  # type: ignore[no-untyped-def]
        """Run the gold set; the upload control is emptied (its file is read once and deleted)."""
        empty = metrics_frame([])
        try:
            gold, name = read_gold(upload)
            modes = list(MODES) if mode == ALL_MODES else [mode]
            engine = holder.engine  # one engine for the whole run, even if a rebuild swaps it meanwhile
            total = len(gold) * len(modes)
            done = [0]

            def tick() -> None:
                done[0] += 1
                progress(done[0] / total, desc=f"question {done[0]} of {total}")

            began = time.perf_counter()
            counting = CountingEngine(engine, tick)
            reports = [evaluate_gold(counting, gold, mode=m, k=10) for m in modes]
            seconds = time.perf_counter() - began
            title = f"{name}: {len(gold)} questions"
            summary = message_html(
                f"Evaluated {title} in {', '.join(modes)} mode{'s' if len(modes) > 1 else ''} ({seconds:.1f} s)."
            )
            misses = misses_html(reports, counting.responses)
            return summary, metrics_frame(reports), metrics_figure(reports, title), misses, None
        except QAError as exc:
            return error_html(str(exc)), empty, None, "", None
        except Exception as exc:
            return _unexpected(exc, "evaluation failed"), empty, None, "", None

    # ------------------------------------------------ layout

    with gr.Blocks(title="Ask the corpus", analytics_enabled=False, delete_cache=UPLOAD_SWEEP) as demo:
        gr.Markdown(
            "## Ask the corpus\nOffline question answering over a folder of documents: the answer sentence is "
            "highlighted in each passage, the answer itself in bold."
        )
        with gr.Tab("Ask", id="ask"):
            with gr.Row():
                question = gr.Textbox(
                    label="Question",
                    placeholder="Ask about the corpus and press Enter",
                    lines=1,
                    max_lines=4,
                    scale=5,
                    elem_id="qa-question",
                    autofocus=True,
                )
                ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
            with gr.Accordion("Search settings", open=False, elem_id="qa-settings"), gr.Row():
                k = gr.Slider(1, UI_MAX_K, value=5, step=1, label="Number of passages", elem_id="qa-k")
                mode = gr.Radio(
                    list(MODES),
                    value="hybrid",
                    label="Retrieval mode",
                    elem_id="qa-mode",
                    info="hybrid = dense + BM25; dense = meaning only; bm25 = words only",
                )
            example_set = (
                gr.Examples(examples=[[q] for q in examples], inputs=[question], label="Examples (click to ask)")
                if examples
                else None
            )
            results = gr.HTML('<div class="qa-placeholder">Results appear here.</div>', elem_id="qa-results")

        with gr.Tab("Evaluate", id="evaluate"):
            gr.Markdown(
                f"Runs a gold question set (default: `{Path(gold_path).name if gold_path else 'none'}`; or upload "
                "a JSON Lines file with `question`, `answers` and optionally `doc`) and scores the ranked passages."
            )
            with gr.Row():
                gold_upload = upload_control(
                    label="Gold questions (.jsonl, optional)",
                    file_types=[".jsonl", ".json", ".txt"],
                    elem_id="qa-gold-upload",
                )
                eval_mode = gr.Radio([*MODES, ALL_MODES], value=ALL_MODES, label="Mode", elem_id="qa-eval-mode")
            gold_note = gr.HTML("", elem_id="qa-gold-note")
            eval_button = gr.Button("Run evaluation", variant="primary", elem_id="qa-eval-run")
            eval_message = gr.HTML("", elem_id="qa-eval-message")
            eval_table = gr.Dataframe(
                value=metrics_frame([]), label="Metrics", interactive=False, elem_id="qa-eval-table"
            )
            eval_plot = gr.Plot(label="Modes compared", elem_id="qa-eval-plot")
            eval_misses = gr.HTML("", elem_id="qa-eval-misses")

        with gr.Tab("Index", id="index"):
            index_status = gr.HTML("", elem_id="qa-index-status")
            index_files = gr.HTML("", elem_id="qa-index-files")
            files_shown = gr.State("")  # the generation whose document list the page shows
            with gr.Row():
                refresh_button = gr.Button("Refresh status", elem_id="qa-index-refresh")
                rebuild_button = gr.Button("Rebuild index", variant="primary", elem_id="qa-index-rebuild")
            rebuild_message = gr.HTML("", elem_id="qa-rebuild-message")
            gr.Markdown(
                "### Add or remove documents\nAdded files are saved into the corpus folder and indexed in the "
                "background, one at a time; questions are answered from the current index meanwhile, and each "
                "file is answerable once it says done."
            )
            with gr.Row():
                upload = upload_control(
                    label=f"Documents ({READABLE})",
                    file_count="multiple",
                    file_types=list(DOCUMENT_SUFFIXES),
                    elem_id="qa-upload",
                )
                with gr.Column():
                    add_button = gr.Button(
                        "Add to the corpus and update the index", variant="primary", elem_id="qa-upload-add"
                    )
                    cancel_button = gr.Button("Cancel adding", elem_id="qa-upload-cancel")
                    remove_doc = gr.Dropdown(
                        choices=corpus_documents(holder.corpus_dir),
                        value=None,
                        label="Document to remove",
                        elem_id="qa-remove-doc",
                        interactive=True,
                    )
                    remove_button = gr.Button(
                        "Remove from the corpus and update the index", variant="stop", elem_id="qa-remove"
                    )
                    removal = removal_controls()
            upload_note = gr.HTML("", elem_id="qa-upload-note")
            upload_status = gr.HTML("", elem_id="qa-upload-status")
            update_message = gr.HTML("", elem_id="qa-update-message")
            upload_poll = gr.Timer(POLL_SECONDS, active=False)
            upload_seen = gr.State(-1)  # the queue's finished count this page last showed

        # ------------------------------------------------ events (UI ones are not part of the public API)

        ui = {"api_visibility": "private"}
        building = {"concurrency_limit": 1, "concurrency_id": "rebuild", **ui}  # one corpus change at a time
        gr.on([question.submit, ask_button.click], ui_ask, [question, k, mode], results, **ui)
        if example_set is not None:
            example_set.load_input_event.then(ui_ask, [question, k, mode], results, **ui)
        eval_button.click(
            ui_evaluate,
            [gold_upload, eval_mode],
            [eval_message, eval_table, eval_plot, eval_misses, gold_upload],
            concurrency_limit=1,
            concurrency_id="evaluate",
            **ui,
        )
        refresh_button.click(ui_status, None, index_status, **ui)
        rebuild_button.click(ui_rebuild, None, [rebuild_message, index_status], **building)
        quiet = {"show_progress": "hidden", **ui}  # no overlay: the upload panel says what is going on
        add_button.click(
            ui_add,
            [upload],
            [update_message, upload_status, index_status, upload, upload_poll],
            concurrency_limit=1,
            concurrency_id="add",  # saves one Add at a time (quota and duplicate checks see each other's files)
            **quiet,
        )
        cancel_button.click(ui_upload_cancel, None, upload_status, **quiet)
        upload_poll.tick(
            ui_upload_status,
            [upload_seen],
            [upload_status, index_status, remove_doc, upload_seen, upload_poll],
            concurrency_limit=None,
            **quiet,
        )
        demo.load(ui_upload_panel, None, [upload_status, upload_seen, upload_poll], **quiet)
        removed_choice = wire_removal(
            holder,
            removal,
            remove_doc,
            remove_button,
            (update_message, index_status),
            ui_status,
            _unexpected,
            building,
            ui,
        )
        for control, note in ((gold_upload, gold_note), (upload, upload_note)):
            control.upload(
                check_kinds(control.qa_file_types, area.accept, area.discard),
                control,
                [note, control],
                preprocess=False,
                postprocess=False,
                **ui,
            )
        demo.load(ui_status, None, index_status, **ui)
        index_status.change(ui_files, [files_shown], [index_files, files_shown], **quiet)
        demo.load(documents_choice, None, remove_doc, **ui)
        demo.load(removed_choice, None, removal.removed, **ui)

        gr.api(api_ask, api_name="ask")
        gr.api(api_status, api_name="status")

    demo.queue(default_concurrency_limit=concurrency)
    return demo
