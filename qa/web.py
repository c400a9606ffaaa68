"""The Gradio web app: Ask, Evaluate and Index tabs over one shared, swappable `Engine`.

`EngineHolder` keeps the engine the app answers from; a rebuild builds a new index generation, opens a
new `Engine` and swaps the reference under a lock, so questions are answered from the old engine until
the swap and the app is never without one. The UI handlers return escaped HTML; the API functions
(`ask`, `status`) return JSON-ready dicts. Both call the same library functions.

Everything shown from the corpus or from the user goes through `html.escape` before markup is added.
"""

from __future__ import annotations

import html
import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .embed import offline_environment

offline_environment()  # before gradio, transformers or the hub are imported

import gradio as gr  # noqa: E402

from .config import BuildConfig  # noqa: E402
from .engine import MAX_K, Engine, Response, Result, build_from_folder  # noqa: E402
from .errors import IndexNotReady, QAError  # noqa: E402
from .evaluate import METRIC_KEYS, EvalReport, GoldQuestion, answers_missing_from, evaluate_gold, load_gold, parse_gold  # noqa: E402
from .index import corpus_changes, read_manifest  # noqa: E402
from .render import render_html  # noqa: E402
from .retrieve import MODES  # noqa: E402

log = logging.getLogger(__name__)

UI_MAX_K = 10
ALL_MODES = "all modes"
CONCURRENCY = 4  # simultaneous questions; more wait in the queue
# Shown only when their answers are in the index, so a user's own corpus never gets questions about ours.
DEFAULT_EXAMPLES = (
    ("How many members does the band of the Internal Troops have?", "115 members"),
    ("When was the Higher Military School of the Internal Troops created?", "25 February 2011"),
    ("Who commanded the Internal Troops from 2003 to 2013?", "Zakir Hasanov"),
    ("Which Soviet agency's staff formed the basis of the Ministry of National Security?", "State Security Committee"),
    ("How many crimes were recorded by the Ministry of Internal Affairs and the Prosecutor's Office in the first quarter of 2024?", "8,930"),
)
ProgressFn = Callable[[float, str], None]


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def configure_torch(threads: int = 1) -> None:
    """One intra-op thread per request: concurrency comes from the queue, and on a small, shared CPU
    torch's thread pool makes a one-question encode about 20x slower (0.5 s instead of 0.03 s)."""
    import torch

    torch.set_num_threads(max(1, threads))


# ---------------------------------------------------------------- engine holder


@dataclass(frozen=True)
class Served:
    """An engine and the lookup of its chunks by (doc, start, end), swapped together."""

    engine: Engine
    positions: dict[tuple[str, int, int], int]


def _served(engine: Engine) -> Served:
    return Served(engine, {(c.doc_id, c.start, c.end): i for i, c in enumerate(engine.index.chunks)})


class EngineHolder:
    """The engine the app answers from, replaced atomically after a rebuild."""

    def __init__(self, engine: Engine, index_dir: str | Path, corpus_dir: str | Path) -> None:
        self.index_dir = Path(index_dir)
        self.corpus_dir = Path(corpus_dir)
        self._served = _served(engine)
        self._swap_lock = threading.Lock()
        self._build_lock = threading.Lock()

    @property
    def served(self) -> Served:
        with self._swap_lock:
            return self._served

    @property
    def engine(self) -> Engine:
        return self.served.engine

    @property
    def rebuilding(self) -> bool:
        return self._build_lock.locked()

    def ask(self, question: str, k: int = 5, mode: str = "hybrid") -> tuple[Response, Served]:
        served = self.served
        return served.engine.ask(question, k=_as_int(k, "k"), mode=mode), served

    def rebuild(self, on_progress: ProgressFn | None = None) -> str:
        """Build a new generation from the corpus folder, open it, swap it in; returns a one-line summary."""
        if not self._build_lock.acquire(blocking=False):
            raise QAError("a rebuild is already running; wait for it to finish")
        try:
            old = self.engine
            config = BuildConfig.from_json(old.index.manifest["config"])
            encoder = old.encoder if old.encoder.name == config.model else None
            report = build_from_folder(self.corpus_dir, self.index_dir, config, encoder=encoder, on_progress=on_progress)
            new = Engine.open(self.index_dir, encoder=old.encoder if encoder is not None else None)
            served = _served(new)
            with self._swap_lock:
                self._served = served
        finally:
            self._build_lock.release()
        skipped = f"; skipped {len(report.skipped)} file(s)" if report.skipped else ""
        return (f"Rebuilt: {report.documents} documents, {report.chunks} chunks; embedded {report.embedded} new passages, "
                f"reused {report.reused}; {report.seconds:.1f} s{skipped}. Questions are now answered from the new index.")

    def status(self) -> dict:
        """The served index's manifest and whether the corpus folder changed since it was built."""
        manifest = self.engine.index.manifest
        counts = manifest.get("counts", {})
        if self.corpus_dir.is_dir():
            changes = corpus_changes(manifest, self.corpus_dir)
            state = "stale" if changes else "fresh"
        else:
            changes, state = [], "unknown (corpus folder missing)"
        try:
            on_disk = read_manifest(self.index_dir).get("built_at")
        except QAError:
            on_disk = None
        return {
            "index": str(self.index_dir),
            "corpus": str(self.corpus_dir),
            "model": manifest.get("model", {}).get("name"),
            "dimension": manifest.get("model", {}).get("dimension"),
            "documents": counts.get("documents"),
            "chunks": counts.get("chunks"),
            "sentences": counts.get("sentences"),
            "built_at": manifest.get("built_at"),
            "build_seconds": manifest.get("build_seconds"),
            "state": state,
            "fresh": state == "fresh",
            "changes": changes,
            "skipped": manifest.get("skipped", []),
            "newer_on_disk": bool(on_disk and on_disk != manifest.get("built_at")),
            "rebuilding": self.rebuilding,
        }


