"""`qa` command line: a thin shell over the library; domain errors become one line and exit code 1."""

from __future__ import annotations

import json
import logging
import sys
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .errors import QAError
from .options import IndexType, Mode, Runtime, SentenceMethod

if TYPE_CHECKING:
    from .engine import Engine
    from .evaluate.gold import GoldQuestion
    from .index.build import BuildReport
    from .index.manifest import Manifest
    from .index.progress import BuildProgress

DEFAULT_CORPUS = "corpus"
DEFAULT_INDEX = "index"


class QACommand(click.Group):
    """Turns QAError, and click's own usage errors, into `Error: <one line>` with exit code 1."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[no-untyped-def]
        """Usage errors (an unknown option, a value out of range, a missing argument) are one `Error:` line and exit
        code 1, like every other error of the CLI, instead of click's usage block and exit code 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # `qa` alone: the help, as before
            click.echo(exc.ctx.get_help() if exc.ctx else "")
            sys.exit(0)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "qa"
            click.echo(f"Error: {exc.format_message()}; see `{where} --help`", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(1)
        except click.Abort:
            click.echo("Error: aborted; nothing was changed", err=True)
            sys.exit(1)

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except QAError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted; the index was left as it was.", err=True)
            sys.exit(130)


@click.group(cls=QACommand)
@click.option("-v", "--verbose", is_flag=True, help="Log progress details.")
def cli(verbose: bool) -> None:
    """Ask questions of a folder of texts, offline."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    from .models.offline import offline_environment
    from .process import configure_runtime

    offline_environment()
    configure_runtime()


@cli.command()
@click.option("--corpus", "corpus_dir", default=DEFAULT_CORPUS, show_default=True, type=click.Path(path_type=Path))
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, type=click.Path(path_type=Path))
@click.option("--model", default=None, help="Model folder or hub name (default: the bundled all-MiniLM-L6-v2).")
@click.option("--chunk-words", type=click.IntRange(20, 1000), default=None, help="Target passage size in words.")
@click.option("--overlap", type=click.IntRange(0, 10), default=None, help="Sentences repeated between passages.")
@click.option(
    "--index-type",
    type=click.Choice(IndexType.values()),
    default=None,
    help="Dense index: auto = exact below --ann-threshold passages, IVF-SQ8 above.",
)
@click.option("--ann-threshold", type=click.IntRange(1), default=None, help="Passages at which 'auto' switches to IVF.")
@click.option(
    "--runtime",
    type=click.Choice(Runtime.values()),
    default=None,
    help="Model runtime (default onnx-fp32: the same vectors as torch without importing it; onnx-int8 is faster; "
    "questions are embedded by the runtime that built the index).",
)
@click.option(
    "--sentence-vectors",
    type=click.Choice(SentenceMethod.values()),
    default=None,
    help="How sentence vectors are made: each sentence embedded on its own, pooled from the passage, or none.",
)
@click.option("--max-file-mb", type=click.FloatRange(0.001, 10_000), default=None, help="Skip files larger than this.")
@click.option("--wait", is_flag=True, help="Wait for a running build to finish instead of refusing.")
@click.option(
    "--ray",
    "ray_address",
    is_flag=False,
    flag_value="auto",
    default=None,
    metavar="[ADDRESS]",
    help="Embed on a Ray cluster: `auto` (default), host:port, or `local` for a private local Ray.",
)
@click.option(
    "--ray-workers",
    type=click.IntRange(1, 10_000),
    default=None,
    help="Embedding actors on the cluster (default: one per GPU, else CPUs - 1).",
)
def build(
    corpus_dir: Path,
    index_dir: Path,
    model: str | None,
    chunk_words: int | None,
    overlap: int | None,
    index_type: str | None,
    ann_threshold: int | None,
    runtime: str | None,
    sentence_vectors: str | None,
    max_file_mb: float | None,
    wait: bool,
    ray_address: str | None,
    ray_workers: int | None,
) -> None:
    """Build (or refresh) the index of a corpus folder."""
    from .engine import build_from_folder
    from .index.config import BuildConfig
    from .ingest.load import unread_files, unread_note

    config = BuildConfig()
    chunking = config.chunking
    if chunk_words is not None:
        chunking = replace(chunking, target_words=chunk_words)
    if overlap is not None:
        chunking = replace(chunking, overlap_sentences=overlap)
    config = replace(
        config,
        chunking=chunking,
        model=model or config.model,
        index_type=index_type or config.index_type,
        ann_threshold=ann_threshold or config.ann_threshold,
        runtime=runtime or config.runtime,
        sentence_vectors=sentence_vectors or config.sentence_vectors,
        max_file_bytes=int(max_file_mb * 1e6) if max_file_mb else config.max_file_bytes,
    )
    with ExitStack() as stack:
        log = BuildLog(stack, sys.stderr.isatty())
        report = build_from_folder(
            corpus_dir,
            index_dir,
            config,
            on_progress=log.on_progress,
            on_event=log.on_event,
            wait_for_lock=wait,
            ray_address=ray_address,
            ray_workers=ray_workers,
        )
    for skipped in report.skipped:
        click.echo(f"Warning: skipped {skipped.path}: {skipped.reason}", err=True)
    if report.repaired:
        click.echo(
            f"Warning: the previous index was damaged and is rebuilt, not carried over: {report.repaired}", err=True
        )
    unread = unread_note(unread_files(Path(corpus_dir)))
    if unread:
        click.echo(f"Note: not read: {unread}", err=True)
    click.echo(build_summary(report, index_dir, ray=ray_address is not None))


LOG_EVERY = 10.0  # seconds between rate/ETA lines when stderr is not a terminal


class BuildLog:
    """What `qa build` prints while it builds, on stderr. On a terminal: a bar (with its ETA) and the file being read
    or embedded after it, and one line per file finished above it. Elsewhere (CI logs): one line per finished file
    and the build's rate and ETA at most every LOG_EVERY seconds, never a redrawn line. Nothing is printed before
    the build's first report, so a build refused at once prints its one `Error:` line and nothing else."""

    def __init__(self, stack: ExitStack, tty: bool) -> None:
        self.stack, self.tty = stack, tty
        self.bar = None
        self.done = 0
        self.reading: tuple[str, float] | None = None  # the file being read, since when
        self.read_seconds: dict[str, float] = {}
        self.pages: dict[str, int] = {}
        self.logged = 0.0

    def _bar(self):  # type: ignore[no-untyped-def]
        if self.bar is None:
            self.bar = self.stack.enter_context(
                click.progressbar(
                    length=1000, label="Building", file=sys.stderr, show_percent=True, item_show_func=lambda s: s
                )
            )
        return self.bar

    def on_progress(self, fraction: float, message: str) -> None:
        bar = self._bar()
        step = int(fraction * 1000) - self.done
        if step > 0:
            bar.update(step)
            self.done += step
        if not self.tty and message and time.monotonic() - self.logged >= LOG_EVERY:
            self.logged = time.monotonic()
            click.echo(f"  {fraction:4.0%} {message}", err=True)

    def on_event(self, event: BuildProgress) -> None:
        bar = self._bar() if self.tty else None  # off a terminal the bar starts with the build's first progress
        self._time_reading(event)
        if event.stage == "reading" and event.total:
            self.pages[event.file] = event.total
        line = self.finished_line(event)
        if line is not None:
            click.echo(("\r\033[K" if self.tty else "") + line, err=True)
        if bar is not None:
            bar.update(0, current_item=self.current(event))

    def _time_reading(self, event: BuildProgress) -> None:
        """Files are read one after another: a file's reading ends with the next event that is not its reading
        (its passages may be embedded later, with other files' in one batch, so only reading is timed per file)."""
        now = time.perf_counter()
        if self.reading is not None and (event.file, event.stage) != (self.reading[0], "reading"):
            self.read_seconds[self.reading[0]] = now - self.reading[1]
            self.reading = None
        if event.stage == "reading" and self.reading is None and event.file not in self.read_seconds:
            self.reading = (event.file, now)

    def finished_line(self, event: BuildProgress) -> str | None:
        """The line for a file that is indexed (passages, pages, reading time); a skipped file gets its own
        `Warning:` line with the reason after the build, so none here."""
        if event.stage == "indexed":
            pages = self.pages.get(event.file)
            read = self.read_seconds.get(event.file, 0.0)
            counts = f"{event.total:,} passage{'s' if event.total != 1 else ''}" + (f", {pages} pages" if pages else "")
            return f"  {event.file}: {counts}, read in {read:.1f} s"
        return None

    @staticmethod
    def current(event: BuildProgress) -> str:
        """What the bar shows after itself: the file being read or embedded."""
        if event.stage == "reading":
            return f"{event.file}: page {event.done} of {event.total}" if event.total else f"{event.file}: reading"
        if event.stage == "embedding":
            return f"{event.file}: {event.done:,} of {event.total:,} passages embedded"
        return "writing the index" if event.stage == "writing" else f"{event.file}: {event.stage}"


def build_summary(report: BuildReport, index_dir: Path, *, ray: bool = False) -> str:
    """The line `qa build` ends with: what the index holds and what this build did (read, embedded, removed), and
    "nothing changed" only when it read and removed nothing."""
    on_ray = f" ({report.ray_embedded} on Ray)" if ray else ""
    did = (
        f"read {report.read} files (all: the previous index was damaged)"
        if report.repaired
        else f"read {report.read} new or changed files"
    )
    if report.removed:
        did += f", removed {report.removed} passages of changed or deleted files"
    if report.read == 0 and report.removed == 0 and not report.repaired:
        did += " (nothing changed: nothing re-embedded)"
    elif report.embedded == 0 and report.added:
        did += f" (the vectors of their {report.added} passages were already stored: nothing re-embedded)"
    return (
        f"Built {index_dir}: {report.documents} documents, {report.chunks} chunks, {report.sentences} sentences; "
        f"embedded {report.embedded} new passages{on_ray}, reused {report.reused}; {did}; {report.seconds:.1f} s"
    )


@cli.command()
@click.argument("question")
@click.option("--k", "k", type=click.IntRange(1, 50), default=5, show_default=True)
@click.option("--mode", type=click.Choice(Mode.values()), default=Mode.HYBRID.value, show_default=True)
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, type=click.Path(path_type=Path))
@click.option(
    "--corpus",
    "corpus_dir",
    default=None,
    type=click.Path(path_type=Path),
    help="Check the index is fresh against this folder (default: the folder it was built from).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the stable contract).")
