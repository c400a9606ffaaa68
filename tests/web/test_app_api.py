"""The app's Gradio API through `gradio_client`: same answers as the CLI, concurrency, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.register_assert_rewrite("app_fixtures")
from app_fixtures import BAND_QUESTION, ROOT, offline_env  # noqa: E402
from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

pytest_plugins = ["app_fixtures"]
pytestmark = pytest.mark.slow

QUESTIONS = (
    BAND_QUESTION,
    "When was the Higher Military School of the Internal Troops created?",
    "Who commanded the Internal Troops from 2003 to 2013?",
    "When was Azerbaijan's Ministry of Internal Affairs first formed?",
    "How many crimes were recorded by the Ministry of Internal Affairs and the Prosecutor's Office in the first quarter of 2024?",
)


@pytest.fixture(scope="module")
def client(app_server) -> Client:
    return Client(app_server.url, verbose=False)


def ranked(response: dict) -> list[tuple[str, int, int]]:
    return [(r["doc"], r["start"], r["end"]) for r in response["results"]]


def cli_ask(question: str, index, *, k: int = 5, mode: str = "hybrid") -> dict:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa.cli",
            "ask",
            question,
            "--k",
            str(k),
            "--mode",
            mode,
            "--index",
            str(index),
            "--json",
        ],
        cwd=ROOT,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"qa ask failed ({done.returncode}): {done.stderr[-2000:]}"
    return json.loads(done.stdout)


def test_api_lists_only_ask_and_status(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/ask", "/status"}
    assert [p["parameter_name"] for p in endpoints["/ask"]["parameters"]] == ["question", "k", "mode"]


@pytest.mark.parametrize("question, mode", [(BAND_QUESTION, "hybrid"), (QUESTIONS[3], "bm25")])
def test_ask_api_matches_the_cli(client, app_server, question, mode):
    api = client.predict(question, 5, mode, api_name="/ask")
    cli = cli_ask(question, app_server.index, mode=mode)
    assert set(api) == {"question", "mode", "results", "confident", "notices", "doubt"}
    assert api["results"], "the API returned no passage"
    assert ranked(api)[0] == ranked(cli)[0]  # the same top passage (doc, start, end)
    assert ranked(api) == ranked(cli)
    assert api["results"][0]["answer"] == cli["results"][0]["answer"]
    assert (api["question"], api["mode"], api["confident"], api["notices"], api["doubt"]) == (
        cli["question"],
        cli["mode"],
        cli["confident"],
        cli["notices"],
        cli["doubt"],
    )
    for a, c in zip(api["results"], cli["results"]):
        assert a["score"] == pytest.approx(c["score"], abs=2e-3)
        assert a["text"] == c["text"] and a["heading"] == c["heading"] and a["rank"] == c["rank"]


def test_twenty_simultaneous_requests_all_succeed(client, app_server):
    expected = {q: ranked(client.predict(q, 5, "hybrid", api_name="/ask")) for q in QUESTIONS}
    asked = [QUESTIONS[i % len(QUESTIONS)] for i in range(20)]

    def call(question: str) -> tuple[str, dict]:
        return question, Client(app_server.url, verbose=False).predict(question, 5, "hybrid", api_name="/ask")

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(call, asked))
    assert len(answers) == 20
    for question, response in answers:
        assert response["question"] == question
        assert ranked(response) == expected[question]


def test_twenty_jobs_on_one_client(client, app_server):
    """Jobs queued together on one connection each get their own question's answer, the one the CLI gives."""
    expected = {q: ranked(cli_ask(q, app_server.index, k=3))[:3] for q in QUESTIONS[:2]}
    asked = [QUESTIONS[i % 2] for i in range(20)]
    jobs = [client.submit(q, 3, "hybrid", api_name="/ask") for q in asked]
    results = [job.result(timeout=120) for job in jobs]
    for question, response in zip(asked, results):
        assert response["question"] == question
        assert ranked(response) == expected[question]


@pytest.mark.parametrize(
    "args, message",
    [
        (("", 5, "hybrid"), "the question is empty"),
        (("   ", 5, "hybrid"), "the question is empty"),
        (("?!?", 5, "hybrid"), "no words"),
        ((BAND_QUESTION, 0, "hybrid"), "k=0 is outside 1..50"),
        ((BAND_QUESTION, 5, "fuzzy"), "mode 'fuzzy' is not one of hybrid, dense, bm25"),
    ],
)
def test_bad_requests_get_a_clear_error(client, args, message):
    with pytest.raises(AppError) as caught:
        client.predict(*args, api_name="/ask")
    assert message in str(caught.value)
    assert "Traceback" not in str(caught.value)
    assert client.predict(BAND_QUESTION, 1, "hybrid", api_name="/ask")["results"]  # the server is fine


def test_status_api_reports_the_manifest(client, app_server):
    from qa.index.open import read_manifest

    manifest = read_manifest(app_server.index).to_json()
    status = client.predict(api_name="/status")
    assert status["model"] == manifest["model"]["name"]
    assert status["chunks"] == manifest["counts"]["chunks"]
    assert status["documents"] == manifest["counts"]["documents"]
    assert status["built_at"] == manifest["built_at"]
    assert status["state"] == "fresh" and status["fresh"] is True and status["changes"] == []
    assert status["rebuilding"] is False
    # skipped files come through the client as data (a dict with "path" would be fetched as a file)
    assert status["skipped"] == [{"file": s["path"], "reason": s["reason"]} for s in manifest["skipped"]]
    assert "link-out.txt" in [s["file"] for s in status["skipped"]]