def _as_int(value: object, name: str) -> int:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise QAError(f"{name}={value!r} is not a number; pass a whole number") from None
    if number != int(number):
        raise QAError(f"{name}={value!r} is not a whole number")
    return int(number)


# ---------------------------------------------------------------- startup


def terminal_progress(prefix: str = "building index") -> ProgressFn:
    last = {"message": None}

    def report(fraction: float, message: str) -> None:
        if message != last["message"]:
            last["message"] = message
            print(f"{prefix}: {fraction:4.0%} {message}", flush=True)

    return report


def prepare(corpus_dir: str | Path, index_dir: str | Path, *, log_fn: Callable[[str], None] = print,
            on_progress: ProgressFn | None = None) -> EngineHolder:
    """Open the index, building it first when it is missing, stale or unreadable; warm the model up.

    Loads the model and the index once for the process.
    """
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    reason: str | None = None
    config = BuildConfig()
    engine: Engine | None = None
    try:
        manifest = read_manifest(index_dir)
        config = BuildConfig.from_json(manifest["config"])
        changes = corpus_changes(manifest, corpus_dir) if corpus_dir.is_dir() else []
        if changes:
            shown = ", ".join(changes[:5]) + (f" and {len(changes) - 5} more" if len(changes) > 5 else "")
            reason = f"index at '{index_dir}' is stale ({shown})"
        else:
            engine = Engine.open(index_dir)
    except IndexNotReady as exc:
        reason = str(exc) if (index_dir / "current").exists() else f"no index at '{index_dir}' yet"
    except (KeyError, TypeError, ValueError) as exc:
        reason = f"index manifest at '{index_dir}' is unusable ({exc})"
    if engine is None:
        log_fn(f"{reason}; building it from '{corpus_dir}' ...")
        began = time.perf_counter()
        report = build_from_folder(corpus_dir, index_dir, config, on_progress=on_progress or terminal_progress())
        for skipped in report.skipped:
            log_fn(f"warning: skipped {skipped.path}: {skipped.reason}")
        log_fn(f"built '{index_dir}': {report.documents} documents, {report.chunks} chunks in {time.perf_counter() - began:.1f} s")
        engine = Engine.open(index_dir)
    engine.ask("warm up the model", k=1)
    return EngineHolder(engine, index_dir, corpus_dir)


# ---------------------------------------------------------------- HTML rendering


def source_html(doc: str, heading: str) -> str:
    label = f'<span class="qa-doc">{esc(doc)}</span>'
    if heading:
        label += f' <span class="qa-sep">›</span> <span class="qa-heading">{esc(heading)}</span>'
    return label