@click.option("--no-reader", is_flag=True, help="Do not run the reader model: answer sentences and rule spans only.")
@click.option("--rerank", is_flag=True, help="Rerank the top 10 with the reranker model before reading (slower).")
def ask(
    question: str,
    k: int,
    mode: str,
    index_dir: Path,
    corpus_dir: Path | None,
    as_json: bool,
    no_reader: bool,
    rerank: bool,
) -> None:
    """Answer QUESTION with ranked passages, the answer sentence and the answer's words highlighted."""
    from .engine import Engine
    from .index.open import read_manifest

    if corpus_dir is None:
        corpus_dir = built_from(read_manifest(index_dir))
    began = time.perf_counter()
    engine = Engine.open(index_dir, corpus_dir=corpus_dir, reader=not no_reader, reranker=rerank)
    response = engine.ask(question, k=k, mode=mode, reader=not no_reader)
    if as_json:
        click.echo(json.dumps(response.to_json(), ensure_ascii=False))
        return
    from .render import render_terminal

    click.echo(render_terminal(response))
    click.echo(click.style(f"({time.perf_counter() - began:.2f} s)", dim=True), err=True)


@cli.command(name="eval")
@click.argument("gold", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--k",
    "k",
    type=click.IntRange(10, 50),
    default=10,
    show_default=True,
    help="Passages ranked per question (gold sets; above 10, hit@K is reported too: how deep the answers lie; "
    "BEIR always ranks 100 documents).",
)
@click.option("--mode", type=click.Choice(Mode.values()), default=Mode.HYBRID.value, show_default=True)
@click.option(
    "--index",
    "index_dir",
    default=None,
    type=click.Path(path_type=Path),
    help="Index to evaluate (default: index/, or index/beir-<name>/ with --beir).",
)
@click.option("--compare", is_flag=True, help="Run every mode and print one table.")
@click.option("--plot", type=click.Path(path_type=Path), default=None, help="With --compare: draw the table to a PNG.")
@click.option(
    "--beir", "beir_dir", type=click.Path(path_type=Path), default=None, help="Evaluate on a BEIR dataset folder."
)
@click.option("--split", default="test", show_default=True, help="BEIR qrels split.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--no-reader", is_flag=True, help="Evaluate without the reader model (the sentence-only path).")
@click.option("--rerank", is_flag=True, help="Rerank the top 10 with the reranker model before reading (slower).")
def evaluate(
    gold: tuple[Path, ...],
    k: int,
    mode: str,
    index_dir: Path | None,
    compare: bool,
    plot: Path | None,
    beir_dir: Path | None,
    split: str,
    as_json: bool,
    no_reader: bool,
    rerank: bool,
) -> None:
    """Score retrieval and answers on GOLD files (JSON Lines of questions and answers; questions marked
    "unanswerable": true score the "may not answer" line) or on a BEIR dataset."""
    modes = list(Mode.values()) if compare else [mode]
    if beir_dir is not None:
        _evaluate_beir(beir_dir, split, index_dir, modes, as_json)
        return
    if not gold:
        raise QAError('give a gold file (JSON Lines: {"question": ..., "answers": [...]}) or --beir DIR')
    _evaluate_gold(gold, k, modes, index_dir, compare, plot, as_json, reader=not no_reader, rerank=rerank)


