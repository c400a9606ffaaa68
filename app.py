"""Start the web app: `python app.py [--host 127.0.0.1] [--port 7860] [--corpus corpus] [--index index]
[--allow-host NAME ...] [--corpus-quota-mb 2048]`.

Builds the index first when it is missing or stale (progress on the terminal), loads the model and the
index once, then serves the Ask / Evaluate / Index page, the `ask` and `status` API, and the corpus documents
(`/original/<file>`, `/page-image/<file>?page=N`, `/read/<file>?start=A&end=B`: the indexed text with a passage
marked) on 127.0.0.1, to requests naming an allowed host only.
Uploads wait in `<index>/.uploads` (Gradio's temporary folder for this process) until saved or refused.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Offline question answering over a folder of texts: the web app.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--corpus", default="corpus", help="folder of documents (default: corpus)")
    parser.add_argument(
        "--index", default="index", help="index folder, built here if missing or stale (default: index)"
    )
    parser.add_argument(
        "--gold", default=str(HERE / "gold" / "heldout.jsonl"), help="default gold set of the Evaluate tab"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="native threads per request: FAISS, and torch when the index uses it (default: 1)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this host name or address (repeatable); by default only the "
        "bound host, localhost, 127.0.0.1 and [::1] are answered",
    )
    parser.add_argument(
        "--corpus-quota-mb",
        type=int,
        default=2048,
        metavar="MB",
        help="refuse uploads that would take the corpus folder over this size (default: 2048 MB)",
    )
    parser.add_argument(
        "--upload-room-mb",
        type=int,
        default=512,
        metavar="MB",
        help="refuse new uploads while the uploads waiting to be added take more than this (default: 512 MB)",
    )
    parser.add_argument(
        "--no-reader",
        action="store_true",
        help="do not run the reader model: answer sentences only, with rule spans (dates, numbers, names)",
    )
    parser.add_argument(
        "--rerank",
        action="store_true",
        help="rerank the top 10 passages with the reranker model before the reader reads them (about 3x slower)",
    )
    args = parser.parse_args(argv)
    if args.rerank and args.no_reader:
        parser.error("--rerank reorders what the reader reads, so it needs the reader; drop --no-reader or --rerank")
    if args.upload_room_mb < 1:
        parser.error(f"--upload-room-mb {args.upload_room_mb} is below 1; give the room for waiting uploads in MB")
    if args.corpus_quota_mb < 1:
        parser.error(f"--corpus-quota-mb {args.corpus_quota_mb} is below 1; give the corpus folder's quota in MB")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    from qa.models.offline import offline_environment
    from qa.process import configure_runtime

    offline_environment()  # before gradio or Hugging Face libraries are imported: no analytics, no hub calls
    from qa import web
    from qa.errors import QAError
    from qa.web.hosts import allowed_hosts

    try:
        allowed_hosts(args.host, args.allow_host)
    except ValueError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    configure_runtime(threads=args.threads)
    try:
        holder = web.prepare(args.corpus, args.index, reader=not args.no_reader, reranker=args.rerank)
        upload_dir = web.use_upload_folder(args.index)  # Gradio's temporary folder: set before the Blocks are built
    except QAError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    gold = args.gold if Path(args.gold).is_file() else None
    demo = web.build_app(
        holder, gold_path=gold, upload_dir=upload_dir, corpus_quota_bytes=args.corpus_quota_mb * 1024 * 1024
    )
    print(
        f"index and model loaded in {time.perf_counter() - began:.1f} s; serving on http://{args.host}:{args.port}",
        flush=True,
    )
    if args.host in ("0.0.0.0", "::") and not args.allow_host:
        print(
            "note: other machines must name an allowed host; start with --allow-host NAME for each name or address "
            "they use",
            flush=True,
        )
    web.serve(
        demo,
        holder.corpus_dir,
        args.host,
        args.port,
        web.launch_options(holder.max_file_bytes),
        tuple(args.allow_host),
        upload_dir=upload_dir,
        upload_room=args.upload_room_mb * 1024 * 1024,
        texts=lambda: holder.engine.index.chunks,  # the reading view reads the served index's text
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
