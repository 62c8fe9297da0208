"""The design report of one iteration: ``report.md`` and a self-contained ``report.html``.

``mlkit run`` writes it beside the executed notebooks after each notebook, so that a
run stopped halfway still leaves a report of what it got through. The report reads
only what the iteration left on disk: the case, the design log, the executed
notebooks (their charts), the test metrics saved by the evaluation notebook and the
model card. The HTML file carries its chart library and draws offline.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from mlkit.cases import Case
    from mlkit.design import DesignLog

MARKDOWN = "report.md"
HTML = "report.html"
#: Charts larger than this (their spec as JSON) stay in the notebook: the report
#: should open quickly on a workshop laptop.
MAX_CHART_BYTES = 400_000
_SPEC = re.compile(r"var spec = (\{.*?\}), waited = 0;", re.DOTALL)


def _md_cell(value: Any) -> str:
    """A recorded value as Markdown on one line: numbers as the model card shows them."""
    from mlkit._model_card import _cell, _num, _value

    text = _num(value) if isinstance(value, int | float) else _value(value)
    return _cell(text)


def markdown_table(frame: pd.DataFrame, *, max_rows: int = 20) -> str:
    """``frame`` as a Markdown table, as the model card writes one (an interval's
    ``low``/``high`` columns merged into its value); long tables are cut."""
    from mlkit._model_card import _frame_table

    text = _frame_table(frame.head(max_rows))
    if len(frame) > max_rows:
        text += f"\n\n*{len(frame) - max_rows:,} more rows in the design log.*"
    return text


def notebook_charts(path: Path) -> list[dict[str, Any]]:
    """The Vega-Lite specs of the charts an executed notebook shows, in order."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return []
    specs = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html", "")
            text = "".join(text) if isinstance(text, list) else text
            for match in _SPEC.finditer(text):
                if len(match.group(1)) <= MAX_CHART_BYTES:
                    try:
                        specs.append(json.loads(match.group(1).replace("<\\/", "</")))
                    except json.JSONDecodeError:
                        continue
    return specs


def _evidence_md(evidence: dict[str, Any]) -> str:
    import pandas as pd

    scalars, tables = [], []
    for name, value in evidence.items():
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, dict) for v in value)
        ):
            tables.append(f"*{name}*\n\n{markdown_table(pd.DataFrame(value))}")
        elif isinstance(value, dict):
            flat = ", ".join(f"{k} {_md_cell(v)}" for k, v in value.items())
            scalars.append(f"{name}: {flat}")
        else:
            scalars.append(f"{name} {_md_cell(value)}")
    parts = ["Evidence: " + "; ".join(scalars) + "."] if scalars else []
    return "\n\n".join(parts + tables)


