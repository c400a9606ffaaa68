"""Reading windows: a passage widened within its section, earlier sentences first, never across a heading."""

from __future__ import annotations

from qa.ingest.chunk import Chunk
from qa.search.windows import sentence_holding, widen

SOURCE = (
    "Anna Berg founded the band in 1990. She played bass. The band toured Norway. "
    "It split in 1999. Its last album sold well."
)


def sentences_of(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for part in text.split(". "):
        end = start + len(part) + (1 if not part.endswith(".") else 0)
        spans.append((start, min(end, len(text))))
        start = end + 1
    return spans


SPANS = sentences_of(SOURCE)


def chunk_of(first: int, last: int, headings: tuple[str, ...] = ("Band",)) -> Chunk:
    a, b = SPANS[first][0], SPANS[last][1]
    return Chunk("band.txt", a, b, SOURCE[a:b], "Bands", headings, tuple(SPANS[first : last + 1]))


def test_sentences_fixture_cuts_the_source_into_its_five_sentences() -> None:
    assert [SOURCE[a:b] for a, b in SPANS] == [
        "Anna Berg founded the band in 1990.",
        "She played bass.",
        "The band toured Norway.",
        "It split in 1999.",
        "Its last album sold well.",
    ]


def test_window_takes_earlier_sentences_first_within_the_budget() -> None:
    middle = chunk_of(2, 3)  # "The band toured Norway. It split in 1999." (8 words)
    neighbours = [chunk_of(0, 1), middle, chunk_of(4, 4)]
    window = widen(middle, neighbours, max_words=11)  # room for 3 more words: "She played bass." only
    assert SOURCE[window.start : window.end] == "She played bass. The band toured Norway. It split in 1999."
    assert window.passage == (middle.start, middle.end)
    # 5 words to spare: the sentence before (3 words) wins over the sentence after (5 words), though both fit
    earlier = widen(middle, neighbours, max_words=13)
    assert SOURCE[earlier.start : earlier.end] == "She played bass. The band toured Norway. It split in 1999."
    wide = widen(middle, neighbours, max_words=100)
    assert (wide.start, wide.end) == (0, len(SOURCE))
    assert wide.sentences == tuple(SPANS)


def test_window_never_crosses_a_heading_or_another_document() -> None:
    middle = chunk_of(2, 3)
    other_section = chunk_of(0, 1, headings=("History",))
    other_doc = Chunk("other.txt", 77, 100, "x" * 23, "Other", ("Band",), ((77, 100),))
    window = widen(middle, [other_section, middle, other_doc], max_words=100)
    assert (window.start, window.end) == (middle.start, middle.end)


def test_answer_sentence_is_the_one_holding_the_span() -> None:
    window = widen(chunk_of(2, 3), [chunk_of(0, 1), chunk_of(2, 3)], max_words=100)
    at = SOURCE.index("1999")
    assert sentence_holding(window, at, at + 4) == SPANS[3]
    across = SOURCE.index("Norway")
    assert sentence_holding(window, across, SOURCE.index("split") + 5) == (SPANS[2][0], SPANS[3][1])