def _evaluate_beir(beir_dir: Path, split: str, index_dir: Path | None, modes: list[str], as_json: bool) -> None:
    from .evaluate.beir import run_beir_eval
    from .evaluate.report import format_beir

    shown = [-1.0]

    def on_progress(fraction: float, message: str) -> None:  # only called while building index/beir-<name>/
        if fraction - shown[0] >= 0.05 or fraction >= 1.0:
            shown[0] = fraction
            click.echo(f"building BEIR index: {fraction:5.1%} {message}", err=True)

    results = [
        run_beir_eval(beir_dir, split=split, index_dir=index_dir, mode=m, on_progress=on_progress) for m in modes
    ]
    click.echo(json.dumps(results[0] if len(results) == 1 else {"modes": results}) if as_json else format_beir(results))
    if not as_json:
        click.echo(f"hybrid settings: {results[0]['settings_from']}", err=True)


def _warn_missing_answers(files: dict[Path, list[GoldQuestion]], engine: Engine) -> None:
    """One warning per gold question none of whose answers the index holds (a typo, or the wrong corpus)."""
    from .evaluate.gold import answers_missing_from

    texts = {c.doc_id: "" for c in engine.index.chunks}
    for c in engine.index.chunks:
        texts[c.doc_id] += c.text + "\n"
    for path, questions in files.items():
        for q in answers_missing_from(questions, texts):
            click.echo(
                f"Warning: {path} line {q.line}: no answer of '{q.question[:60]}' occurs in the indexed corpus",
                err=True,
            )


