"""Reading stage: the reader model reads a window around each of the top passages and marks the answer in it.

Retrieval ranks short passages; here the best `depth` of them are widened within their section
(qa/search/windows.py) so a name a few sentences back is inside what is read, the reader (qa/models/reader.py)
marks one span per window, and the read passages are reordered by the reader's span score plus
`retrieval_weight` × their retrieval score. The answer sentence of a read passage is the window sentence that
holds the span; the span is the bold answer unless the reader says the window does not answer
(`no_answer > span_margin`). Whether the engine says the corpus may not answer is a separate call
(`no_answer_margin`, in qa/engine.py): a span the reader half-believes may still be the best words to show.
The settings are chosen on tuning sets (training/engine_grid.py); nothing here knows a corpus.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..index.store import ChunkStore
from ..ingest.chunk import Chunk, opens_with_line
from ..ingest.tabletext import ReaderText, cells, linearize
from ..models.reader import Reader, ReadSpan, SeenSpans
from .acronyms import asked_acronym, expansions
from .highlight import AnswerSentence, Span, answer_type, through_introduced, typed_spans
from .labels import cell_naming_weights, numbered_labels, other_version_tables
from .tableheads import table_before, table_header_before
from .tables import asked_cell, cell_in_named_row, table_rows
from .windows import Window, widen

CHARS_PER_WORD = 8  # generous: how far around a passage its window's neighbours are looked for
ROW_REACH = 2000  # characters a window goes on for, to read the whole of a table row it cuts (about 250 words)


# English question words (a closed class), anywhere in the question: "the DPR paper, what …" asks too
_QUESTION_WORD = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)
_QUESTION_MARKS = ("?", "\uff1f", "\u061f")  # and the full-width and Arabic marks


@dataclass(frozen=True)
class ReadingSettings:
    """How many top passages the reader reads, how wide their windows are and how its score mixes in.
    Window width chosen with benchmarks/reader_eval.py, the rest through the engine (training/engine_grid.py),
    on tuning sets only."""

    depth: int = 5  # 5, not 3: 9 more first passages right of 1,267 tuning questions for ~14 ms; 7 adds 2 more
    # when no window of the first `depth` shows a bold span (`span_margin`), the next `unsure_depth` passages are
    # read too and all reordered as one: on 1,328 tuning questions 4 more first passages right, 7 more in the top 5,
    # 5 more answers (3 and 10 tried: no better); 3 fewer of 143 unanswerable ones flagged
    unsure_depth: int = 5
    # when retrieval scores many top passages alike (those of the top `wide_depth` within `close_margin` of the
    # first, after the answer reorder: a novel's dialogue, where every passage matches the title the question
    # names), all of them are read as well, to fill the places below the first; the first stays as the usual
    # reading chose it when its window shows a bold span. 0.25, 0.35, 0.42, 0.5 tried on 1,447 tuning questions:
    # 0.42 puts 14 more answers in the top 5 and moves no first passage but one (right: the usual first showed no
    # span), 0.5 drops one from gold/dev.jsonl's top 5; reading wide decides the first place always: 3 fewer
    # (0.35). 0 turns it off; at most the hits ranked (`Ranker.rank`: 20) are read
    close_margin: float = 0.42
    wide_depth: int = 20
    window_words: int = 90  # 90, 130 tried: the wider window read no better and cost 1.4× the time
    retrieval_weight: float = 10.0  # reader span score (a sum of two logits) + weight × retrieval score
    # the [CLS] score beats every read window's best span by more: "may not answer". Chosen with the reader on the
    # tuning sets for few false alarms (answerable questions flagged: 6 % of 1,267; unanswerable: 19 of 143)
    no_answer_margin: float = 6.0
    span_margin: float = 3.0  # a window whose [CLS] score beats its best span by more shows no bold span
    max_answer_tokens: int = 30
    # a read window without a span (none read, or one the table and label rules took away: it does not answer)
    # scores this much below the lowest span read, so a window that answers outranks it unless retrieval puts it
    # ahead by more than penalty / retrieval_weight; 0.5–10 tried: all gain one docs-dev2 question, nothing else moves
    no_span_penalty: float = 3.0
    # a span in the table cell the question names by its row and its column's header scores this much above the
    # surest span read (`_mapped`): 0.25 gains one gold/docs-dev2 question, 0.5 and 1.0 one more of docs-dev3, 1.5
    # loses that one again; no other tuning set moves
    named_cell_margin: float = 0.5
    rerank_depth: int = 10  # how many top passages the reranker (`Ranker.rerank`) reorders first (0: none)
    rerank_weight: float = 0.25  # reranker score (min-max over those passages) × weight + retrieval score
    # a question asking for one of these kinds ("how many": a number; "what does X stand for": the words spelling
    # X) is answered by a span holding one, in a window that has one: the reader alone takes "Number of questions
    # in each QA dataset" for "how many"
    typed_kinds: frozenset[str] = frozenset({"number", "share", "expansion"})


@dataclass(frozen=True)
class ReadWindow:
    """One read passage: the window (absolute offsets into the document text), its text and the reader's span."""

    window: Window
    text: str
    span: ReadSpan  # offsets relative to `text`

    @property
    def answers(self) -> bool:
        return self.span.end > self.span.start

    def shows_span(self, margin: float) -> bool:
        """Whether the window answers with a bold span: a span, and the reader's "no answer" score not above it by
        more than `margin`."""
        return self.answers and self.span.no_answer <= margin

    def answer_sentence(self, margin: float) -> AnswerSentence | None:
        """The window sentence(s) holding the span, relative to the window text; the span is bold only when the
        reader thinks the window answers (`no_answer <= margin`)."""
        if not self.answers:
            return None
        origin = self.window.start
        start, end = self.span.start + origin, self.span.end + origin
        holding = [s for s in self.window.sentences if s[0] < end and s[1] > start] or [(start, end)]
        a, b = min(s[0] for s in holding) - origin, max(s[1] for s in holding) - origin
        relative = [(s - origin, e - origin) for s, e in self.window.sentences]
        # one sentence: a list item answers with its sub-items, a lead-in with what it introduces
        if (a, b) in relative:
            b = relative[through_introduced(self.text, relative, relative.index((a, b)))][1]
        bold = Span(self.span.start, self.span.end, self.text[self.span.start : self.span.end])
        return AnswerSentence(a, b, self.text[a:b], self.span.score, bold if self.shows_span(margin) else None)


