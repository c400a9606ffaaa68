"""Evaluation output: terminal tables and a matplotlib bar chart (imported only when plotting)."""

from __future__ import annotations

from pathlib import Path

from .gold import METRIC_KEYS, EvalReport

BEIR_KEYS = ("ndcg@10", "mrr@10", "recall@10", "recall@100")


def format_report(report: EvalReport, *, max_misses: int = 50) -> str:
    lines = [f"mode {report.mode}: n={report.n}"]
    lines += [f"  {key:<10} {value:.3f}" for key, value in report.metrics.items()]  # page@1 when gold has pages
    lines.append(f"  {'passage words (mean)':<10} {report.passage_words_mean:.1f}")
    if report.misses:
        lines.append(f"\nMisses ({len(report.misses)}: the top answer sentence does not hold an answer):")
        for miss in report.misses[:max_misses]:
            where = f"answer first at rank {miss.hit_rank}" if miss.hit_rank else "answer not in the top passages"
            lines.append(f"- {miss.question}\n    expected: {' | '.join(miss.expected)}  ({where})")
            lines.append(f"    first:    [{miss.first_doc}] {miss.answer_sentence[:160]}")
    return "\n".join(lines)


def format_compare(reports: list[EvalReport]) -> str:
    keys = list(reports[0].metrics) if reports else list(METRIC_KEYS)  # page@1 too when the gold has pages
    header = f"{'mode':<8} {'n':>4} " + " ".join(f"{key:>9}" for key in keys) + f" {'words':>6}"
    rows = [
        f"{r.mode:<8} {r.n:>4} "
        + " ".join(f"{r.metrics[key]:>9.3f}" for key in keys)
        + f" {r.passage_words_mean:>6.1f}"
        for r in reports
    ]
    return "\n".join([header, *rows])


def format_beir(results: list[dict]) -> str:
    header = f"{'mode':<8} {'split':<6} {'n':>4} " + " ".join(f"{key:>10}" for key in BEIR_KEYS)
    rows = [
        f"{r['mode']:<8} {r.get('split', ''):<6} {r['n']:>4} " + " ".join(f"{r[key]:>10.4f}" for key in BEIR_KEYS)
        for r in results
    ]
    return "\n".join([header, *rows])


def plot_compare(reports: list[EvalReport], path: Path) -> None:
    figure = compare_figure(reports)
    figure.savefig(path, dpi=120, bbox_inches="tight")


def compare_figure(reports: list[EvalReport]):  # type: ignore[no-untyped-def]
    """Grouped bars: one group per metric, one bar per mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4))
    width = 0.8 / max(len(reports), 1)
    for i, report in enumerate(reports):
        xs = [j + i * width for j in range(len(METRIC_KEYS))]
        bars = axes.bar(xs, [report.metrics[key] for key in METRIC_KEYS], width, label=report.mode)
        axes.bar_label(bars, fmt="%.2f", fontsize=7)
    axes.set_xticks([j + width * (len(reports) - 1) / 2 for j in range(len(METRIC_KEYS))], METRIC_KEYS)
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("score")
    axes.set_title(f"Retrieval accuracy (n={reports[0].n if reports else 0})")
    axes.legend(loc="lower right")
    figure.tight_layout()
    return figure
