"""`app.py --rerank`: the served engine reranks before it reads, also after a rebuild; the flag needs the reader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from app_fixtures import ROOT, offline_env

from qa.web.holder import prepare

HARBOUR = (
    "The harbour festival began in the old fish market. After a long debate the committee chose a blue heron as "
    "the emblem of the festival, because the birds nest along the quay every spring."
)
FERRY = "The ferry to the island leaves twice a day in summer. In winter it runs only on Saturdays."


def test_rerank_without_the_reader_is_one_clear_line() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "--rerank", "--no-reader"],
        capture_output=True,
        text=True,
        timeout=60,
        env=offline_env(),
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith("--rerank reorders what the reader reads, so it needs the reader; drop --no-reader or --rerank")
    )


@pytest.mark.slow
@pytest.mark.parametrize("rerank", [True, False])
def test_the_served_engine_keeps_the_reranker_it_was_started_with(tmp_path: Path, rerank: bool) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    holder = prepare(corpus, tmp_path / "index", log_fn=lambda message: None, reranker=rerank)
    assert (holder.engine.reranker is not None) == rerank and holder.engine.reader is not None
    response, _ = holder.ask("What did the committee choose as the emblem of the festival?")
    assert "heron" in response.results[0].text
    (corpus / "ferry.txt").write_text(FERRY, encoding="utf-8")
    holder.rebuild()  # the new generation is opened the way the old one was
    assert (holder.engine.reranker is not None) == rerank
    response, _ = holder.ask("When does the ferry run in winter?")
    assert response.results[0].doc == "ferry.txt"