def _evaluate_gold(
    gold: tuple[Path, ...],
    k: int,
    modes: list[str],
    index_dir: Path | None,
    compare: bool,
    plot: Path | None,
    as_json: bool,
    *,
    reader: bool,
    rerank: bool,
) -> None:
    from .engine import Engine
    from .evaluate.gold import evaluate_gold, load_gold
    from .evaluate.report import format_compare, format_report, plot_compare

    files = {path: load_gold(path) for path in gold}
    engine = Engine.open(index_dir or DEFAULT_INDEX, reader=reader, reranker=rerank)
    _warn_missing_answers(files, engine)
    questions = [q for found in files.values() for q in found]
    reports = [evaluate_gold(engine, questions, mode=m, k=k, reader=reader) for m in modes]
    if plot is not None:
        plot_compare(reports, plot)
    if as_json:
        click.echo(json.dumps(reports[0].to_json() if len(reports) == 1 else {"modes": [r.to_json() for r in reports]}))
        return
    click.echo(format_compare(reports) if compare else format_report(reports[0]))
    if plot is not None:
        click.echo(f"Plot written to {plot}")


@cli.command()
@click.option("--index", "index_dir", default=DEFAULT_INDEX, show_default=True, type=click.Path(path_type=Path))
@click.option("--verify", is_flag=True, help="Check every index file's checksum, not only what opening checks.")
@click.option(
    "--documents", "list_documents", is_flag=True, help="List each document: kind, pages, passages, OCR, attachments."
)
def status(index_dir: Path, verify: bool, list_documents: bool) -> None:
    """Show the index manifest and whether the corpus changed since the build. The index files are checked as
    opening checks them (sizes, and checksums of the small files and of dense.faiss), or all of them with --verify.
    --documents lists what each file became, and the files skipped with why."""
    from .index.integrity import total_bytes
    from .index.open import corpus_changes, corrupt, verify_index

    manifest, damaged = verify_index(index_dir, everything=verify)
    if damaged:
        raise corrupt(index_dir, damaged)
    folder = built_from(manifest)
    changes = corpus_changes(manifest, folder) if folder is not None else []
    counts = manifest.counts
    where = manifest.source.path if manifest.source and manifest.source.path else "?"
    click.echo(f"index:     {index_dir} (format {manifest.format_version}, built {manifest.built_at or '?'})")
    click.echo(f"model:     {manifest.model.name} ({manifest.model.dimension} dimensions)")
    click.echo(f"corpus:    {where}: {counts.documents} documents, {counts.chunks} chunks")
    click.echo(f"state:     {'stale: ' + ', '.join(changes) if changes else 'fresh'}")
    recorded = manifest.index_files
    if not recorded:
        click.echo("files:     no sizes or checksums recorded (built before they were); `qa build` records them")
    else:
        checked = (
            "every checksum verified" if verify else "sizes and the checksums opening checks match (--verify: all)"
        )
        click.echo(f"files:     {len(recorded)} files, {total_bytes(recorded) / 1e6:.1f} MB; {checked}")
    if list_documents:
        for line in _document_lines(index_dir, manifest):
            click.echo(line)