def window_of(store: ChunkStore, chunk: Chunk, words: int) -> tuple[Window, str]:
    """`chunk` widened within its section to about `words` words, and the window's text; a table row the window
    would cut (a row of long cells, cut into passages at a sentence) is read whole (`whole_rows`). The text is read
    once, with ROW_REACH characters on either side for that."""
    reach = CHARS_PER_WORD * max(0, words - chunk.words) + 1
    neighbours = store.chunks_near(chunk.doc_id, chunk.start - reach, chunk.end + reach)
    window = widen(chunk, neighbours or [chunk], words)
    origin = max(0, window.start - ROW_REACH)
    around = store.text_slice(chunk.doc_id, origin, window.end + ROW_REACH)
    if len(around) < window.end - origin:  # a store without document text: the passage is what there is
        return Window(chunk.doc_id, chunk.start, chunk.end, chunk.sentences, (chunk.start, chunk.end)), chunk.text
    return whole_rows(store, window, around, origin)


def whole_rows(store: ChunkStore, window: Window, around: str, origin: int) -> tuple[Window, str]:
    """The window, and its text, widened over the rest of a table row it starts or ends inside, when the row's line
    ends within what was read around it (`around`: the document's text from `origin`, ROW_REACH characters on either
    side of the window where the document has them): half a row holds no cells, so the reader and the table rules
    (which row, which column) see a row of prose; its sentences join the window's."""
    start, end = window.start - origin, window.end - origin  # the window in `around`
    text, before, after = around[start:end], around[:start], around[end:]
    head = _line_part(before[::-1], whole=origin == 0)[::-1]  # the window's first line, before it
    tail = _line_part(after, whole=len(after) < ROW_REACH)  # its last line, after it
    first = head + text.split("\n", 1)[0]
    last = (head if "\n" not in text else "") + text.rsplit("\n", 1)[-1]
    start -= len(head) if head and first.startswith("|") else 0
    end += len(tail) if tail and last.startswith("|") else 0
    if (start + origin, end + origin) == (window.start, window.end):
        return window, text
    lo, hi = start + origin, end + origin
    added = [s for c in store.chunks_near(window.doc, lo, hi) for s in c.sentences if lo <= s[0] and s[1] <= hi]
    sentences = tuple(sorted(set(window.sentences) | set(added)))
    return replace(window, start=lo, end=hi, sentences=sentences), around[start:end]