def answer_line_html(result: Result) -> str:
    answer = result.answer
    if answer is None:
        return ""
    sentence = answer.text
    if answer.span is not None:
        a, b = answer.span.start - answer.start, answer.span.end - answer.start
        body = f'{esc(sentence[:a])}<mark class="qa-span">{esc(sentence[a:b])}</mark>{esc(sentence[b:])}'
    else:
        body = esc(sentence)
    return (f'<div class="qa-answer"><span class="qa-answer-label">Answer</span> '
            f'<q class="qa-answer-text">{body}</q> <span class="qa-answer-source">— {source_html(result.doc, result.heading)}</span></div>')


def context_html(result: Result, served: Served) -> str:
    """The passage in its document: the end of the previous passage and the start of the next one."""
    index = served.positions.get((result.doc, result.start, result.end))
    if index is None:
        return ""
    chunks = served.engine.index.chunks
    prev = chunks[index - 1] if index > 0 and chunks[index - 1].doc_id == result.doc else None
    nxt = chunks[index + 1] if index + 1 < len(chunks) and chunks[index + 1].doc_id == result.doc else None
    parts = []
    if prev is not None:
        if prev.heading and prev.heading != result.heading:
            parts.append(f'<div class="qa-context-heading">{esc(prev.heading)}</div>')
        before = prev.text[: max(0, result.start - prev.start)] if prev.end > result.start else prev.text + "\n\n"
        parts.append(f'<span class="qa-context-side">{esc(before)}</span>')
    else:
        parts.append('<div class="qa-context-edge">(start of document)</div>')
    if result.heading and (prev is None or prev.heading != result.heading):
        parts.append(f'<div class="qa-context-heading">{esc(result.heading)}</div>')
    parts.append(f'<span class="qa-context-self">{render_html(result.text, result)}</span>')
    if nxt is not None:
        after = nxt.text[max(0, result.end - nxt.start):] if nxt.start < result.end else nxt.text
        if nxt.heading and nxt.heading != result.heading:
            parts.append(f'<div class="qa-context-heading">{esc(nxt.heading)}</div>')
        elif nxt.start >= result.end:
            after = "\n\n" + after
        parts.append(f'<span class="qa-context-side">{esc(after)}</span>')
    else:
        parts.append('<div class="qa-context-edge">(end of document)</div>')
    return ('<details class="qa-context"><summary>Show in surrounding text</summary>'
            f'<div class="qa-context-body">{"".join(parts)}</div></details>')


def card_html(result: Result, served: Served) -> str:
    return (
        f'<article class="qa-card" data-rank="{result.rank}" data-doc="{esc(result.doc)}">'
        f'<header class="qa-card-head"><span class="qa-rank">#{result.rank}</span> {source_html(result.doc, result.heading)}'
        f'<span class="qa-score" title="retrieval score">score {result.score:.3f}</span></header>'
        f'<div class="qa-passage">{render_html(result.text, result)}</div>'
        f'{context_html(result, served)}</article>'
    )


def response_html(response: Response, served: Served) -> str:
    parts = [f'<div class="qa-question-echo">Q: {esc(response.question)} <span class="qa-mode">({esc(response.mode)})</span></div>']
    notices = [f"<li>{esc(n)}</li>" for n in response.notices]
    if not response.results:
        parts.append('<div class="qa-warning" role="status"><strong>No passage matched the question.</strong> '
                     "The corpus may not answer it; try other words.</div>")
        return "".join(parts)
    if response.confident:
        parts.append(answer_line_html(response.results[0]))
        if notices:
            parts.append(f'<ul class="qa-notices">{"".join(notices)}</ul>')
        label = "Passages, best first"
    else:
        # the library's own "may not answer" notice says what the banner says
        others = [f"<li>{esc(n)}</li>" for n in response.notices if "may not answer" not in n]
        parts.append('<div class="qa-warning" role="status"><strong>The corpus may not answer this question.</strong> '
                     "No passage scores well; the closest passages are shown below as leads, not answers."
                     f'{"<ul>" + "".join(others) + "</ul>" if others else ""}</div>')
        label = "Closest passages (not confident answers)"
    parts.append(f'<h3 class="qa-results-label">{label}</h3>')
    parts.extend(card_html(r, served) for r in response.results)
    return f'<div class="qa-response{"" if response.confident else " qa-not-confident"}">{"".join(parts)}</div>'


def error_html(message: str) -> str:
    return f'<div class="qa-error" role="alert">Error: {esc(message)}</div>'