def _document_lines(index_dir: Path, manifest: Manifest) -> list[str]:
    """One line per document of the index ("pdf/a.pdf  pdf · 13 pages · 150 passages · OCR on pages 2–3"), then
    one per skipped file with its reason."""
    from .index.inventory import indexed_files
    from .index.open import opened_store
    from .ingest.load import printable_id

    with opened_store(index_dir) as (built, chunks):
        files = indexed_files(chunks, built)
    lines = [f"documents: {len(files)}"]
    for file in files:
        passages = f"{file.passages} passage{'s' if file.passages != 1 else ''}"
        parts = [file.kind, file.pages_text, passages, printable_id(file.notes)]  # attachment names: from the e-mail
        lines.append(f"  {printable_id(file.path)}  " + " · ".join(part for part in parts if part))
    if manifest.skipped:
        lines.append(f"skipped:   {len(manifest.skipped)}")
        lines.extend(f"  {printable_id(s.path)}: {s.reason}" for s in manifest.skipped)
    return lines


def built_from(manifest: Manifest) -> Path | None:
    """The corpus folder an index was built from, when it still exists."""
    source = manifest.source
    if source is not None and source.kind == "folder" and Path(source.path).is_dir():
        return Path(source.path)
    return None


def main() -> None:
    cli(prog_name="qa")


if __name__ == "__main__":
    main()
