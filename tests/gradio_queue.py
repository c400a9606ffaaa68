"""Talking to a running Gradio app the way its page does, over plain HTTP: read `/config`, upload files through
`/gradio_api/upload`, run an event with `/gradio_api/queue/join` and read its result from the event stream
`/gradio_api/queue/data`. Private (UI) events have no API name, so `gradio_client` cannot call them; this can.
"""

from __future__ import annotations

import json
import uuid

import httpx

FILE_DATA = "gradio.FileData"
TIMEOUT = 300.0


def app_config(url: str) -> dict:
    response = httpx.get(url.rstrip("/") + "/config", timeout=60)
    response.raise_for_status()
    return response.json()


def takes_files(component: dict) -> bool:
    """Whether a component's value holds files (its API schema is, or lists, Gradio FileData)."""
    return FILE_DATA in json.dumps(component.get("api_info") or {})


def file_events(config: dict) -> list[dict]:
    """Every event (dependency) of the app with at least one input component that takes files."""
    filed = {c["id"] for c in config["components"] if takes_files(c)}
    return [d for d in config["dependencies"] if any(i in filed for i in d["inputs"])]


def file_data(path: str, name: str | None = None) -> dict:
    """A Gradio FileData value naming `path` on the server, as a page (or an attacker) sends it."""
    return {"path": path, "orig_name": name, "meta": {"_type": FILE_DATA}}


def event_inputs(config: dict, event: dict, value_for_files) -> list:  # type: ignore[no-untyped-def]
    """The data list for `event`: `value_for_files(component)` for file inputs, the default value for the others."""
    components = {c["id"]: c for c in config["components"]}
    data = []
    for input_id in event["inputs"]:
        component = components[input_id]
        data.append(value_for_files(component) if takes_files(component) else component.get("props", {}).get("value"))
    return data


def many(component: dict) -> bool:
    """Whether a file component takes a list of files."""
    return (
        component.get("props", {}).get("file_count") in ("multiple", "directory")
        or (component.get("api_info") or {}).get("type") == "array"
    )


def upload(url: str, files: list[tuple[str, bytes]]) -> httpx.Response:
    """POST files to the app's upload route; the response lists where the server keeps them."""
    return httpx.post(
        url.rstrip("/") + "/gradio_api/upload", files=[("files", (name, data)) for name, data in files], timeout=TIMEOUT
    )


def run_event(url: str, fn_index: int, data: list, timeout: float = TIMEOUT) -> dict:
    """Queue event `fn_index` with `data` and return its `process_completed` message."""
    session = uuid.uuid4().hex[:12]
    joined = httpx.post(
        url.rstrip("/") + "/gradio_api/queue/join",
        json={"data": data, "fn_index": fn_index, "session_hash": session, "trigger_id": None},
        timeout=60,
    )
    joined.raise_for_status()
    with httpx.stream(
        "GET", url.rstrip("/") + "/gradio_api/queue/data", params={"session_hash": session}, timeout=timeout
    ) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError(f"event {fn_index} never completed")
