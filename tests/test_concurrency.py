"""One engine shared by many threads (as Gradio's workers share it): no error, and every answer is the one
the same question gets alone. Fast tokenizers raise "Already borrowed" when two threads use one unguarded."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

QUESTIONS = [
    "When was the police academy created?",
    "How many members does the band have?",
    "Who leads it?",
    "What does the ministry of internal affairs do, which departments report to it, where is it based, and since "
    "when has it operated under its present name, after the many reorganisations of the twentieth century? " * 3,
    "Baku",
    "Which units guard the borders and what equipment do they use?",
]


def fingerprint(response) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(r.doc, r.start, r.end, r.score, r.answer.text if r.answer else None) for r in response.results]


def test_eight_threads_asking_at_once_get_the_answers_each_question_gets_alone(corpus_engine) -> None:
    expected = {q: fingerprint(corpus_engine.ask(q, k=5)) for q in QUESTIONS}
    jobs = [QUESTIONS[i % len(QUESTIONS)] for i in range(96)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda q: (q, fingerprint(corpus_engine.ask(q, k=5))), jobs))
    assert len(got) == len(jobs)
    for question, answer in got:
        assert answer == expected[question], question[:40]