def _sections(
    case: Case, log: DesignLog, notebooks: Sequence[Path], seconds: Sequence[float]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The report as (Markdown, charts) chunks, in reading order."""
    from mlkit.design import STAGES

    spec = case.spec
    meta = log.metadata
    chunks: list[tuple[str, list[dict[str, Any]]]] = []
    status = meta.get("status", "new")
    head = [
        f"# Design report: {spec.title}",
        f"*Case `{case.name}`, iteration {log.iteration}; status **{status}**; "
        f"mlkit {meta.get('mlkit_version', '?')}; started {meta.get('created', '?')}.*",
    ]
    overrides = log.overrides
    if overrides:
        head.append(
            "Decisions set for this iteration: "
            + ", ".join(f"`{k}={json.dumps(v)}`" for k, v in overrides.items())
            + "."
        )
    if status != "complete":
        notes = [h.get("note", "") for h in meta.get("history", []) if h.get("note")]
        head.append(
            f"This report covers the notebooks run so far ({len(notebooks)}); "
            + (f"last note: {notes[-1]}." if notes else "the run has not finished.")
        )
    chunks.append(("\n\n".join(head), []))

    costs = spec.costs
    framing = [
        "## Framing",
        spec.story.strip(),
        f"Task: **{spec.task}**, predicting `{spec.target}`"
        + (
            f" (the class to detect: `{spec.positive_label}`)"
            if spec.task == "binary"
            else ""
        )
        + (f", from {spec.data.rows:,} rows." if spec.data.rows else "."),
    ]
    names = {
        "cost_fp": "a false positive",
        "cost_fn": "a false negative",
        "cost_error": "a misclassification",
        "cost_over": "one unit over-predicted",
        "cost_under": "one unit under-predicted",
    }
    cost_items = ", ".join(
        f"{names.get(k, k)} {v:g}" for k, v in costs.as_kwargs().items()
    )
    framing.append(f"What errors cost, in {costs.unit}: {cost_items}.")
    chunks.append(("\n\n".join(framing), []))

    if notebooks:
        timing = "\n".join(
            f"| {p.name} | {s:.1f} |" for p, s in zip(notebooks, seconds, strict=False)
        )
        chunks.append(
            (
                "## The notebooks of this iteration\n\n| notebook | seconds |\n|---|---:|\n"
                + timing,
                [],
            )
        )

    decisions = log.decisions
    by_stage: dict[str, list[Any]] = {}
    for d in decisions:
        by_stage.setdefault(d.stage, []).append(d)
    ran = {p.name: p for p in notebooks}
    for stage in STAGES:
        if not spec.applies(stage.slug):
            continue
        done = by_stage.get(stage.slug, [])
        charts = (
            notebook_charts(log.folder / stage.notebook)
            if stage.notebook in ran
            else []
        )
        if not done and not charts:
            continue
        lines = [
            f"## {stage.number}. {stage.title}",
            f"*{stage.question}* (chapter{'s' if len(stage.chapters) > 1 else ''} "
            f"{', '.join(map(str, stage.chapters))}; notebook `{stage.notebook}`)",
        ]
        for d in done:
            source = {
                "override": " (set for this iteration)",
                "default": " (the case's default)",
            }
            lines.append(
                f"### {d.question}\n\n**{_md_cell(d.choice)}**"
                f"{source.get(d.source, '')}. {d.rationale.strip()}"
            )
            if d.evidence:
                lines.append(_evidence_md(d.evidence))
        if charts:
            lines.append(f"*{len(charts)} chart(s) from the notebook, in report.html.*")
        chunks.append(("\n\n".join(lines), charts))

    metrics = final_metrics(log)
    if metrics is not None:
        chunks.append(
            (
                "## Final metrics on the test rows\n\nEach with its 95 % bootstrap "
                "interval. A later iteration improves on a metric only when the "
                "difference is larger than its margin of noise, which `mlkit compare` "
                "computes from both intervals.\n\n" + markdown_table(metrics),
                [],
            )
        )
    card = log.folder / "model_card.md"
    if card.is_file():
        text = card.read_text(encoding="utf-8")
        # The card's own headings become sub-headings of the report.
        text = re.sub(
            r"^(#+) ",
            lambda m: "#" * min(len(m.group(1)) + 1, 6) + " ",
            text,
            flags=re.M,
        )
        chunks.append((text, []))
    return chunks


def final_metrics(log: DesignLog) -> pd.DataFrame | None:
    """The test metrics with intervals the evaluation notebook saved, or None."""
    names = set(log.artifacts["name"]) if len(log.artifacts) else set()
    if "test_metrics" not in names:
        return None
    return log.load_artifact("test_metrics")


def write_report(
    case: Case,
    log: DesignLog,
    *,
    notebooks: Sequence[Path] = (),
    seconds: Sequence[float] = (),
) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` in the iteration's folder.

    Parameters
    ----------
    notebooks : sequence of path
        The notebooks executed so far (their names; the executed copies are read
        from the iteration's folder).
    seconds : sequence of float
        How long each took.

    Returns
    -------
    tuple of path
        The Markdown file and the HTML file.
    """
    from mlkit._io import atomic_write
    from mlkit._model_card import _CSS, _DOCUMENT_CSS, _markdown_to_html
    from mlkit.charts import _chart_html, _loader_html

    chunks = _sections(case, log, notebooks, seconds)
    markdown = "\n\n".join(text for text, _ in chunks) + "\n"
    body, any_chart = [], False
    for text, charts in chunks:
        body.append(_markdown_to_html(text))
        for spec in charts:
            body.append(f"<figure>{_chart_html(spec)}</figure>")
            any_chart = True
    title = f"Design report: {case.name}, iteration {log.iteration}"
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{_DOCUMENT_CSS}{_CSS}figure {{ margin: 1em 0; overflow-x: auto; }}</style>\n"
        + (_loader_html() if any_chart else "")
        + '\n</head>\n<body>\n<article class="mlkit-model-card">\n'
        + "\n".join(body)
        + "\n</article>\n</body>\n</html>\n"
    )
    md_path, html_path = log.folder / MARKDOWN, log.folder / HTML
    log.folder.mkdir(parents=True, exist_ok=True)
    atomic_write(md_path, markdown.encode())
    atomic_write(html_path, page.encode())
    return md_path, html_path
