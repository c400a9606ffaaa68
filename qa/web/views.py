"""HTML for the web app: result cards, the answer line, status and evaluation panels, upload reports.

Everything from the corpus or the user goes through `esc` before markup is added; links to documents are
percent-encoded relative URLs of the app's own file routes (see `routes.py`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from urllib.parse import quote, urlencode

from ..engine import DoubtReason, NoticeKind, Response, Result
from ..evaluate.gold import EvalReport, Miss
from ..ingest.chunk import Chunk
from ..ingest.extract import attachment_heading, in_collection, kind_of
from ..ingest.load import unread_note
from ..render import render_html
from .files import Saved
from .holder import Rebuilt, Served
from .reading import reading_url

ORIGINAL_ROUTE = "original"
PAGE_IMAGE_ROUTE = "page-image"
PICTURED_KINDS = ("pdf", "image")  # documents whose pages are shown as a picture with the answer marked
ECHO_CHARS = 200  # a question is echoed (Ask and Evaluate tabs) cut to this many characters
SNIPPET_CHARS = 300  # a returned passage in the Evaluate tab's misses is shown cut to this many characters


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def cut(text: str, limit: int = ECHO_CHARS) -> str:
    """`text` shortened to `limit` characters ending in "…", so a 5,000-character question is not echoed whole."""
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def result_page(result: Result) -> int | None:
    return result.page if result.page is not None and result.page >= 1 else None


def result_section(result: Result) -> str:
    """The heading path of a result; in an attachment (an archive's file, a mailbox's message), without the
    `Attachment: <name>` (`File:`, `Message:`) heading the container's text puts above it (the source line names it)."""
    section = result.section or result.heading
    if result.attachment is not None:
        own = attachment_heading(result.attachment.name, kind_of(result.doc))
        if section == own or section.startswith(own + " › "):
            return section[len(own) :].removeprefix(" › ")
    return section


def original_url(doc: str, page: int | None = None, part: int | None = None, download: bool = False) -> str:
    """Relative URL that opens the document itself, or its attachment `part` (at `page` for PDFs: viewers honour
    `#page=N`); with `download`, saved rather than shown."""
    query = urlencode({**({"part": part} if part else {}), **({"download": 1} if download else {})})
    return (
        f"{ORIGINAL_ROUTE}/{quote(doc, safe='/')}" + (f"?{query}" if query else "") + (f"#page={page}" if page else "")
    )


def page_image_url(doc: str, page: int, sentence: str = "", part: int | None = None) -> str:
    query = {"page": page, **({"part": part} if part else {}), **({"sentence": sentence} if sentence else {})}
    return f"{PAGE_IMAGE_ROUTE}/{quote(doc, safe='/')}?{urlencode(query)}"


def source_html(doc: str, section: str, page: int | None = None, ocr: bool = False, attachment: str = "") -> str:
    """File (or the attachment, and the message it is attached to), page, "read by OCR", section."""
    label = f'<span class="qa-doc">{esc(attachment or doc)}</span>'
    if attachment:
        joined = "in" if in_collection(kind_of(doc)) else "attached to"
        label += f' <span class="qa-attached">{joined} {esc(doc)}</span>'
    if page is not None:
        label += f' <span class="qa-sep">·</span> <span class="qa-page">page {page}</span>'
    if ocr:
        label += ' <span class="qa-ocr" title="this page is a scan: its text was read by OCR and may hold misread words">read by OCR</span>'
    if section:
        label += f' <span class="qa-sep">›</span> <span class="qa-heading">{esc(section)}</span>'
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
    source = result_source_html(result)
    return (
        f'<div class="qa-answer"><span class="qa-answer-label">Answer</span> '
        f'<q class="qa-answer-text">{body}</q> <span class="qa-answer-source">— {source}</span></div>'
    )


def _before_html(prev: Chunk | None, result: Result) -> list[str]:
    if prev is None:
        return ['<div class="qa-context-edge">(start of document)</div>']
    parts = []
    if prev.heading and prev.heading != result.heading:
        parts.append(f'<div class="qa-context-heading">{esc(prev.heading)}</div>')
    before = prev.text[: max(0, result.start - prev.start)] if prev.end > result.start else prev.text + "\n\n"
    parts.append(f'<span class="qa-context-side">{esc(before)}</span>')
    return parts


def _after_html(nxt: Chunk | None, result: Result) -> list[str]:
    if nxt is None:
        return ['<div class="qa-context-edge">(end of document)</div>']
    parts = []
    after = nxt.text[max(0, result.end - nxt.start) :] if nxt.start < result.end else nxt.text
    if nxt.heading and nxt.heading != result.heading:
        parts.append(f'<div class="qa-context-heading">{esc(nxt.heading)}</div>')
    elif nxt.start >= result.end:
        after = "\n\n" + after
    parts.append(f'<span class="qa-context-side">{esc(after)}</span>')
    return parts


