"""A result cites the page of its answer sentence, not the page its passage starts on (issue 17)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from qa.engine import Engine, build_from_folder
from qa.index.config import BuildConfig


def two_page_pdf() -> bytes:
    """One paragraph that starts at the foot of page 1 and ends on page 2."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.set_xy(10, 270)
    pdf.cell(text="The lighthouse keeper lived alone on the rock for eleven winters.", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="He painted the tower white every spring and kept a log of ships.", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.set_xy(10, 20)
    pdf.cell(text="The lamp of the tower burned whale oil until the year 1902.", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="Afterwards an electric lamp was installed by the harbour board.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_the_page_is_the_page_of_the_answer_sentence(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "lighthouse.pdf").write_bytes(two_page_pdf())
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    engine = Engine.open(tmp_path / "index", encoder=hash_encoder, reader=False)
    chunks = list(engine.index.chunks)
    assert len(chunks) == 1 and chunks[0].page == 1  # one passage, starting on page 1 ...
    top = engine.ask("What did the lamp of the tower burn until 1902?", k=1).results[0]
    assert top.answer is not None and "whale oil" in top.answer.text
    assert top.page == 2  # ... but its answer is on page 2
    top = engine.ask("How many winters did the keeper live alone on the rock?", k=1).results[0]
    assert top.answer is not None and "eleven winters" in top.answer.text and top.page == 1