def status_html(status: dict) -> str:
    state = status["state"]
    state_cell = f'<span class="qa-state qa-state-{"fresh" if status["fresh"] else "stale"}">{esc(state)}</span>'
    if status["changes"]:
        state_cell += "<ul>" + "".join(f"<li>{esc(c)}</li>" for c in status["changes"]) + "</ul>"
    rows = [
        ("Index folder", esc(status["index"])),
        ("Corpus folder", esc(status["corpus"])),
        ("Model", f'<code class="qa-model">{esc(status["model"])}</code> ({esc(status["dimension"])} dimensions)'),
        ("Documents", f'<span class="qa-documents">{esc(status["documents"])}</span>'),
        ("Chunks", f'<span class="qa-chunks">{esc(status["chunks"])}</span>'),
        ("Sentences", esc(status["sentences"])),
        ("Built", f'{esc(status["built_at"])} (took {esc(status["build_seconds"])} s)'),
        ("State", state_cell),
    ]
    if status["skipped"]:
        rows.append(("Skipped files", "<ul>" + "".join(f"<li>{esc(s.get('path'))}: {esc(s.get('reason'))}</li>" for s in status["skipped"]) + "</ul>"))
    if status["newer_on_disk"]:
        rows.append(("Note", "a newer index was built on disk by another process; press Rebuild to serve a fresh one"))
    if status["rebuilding"]:
        rows.append(("Rebuild", "running; questions are answered from the current index until it finishes"))
    body = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in rows)
    return f'<table class="qa-status">{body}</table>'


def message_html(text: str, kind: str = "info") -> str:
    return f'<div class="qa-{kind}" role="status">{esc(text)}</div>'


# ---------------------------------------------------------------- evaluation


class _CountingEngine:
    """Passes `ask` through to an engine and reports each question to a progress callback."""

    def __init__(self, engine: Engine, on_question: Callable[[], None]) -> None:
        self._engine = engine
        self._on_question = on_question
        self.index = engine.index

    def ask(self, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        self._on_question()
        return self._engine.ask(*args, **kwargs)


def read_gold_upload(path: str | None, default: str | Path | None):  # type: ignore[no-untyped-def]
    if path:
        name = Path(path).name
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QAError(f"uploaded gold file '{name}' cannot be read as UTF-8 text ({exc})") from None
        return parse_gold(text.splitlines(), name=name), name
    if default is None:
        raise QAError("no gold file: upload a JSON Lines file of questions")
    return load_gold(default), Path(default).name


def metrics_frame(reports: Sequence[EvalReport]):  # type: ignore[no-untyped-def]
    import pandas as pd

    rows = [{"mode": r.mode, "questions": r.n, **{k: round(r.metrics[k], 3) for k in METRIC_KEYS},
             "passage words": round(r.passage_words_mean, 1)} for r in reports]
    return pd.DataFrame(rows, columns=["mode", "questions", *METRIC_KEYS, "passage words"])


def metrics_figure(reports: Sequence[EvalReport], title: str):  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / max(len(reports), 1)
    colors = {"hybrid": "#2f6fdf", "dense": "#e07b24", "bm25": "#3a9d5d"}
    for i, report in enumerate(reports):
        xs = [j + (i - (len(reports) - 1) / 2) * width for j in range(len(METRIC_KEYS))]
        values = [report.metrics[k] for k in METRIC_KEYS]
        bars = ax.bar(xs, values, width * 0.95, label=report.mode, color=colors.get(report.mode))
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=2)
    ax.set_xticks(range(len(METRIC_KEYS)), METRIC_KEYS)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share of questions")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def misses_html(reports: Sequence[EvalReport], limit: int = 60) -> str:
    parts = []
    for report in reports:
        items = []
        for miss in report.misses[:limit]:
            found = f"gold passage at rank {miss.hit_rank}" if miss.hit_rank else "no gold passage in the top 10"
            items.append(
                f'<li class="qa-miss"><div class="qa-miss-q">{esc(miss.question)}</div>'
                f'<div class="qa-miss-meta">expected: {esc(" | ".join(miss.expected))} · {esc(found)} · top passage from {esc(miss.first_doc or "-")}</div>'
                f'<div class="qa-miss-answer">answer sentence given: {esc(miss.answer_sentence or "(none)")}</div></li>'
            )
        more = f"<p>… and {len(report.misses) - limit} more</p>" if len(report.misses) > limit else ""
        parts.append(
            f'<details class="qa-misses" open><summary>{esc(report.mode)}: {len(report.misses)} of {report.n} questions '
            f'without a correct answer sentence at rank 1</summary><ol>{"".join(items)}</ol>{more}</details>'
        )
    return "".join(parts)


