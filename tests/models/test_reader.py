"""The shipped reader (qa/models/reader-weights), run by the engine's own runtime on the real int8 file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa.errors import QAError
from qa.ingest.load import file_hash
from qa.models.card import ModelCard
from qa.models.reader import READER_DIR, Reader, best_span, shipped_reader_fingerprint
from qa.search.highlight import find_answer_span

FESTIVAL = (
    "The harbour festival began in the old fish market. After a long debate the committee chose a blue heron "
    "as the emblem of the festival, because the birds nest along the quay every spring."
)


def test_the_card_names_the_shipped_weights_and_their_checksum() -> None:
    card = ModelCard.read(READER_DIR, "reader")
    assert card.sha256 == file_hash(READER_DIR / card.file)
    assert shipped_reader_fingerprint() == card.sha256[:24]
    data = json.loads((READER_DIR / "model-card.json").read_text(encoding="utf-8"))
    assert data["validation"]["em"] > 0 and data["training_data"] and data["licence"]


def test_the_reader_marks_a_noun_phrase_the_rules_cannot_find(real_reader: Reader) -> None:
    question = "What did the committee choose as the emblem of the festival?"
    assert find_answer_span(question, FESTIVAL) is None  # no date, number, name or place is asked for
    span = real_reader.read(question, [FESTIVAL])[0]
    assert "heron" in FESTIVAL[span.start : span.end]
    assert span.no_answer < 0


def test_a_window_that_does_not_answer_scores_no_answer_above_its_span(real_reader: Reader) -> None:
    question = "Which telescope discovered the rings of Neptune?"
    answered = real_reader.read("Where do the birds nest every spring?", [FESTIVAL])[0]
    unanswered = real_reader.read(question, [FESTIVAL])[0]
    assert unanswered.no_answer > answered.no_answer
    assert unanswered.no_answer > -1.0


def test_each_window_is_read_on_its_own_and_long_windows_in_pieces(real_reader: Reader) -> None:
    question = "What did the committee choose as the emblem of the festival?"
    filler = " ".join(f"Stall number {i} sold smoked fish and bread to the visitors." for i in range(40))
    long_window = filler + " " + FESTIVAL  # about 500 word pieces: read as overlapping pieces of 192
    alone = real_reader.read(question, [FESTIVAL])[0]
    together = real_reader.read(question, ["Bread is baked at night.", FESTIVAL, long_window])
    assert together[1] == alone  # a window's answer does not depend on the others read with it
    start = len(filler) + 1
    assert "heron" in long_window[together[2].start : together[2].end] and together[2].start >= start


def test_best_span_keeps_start_before_end_within_the_length_limit() -> None:
    import numpy as np

    start = np.array([0.0, 1.0, 9.0, 0.0, 0.0])
    end = np.array([0.0, 8.0, 0.5, 1.0, 7.0])
    context = np.arange(1, 5)
    assert best_span(start, end, context, 30)[:2] == (2, 4)  # not (2, 1): the end may not precede the start
    assert best_span(start, end, context, 2)[:2] == (2, 3)  # at most 2 tokens long
    units = np.array([0, 0, 1, 1])  # tokens 1-2 one unit, 3-4 the next
    assert best_span(start, end, context, 30, units)[:2] == (2, 2)  # not (2, 4): from one unit into the next


def test_a_damaged_or_missing_reader_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "reader"
    shutil.copytree(READER_DIR, folder)
    card = ModelCard.read(folder, "reader")
    with (folder / card.file).open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\0" * 64)
    with pytest.raises(QAError, match="damaged.*--no-reader"):
        Reader.open(folder)
    (folder / card.file).unlink()
    with pytest.raises(QAError, match="missing.*--no-reader"):
        Reader.open(folder)
    (folder / "model-card.json").write_text('{"format": "qa-reader-card", "version": 99}')
    with pytest.raises(QAError, match="version 99"):
        Reader.open(folder)


def test_a_span_stays_inside_one_unit_of_the_window(real_reader: Reader) -> None:
    lines = "Shopping list\n\nbread and butter\n\ngreen tea from Lankaran\n\nfresh tomatoes\n"
    question = "Where is the green tea from?"
    breaks = [i for i, c in enumerate(lines) if c == "\n"]  # every line its own unit
    span = real_reader.read(question, [lines], breaks=[breaks])[0]
    assert lines[span.start : span.end] == "Lankaran"  # read as one stream it runs on into "fresh tomatoes"
    assert span.no_answer < 0
    with pytest.raises(ValueError, match="2 lists of breaks for 1 windows: give one list per window"):
        real_reader.read(question, [lines], breaks=[breaks, breaks])
    with pytest.raises(ValueError, match="0 lists of typed spans for 1 windows: give one list per window"):
        real_reader.read(question, [lines], typed=[])


def test_best_span_holds_a_token_of_the_asked_kind_when_the_window_has_one() -> None:
    import numpy as np

    start = np.array([0.0, 9.0, 1.0, 2.0, 0.0])
    end = np.array([0.0, 8.0, 1.0, 0.0, 3.0])
    context = np.arange(1, 5)
    assert best_span(start, end, context, 30)[:2] == (1, 1)  # 9 + 8 = 17
    typed = np.array([False, False, False, True])  # token 4 is the number
    assert best_span(start, end, context, 30, typed=typed)[:2] == (1, 4)  # 9 + 3 = 12 beats 2 + 3 = 5
    assert best_span(start, end, context, 2, typed=typed)[:2] == (3, 4)  # at most 2 tokens: 2 + 3
    assert best_span(start, end, context, 30, typed=np.zeros(4, dtype=bool))[:2] == (1, 1)  # none: as before


def test_windows_seen_before_are_not_read_again(real_reader: Reader, monkeypatch: pytest.MonkeyPatch) -> None:
    read_windows: list[str] = []
    read_window = real_reader._read_window

    def counting(question: str, window: str, *rest: object):  # type: ignore[no-untyped-def]  # the real one, counted
        read_windows.append(window)
        return read_window(question, window, *rest)  # type: ignore[arg-type]

    question = "When was the bridge built?"
    texts = ["The bridge was built in 1702 of granite.", "The market is held on Mondays.", "The clock dates from 1820."]
    fresh = real_reader.read(question, texts)
    monkeypatch.setattr(real_reader, "_read_window", counting)
    seen: dict = {}  # type: ignore[type-arg]
    first = real_reader.read(question, texts[:2], breaks=[[], []], seen=seen)
    both = real_reader.read(question, texts, breaks=[[], [], []], seen=seen)
    assert read_windows == texts  # the first two were not read again
    assert both == fresh and first == both[:2]
    assert texts[0][both[0].start : both[0].end] == "1702"
    real_reader.read(question, texts[:1], breaks=[[10]], seen=seen)  # other units: read again
    assert read_windows == [*texts, texts[0]]


def test_best_span_stays_out_of_barred_tokens_when_any_span_can() -> None:
    import numpy as np

    start = np.array([0.0, 9.0, 1.0, 2.0, 0.0])
    end = np.array([0.0, 8.0, 1.0, 0.0, 3.0])
    context = np.arange(1, 5)
    barred = np.array([True, False, False, False])  # token 1, the best span's, is barred
    assert best_span(start, end, context, 30, barred=barred)[:2] == (3, 4)  # 2 + 3 = 5, the best outside it
    everything = np.ones(4, dtype=bool)
    assert best_span(start, end, context, 30, barred=everything)[:2] == (1, 1)  # all barred: as if none were


def test_the_reader_reads_past_a_barred_table(real_reader: Reader) -> None:
    window = (
        "Record WRITEACCESS, BIFF5:\n\nOffset: 0; Size: 54; Contents: User name, 53 characters.\n\n"
        "Record WRITEACCESS, BIFF8:\n\nOffset: 0; Size: var.; Contents: User name, 109 characters."
    )
    question = "In BIFF8, how many characters long is the user name stored in WRITEACCESS?"
    span = real_reader.read(question, [window])[0]
    assert window[span.start : span.end] == "53"  # the reader tells the record, not its version
    second = window.index("Record WRITEACCESS, BIFF8")
    span = real_reader.read(question, [window], barred=[[(0, second)]])[0]
    assert window[span.start : span.end].startswith("109")
    with pytest.raises(ValueError, match="0 lists of barred ranges for 1 windows: give one list per window"):
        real_reader.read(question, [window], barred=[])