def _line_part(text: str, *, whole: bool) -> str:
    """`text` up to its first line break; all of it when it has none and is `whole` (it reaches the document's
    edge), else nothing (the line runs on past what was read)."""
    at = text.find("\n")
    return text[:at] if at >= 0 else text if whole else ""


def reader_text(store: ChunkStore, window: Window, text: str) -> ReaderText:
    """What the reader reads for a window: its text with table rows named by their columns (qa/ingest/tabletext.py),
    the header taken from before the window when the window starts inside a table."""
    return linearize(text, table_header_before(store, window.doc, window.start, text))


def rerank_text(store: ChunkStore, chunk: Chunk) -> str:
    """A passage as the reranker reads it: its heading (or title) on a line, then its text with table rows named
    by their columns, as the reader gets them ("| Malaysia Airlines | … | 537 |" reads as "airline: …; …")."""
    window = Window(chunk.doc_id, chunk.start, chunk.end, chunk.sentences, (chunk.start, chunk.end))
    text = reader_text(store, window, chunk.text).text
    label = chunk.heading or chunk.title
    return f"{label}\n{text}" if label and not opens_with_line(chunk.text, label) else text


def read_windows(
    reader: Reader,
    store: ChunkStore,
    question: str,
    windows: Sequence[tuple[Window, str]],
    settings: ReadingSettings,
    term_weights: dict[str, float] | None = None,
    seen: SeenSpans | None = None,
) -> list[ReadWindow]:
    """Read every window (as `reader_text`; `seen`: spans read before, `Reader.read`) and map each span back to the
    window's own characters; a span over an inserted column name is that row's cell under it (`value_named`).
    With `term_weights` (the question's terms, IDF), a span in a table cell moves to the row the question names
    (`cell_in_named_row`) or to the cell it names by row and column (`asked_cell`), and a span in that row answers
    whatever the reader's "no answer" score: that score was learned on prose, and on table rows it says "no" to
    most questions that name a row by its cells and are answered by it."""
    before = [table_before(store, window.doc, window.start, text) for window, text in windows]
    headers = [found[0] if found else None for found in before]
    texts = [linearize(text, header) for (_, text), header in zip(windows, headers)]
    units = [unit_breaks(window, text) for window, text in windows]
    breaks = [t.from_source(cut) for t, cut in zip(texts, units)]
    read_as = [t.text for t in texts]
    kind, typed = asked_for(question, read_as, settings.typed_kinds)
    sources = [text for _, text in windows]
    barred = other_versions(question, sources, texts)
    spans = reader.read(
        question,
        read_as,
        max_answer_tokens=settings.max_answer_tokens,
        breaks=breaks,
        typed=typed,
        seen=seen,
        barred=barred,
    )
    if kind == "expansion" and typed is not None:  # the words an acronym stands for, all of them
        spans = [whole_runs(span, runs) for span, runs in zip(spans, typed)]
    surest = max((span.score for span in spans), default=0.0) + settings.named_cell_margin
    naming = _cell_naming(question, term_weights, sources)
    read = [
        _mapped(window, text, header, reader_input, span, cut, weights, surest)
        for (window, text), header, reader_input, span, cut, weights in zip(
            windows, headers, texts, spans, units, naming
        )
    ]
    return _judged(read, question, before, term_weights)