# ---------------------------------------------------------------- the app


CSS = """
.qa-question-echo { color: var(--body-text-color); margin: 4px 0 8px; font-weight: 600; }
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
.qa-state-fresh { color: #15803d; font-weight: 700; }
.qa-state-stale { color: #b45309; font-weight: 700; }
.qa-miss { margin: 6px 0; }
.qa-miss-q { font-weight: 600; }
.qa-miss-meta, .qa-miss-answer { font-size: 0.9em; color: var(--body-text-color-subdued); }
"""


def theme():  # type: ignore[no-untyped-def]
    """Local/system fonts only: the default theme would fetch fonts from Google."""
    return gr.themes.Default(font=[gr.themes.Font("system-ui"), "sans-serif"],
                             font_mono=[gr.themes.Font("ui-monospace"), "monospace"])


def launch_options() -> dict:
    """Keyword arguments for `Blocks.launch` that keep the page offline and styled."""
    return {"theme": theme(), "css": CSS, "ssr_mode": False, "pwa": False, "mcp_server": False,
            "footer_links": ["api", "settings"], "show_error": False}


def example_questions(engine: Engine, gold_path: str | Path | None = None, limit: int = 5) -> list[str]:
    """Example questions whose answers the indexed corpus holds: ours, then the gold file's."""
    texts: dict[str, str] = {}
    for chunk in engine.index.chunks:
        texts[chunk.doc_id] = texts.get(chunk.doc_id, "") + chunk.text + "\n"
    candidates = [GoldQuestion(question, (answer,)) for question, answer in DEFAULT_EXAMPLES]
    if gold_path is not None:
        try:
            candidates += load_gold(gold_path)
        except QAError:
            pass  # the Evaluate tab reports a bad gold file; examples just go without it
    missing = {id(q) for q in answers_missing_from(candidates, texts)}
    questions = dict.fromkeys(q.question for q in candidates if id(q) not in missing)
    return list(questions)[:limit]


