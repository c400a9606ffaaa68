"""The upload kind check that replaces Gradio's browser-side one (whose toast stays ten seconds over the page):
real Gradio file values in, a one-line message and the refused batch's upload copies deleted out."""

from __future__ import annotations

from pathlib import Path

from gradio.data_classes import FileData, ListFiles

from qa.web.typecheck import check_kinds, kind_message, raw_files, wrong_kind
from qa.web.uploads import UploadArea

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
    folder = tmp_path / "uploads"
    good, bad = folder / "a1" / "gold.jsonl", folder / "b2" / "tool.exe"
    listed: set[str] = set()
    area = UploadArea(folder, lambda: listed)
    for path, data in ((good, b"{}\n"), (bad, b"MZ")):
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        listed.add(str(path))  # as Gradio's upload route records what it wrote
    check = check_kinds(TYPES, area.accept, area.discard)
    message, value = check(ListFiles(root=[FileData(path=str(good)), FileData(path=str(bad))]))
    assert value is None and 'class="qa-error"' in message  # the control is emptied, the line says why
    assert "&#x27;tool.exe&#x27; is not one of .jsonl, .json, .txt" in message
    assert not good.exists() and not bad.exists()  # nothing of the refused batch waits in the upload folder

    good.parent.mkdir()
    good.write_bytes(b"{}\n")
    listed.add(str(good))
    payload = {"path": str(good), "orig_name": "gold.jsonl", "meta": {"_type": "gradio.FileData"}}
    message, value = check(payload)
    assert message == "" and good.exists()  # accepted: the line is emptied and the file stays for the handler
    assert value is payload  # the control keeps its file: the value as it came, not an update


def test_a_file_the_upload_route_did_not_write_is_refused_and_deleted(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    planted = folder / "planted" / "notes.txt"
    planted.parent.mkdir(parents=True)
    planted.write_text("put here by other means\n", encoding="utf-8")
    area = UploadArea(folder, lambda: set())
    message, value = check_kinds(TYPES, area.accept, area.discard)(FileData(path=str(planted)))
    assert value is None and "was not uploaded through this page" in message and "notes.txt" in message
    assert not planted.exists()
    outside = tmp_path / "outside.txt"
    outside.write_text("outside\n", encoding="utf-8")
    message, value = check_kinds(TYPES, area.accept, area.discard)(FileData(path=str(outside)))
    assert value is None and "was not uploaded through this page" in message
    assert outside.exists()  # refused, and never touched: it is not in the upload folder
