"""Remove then restore through the served engine's holder, on a real index (hash encoder, which counts what it
encodes): the restored document is answered again and nothing is embedded a second time."""

from __future__ import annotations

from pathlib import Path

from qa.engine import Engine, build_from_folder
from qa.index.config import BuildConfig
from qa.web.files import remove_document, removed_documents, restore_document
from qa.web.holder import EngineHolder
from qa.web.removal import confirm_prompt
from qa.web.views import update_html

OWLS = "# Owls\n\nThe barn owl of Quillmere hunts voles at dusk.\n\n## Nests\n\nIt nests in the old mill tower.\n"


def test_restore_reuses_the_stored_embeddings(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "owls.md").write_text(OWLS, encoding="utf-8")
    (corpus / "rivers.txt").write_text("The river floods every spring. Farmers plant rice after it.\n")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    holder = EngineHolder(
        Engine.open(tmp_path / "index", encoder=hash_encoder, reader=False), tmp_path / "index", corpus
    )
    question = "Where does the barn owl of Quillmere nest?"
    assert holder.ask(question, k=1)[0].results[0].doc == "owls.md"

    remove_document(corpus, "owls.md")
    removed = holder.rebuild()
    assert removed.removed == ("owls.md",)
    assert all(r.doc != "owls.md" for r in holder.ask(question, k=5)[0].results)
    encoded = hash_encoder.texts_encoded

    assert removed_documents(corpus) == ["owls.md"]
    restore_document(corpus, "owls.md")
    restored = holder.rebuild()
    assert restored.added == ("owls.md",) and restored.passages_added >= 1
    assert restored.report.embedded == 0 and restored.report.reused >= restored.passages_added
    assert hash_encoder.texts_encoded == encoded  # not one passage or sentence encoded again
    assert holder.ask(question, k=1)[0].results[0].doc == "owls.md"
    message = update_html([], restored, restored=["owls.md"])
    assert 'Restored <span class="qa-restored">owls.md</span>' in message and "embedded 0 new passages" in message


def test_the_confirm_prompt_names_the_document_escaped() -> None:
    prompt = confirm_prompt('<img src=x onerror="x()">.txt')
    assert "&lt;img src=x onerror=&quot;x()&quot;&gt;.txt" in prompt and "<img" not in prompt
    assert "can be restored" in prompt
