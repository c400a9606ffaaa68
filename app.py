"""Start the web app: `python app.py [--host 127.0.0.1] [--port 7860] [--corpus corpus] [--index index]`.

Builds the index first when it is missing or stale (progress on the terminal), loads the model and the
index once, then serves the Ask / Evaluate / Index page, the `ask` and `status` API, and the corpus documents
(`/original/<file>`, `/page-image/<file>?page=N`) on 127.0.0.1.
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
    parser.add_argument("--index", default="index", help="index folder, built here if missing or stale (default: index)")
    parser.add_argument("--gold", default=str(HERE / "gold" / "heldout.jsonl"), help="default gold set of the Evaluate tab")
    parser.add_argument("--threads", type=int, default=1, help="native threads per request: FAISS, and torch when the index uses it (default: 1)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    from qa.models.offline import offline_environment
    from qa.process import configure_runtime

    offline_environment()  # before gradio or Hugging Face libraries are imported: no analytics, no hub calls
    from qa import web
    from qa.errors import QAError

    configure_runtime(threads=args.threads)
    try:
        holder = web.prepare(args.corpus, args.index)
    except QAError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    gold = args.gold if Path(args.gold).is_file() else None
    demo = web.build_app(holder, gold_path=gold)
    print(f"index and model loaded in {time.perf_counter() - began:.1f} s; serving on http://{args.host}:{args.port}", flush=True)
    web.serve(demo, holder.corpus_dir, args.host, args.port, web.launch_options())
    return 0


if __name__ == "__main__":
    sys.exit(main())