def build_app(holder: EngineHolder, *, gold_path: str | Path | None = None,
              examples: Sequence[str] | None = None, concurrency: int = CONCURRENCY) -> gr.Blocks:
    """The Blocks app, with its queue enabled. Launch it with `demo.launch(..., **launch_options())`.
    `examples` default to `example_questions` of the loaded index."""
    if examples is None:
        examples = example_questions(holder.engine, gold_path)

    # ------------------------------------------------ handlers (UI: HTML; API: dicts)

    def ui_ask(question: str, k: float, mode: str) -> str:
        try:
            response, served = holder.ask(question, k=int(k), mode=mode)
            return response_html(response, served)
        except QAError as exc:
            return error_html(str(exc))
        except Exception as exc:  # the page shows one line; the terminal gets the traceback
            traceback.print_exc()
            return error_html(f"unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip())

    def api_ask(question: str, k: int = 5, mode: str = "hybrid") -> dict:
        """Answer a question: the `qa ask --json` contract (question, mode, results, confident, notices)."""
        try:
            k = _as_int(k, "k")
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

    def ui_rebuild(progress=gr.Progress()) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        try:
            progress(0.0, desc="starting the build")
            summary = holder.rebuild(lambda fraction, message: progress(fraction, desc=message))
            message = message_html(summary, "info")
        except QAError as exc:
            message = error_html(str(exc))
        except Exception as exc:
            traceback.print_exc()
            message = error_html(f"rebuild failed ({type(exc).__name__}: {exc}); the previous index is still served")
        return message, ui_status()

    def ui_evaluate(upload: str | None, mode: str, progress=gr.Progress()):  # type: ignore[no-untyped-def]
        empty = metrics_frame([])
        try:
            gold, name = read_gold_upload(upload, gold_path)
            modes = list(MODES) if mode == ALL_MODES else [mode]
            engine = holder.engine  # one engine for the whole run, even if a rebuild swaps it meanwhile
            total = len(gold) * len(modes)
            done = [0]

            def tick() -> None:
                done[0] += 1
                progress(done[0] / total, desc=f"question {done[0]} of {total}")

            began = time.perf_counter()
            counting = _CountingEngine(engine, tick)
            reports = [evaluate_gold(counting, gold, mode=m, k=10) for m in modes]
            seconds = time.perf_counter() - began
            title = f"{name}: {len(gold)} questions"
            summary = message_html(f"Evaluated {title} in {', '.join(modes)} mode{'s' if len(modes) > 1 else ''} ({seconds:.1f} s).")
            return summary, metrics_frame(reports), metrics_figure(reports, title), misses_html(reports)
        except QAError as exc:
            return error_html(str(exc)), empty, None, ""
        except Exception as exc:
            traceback.print_exc()
            return error_html(f"evaluation failed ({type(exc).__name__}: {exc})"), empty, None, ""

    # ------------------------------------------------ layout

    with gr.Blocks(title="Ask the corpus", analytics_enabled=False) as demo:
        gr.Markdown("## Ask the corpus\nOffline question answering over a folder of texts: the answer sentence is "
                    "highlighted in each passage, the answer itself in bold.")
        with gr.Tab("Ask", id="ask"):
            with gr.Row():
                question = gr.Textbox(label="Question", placeholder="Ask about the corpus and press Enter",
                                      lines=1, max_lines=4, scale=5, elem_id="qa-question", autofocus=True)
                ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
            with gr.Accordion("Search settings", open=False, elem_id="qa-settings"):
                with gr.Row():
                    k = gr.Slider(1, UI_MAX_K, value=5, step=1, label="Number of passages", elem_id="qa-k")
                    mode = gr.Radio(list(MODES), value="hybrid", label="Retrieval mode", elem_id="qa-mode",
                                    info="hybrid = dense + BM25; dense = meaning only; bm25 = words only")
            example_set = (gr.Examples(examples=[[q] for q in examples], inputs=[question], label="Examples (click to ask)")
                           if examples else None)
            results = gr.HTML('<div class="qa-placeholder">Results appear here.</div>', elem_id="qa-results")

        with gr.Tab("Evaluate", id="evaluate"):
            gr.Markdown(f"Runs a gold question set (default: `{Path(gold_path).name if gold_path else 'none'}`; or upload "
                        "a JSON Lines file with `question`, `answers` and optionally `doc`) and scores the ranked passages.")
            with gr.Row():
                gold_upload = gr.File(label="Gold questions (.jsonl, optional)", file_types=[".jsonl", ".json", ".txt"],
                                      type="filepath", elem_id="qa-gold-upload")
                eval_mode = gr.Radio([*MODES, ALL_MODES], value=ALL_MODES, label="Mode", elem_id="qa-eval-mode")
            eval_button = gr.Button("Run evaluation", variant="primary", elem_id="qa-eval-run")
            eval_message = gr.HTML("", elem_id="qa-eval-message")
            eval_table = gr.Dataframe(value=metrics_frame([]), label="Metrics", interactive=False, elem_id="qa-eval-table")
            eval_plot = gr.Plot(label="Modes compared", elem_id="qa-eval-plot")
            eval_misses = gr.HTML("", elem_id="qa-eval-misses")

        with gr.Tab("Index", id="index"):
            index_status = gr.HTML("", elem_id="qa-index-status")
            with gr.Row():
                refresh_button = gr.Button("Refresh status", elem_id="qa-index-refresh")
                rebuild_button = gr.Button("Rebuild index", variant="primary", elem_id="qa-index-rebuild")
            rebuild_message = gr.HTML("", elem_id="qa-rebuild-message")

        # ------------------------------------------------ events (UI ones are not part of the public API)

        ui = {"api_visibility": "private"}
        gr.on([question.submit, ask_button.click], ui_ask, [question, k, mode], results, **ui)
        if example_set is not None:
            example_set.load_input_event.then(ui_ask, [question, k, mode], results, **ui)
        eval_button.click(ui_evaluate, [gold_upload, eval_mode], [eval_message, eval_table, eval_plot, eval_misses],
                          concurrency_limit=1, concurrency_id="evaluate", **ui)
        refresh_button.click(ui_status, None, index_status, **ui)
        rebuild_button.click(ui_rebuild, None, [rebuild_message, index_status], concurrency_limit=1,
                             concurrency_id="rebuild", **ui)
        demo.load(ui_status, None, index_status, **ui)

        gr.api(api_ask, api_name="ask")
        gr.api(api_status, api_name="status")

    demo.queue(default_concurrency_limit=concurrency)
    return demo
