"""HTML and terminal views of a result: corpus text escaped first, marks nested, offsets respected."""

from __future__ import annotations

import re
from dataclasses import replace

from qa.engine import Attachment, Response, Result
from qa.render import render_html, render_terminal
from qa.search.highlight import AnswerSentence, Highlight, Span

TEXT = "Intro <b>bold</b>. The band has 115 members & a <script>alert(1)</script> choir. End."


def _result() -> Result:
    start = TEXT.index("The band")
    end = TEXT.index(" End.")
    span_start = TEXT.index("115 members")
    term = TEXT.index("band")
    return Result(
        1,
        0.9,
        "band.txt",
        "Band",
        None,
        "Band",
        0,
        len(TEXT),
        TEXT,
        AnswerSentence(start, end, TEXT[start:end], 1.0, Span(span_start, span_start + 11, "115 members")),
        (Highlight(term, term + 4, "term"), Highlight(span_start + 4, span_start + 11, "term")),
    )


def test_html_escapes_the_corpus_and_nests_marks() -> None:
    out = render_html(TEXT, _result())
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&amp;" in out
    assert out.count('<mark class="qa-sentence">') == 1  # one mark around the whole answer sentence
    assert '<mark class="qa-span">115 <mark class="qa-term">members</mark></mark>' in out
    assert out.count("<mark") == out.count("</mark>")
    # taking the tags away and unescaping gives back the passage exactly
    import html

    assert html.unescape(re.sub(r"</?mark[^>]*>", "", out)) == TEXT


def test_terminal_view_names_source_and_keeps_the_text() -> None:
    out = render_terminal(Response("How many members?", "hybrid", (_result(),)))
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "band.txt › Band" in plain
    assert TEXT in plain
    attached = replace(
        _result(), doc="mail/p7.eml", heading="Attachment: band.pdf", attachment=Attachment("band.pdf", "pdf", 2)
    )
    plain = re.sub(r"\x1b\[[0-9;]*m", "", render_terminal(Response("How many members?", "hybrid", (attached,))))
    assert "[1] mail/p7.eml › attached band.pdf  (" in plain
