"""The upload kind check that replaces Gradio's browser-side one (whose toast stays ten seconds over the page):
real Gradio file values in, a one-line message and the refused batch's upload copies deleted out."""

from __future__ import annotations

from pathlib import Path

from gradio.data_classes import FileData, ListFiles

from qa.web.typecheck import check_kinds, kind_message, raw_files, wrong_kind

TYPES = [".jsonl", ".json", ".txt"]


def test_raw_payloads_of_every_shape_give_names_and_paths() -> None:
    one = FileData(path="/up/a1/gold.jsonl", orig_name="gold.jsonl")
    assert raw_files(None) == []
    assert raw_files(one) == [("gold.jsonl", "/up/a1/gold.jsonl")]
    assert raw_files(ListFiles(root=[one, FileData(path="/up/b/x.exe")])) == [
        ("gold.jsonl", "/up/a1/gold.jsonl"),
        ("/up/b/x.exe", "/up/b/x.exe"),
    ]
    assert raw_files([{"path": "/up/c/r.PDF", "orig_name": "r.PDF"}]) == [("r.PDF", "/up/c/r.PDF")]


def test_wrong_kinds_are_named_in_one_line() -> None:
    assert wrong_kind(["a.JSONL", "b.txt", "c.exe", "d.json.zip"], TYPES) == ["c.exe", "d.json.zip"]
    one = kind_message(["c.exe"], TYPES)
    assert one == "'c.exe' is not one of .jsonl, .json, .txt; upload files of those kinds"
    many = kind_message(["a.exe", "b.exe", "c.exe", "d.exe", "e.exe"], TYPES)
    assert "'a.exe', 'b.exe', 'c.exe' and 2 more are not one of" in many and "\n" not in many


def test_a_batch_with_a_wrong_kind_is_refused_and_its_copies_deleted(tmp_path: Path) -> None:
    good, bad = tmp_path / "gold.jsonl", tmp_path / "tool.exe"
    good.write_text("{}\n", encoding="utf-8")
    bad.write_bytes(b"MZ")
    check = check_kinds(TYPES, lambda path: Path(path).unlink())
    message, value = check(ListFiles(root=[FileData(path=str(good)), FileData(path=str(bad))]))
    assert value is None and 'class="qa-error"' in message  # the control is emptied, the line says why
    assert "&#x27;tool.exe&#x27; is not one of .jsonl, .json, .txt" in message
    assert not good.exists() and not bad.exists()  # nothing of the refused batch waits in the upload folder
    good.write_text("{}\n", encoding="utf-8")
    message, value = check(FileData(path=str(good), orig_name="gold.jsonl"))
    assert message == "" and good.exists()  # accepted: the line is emptied and the file stays for the handler
    assert value == {"__type__": "update"}  # gr.skip(): the control keeps its file