def _cell_naming(
    question: str, term_weights: dict[str, float] | None, texts: list[str]
) -> list[dict[str, float] | None]:
    """Per window text, the term weights that name its tables' rows and columns (`cell_naming_weights`)."""
    if not term_weights:
        return [None] * len(texts)
    return [cell_naming_weights(question, term_weights, text) for text in texts]


def _judged(
    read: list[ReadWindow],
    question: str,
    before: Sequence[tuple[str, int] | None],
    term_weights: dict[str, float] | None,
) -> list[ReadWindow]:
    """The read windows without the spans the question rules out: a row of a table named better in another
    window (`rows_named_elsewhere`), another numbered thing than the one asked about (`other_numbered`)."""
    if term_weights:
        read = rows_named_elsewhere(read, before, term_weights)
    asked = numbered_labels(question)
    return [other_numbered(w, asked) for w in read] if asked else read


def other_numbered(read: ReadWindow, asked: set[tuple[str, str]]) -> ReadWindow:
    """A span naming another of the numbered things the question names ("Phase 1 (Macro-Level …)" for "what is
    Phase 2 called?", "Table 3" for a question on Table 4) is no answer: the reader tells the label and misses
    the number."""
    if not read.answers:
        return read
    named = numbered_labels(read.text[read.span.start : read.span.end])
    labels = {label for label, _ in asked}
    if any(label in labels and (label, number) not in asked for label, number in named) and not named & asked:
        return replace(read, span=replace(read.span, start=0, end=0))
    return read


def asked_for(
    question: str, texts: Sequence[str], kinds: frozenset[str]
) -> tuple[str | None, list[list[tuple[int, int]]] | None]:
    """The kind of thing the question asks for ("expansion": the words an acronym stands for; else `answer_type`'s
    kinds) and, when it is one of `kinds`, where each window text holds such things (else None)."""
    letters = asked_acronym(question) if "expansion" in kinds else None
    if letters is not None:
        return "expansion", [expansions(letters, text) for text in texts]
    kind = answer_type(question) if kinds else None
    return kind, ([typed_spans(kind, text) for text in texts] if kind in kinds else None)


def other_versions(
    question: str, texts: Sequence[str], read_as: Sequence[ReaderText]
) -> list[list[tuple[int, int]]] | None:
    """Per window, the tables on another version of what the question names ("Record WRITEACCESS, BIFF5:" for a
    question on BIFF8: `other_version_tables`), as ranges of the text the reader reads (`read_as`); None when the
    question names no numbered thing."""
    asked = numbered_labels(question)
    if not asked:
        return None
    out = []
    for text, reader_text in zip(texts, read_as):
        ranges = other_version_tables(text, asked)
        ends = reader_text.from_source([offset for pair in ranges for offset in pair])
        out.append(list(zip(ends[::2], ends[1::2])))
    return out


def whole_runs(span: ReadSpan, runs: Sequence[tuple[int, int]]) -> ReadSpan:
    """The span widened over every run it overlaps: the reader marks "About Chickens" of "Chiefly About Chickens"."""
    start, end = span.start, span.end
    for a, b in runs:
        if a < span.end and span.start < b:
            start, end = min(start, a), max(end, b)
    return replace(span, start=start, end=end)


