"""Load test of the web app's `ask` API: concurrent gradio_client clients, latency, throughput, errors.

    .venv/bin/python benchmarks/load_test.py [--n 500] [--clients 10] [--timeout 600] [--url URL]

Without --url it starts `python app.py --host 127.0.0.1 --port <free port>` (log in
benchmarks/results/load_test-app.log), waits until it answers, and stops it at the end (SIGINT, then
SIGTERM, then SIGKILL if it will not stop). It then sends --n questions, cycling the gold questions
(gold/heldout.jsonl + gold/dev.jsonl), from --clients threads, each with its own gradio_client.Client, to
the `/ask` endpoint (question, k, mode). Every response is checked: a dict with the asked mode and a non-empty
`results` list whose first result has rank 1 and a non-empty text.

Prints and writes (--out) throughput, latency p50/p95/p99 (as the client sees it: queueing included), the
error count, and CPU seconds of the app and of this process (the clients share the machine with the app).
Exit code 1 if any request failed or was malformed, or if fewer than --n answers came back before --timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
}
os.environ.update({k: os.environ.get(k, v) for k, v in OFFLINE_ENV.items()})

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def gold_questions() -> list[str]:
    from qa.evaluate.gold import load_gold

    return [q.question for name in ("heldout.jsonl", "dev.jsonl") for q in load_gold(ROOT / "gold" / name)]


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), without importing numpy."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_cpu_seconds(pid: int) -> float | None:
    """utime + stime of a live process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def check_response(response: object, mode: str) -> str | None:
    """None when the API answer is well-formed, else what is wrong with it."""
    if not isinstance(response, dict):
        return f"response is {type(response).__name__}, not a dict"
    results = response.get("results")
    if not isinstance(results, list) or not results:
        return f"no results (notices: {response.get('notices')})"
    top = results[0]
    if not isinstance(top, dict) or not isinstance(top.get("text"), str) or not top["text"].strip():
        return "top result has no text"
    if top.get("rank") != 1:
        return f"top result has rank {top.get('rank')}"
    if response.get("mode") != mode:
        return f"mode {response.get('mode')!r}, asked {mode!r}"
    return None


# ---------------------------------------------------------------- the app