def context_html(result: Result, served: Served) -> str:
    """The passage in its document: the end of the previous passage and the start of the next one."""
    chunks = [chunk for _, chunk in served.engine.index.chunks.doc_chunks(result.doc)]
    if not chunks:
        return ""
    # the shown text may be a reading window over several passages: its neighbours are the passages beyond it
    prev = next((c for c in reversed(chunks) if c.start < result.start), None)
    nxt = next((c for c in chunks if c.end > result.end), None)
    parts = _before_html(prev, result)
    if result.heading and (prev is None or prev.heading != result.heading):
        parts.append(f'<div class="qa-context-heading">{esc(result.heading)}</div>')
    parts.append(f'<span class="qa-context-self">{render_html(result.text, result)}</span>')
    parts += _after_html(nxt, result)
    return (
        '<details class="qa-context"><summary>Show in surrounding text</summary>'
        f'<div class="qa-context-body">{"".join(parts)}</div></details>'
    )


def result_source_html(result: Result, ocr: bool = True) -> str:
    attachment = result.attachment.name if result.attachment is not None else ""
    return source_html(result.doc, result_section(result), result_page(result), ocr and result.ocr, attachment)


def pictured(result: Result) -> bool:
    """A PDF or an image, or one attached to an e-mail: opened as itself (at the page), its page shown as a
    picture."""
    kind = result.attachment.kind if result.attachment is not None else kind_of(result.doc)
    return kind in PICTURED_KINDS


def _part(result: Result) -> int | None:
    return result.attachment.number if result.attachment is not None else None


def open_url(result: Result) -> str:
    """Where a card's "open" link goes: a PDF at its page (an image as itself), attached to an e-mail or not; any
    other document in the reading view of its indexed text, with the retrieved passage marked."""
    if pictured(result):
        return original_url(result.doc, result_page(result), _part(result))
    start, end = (result.passage_start, result.passage_end) if result.passage_start >= 0 else (result.start, result.end)
    return reading_url(result.doc, start, end)


def download_html(result: Result) -> str:
    """The download link of a document opened in the reading view: the file itself, an attachment as its own
    file (an attached message: the message it is in, the text of which the reading view shows)."""
    attachment = result.attachment
    if attachment is None or attachment.kind in ("eml", "msg"):
        return f'<a class="qa-download" href="{esc(original_url(result.doc, download=True))}" download>Download original</a>'
    href = original_url(result.doc, part=attachment.number, download=True)
    return f'<a class="qa-download" href="{esc(href)}" download>{esc(f"Download {attachment.name}")}</a>'


def links_html(result: Result) -> str:
    """'Open' link (a PDF at the page, other documents in the reading view), a download link to an original
    opened in the reading view, and for a PDF or image page the page picture, loaded on demand."""
    page = result_page(result)
    name = result.attachment.name if result.attachment is not None else result.doc.rsplit("/", 1)[-1]
    label = f"Open {name}" + (f" at page {page}" if page and pictured(result) else "")
    parts = [
        f'<a class="qa-open" href="{esc(open_url(result))}" target="_blank" rel="noopener noreferrer">{esc(label)}</a>'
    ]
    if not pictured(result):
        parts.append(download_html(result))
    if page and pictured(result):
        sentence = result.answer.text if result.answer is not None else ""
        parts.append(
            f'<details class="qa-page-view"><summary>Show page {page} with the answer marked</summary>'
            f'<img class="qa-page-image" loading="lazy" alt="{esc(f"page {page} of {name}")}" '
            f'src="{esc(page_image_url(result.doc, page, sentence, _part(result)))}"></details>'
        )
    return f'<div class="qa-links">{"".join(parts)}</div>'


def card_html(result: Result, served: Served) -> str:
    page = result_page(result)
    return (
        f'<article class="qa-card" data-rank="{result.rank}" data-doc="{esc(result.doc)}"'
        f"{f' data-page={chr(34)}{page}{chr(34)}' if page else ''}>"
        f'<header class="qa-card-head"><span class="qa-rank">#{result.rank}</span> {result_source_html(result)}'
        f'<span class="qa-score" title="ranking score: retrieval, plus the reader span score for a passage it read">score {result.score:.3f}</span></header>'
        f'<div class="qa-passage">{render_html(result.text, result)}</div>'
        f"{links_html(result)}{context_html(result, served)}</article>"
    )


DOUBT_ADVICE = {
    DoubtReason.WEAK_MATCH: "No passage scores well: the closest passages are shown below as leads, not answers; "
    "try other words, or add the document that answers it.",
    DoubtReason.NO_ANSWER_READ: "The closest passages are about the question, but the reader found no answer in "
    "them: read them as leads, not answers, or ask more precisely.",
}


