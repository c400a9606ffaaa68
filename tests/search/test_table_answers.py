"""The answer sentence in a table: a data row, never the header row, wherever a passage cuts the table."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from qa.engine import Engine, build_from_folder
from qa.index.config import BuildConfig
from qa.ingest.tabletext import cells
from qa.ingest.tokens import terms
from qa.search.highlight import HighlightSettings


def test_the_first_row_of_a_passage_cut_inside_a_table_can_be_its_answer(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = [f"{4100 + 7 * i},feed{chr(97 + i % 26)}{i}" for i in range(160)]
    (corpus / "chicks.csv").write_text("weight,feed\n" + "\n".join(rows) + "\n", encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    engine = Engine.open(tmp_path / "index", encoder=hash_encoder, reader=False)
    ids = [i for i, c in enumerate(engine.index.chunks) if c.start > 0 and cells(c.text.split("\n", 1)[0])]
    assert len(ids) >= 2  # the table is long enough to be cut inside
    for i, stored in engine.index.chunks.get_many(ids).items():
        first = stored.chunk.text.split("\n", 1)[0]
        question = f"Which feed did the chick weighing {first.split('|')[1].strip()} receive?"
        lexical = HighlightSettings(lexical_weight=10.0)  # the row holding the asked weight wins, whatever the vectors
        weights = dict.fromkeys(terms(question), 1.0)
        found = engine.ranker.answer(stored, question, engine.embed_question(question), lexical, weights)
        assert found is not None and found.text == first, i


CARRIERS = [  # carrier, seat kilometres per week, fatalities (made up)
    ("Northwind Air", 2437446730, 486),
    ("Bluecrest Airways", 2594740733, 0),
    ("Kestrel Lines", 1106443827, 554),
    ("Solvane Air", 6440888752, 0),
    ("Marlow Aviation", 2826705791, 400),
    ("Tern Express", 8754989331, 164),
    ("Quayside Air", 4578744786, 0),
    ("Halcyon Airlines", 6228638683, 0),
    ("Ridgeway Air", 8169670877, 0),
    ("Corvid Airways", 2225508084, 447),
]


@pytest.fixture(scope="module")
def carriers_index(tmp_path_factory, real_encoder) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("carriers")
    corpus = root / "corpus"
    corpus.mkdir()
    lines = [f"{name},{km},{dead}" for name, km, dead in CARRIERS]
    (corpus / "carriers.csv").write_text("carrier,seat_km_per_week,fatalities\n" + "\n".join(lines) + "\n")
    build_from_folder(corpus, root / "index", encoder=real_encoder)
    return root / "index"


def carrier_questions() -> list[tuple[str, str]]:
    asked = [(name, f"Which carrier flies {km} seat kilometres per week?") for name, km, _ in CARRIERS]
    return asked + [(name, f"Which carrier had {dead} fatalities?") for name, _, dead in CARRIERS if dead]


def test_the_reader_answers_from_the_row_the_question_names(carriers_index: Path, real_encoder, real_reader) -> None:  # type: ignore[no-untyped-def]
    engine = Engine.open(carriers_index, encoder=real_encoder, reader=real_reader)
    read = spans_read(engine, (question for _, question in carrier_questions()))
    # the reader alone takes the name of a neighbouring row for most of these
    assert read == {question: name for name, question in carrier_questions()}


def test_without_the_reader_the_answer_sentence_is_the_row_the_question_names(
    carriers_index: Path, real_encoder
) -> None:  # type: ignore[no-untyped-def]
    engine = Engine.open(carriers_index, encoder=real_encoder, reader=False)
    for name, question in carrier_questions():
        answer = engine.ask(question, k=1).results[0].answer
        assert answer is not None and answer.text.startswith(f"| {name} |"), question


CARS = [  # model, mpg, cylinders, horsepower, weight (made up)
    ("Vantor GT", 21.4, 6, 245, 3.57),
    ("Kestrel 400", 18.1, 8, 175, 3.44),
    ("Marlow Six", 24.4, 4, 62, 3.19),
    ("Tern Coupe", 15.2, 8, 264, 3.17),
    ("Quay Estate", 30.4, 4, 52, 1.615),
    ("Halcyon S", 19.2, 6, 123, 3.44),
    ("Ridge 280", 17.3, 8, 180, 3.73),
    ("Corvid LX", 22.8, 4, 93, 2.32),
]


@pytest.fixture(scope="module")
def cars_engine(tmp_path_factory, real_encoder, real_reader) -> Engine:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("cars")
    corpus = root / "corpus"
    corpus.mkdir()
    rows = "\n".join(",".join(map(str, car)) for car in CARS)
    (corpus / "cars.csv").write_text("model,mpg,cyl,hp,wt\n" + rows + "\n", encoding="utf-8")
    build_from_folder(corpus, root / "index", encoder=real_encoder)
    return Engine.open(root / "index", encoder=real_encoder, reader=real_reader)


def spans_read(engine: Engine, questions: Iterable[str]) -> dict[str, str | None]:
    """Each question's bold words in the first result (None: nothing bold)."""
    read = {}
    for question in questions:
        answer = engine.ask(question, k=1).results[0].answer
        read[question] = answer.span.text if answer is not None and answer.span is not None else None
    return read


