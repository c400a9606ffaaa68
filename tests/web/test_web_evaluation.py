"""The Evaluate tab's pieces on a real index (hash encoder): the chart's legend beside the bars, the misses
folded with the passages returned for each, and long questions echoed cut."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qa.engine import Engine, Response, build_from_folder
from qa.evaluate.gold import EvalReport, GoldQuestion, evaluate_gold
from qa.index.config import BuildConfig
from qa.web.evaluation import CountingEngine, metrics_figure
from qa.web.holder import served_from
from qa.web.views import ECHO_CHARS, cut, misses_html, response_html

LONG = "Where do the herons of the Marlow estuary build their nests " + "and why " * 700 + "?"


class Details(HTMLParser):
    """Each <details>: whether it starts open, and the <details> it sits in (by position)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, bool, int | None]] = []  # (class, open, parent index)
        self._stack: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "details":
            values = dict(attrs)
            self.found.append((values.get("class") or "", "open" in values, self._stack[-1] if self._stack else None))
            self._stack.append(len(self.found) - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._stack.pop()


@pytest.fixture
def engine(tmp_path: Path, hash_encoder):  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "herons.md").write_text(
        "# Herons\n\nThe herons of the Marlow estuary build their nests in the alder trees.\n\n"
        "## Food\n\nThey eat eels and <b>small</b> fish.\n",
        encoding="utf-8",
    )
    (corpus / "mills.txt").write_text("The old mill grinds barley. Its wheel turns in the stream.\n")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    opened = Engine.open(tmp_path / "index", encoder=hash_encoder, reader=False)
    yield opened
    opened.close()


def test_the_legend_sits_outside_the_bars() -> None:
    reports = [
        EvalReport(mode, 4, dict.fromkeys(("hit@1", "hit@5", "hit@10", "mrr@10", "answer@1"), 1.0), 50.0)
        for mode in ("hybrid", "dense", "bm25")
    ]
    for report in reports:
        report.metrics.update(span_em=1.0, span_f1=1.0, false_alarms=1.0)
    figure = metrics_figure(reports, "gold: 4 questions")
    figure.savefig(io.BytesIO(), format="png")  # as the page gets it: laid out and drawn
    ax = figure.axes[0]
    assert ax.get_legend() is None and len(figure.legends) == 1
    legend = figure.legends[0].get_window_extent()
    axes = ax.get_window_extent()
    bars = [patch.get_window_extent() for patch in ax.patches]
    assert legend.x0 >= axes.x1 or legend.y1 <= axes.y0  # beside or below the plotting area ...
    assert not any(legend.overlaps(bar) for bar in bars)  # ... so no bar is covered
    whole = figure.bbox
    assert whole.x0 <= legend.x0 and legend.x1 <= whole.x1 and whole.y0 <= legend.y0 and legend.y1 <= whole.y1


def test_misses_are_folded_each_with_the_passages_it_got(engine) -> None:  # type: ignore[no-untyped-def]
    gold = [
        GoldQuestion("What do the herons eat?", ("eels",)),  # answered
        GoldQuestion("What does the mill grind?", ("oats",)),  # a miss: the corpus says barley
        GoldQuestion(LONG, ("copper roofs",)),  # a miss, with a very long question
    ]
    ticks = []
    counting = CountingEngine(engine, lambda: ticks.append(1))
    report = evaluate_gold(counting, gold, mode="bm25", k=10)
    assert len(ticks) == 3 and set(counting.responses) == {(q.question, "bm25") for q in gold}
    assert [m.question for m in report.misses] == ["What does the mill grind?", LONG]
    page = misses_html([report], counting.responses)

    details = Details()
    details.feed(page)
    assert details.found[0] == ("qa-misses", False, None)  # the mode's list starts folded ...
    assert details.found[1:] == [("qa-miss-detail", False, 0)] * 2  # ... and so does each miss, inside it
    assert "bm25: 2 misses of 3 questions" in page
    assert page.count('<li class="qa-miss-card"') == sum(
        len(counting.responses[(m.question, "bm25")].results) for m in report.misses
    )
    assert 'data-doc="mills.txt"' in page and "grinds barley" in page
    assert "&lt;b&gt;small&lt;/b&gt;" in page and "<b>" not in page  # a passage's markup stays text
    assert LONG not in page and cut(LONG) in page and len(cut(LONG)) <= ECHO_CHARS + 1


def test_a_long_question_is_echoed_cut(engine) -> None:  # type: ignore[no-untyped-def]
    assert cut("short question?") == "short question?"
    shown = cut(LONG)
    assert shown.endswith("…") and LONG.startswith(shown[:-1]) and len(shown) <= ECHO_CHARS + 1
    response = engine.ask(LONG, k=3)
    page = response_html(response, served_from(engine))
    echo = page.split('<div class="qa-question-echo">', 1)[1].split("<span", 1)[0]
    assert echo == f"Q: {cut(LONG)} "
    empty = response_html(Response(LONG, "hybrid", ()), served_from(engine))
    assert LONG not in empty and cut(LONG) in empty