def response_html(response: Response, served: Served) -> str:
    parts = [
        f'<div class="qa-question-echo">Q: {esc(cut(response.question))} <span class="qa-mode">({esc(response.mode)})</span></div>'
    ]
    notices = [f"<li>{esc(n.text)}</li>" for n in response.notices]
    if not response.results:
        parts.append(
            '<div class="qa-warning" role="status"><strong>No passage matched the question.</strong> '
            "The corpus may not answer it; try other words.</div>"
        )
        return "".join(parts)
    if response.confident:
        parts.append(answer_line_html(response.results[0]))
        if notices:
            parts.append(f'<ul class="qa-notices">{"".join(notices)}</ul>')
        label = "Passages, best first"
    else:
        # the library's own "not confident" notice says what the banner says
        others = [f"<li>{esc(n.text)}</li>" for n in response.notices if n.kind is not NoticeKind.NOT_CONFIDENT]
        reason = next((n.reason for n in response.notices if n.reason is not None), DoubtReason.WEAK_MATCH)
        parts.append(
            f'<div class="qa-warning" role="status" data-doubt="{reason.value}"><strong>The corpus may not answer '
            f"this question.</strong> {DOUBT_ADVICE[reason]}"
            f"{'<ul>' + ''.join(others) + '</ul>' if others else ''}</div>"
        )
        label = "Closest passages (not confident answers)"
    parts.append(f'<h3 class="qa-results-label">{label}</h3>')
    parts.extend(card_html(r, served) for r in response.results)
    return f'<div class="qa-response{"" if response.confident else " qa-not-confident"}">{"".join(parts)}</div>'


def error_html(message: str) -> str:
    return f'<div class="qa-error" role="alert">Error: {esc(message)}</div>'


def message_html(text: str, kind: str = "info") -> str:
    return f'<div class="qa-{kind}" role="status">{esc(text)}</div>'


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
        ("Built", f"{esc(status['built_at'])} (took {esc(status['build_seconds'])} s)"),
        ("State", state_cell),
    ]
    if status["skipped"]:
        rows.append(
            (
                "Skipped files",
                "<ul>" + "".join(f"<li>{esc(s['file'])}: {esc(s['reason'])}</li>" for s in status["skipped"]) + "</ul>",
            )
        )
    if status.get("unread"):
        rows.append(("Not read", f'<span class="qa-unread">{esc(unread_note(status["unread"]))}</span>'))
    if status["newer_on_disk"]:
        rows.append(("Note", "a newer index was built on disk by another process; press Rebuild to serve a fresh one"))
    if status["rebuilding"]:
        rows.append(("Rebuild", "running; questions are answered from the current index until it finishes"))
    body = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in rows)
    return f'<table class="qa-status">{body}</table>'


FILES_SHOWN = 500  # a corpus of more documents lists the first ones here (`qa status --documents` lists all)


def files_html(files: list[dict]) -> str:
    """What each document became (kind, pages, passages, OCR, attachments), folded away under one line."""
    if not files:
        return ""
    rows = "".join(
        f'<tr><td class="qa-file">{esc(f["file"])}</td><td>{esc(f["kind"])}</td>'
        f"<td>{esc(f['pages']) if f['pages'] is not None else ''}</td><td>{esc(f['passages'])}</td>"
        f'<td class="qa-file-notes">{esc(f["notes"])}</td></tr>'
        for f in files[:FILES_SHOWN]
    )
    more = len(files) - FILES_SHOWN
    tail = f"<p>… and {more} more: <code>qa status --documents</code> lists them all.</p>" if more > 0 else ""
    head = "<tr><th>File</th><th>Kind</th><th>Pages / slides</th><th>Passages</th><th>Read</th></tr>"
    return (
        f'<details class="qa-files"><summary>What each of the {len(files)} documents became</summary>'
        f'<table class="qa-files-table">{head}{rows}</table>{tail}</details>'
    )


def rebuilt_rows(rebuilt: Rebuilt, kept: Sequence[Saved]) -> tuple[list[str], list[tuple[str, str]]]:
    """The rows a rebuild after an upload adds (counts, summary, other skipped files), and the uploads it skipped."""
    rows = [
        f'<span class="qa-update-counts">Documents added: <b class="qa-added-docs">{len(rebuilt.added)}</b>, '
        f'pages: <b class="qa-added-pages">{rebuilt.pages_added}</b>, '
        f'passages: <b class="qa-added-passages">{rebuilt.passages_added}</b>; '
        f'documents removed: <b class="qa-removed-docs">{len(rebuilt.removed)}</b>; '
        f"passages in the index: {rebuilt.passages_after} (was {rebuilt.passages_before})</span>"
    ]
    names = {s.name for s in kept}
    skipped = [(s.path, s.reason) for s in rebuilt.report.skipped if s.path in names]
    accounted = set(rebuilt.added) | {s.path for s in rebuilt.report.skipped}
    skipped += [
        (str(s.name), "saved but not indexed: this build does not read files of this kind")
        for s in kept
        if s.name not in accounted
    ]
    rows.append(esc(rebuilt.summary()))
    others = [s for s in rebuilt.report.skipped if s.path not in names]
    if others:
        rows.append(
            f"{len(others)} other file(s) in the corpus folder also skipped by the build (see the status above)"
        )
    return rows, skipped