def _mapped(
    window: Window,
    text: str,
    header: str | None,
    reader_input: ReaderText,
    span: ReadSpan,
    cut: list[int],
    term_weights: dict[str, float] | None,
    surest: float = 0.0,
) -> ReadWindow:
    """The reader's span on the window's own characters: moved to the row the question names, cut to one unit.
    When the question names a table cell by its row and its column's header (`asked_cell`) and the span lies in that
    cell, in no cell of that row, or in that row under another column, that cell is the span, scored as `surest`
    (the surest span read, and a margin): the reader, trained on prose, misses most answers of a table whose header
    abbreviates ("| Type | #N | IB | Top-5 |"), and a cell the question names on both axes is surer than any guess."""
    source = (
        reader_input.to_source(span.start, span.end) or reader_input.value_named(span.start, span.end)
        if span.end > span.start
        else None
    )
    source = source and whole_numbers(text, *source)
    named = cell_in_named_row(text, *source, term_weights, header) if source and term_weights else None
    score = span.score
    asked = asked_cell(text, term_weights, header) if term_weights else None
    if asked is not None and named in (None, asked):
        named, score = asked, max(score, surest)
    start, end = one_unit(cut, text, *(named or source or (0, 0)))
    no_answer = min(span.no_answer, 0.0) if named else span.no_answer
    return ReadWindow(window, text, ReadSpan(start, end, score, no_answer))


def whole_numbers(text: str, start: int, end: int) -> tuple[int, int]:
    """The span [start, end) of `text` widened so it cuts no number: the reader may mark "600" of "141,600" or
    "3" of "3.25" (a number is split into several word pieces)."""

    def inside(at: int) -> bool:  # whether `at` lies between two characters of one number
        if at <= 0 or at >= len(text):
            return False
        left, right = text[at - 1], text[at]
        if left.isdigit() and right.isdigit():
            return True
        return (left in ",." and right.isdigit() and at >= 2 and text[at - 2].isdigit()) or (
            right in ",." and left.isdigit() and at + 1 < len(text) and text[at + 1].isdigit()
        )

    while inside(start):
        start -= 1
    while inside(end):
        end += 1
    return start, end


def rows_named_elsewhere(
    read: list[ReadWindow], before: Sequence[tuple[str, int] | None], weights: dict[str, float]
) -> list[ReadWindow]:
    """A span in a table whose row the question names in another read window (a table cut into passages: "Finland"
    in the window holding Austria–Finland, while the reader answers "20" from Luxembourg–UK) is no answer: that
    window names none of its rows, and the reader picks a neighbouring row's value. Tables are told apart by
    document and where they start (`before`: per window, the header row and start of a table it starts inside)."""
    shown = [table_rows(w.text, w.window.start, (w.span.start, w.span.end), weights, b) for w, b in zip(read, before)]
    best: dict[tuple[str, int], float] = {}
    for w, rows in zip(read, shown):
        for start, held in rows.named.items():
            best[(w.window.doc, start)] = max(best.get((w.window.doc, start), 0.0), held)
    out = []
    for w, rows in zip(read, shown):
        key = (w.window.doc, rows.span_in)
        if rows.span_in is not None and key in best and rows.named.get(rows.span_in, 0.0) < best[key]:
            w = replace(w, span=replace(w.span, start=0, end=0))
        out.append(w)
    return out


def unit_breaks(window: Window, text: str) -> list[int]:
    """Where one unit of a window's text ends and the next begins (offsets into `text`, sorted): each line break
    between two of the window's sentences (the next list item, paragraph or table row; a hard-wrapped sentence's
    own line breaks are not ends), and each end of a table cell. A reader reads the window as one stream of words;
    an answer never runs from one unit into the next ("Lankaran" + the next item, a name + the next cell's number)."""
    inside = [(a - window.start, b - window.start) for a, b in window.sentences]
    breaks: set[int] = set()
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        breaks.update(line_start + b for _, b in cells(line) or [])
        if line_end < len(text) and not any(a <= line_end < b for a, b in inside):
            breaks.add(line_end)
        line_start = line_end + 1
    return sorted(breaks)