class App:
    """`python app.py` as a child process, its output in a log file."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.port = args.port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = args.out.with_name(args.out.stem + "-app.log")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            str(ROOT / "app.py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--threads",
            str(args.threads),
        ]
        if args.corpus:
            command += ["--corpus", str(args.corpus)]
        if args.index:
            command += ["--index", str(args.index)]
        self.command = command
        self._log = self.log_path.open("wb")
        self.began = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **OFFLINE_ENV, "PYTHONUNBUFFERED": "1"},
        )
        self.ready_seconds: float | None = None
        self.shutdown: dict = {}

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"app.py exited with code {self.process.returncode} before serving; log:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.url + "gradio_api/info", timeout=5) as response:
                    if response.status == 200:
                        self.ready_seconds = time.perf_counter() - self.began
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
                last = str(exc)
            time.sleep(0.5)
        raise RuntimeError(
            f"app.py did not answer at {self.url} within {timeout:.0f} s ({last}); log:\n{self.log_tail()}"
        )

    def stop(self) -> dict:
        """Ctrl-C first (Gradio closes its server), then SIGTERM, then SIGKILL; returns how it went."""
        if self.shutdown:
            return self.shutdown
        began = time.perf_counter()
        how, usage = "already exited", None
        for sig, grace in ((signal.SIGINT, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            if self.process.poll() is not None:
                break
            self.process.send_signal(sig)
            how = sig.name
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
        self._log.close()
        # the child's peak RSS: RUSAGE_CHILDREN covers every child waited for, and this is the only one
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.shutdown = {
            "signal": how,
            "exit_code": self.process.returncode,
            "seconds": round(time.perf_counter() - began, 2),
            "clean": how == "SIGINT",
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        }
        return self.shutdown


# ---------------------------------------------------------------- the load


def run_load(url: str, questions: list[str], args: argparse.Namespace) -> dict:
    from gradio_client import Client

    setup_began = time.perf_counter()
    clients = [Client(url, verbose=False, download_files=False, analytics_enabled=False) for _ in range(args.clients)]
    setup_seconds = time.perf_counter() - setup_began

    lock = threading.Lock()
    next_index = [0]
    records: list[dict] = []
    start = threading.Barrier(args.clients + 1)
    deadline = [0.0]

    def take() -> int | None:
        with lock:
            if next_index[0] >= args.n or time.monotonic() >= deadline[0]:
                return None
            next_index[0] += 1
            return next_index[0] - 1

    def worker(number: int, client) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        while (i := take()) is not None:
            question = questions[i % len(questions)]
            began = time.perf_counter()
            error = None
            try:
                job = client.submit(question, args.k, args.mode, api_name="/ask")
                response = job.result(timeout=max(deadline[0] - time.monotonic(), 1.0))
                error = check_response(response, args.mode)
            except TimeoutError:
                error = "no answer before --timeout"
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ''}"
            ended = time.perf_counter()
            with lock:
                records.append(
                    {
                        "i": i,
                        "client": number,
                        "question": question,
                        "start": began,
                        "end": ended,
                        "seconds": ended - began,
                        "error": error,
                    }
                )

    threads = [
        threading.Thread(target=worker, args=(n, c), name=f"client-{n}", daemon=True) for n, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    deadline[0] = time.monotonic() + args.timeout
    cpu_began = time.process_time()
    began = time.perf_counter()
    start.wait()
    for t in threads:
        t.join(timeout=max(deadline[0] - time.monotonic(), 0) + 30)
    wall = time.perf_counter() - began
    client_cpu = time.process_time() - cpu_began
    for client in clients:
        try:
            client.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass
    return {
        "records": sorted(records, key=lambda r: r["i"]),
        "wall": wall,
        "client_cpu": client_cpu,
        "setup_seconds": setup_seconds,
        "began": began,
        "stuck_threads": sum(t.is_alive() for t in threads),
    }


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="a running app (default: start app.py on a free port)")
    parser.add_argument("--n", type=int, default=500, help="questions to send (default 500)")
    parser.add_argument("--clients", type=int, default=10, help="concurrent clients, one thread each (default 10)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for the whole load (default 600)")
    parser.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="app.py --threads (default 1, the app's default)")
    parser.add_argument("--corpus", default=None, help="app.py --corpus (default: the app's)")
    parser.add_argument("--index", default=None, help="app.py --index (default: the app's)")
    parser.add_argument("--port", type=int, default=None, help="port for the started app (default: a free one)")
    parser.add_argument("--startup-timeout", type=float, default=300)
    parser.add_argument("--out", type=Path, default=RESULTS / "load_test.json")
    args = parser.parse_args(argv)
    began_all = time.perf_counter()
    questions = gold_questions()

    app = None
    if args.url is None:
        app = App(args)  # started before gradio_client is imported: the app's RSS high-water mark starts small
        print(f"starting app.py {' '.join(app.command[2:])} (log: {app.log_path})", flush=True)
    try:
        if app is not None:
            app.wait_ready(args.startup_timeout)
            print(f"app ready at {app.url} after {app.ready_seconds:.1f} s", flush=True)
        url = args.url or app.url  # type: ignore[union-attr]
        app_cpu_before = process_cpu_seconds(app.process.pid) if app else None
        print(
            f"sending {args.n} questions ({len(questions)} gold questions, cycled) from {args.clients} clients, "
            f"mode {args.mode}, k={args.k}, timeout {args.timeout:.0f} s ...",
            flush=True,
        )
        load = run_load(url, questions, args)
        app_cpu = (
            (process_cpu_seconds(app.process.pid) - app_cpu_before) if app and app_cpu_before is not None else None
        )
    finally:
        shutdown = app.stop() if app is not None else None

    records = load["records"]
    ok = [r for r in records if r["error"] is None]
    errors = [r for r in records if r["error"] is not None]
    latencies = [r["seconds"] for r in ok]
    span = (max(r["end"] for r in records) - load["began"]) if records else load["wall"]
    throughput = len(ok) / span if span > 0 else 0.0
    unsent = args.n - len(records)
    per_client = [sum(r["client"] == c for r in records) for c in range(args.clients)]

    line = "-" * 60
    print()
    print(f"{'load test: /ask, %d clients, mode %s, k=%d' % (args.clients, args.mode, args.k):<44}{'value':>16}")
    print(line)
    rows = [
        ("questions sent", f"{len(records)}"),
        ("well-formed answers", f"{len(ok)}"),
        ("errors", f"{len(errors)}"),
        ("not sent before --timeout", f"{unsent}"),
        ("wall time (s)", f"{span:.1f}"),
        ("throughput (q/s)", f"{throughput:.2f}"),
        ("latency p50 (ms)", f"{percentile(latencies, 50) * 1e3:.0f}"),
        ("latency p95 (ms)", f"{percentile(latencies, 95) * 1e3:.0f}"),
        ("latency p99 (ms)", f"{percentile(latencies, 99) * 1e3:.0f}"),
        ("latency max (ms)", f"{max(latencies) * 1e3:.0f}" if latencies else "-"),
        ("latency mean (ms)", f"{statistics.fmean(latencies) * 1e3:.0f}" if latencies else "-"),
        ("questions per client (min-max)", f"{min(per_client)}-{max(per_client)}"),
        ("app CPU s / question", f"{app_cpu / max(len(records), 1) * 1e3:.0f} ms" if app_cpu is not None else "-"),
        ("client CPU s / question (this process)", f"{load['client_cpu'] / max(len(records), 1) * 1e3:.0f} ms"),
    ]
    if app is not None:
        rows += [
            ("app startup to ready (s)", f"{app.ready_seconds:.1f}"),
            ("app peak RSS (MB)", f"{shutdown['peak_rss_mb']:.0f}"),
            ("app shutdown", f"{shutdown['signal']}, exit {shutdown['exit_code']}, {shutdown['seconds']:.1f} s"),
        ]
    for label, value in rows:
        print(f"{label:<44}{value:>16}")
    if errors:
        kinds: dict[str, int] = {}
        for r in errors:
            kinds[r["error"]] = kinds.get(r["error"], 0) + 1
        print("\nerrors:")
        for kind, count in sorted(kinds.items(), key=lambda item: -item[1])[:10]:
            print(f"  {count} x {kind}")
    if load["stuck_threads"]:
        print(f"warning: {load['stuck_threads']} client thread(s) still waiting at the end")
    total = time.perf_counter() - began_all
    print(f"\nload test ran {total:.0f} s; load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    result = {
        "benchmark": "load_test",
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "load_average_end": [round(x, 2) for x in os.getloadavg()]},
        "settings": {
            "url": args.url,
            "n": args.n,
            "clients": args.clients,
            "timeout": args.timeout,
            "mode": args.mode,
            "k": args.k,
            "threads": args.threads,
            "app_command": app.command if app else None,
        },
        "sent": len(records),
        "ok": len(ok),
        "errors": len(errors),
        "not_sent": unsent,
        "error_samples": [{"i": r["i"], "question": r["question"], "error": r["error"]} for r in errors[:20]],
        "wall_seconds": span,
        "throughput_qps": throughput,
        "latency_ms": {
            "p50": percentile(latencies, 50) * 1e3,
            "p95": percentile(latencies, 95) * 1e3,
            "p99": percentile(latencies, 99) * 1e3,
            "max": max(latencies) * 1e3 if latencies else None,
            "mean": statistics.fmean(latencies) * 1e3 if latencies else None,
        },
        "per_client": per_client,
        "client_setup_seconds": load["setup_seconds"],
        "app_cpu_seconds": app_cpu,
        "client_cpu_seconds": load["client_cpu"],
        "app": {"ready_seconds": app.ready_seconds, "shutdown": shutdown, "log": str(app.log_path)} if app else None,
        "latencies_ms": [round(r["seconds"] * 1e3, 2) for r in records],
        "seconds": total,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"results written to {args.out}")
    failed = bool(errors) or len(ok) < args.n
    if failed:
        print(f"FAILED: {len(errors)} error(s), {len(ok)} of {args.n} well-formed answers", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