def moved_rows(removed: Sequence[str], restored: Sequence[str]) -> list[str]:
    """The lines saying which documents went to the hidden .removed folder and which came back from it."""
    return [
        f'Removed <span class="qa-removed">{esc(gone)}</span> (moved to the hidden .removed folder)' for gone in removed
    ] + [f'Restored <span class="qa-restored">{esc(back)}</span> into the corpus folder' for back in restored]


def update_html(
    saved: Sequence[Saved], rebuilt: Rebuilt | None, removed: Sequence[str] = (), restored: Sequence[str] = ()
) -> str:
    """The result of adding, removing or restoring documents: what was saved, indexed, removed, restored and
    skipped, and why."""
    rows = []
    kept = [s for s in saved if s.name is not None]
    if kept:
        rows.append(
            "Saved into the corpus folder: " + ", ".join(f'<span class="qa-saved">{esc(s.name)}</span>' for s in kept)
        )
    rows += moved_rows(removed, restored)
    skipped = [(s.upload, s.reason) for s in saved if s.name is None]
    if rebuilt is not None:
        more_rows, more_skipped = rebuilt_rows(rebuilt, kept)
        rows += more_rows
        skipped += more_skipped
    body = "".join(f"<li>{row}</li>" for row in rows)
    if skipped:
        body += (
            '<li>Skipped:<ul class="qa-skipped">'
            + "".join(f"<li>{esc(name)}: {esc(reason)}</li>" for name, reason in skipped)
            + "</ul></li>"
        )
    kind = "error" if skipped and rebuilt is None else "info"
    return f'<div class="qa-{kind} qa-update" role="status"><ul>{body}</ul></div>'


def miss_card_html(result: Result) -> str:
    """One passage returned for a missed question: rank, file, page, section, score and the passage, cut."""
    return (
        f'<li class="qa-miss-card" data-doc="{esc(result.doc)}"><div class="qa-card-head">'
        f'<span class="qa-rank">#{result.rank}</span> {result_source_html(result, ocr=False)}'
        f'<span class="qa-score">score {result.score:.3f}</span></div>'
        f'<div class="qa-miss-snippet">{esc(cut(result.passage or result.text, SNIPPET_CHARS))}</div>'
        f'<a class="qa-open" href="{esc(open_url(result))}" target="_blank" rel="noopener noreferrer">open</a></li>'
    )


def miss_html(miss: Miss, response: Response | None) -> str:
    """A missed question, folded: its (cut) question as the summary; expected answers, where the gold passage
    ranked and the passages returned inside."""
    found = f"gold passage at rank {miss.hit_rank}" if miss.hit_rank else "no gold passage in the top 10"
    cards = "".join(miss_card_html(r) for r in response.results) if response is not None else ""
    returned = (
        f'<ul class="qa-miss-cards">{cards}</ul>' if cards else '<div class="qa-miss-meta">no passage returned</div>'
    )
    return (
        f'<li class="qa-miss"><details class="qa-miss-detail"><summary class="qa-miss-q">{esc(cut(miss.question))}'
        f'</summary><div class="qa-miss-meta">expected: {esc(cut(" | ".join(miss.expected)))} · {esc(found)} · '
        f"top passage from {esc(miss.first_doc or '-')}</div>"
        f'<div class="qa-miss-answer">answer sentence given: {esc(miss.answer_sentence or "(none)")}</div>'
        f"{returned}</details></li>"
    )


def misses_html(
    reports: Sequence[EvalReport], responses: Mapping[tuple[str, str], Response] | None = None, limit: int = 60
) -> str:
    """Each mode's misses folded under "N misses", each miss folded with the passages returned for it
    (`responses`, by (question, mode))."""
    parts = []
    for report in reports:
        items = [miss_html(m, (responses or {}).get((m.question, report.mode))) for m in report.misses[:limit]]
        more = f"<p>… and {len(report.misses) - limit} more</p>" if len(report.misses) > limit else ""
        count = f"{len(report.misses)} miss{'' if len(report.misses) == 1 else 'es'}"
        parts.append(
            f'<details class="qa-misses"><summary>{esc(report.mode)}: {count} of {report.n} questions (no correct '
            f"answer sentence at rank 1)</summary><ol>{''.join(items)}</ol>{more}</details>"
        )
    return "".join(parts)