def one_unit(breaks: Sequence[int], text: str, start: int, end: int) -> tuple[int, int]:
    """The span cut at the first unit end inside it (`unit_breaks`), trailing spaces dropped. The reader keeps its
    spans inside one unit already; a span moved to the row the question names (`cell_in_named_row`) is cut here."""
    if end <= start:
        return start, end
    cut = next((b for b in breaks if start < b < end), end)
    stop = start + len(text[start:cut].rstrip())
    return (start, stop) if stop > start else (start, end)


def span_outside(window: ReadWindow, passage: Chunk, margin: float) -> tuple[int, int] | None:
    """The absolute offsets of the reader's span when the reader says the window answers and the span lies outside
    the retrieved passage (in a neighbouring sentence of the window); else None."""
    if not window.answers or window.span.no_answer > margin:
        return None
    start, end = window.window.start + window.span.start, window.window.start + window.span.end
    if passage.start <= start and end <= passage.end:
        return None
    return start, end


def holding_passage(passages: Sequence[tuple[int, Chunk]], start: int, end: int) -> tuple[int, Chunk] | None:
    """Of the (id, passage) pairs around a span, the one holding all of it, the span nearest its middle when
    passages overlap; None when no passage holds all of it (a span across two passages stays where it was)."""
    holding = [(i, c) for i, c in passages if c.start <= start and end <= c.end]
    middle = (start + end) / 2
    return min(holding, key=lambda p: (abs((p[1].start + p[1].end) / 2 - middle), p[1].start), default=None)


def moved_to(store: ChunkStore, read: ReadWindow, passage: Chunk) -> ReadWindow:
    """`read` as the window of `passage`, the passage its span lies in: widened to hold all of the passage (the
    shown passage always lies inside the shown window), the span on the same characters."""
    window = read.window
    start, end = min(window.start, passage.start), max(window.end, passage.end)
    text = read.text if (start, end) == (window.start, window.end) else store.text_slice(window.doc, start, end)
    if len(text) != end - start:  # a store without document text: the window cannot be widened (`read` itself)
        return read
    sentences = tuple(sorted(set(window.sentences) | set(passage.sentences)))
    shift = window.start - start
    span = replace(read.span, start=read.span.start + shift, end=read.span.end + shift)
    return ReadWindow(Window(window.doc, start, end, sentences, (passage.start, passage.end)), text, span)


def span_floor(spans: Sequence[ReadSpan], penalty: float = 0.0) -> float:
    """The score a passage without a reader span is given: the lowest span score read (0 when none), less
    `penalty` (a window the rules say does not answer goes below one that does)."""
    return min((span.score for span in spans if span.end > span.start), default=0.0) - penalty


def combined_scores(
    spans: Sequence[ReadSpan],
    retrieval: Sequence[float],
    weight: float,
    penalty: float = 0.0,
    *,
    spans_count: bool = True,
) -> list[float]:
    """The read passages' new scores: span score + weight × retrieval score; a window without a span counts as
    the lowest span read less `penalty`, and so does every window when `spans_count` is False (the retrieval order
    stands). Passages below the read ones get `span_floor + weight × retrieval` too (`Ranker.rank`), so scores
    fall with the rank across both."""
    floor = span_floor(spans, penalty)
    return [
        (span.score if spans_count and span.end > span.start else floor) + weight * score
        for span, score in zip(spans, retrieval)
    ]


def keyword_query(question: str) -> bool:
    """Words typed into a search box ("mozilla foundation founding year"), not a question: no question mark and no
    English question word (a question in another language ends with its mark). The reader learned from questions;
    the spans it does not show for such words order the read passages no better than retrieval does (README,
    "Words typed into a search box")."""
    return not question.rstrip().endswith(_QUESTION_MARKS) and _QUESTION_WORD.search(question) is None


def page_at(pages: Sequence[int], offset: int) -> int | None:
    """1-based page holding `offset` given the pages' start offsets (None for a document without pages)."""
    return bisect_right(pages, offset) if pages else None