def test_a_row_the_question_names_answers_though_the_reader_doubts_tables(cars_engine: Engine) -> None:
    engine = cars_engine
    for name, _, _, hp, _ in CARS:
        response = engine.ask(f"Which model in the cars sheet has {hp} hp?", k=1)
        answer = response.results[0].answer
        # the reader's "no answer" score, learned on prose, doubts three of these rows on its own
        assert response.confident and answer is not None and answer.span is not None, hp
        assert answer.span.text == name
    # the reader bolds the question's own number here; the column the question names by its header answers
    answer = engine.ask("In the cars sheet, what weight (wt) is listed for the car with 175 horsepower?", k=1)
    top = answer.results[0].answer
    assert top is not None and top.span is not None and top.span.text == "3.44"


REGIONS = [  # region, population in millions, area km2, people per km2 (made up)
    (f"{name}", round(0.4 + 1.7 * i % 60, 1), 3000 + 7919 * i % 400000, 11 + 37 * i % 900)
    for i, name in enumerate(
        "Aldera Brevon Caldis Dornia Estmark Falvia Gorran Hesta Ilmora Jastria Kelvar Lunden Morvia Nesta Orlan "
        "Pravia Quent Rosvar Sunmark Tallin Ulvia Vester Wenmark Xandria Ysolde Zembla Arvon Belcia Corvin Delmar".split()
    )
]


def test_a_sheet_cut_into_passages_answers_from_the_passage_holding_the_row_asked_for(
    tmp_path: Path, real_encoder, real_reader
) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = "\n".join(f"{name},{people},{area},{density}" for name, people, area, density in REGIONS)
    header = "Region,Population in millions,Area km2,Density people/km2"
    (corpus / "regions.csv").write_text(f"{header}\n{rows}\n", encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    engine = Engine.open(tmp_path / "index", encoder=real_encoder, reader=real_reader)
    assert len(engine.index.chunks) >= 3  # the sheet is cut into passages; only the first holds the header row
    wrong = []
    for name, _, _, density in REGIONS:
        top = engine.ask(f"What is the population density of {name}?", k=3).results[0]
        if top.answer is None or not top.answer.text.startswith(f"| {name} | ") or str(density) not in top.answer.text:
            wrong.append(name)
    # the reader alone answers some of these with a value from a passage where the region is not (its own rows
    # named by no word of the question), over the passage holding the region's row
    assert wrong == []


SCHEMES_PAPER = """# Training schemes

We compare training schemes for the retriever. Each question is trained with negative passages: random passages,
passages ranked high by BM25 but holding no answer, or gold passages of other questions in the same batch. The
number of negatives per question ranges from 7 to 255, and in-batch training reuses the batch's gold passages.

Table 3: Retrieval accuracy of the training schemes on the development set.

| Type | #N | IB | Top-5 | Top-20 | Top-100 |
| --- | --- | --- | --- | --- | --- |
| Random | 7 | no | 47.0 | 64.3 | 77.8 |
| BM25 | 7 | no | 50.0 | 63.3 | 74.8 |
| Gold | 7 | no | 42.6 | 63.1 | 78.3 |
| Gold | 7 | yes | 51.1 | 69.1 | 80.8 |
| Gold | 31 | yes | 52.1 | 70.8 | 82.1 |
| Gold | 127 | yes | 55.8 | 73.0 | 83.1 |
| Mixed | 31+32 | yes | 65.0 | 77.3 | 84.4 |
| Mixed | 127+128 | yes | 65.8 | 78.0 | 84.9 |

Using more gold negatives in the batch helps at every k, and adding one BM25 negative per question helps most at
small k. With 127 gold negatives the top-5 accuracy is still below that of the mixed schemes.

# Discussion

In-batch negative training with gold negatives is cheap: the gold passages of the other questions in a batch serve
as negatives, so a batch of 128 questions gives each question 127 negatives at no extra cost. Accuracy improves with
more negatives for k ≥ 20, and the top-5 accuracy of in-batch training gains the most when one BM25 negative is
added per question. Training with BM25 negatives alone reaches a lower top-100 accuracy than training with random
negatives, while the mixed schemes lead at every k.
"""


def test_a_cell_named_by_its_row_and_its_columns_header_answers_though_the_reader_misses_it(
    tmp_path: Path, real_encoder, real_reader
) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "schemes.md").write_text(SCHEMES_PAPER, encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", encoder=real_encoder)
    engine = Engine.open(tmp_path / "index", encoder=real_encoder, reader=real_reader)
    asked = {  # the reader alone answers none of these from the table; the discussion holds no such number
        "What top-5 accuracy does in-batch training with 127 gold negatives reach?": "55.8",
        "In Table 3, what top-100 accuracy does training with 7 BM25 negatives reach?": "74.8",
        "In Table 3, what top-20 accuracy does the mixed scheme with 31+32 negatives reach?": "77.3",
    }
    assert spans_read(engine, asked) == asked


def test_the_column_a_question_names_by_its_header_answers_in_the_row_it_names(cars_engine: Engine) -> None:
    asked = {}
    for name, mpg, cyl, _, wt in CARS:
        asked[f"What mpg does the {name} get in the cars sheet?"] = str(mpg)
        asked[f"How many cylinders (cyl) does the {name} have?"] = str(cyl)
        asked[f"What weight (wt) does the {name} have in the cars sheet?"] = str(wt)
    # the reader alone marks another cell of the row (its mpg, its horsepower) for 14 of 24
    assert spans_read(cars_engine, asked) == asked
