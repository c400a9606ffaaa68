"""The Evaluate tab's pieces: reading an uploaded gold file, counting progress, the metrics table and chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..engine import Engine, Response
from ..errors import QAError
from ..evaluate.gold import METRIC_KEYS, EvalReport, GoldQuestion, load_gold, parse_gold


class CountingEngine:
    """Passes `ask` through to an engine, reports each question to a progress callback and keeps each response
    by (question, mode), so the Evaluate tab can show the passages returned for a missed question."""

    def __init__(self, engine: Engine, on_question: Callable[[], None]) -> None:
        self._engine = engine
        self._on_question = on_question
        self.index = engine.index
        self.responses: dict[tuple[str, str], Response] = {}

    def ask(self, question: str, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        self._on_question()
        response = self._engine.ask(question, *args, **kwargs)
        self.responses[(question, str(kwargs.get("mode", "hybrid")))] = response
        return response


def read_gold_upload(path: str | None, default: str | Path | None) -> tuple[list[GoldQuestion], str]:
    """The questions of an uploaded gold file (already accepted as an upload of the page), else of `default`.
    Every error names the file by its name only (never a server path)."""
    if path:
        name = Path(path).name
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise QAError(
                f"uploaded gold file '{name}' is not UTF-8 text (byte {exc.start}); save it as UTF-8 JSON Lines"
            ) from None
        except OSError as exc:
            raise QAError(
                f"uploaded gold file '{name}' cannot be read ({exc.strerror or type(exc).__name__}); upload it again"
            ) from None
        return parse_gold(text.splitlines(), name=name), name
    if default is None:
        raise QAError("no gold file: upload a JSON Lines file of questions")
    return load_gold(default), Path(default).name


def metrics_frame(reports: Sequence[EvalReport]):  # type: ignore[no-untyped-def]
    import pandas as pd

    rows = [
        {
            "mode": r.mode,
            "questions": r.n,
            **{k: round(r.metrics[k], 3) for k in METRIC_KEYS},
            "passage words": round(r.passage_words_mean, 1),
        }
        for r in reports
    ]
    return pd.DataFrame(rows, columns=["mode", "questions", *METRIC_KEYS, "passage words"])


def metrics_figure(reports: Sequence[EvalReport], title: str):  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / max(len(reports), 1)
    colors = {"hybrid": "#2f6fdf", "dense": "#e07b24", "bm25": "#3a9d5d"}
    for i, report in enumerate(reports):
        xs = [j + (i - (len(reports) - 1) / 2) * width for j in range(len(METRIC_KEYS))]
        values = [report.metrics[k] for k in METRIC_KEYS]
        bars = ax.bar(xs, values, width * 0.95, label=report.mode, color=colors.get(report.mode))
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=2)
    ax.set_xticks(range(len(METRIC_KEYS)), METRIC_KEYS)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share of questions")
    ax.set_title(title, fontsize=10)
    # a figure legend right of the axes (constrained layout makes room for it): inside, it covered bars and values
    fig.legend(loc="outside right upper", fontsize=8, title="mode", title_fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig
