"""Model cards: what a model is for, how it was made and measured, and its limits.

:func:`model_card` writes the nine sections of Mitchell et al. (2019), "Model
Cards for Model Reporting", from what the design process already holds: the case's
spec and framing (``case.toml``, ``README.md``, ``data/SOURCE.md``), the decisions
and experiments of its design log, and the test results and group metrics passed
in. What is not recorded yet is said in place, with the notebook that records it,
so a card made early shows what the process still has to decide (chapter 11).

The card is Markdown first; :meth:`ModelCard.to_html` turns that Markdown into one
self-contained HTML document with a small converter that knows the subset the card
uses (headings, paragraphs, lists, pipe tables, emphasis and code), so both say the
same thing and no Markdown library is needed. Re-exported by :mod:`mlkit.design`.
"""

from __future__ import annotations

import html
import json
import math
import numbers
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._io import atomic_write

if TYPE_CHECKING:
    import pandas as pd

    from mlkit.cases import Case
    from mlkit.design import Decision, DesignLog

__all__ = ["SECTION_TITLES", "ModelCard", "model_card"]

#: The sections of a model card, in order (Mitchell et al., 2019).
SECTION_TITLES: tuple[str, ...] = (
    "Model details",
    "Intended use",
    "Factors",
    "Metrics",
    "Evaluation data",
    "Training data",
    "Quantitative analyses",
    "Ethical considerations",
    "Caveats and recommendations",
)
#: Groups with fewer rows than this are flagged: their metrics are mostly noise.
SMALL_GROUP = 30
#: A disparity measured as a difference above this is flagged.
DIFFERENCE_LIMIT = 0.1
#: A disparity measured as a ratio below this is flagged (the four-fifths rule).
RATIO_LIMIT = 0.8

# Shown for a missing number, and between the values of an intersection of groups.
_NONE = "\u2013"
_CROSS = " \u00d7 "
# The columns of a group table after the sensitive features (mlkit.fairness.group_metrics).
_GROUP_METRICS = (
    "base_rate",
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "precision",
    "accuracy",
    "ece",
)
# The stage whose notebook records each decision the card reads.
_RECORDED_BY = {
    "objective.ml": "scoping",
    "requirements.serving": "scoping",
    "metric.primary": "scoping",
    "metric.secondary": "scoping",
    "decision.threshold": "scoping",
    "decision.quantile": "scoping",
    "decision.rule": "scoping",
    "data.version": "data",
    "split.strategy": "training_data",
    "split.leakage_check": "training_data",
    "training.reweighting": "training_data",
    "imbalance.treatment": "training_data",
    "labels.source": "labels",
    "labels.feedback_loop": "labels",
    "features.missing": "features",
    "features.log_columns": "features",
    "features.engineered": "features",
    "features.columns": "features",
    "model.choice": "model_development",
    "model.imbalance": "model_development",
    "data.more_needed": "model_development",
    "calibration.method": "offline_evaluation",
    "decision.abstention": "offline_evaluation",
    "decision.offset": "offline_evaluation",
}

LOG_TYPE_ERROR = "'log' must be a DesignLog or None; got {got}."
LOG_CASE_ERROR = (
    "'log' is the design log of case {log!r}, but the card is for {case!r}."
)
METRICS_TYPE_ERROR = (
    "'metrics' must be a mapping of metric names to numbers, a DataFrame or None; "
    "got {got}."
)
METRIC_VALUE_ERROR = (
    "'metrics' maps {name!r} to {value!r}; each value must be a number or a "
    "(value, low, high) triple."
)
GROUPS_TYPE_ERROR = (
    "'group_metrics' must be a mapping from a description such as 'sex' to a result "
    "of mlkit.fairness.group_metrics; got {got}."
)
GROUP_OBJECT_ERROR = (
    "'group_metrics'[{name!r}] is a {got}, which has no to_frame() method."
)
GROUP_FRAME_ERROR = (
    "'group_metrics'[{name!r}].to_frame() must return a DataFrame with a 'count' "
    "column after the sensitive features; got {got}."
)
TEXTS_TYPE_ERROR = "'{name}' must be a string or a list of strings; got {got}."
DETAILS_TYPE_ERROR = "'model_details' must be a mapping of labels to values, a string or None; got {got}."
SUFFIX_ERROR = "'path' must end in .md or .html; got {got!r}."


# --------------------------------------------------------------------------- text


def _prose(text: Any) -> str:
    """Markdown written by a person: kept as is, but no raw HTML tag survives.

    Code spans show their content literally, so a tag inside backticks stays.
    """
    parts = re.split(r"(`[^`]*`)", str(text).strip())
    return "".join(
        part if part.startswith("`") else re.sub(r"<(?=[A-Za-z/!?])", "&lt;", part)
        for part in parts
    )


def _plain(text: Any) -> str:
    """A value shown as text in Markdown: characters that would format are escaped."""
    text = re.sub(r"([\\`*\[\]])", r"\\\1", str(text))
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


def _code(text: Any) -> str:
    text = str(text).replace("`", "'")
    return f"`{text}`"


def _codes(values: Iterable[Any]) -> str:
    return ", ".join(_code(v) for v in values)


def _num(value: Any) -> str:
    """A number for a table or a sentence: three significant digits, thousands separated."""
    if value is None:
        return _NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if not isinstance(value, numbers.Real):
        return _plain(value)
    number = float(value)
    if math.isnan(number):
        return _NONE
    if abs(number) >= 1000:
        return f"{number:,.0f}"
    return f"{number:.3g}"


def _interval(value: Any, low: Any, high: Any) -> str:
    def missing(x: Any) -> bool:
        return x is None or (isinstance(x, numbers.Real) and math.isnan(float(x)))

    if missing(low) or missing(high):
        return _num(value)
    return f"{_num(value)} [{_num(low)}, {_num(high)}]"


def _value(choice: Any) -> str:
    """A decision's choice as Markdown."""
    if isinstance(choice, bool):
        return "yes" if choice else "no"
    if isinstance(choice, numbers.Real):
        return f"{float(choice):.3g}" if isinstance(choice, float) else _num(choice)
    if isinstance(choice, str):
        return _prose(choice) if choice else "none"
    if isinstance(choice, list | tuple):
        return _codes(choice) if choice else "none"
    if choice is None:
        return "none"
    return _code(json.dumps(choice, ensure_ascii=False))


def _cell(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|")


def _md_table(header: list[str], rows: list[list[str]], numeric: list[bool]) -> str:
    """A pipe table; cells are Markdown already, numbers are right-aligned."""
    lines = [
        "| " + " | ".join(_cell(h) for h in header) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _frame_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a pipe table, ``<c>_low``/``<c>_high`` merged into ``c``."""
    import pandas as pd

    columns = [str(c) for c in frame.columns]
    pairs = {
        c: (f"{c}_low", f"{c}_high")
        for c in columns
        if f"{c}_low" in columns and f"{c}_high" in columns
    }
    if {"value", "low", "high"} <= set(columns):
        pairs["value"] = ("low", "high")
    hidden = {name for pair in pairs.values() for name in pair}
    shown = [c for c in columns if c not in hidden]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in shown]
    rows = []
    for record in frame.to_dict(orient="records"):
        record = {str(k): v for k, v in record.items()}
        row = []
        for c, is_number in zip(shown, numeric, strict=True):
            if c in pairs:
                low, high = pairs[c]
                row.append(_interval(record[c], record[low], record[high]))
            elif is_number:
                row.append(_num(record[c]))
            else:
                row.append(_plain("" if _is_missing(record[c]) else record[c]))
        rows.append(row)
    header = [_plain(c) + (" [interval]" if c in pairs else "") for c in shown]
    return _md_table(header, rows, numeric)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT and pd.NA
    except (TypeError, ValueError):
        return False


def _section_of(text: str, pattern: str) -> str:
    """The text under the first ``##`` heading matching ``pattern``, without it."""
    inside, found = False, []
    for line in text.splitlines():
        heading = re.match(r"#{1,3}\s+(.*)", line)
        if heading:
            if inside:
                break
            inside = re.match(pattern, heading.group(1).strip(), re.IGNORECASE)
        elif inside:
            found.append(line)
    return "\n".join(found).strip()


def _first_paragraph(text: str) -> str:
    return text.strip().split("\n\n")[0].replace("\n", " ").strip()


# --------------------------------------------------------------------------- HTML

_CSS = """
.mlkit-model-card { font-family: system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; line-height: 1.5; max-width: 62rem; }
.mlkit-model-card h1 { font-size: 1.7em; margin: 0.2em 0 0.1em; }
.mlkit-model-card h2 { font-size: 1.3em; margin: 1.6em 0 0.4em; padding-bottom: 0.15em;
  border-bottom: 1px solid rgba(127, 127, 127, 0.4); }
.mlkit-model-card h3 { font-size: 1.05em; margin: 1.1em 0 0.3em; }
.mlkit-model-card .mlkit-subtitle { opacity: 0.75; margin-top: 0; }
.mlkit-model-card table { border-collapse: collapse; margin: 0.6em 0 1em;
  font-size: 0.92em; display: block; overflow-x: auto; }
.mlkit-model-card th, .mlkit-model-card td { border: 1px solid rgba(127, 127, 127, 0.35);
  padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
.mlkit-model-card th { background: rgba(127, 127, 127, 0.14); }
.mlkit-model-card tr:nth-child(even) td { background: rgba(127, 127, 127, 0.06); }
.mlkit-model-card td.num, .mlkit-model-card th.num { text-align: right;
  font-variant-numeric: tabular-nums; white-space: nowrap; }
.mlkit-model-card code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas,
  monospace; font-size: 0.9em; background: rgba(127, 127, 127, 0.14);
  padding: 0.05em 0.3em; border-radius: 3px; }
.mlkit-model-card blockquote { margin: 0.6em 0; padding: 0 0 0 0.9em;
  border-left: 3px solid rgba(127, 127, 127, 0.4); }
.mlkit-model-card li { margin: 0.2em 0; }
"""
_DOCUMENT_CSS = """
:root { color-scheme: light dark; }
body { margin: 2rem auto; padding: 0 1.2rem; max-width: 62rem; }
"""
_BULLET = re.compile(r"(?:[-*+]|\d+[.)])\s+(.*)")
_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_SEPARATOR = re.compile(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?")


def _escape(text: str) -> str:
    # Markdown may hold entities (&lt; from _prose): decode them, then escape all.
    return html.escape(html.unescape(text), quote=True)


def _inline(text: str) -> str:
    """Escape a line of Markdown and turn its code, emphasis and links into HTML."""
    kept: list[str] = []

    def keep(fragment: str) -> str:
        kept.append(fragment)
        return f"\x00{len(kept) - 1}\x00"

    text = text.replace("\x00", "")
    text = re.sub(
        r"`([^`]+)`",
        lambda m: keep(f"<code>{html.escape(m.group(1), quote=True)}</code>"),
        text,
    )
    text = re.sub(
        r"\\([\\`*_{}\[\]()#+\-.!|<>~])",
        lambda m: keep(html.escape(m.group(1))),
        text,
    )
    text = _escape(text)
    # A link keeps its address as text: the document refers to nothing outside it.
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"\1 (\2)", text)
    text = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(
        r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", r"<em>\1</em>", text
    )
    text = re.sub(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", r"<em>\1</em>", text)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)]


def _html_table(lines: list[str]) -> str:
    rows = [_split_row(line) for line in lines]
    header: list[str] | None = None
    right: list[bool] = []
    if len(lines) >= 2 and _SEPARATOR.fullmatch(lines[1].strip()):
        header, rows = rows[0], rows[2:]
        right = [cell.endswith(":") for cell in _split_row(lines[1])]

    def cells(row: list[str], tag: str) -> str:
        out = []
        for i, cell in enumerate(row):
            css = ' class="num"' if i < len(right) and right[i] else ""
            out.append(f"<{tag}{css}>{_inline(cell)}</{tag}>")
        return "<tr>" + "".join(out) + "</tr>"

    head = f"<thead>{cells(header, 'th')}</thead>" if header is not None else ""
    body = "".join(cells(row, "td") for row in rows)
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _starts_block(line: str) -> bool:
    s = line.strip()
    return bool(
        _HEADING.match(s) or s.startswith(("|", ">")) or re.match(r"[-*+]\s+", s)
    )


def _markdown_to_html(text: str) -> str:
    """HTML for the Markdown a card holds: headings, paragraphs, lists, tables, quotes."""
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        s = lines[i].strip()
        if not s:
            i += 1
            continue
        heading = _HEADING.match(s)
        if heading:
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            i += 1
        elif s.startswith("|"):
            block = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                block.append(lines[i].strip())
                i += 1
            out.append(_html_table(block))
        elif _BULLET.match(s):
            tag = "ol" if s[0].isdigit() else "ul"
            items: list[str] = []
            while i < len(lines):
                line = lines[i]
                item = _BULLET.match(line.strip())
                if item:
                    items.append(item.group(1))
                elif line.strip() and line[:1] in " \t" and items:
                    items[-1] += " " + line.strip()
                else:
                    break
                i += 1
            lis = "".join(f"<li>{_inline(item)}</li>" for item in items)
            out.append(f"<{tag}>{lis}</{tag}>")
        elif s.startswith(">"):
            block = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                block.append(lines[i].strip()[1:].strip())
                i += 1
            out.append(f"<blockquote><p>{_inline(' '.join(block))}</p></blockquote>")
        else:
            block = []
            while i < len(lines) and lines[i].strip() and not _starts_block(lines[i]):
                block.append(lines[i].strip())
                i += 1
            out.append(f"<p>{_inline(' '.join(block))}</p>")
    return "\n".join(out)


# --------------------------------------------------------------------------- the card


@dataclass(frozen=True, repr=False)
class ModelCard:
    """A model card: the nine sections of Mitchell et al. (2019), in Markdown.

    Made by :func:`model_card`. It is a document, not an analysis: it has no chart,
    and shows as the card itself in a notebook.

    Attributes
    ----------
    case : str
        The case's name.
    title : str
        The card's title.
    iteration : int or None
        The design log's iteration; None for a card made without a log.
    parts : tuple of (str, str)
        The sections as (title, Markdown) pairs, in order; :attr:`sections` gives
        them as a dict.
    not_recorded : tuple of str
        Keys of the decisions the card would show but the design log does not hold
        yet, such as ``"model.choice"``.
    caveats : tuple of str
        The caveats and recommendations, those passed in first, then those the
        card found (small groups, large disparities, ...).
    """

    case: str
    title: str
    iteration: int | None
    parts: tuple[tuple[str, str], ...]
    not_recorded: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()

    @property
    def sections(self) -> dict[str, str]:
        """The sections in order, title → Markdown text (a new dict each time)."""
        return dict(self.parts)

    @property
    def subtitle(self) -> str:
        made_from = (
            f"its design log, iteration {self.iteration}"
            if self.iteration is not None
            else "no design log yet"
        )
        return (
            f"Case `{self.case}`, {made_from}. Sections after Mitchell et al. (2019), "
            '"Model Cards for Model Reporting"; made with mlkit.'
        )

    def to_markdown(self) -> str:
        """The card as one Markdown document."""
        chunks = [f"# {_prose(self.title)}", f"*{self.subtitle}*"]
        for title, text in self.parts:
            chunks += [f"## {title}", text]
        return "\n\n".join(chunks) + "\n"

    def _body(self) -> str:
        sections = "\n".join(
            f"<section><h2>{html.escape(title)}</h2>\n{_markdown_to_html(text)}</section>"
            for title, text in self.parts
        )
        return (
            f'<article class="mlkit-model-card"><h1>{_inline(_prose(self.title))}</h1>\n'
            f'<p class="mlkit-subtitle"><em>{_inline(self.subtitle)}</em></p>\n'
            f"{sections}</article>"
        )

    def to_html(self) -> str:
        """The card as one self-contained HTML document: no script, no external file."""
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(self.title)}</title>\n"
            f"<style>{_DOCUMENT_CSS}{_CSS}</style>\n</head>\n<body>\n"
            f"{self._body()}\n</body>\n</html>\n"
        )

    def _repr_html_(self) -> str:
        return f"<div><style>{_CSS}</style>{self._body()}</div>"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the card to ``path``: Markdown for ``.md``, HTML for ``.html``.

        Returns
        -------
        pathlib.Path
            The file written; its folder is made when missing.
        """
        if not isinstance(path, str | os.PathLike):
            raise MlkitTypeError(
                with_hint(
                    f"'path' must be a file path; got {type(path).__name__}.",
                    'pass a path such as "runs/income/model_card.html".',
                )
            )
        target = Path(path).expanduser()
        suffix = target.suffix.lower()
        if suffix in (".md", ".markdown"):
            text = self.to_markdown()
        elif suffix in (".html", ".htm"):
            text = self.to_html()
        else:
            raise MlkitValueError(
                with_hint(
                    SUFFIX_ERROR.format(got=str(path)),
                    "use .md for Markdown (a repository, a pull request) or .html for "
                    "a page to open in a browser or attach to a review.",
                )
            )
        atomic_write(target, text.encode("utf-8"))
        return target

    def __repr__(self) -> str:
        where = (
            f"iteration {self.iteration}" if self.iteration is not None else "no log"
        )
        return (
            f"<ModelCard {self.case!r}, {where}: {len(self.parts)} sections, "
            f"{len(self.not_recorded)} decision(s) not recorded yet, "
            f"{len(self.caveats)} caveat(s)>"
        )


# --------------------------------------------------------------------------- inputs


def _check_texts(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping | bytes):
        items = list(value)
        if all(isinstance(v, str) for v in items):
            return tuple(v.strip() for v in items if v.strip())
    raise MlkitTypeError(
        with_hint(
            TEXTS_TYPE_ERROR.format(name=name, got=type(value).__name__),
            f'pass one sentence per item, for example {name}=["..."].',
        )
    )


def _check_metrics(metrics: Any) -> pd.DataFrame | None:
    """The test results as a table (a copy); None when none were given."""
    import pandas as pd

    if metrics is None:
        return None
    if isinstance(metrics, pd.DataFrame):
        return metrics.copy()
    if isinstance(metrics, pd.Series):
        metrics = metrics.to_dict()
    if not isinstance(metrics, Mapping):
        raise MlkitTypeError(
            with_hint(
                METRICS_TYPE_ERROR.format(got=type(metrics).__name__),
                'pass {"roc_auc": 0.91} or {"roc_auc": (0.91, 0.89, 0.93)} with an '
                "interval, or a table such as baselines(...).to_frame().",
            )
        )
    rows = []
    for name, value in metrics.items():
        triple = (
            list(value)
            if isinstance(value, list | tuple) and len(value) == 3
            else [value, math.nan, math.nan]
        )
        if not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in triple
        ):
            raise MlkitTypeError(
                with_hint(
                    METRIC_VALUE_ERROR.format(name=name, value=value),
                    "give each metric as a number, or as (value, low, high) for an "
                    "interval such as a bootstrap's.",
                )
            )
        rows.append([str(name), *(float(v) for v in triple)])
    frame = pd.DataFrame(rows, columns=["metric", "value", "low", "high"])
    if frame[["low", "high"]].isna().all().all():
        frame = frame.drop(columns=["low", "high"])
    return frame


@dataclass(frozen=True)
class _Groups:
    """One entry of ``group_metrics``: its table, sensitive columns and disparities."""

    name: str
    frame: pd.DataFrame
    keys: tuple[str, ...]
    disparities: pd.Series | None


def _check_groups(group_metrics: Any) -> list[_Groups]:
    import pandas as pd

    if group_metrics is None:
        return []
    if not isinstance(group_metrics, Mapping):
        raise MlkitTypeError(
            with_hint(
                GROUPS_TYPE_ERROR.format(got=type(group_metrics).__name__),
                'pass {"sex": mk.fairness.group_metrics(y_true, y_pred, '
                'sensitive_features=df["sex"])}.',
            )
        )
    out = []
    for name, result in group_metrics.items():
        if isinstance(result, pd.DataFrame):
            frame, disparities = result.copy(), None
        else:
            if not callable(getattr(result, "to_frame", None)):
                raise MlkitTypeError(
                    with_hint(
                        GROUP_OBJECT_ERROR.format(name=name, got=type(result).__name__),
                        "pass what mk.fairness.group_metrics returns, or its "
                        "to_frame() table.",
                    )
                )
            frame = result.to_frame()
            disparities = None
            if callable(getattr(result, "disparities", None)):
                disparities = result.disparities()
                if isinstance(disparities, Mapping):
                    disparities = pd.Series(dict(disparities), dtype="float64")
                if not isinstance(disparities, pd.Series):
                    raise MlkitTypeError(
                        with_hint(
                            f"'group_metrics'[{name!r}].disparities() must return a "
                            f"Series; got {type(disparities).__name__}.",
                            "return the disparities as a Series indexed by measure.",
                        )
                    )
                disparities = disparities.copy()
        if not isinstance(frame, pd.DataFrame) or "count" not in frame.columns:
            raise MlkitValueError(
                with_hint(
                    GROUP_FRAME_ERROR.format(
                        name=name,
                        got=(
                            f"columns {[str(c) for c in frame.columns]}"
                            if isinstance(frame, pd.DataFrame)
                            else type(frame).__name__
                        ),
                    ),
                    "one row per group: the sensitive features, then count, "
                    "base_rate, selection_rate, tpr, fpr, fnr, precision, accuracy.",
                )
            )
        columns = [str(c) for c in frame.columns]
        frame.columns = columns
        keys = columns[: columns.index("count")]
        if not keys and not isinstance(frame.index, pd.RangeIndex):
            frame = frame.reset_index()
            frame.columns = [str(c) for c in frame.columns]
            keys = [str(c) for c in frame.columns[: list(frame.columns).index("count")]]
        out.append(_Groups(str(name), frame, tuple(keys), disparities))
    return out


def _check_details(model_details: Any) -> list[tuple[str, str]]:
    if model_details is None:
        return []
    if isinstance(model_details, str):
        return [("Notes", model_details)]
    if isinstance(model_details, Mapping):
        return [
            (str(k), v if isinstance(v, str) else _value(v))
            for k, v in model_details.items()
        ]
    raise MlkitTypeError(
        with_hint(
            DETAILS_TYPE_ERROR.format(got=type(model_details).__name__),
            'pass {"owner": "the risk team", "contact": "..."}.',
        )
    )


# --------------------------------------------------------------------------- building


class _Builder:
    """Writes each section of a card from a case, a design log and results."""

    def __init__(
        self,
        case: Case,
        log: DesignLog | None,
        metrics: pd.DataFrame | None,
        groups: list[_Groups],
        ethics: tuple[str, ...],
        caveats: tuple[str, ...],
        details: list[tuple[str, str]],
    ):
        self.case, self.spec, self.log = case, case.spec, log
        self.metrics, self.groups = metrics, groups
        self.ethics, self.given_caveats, self.details = ethics, caveats, details
        self.decisions: dict[str, Decision] = (
            {d.key: d for d in log.decisions} if log is not None else {}
        )
        self.experiments = (
            log.experiments() if log is not None and log.path.is_file() else None
        )
        self.artifacts = (
            log.artifacts if log is not None and log.path.is_file() else None
        )
        self.not_recorded: list[str] = []
        self.found_caveats: list[str] = []
        self._sizes: dict[str, int] | str | None = None

    # -- decisions

    def get(self, key: str) -> Decision | None:
        return self.decisions.get(key)

    def gap(self, key: str) -> str:
        """Says that ``key`` is not recorded yet, and which notebook records it."""
        from mlkit.design import stage

        where = stage(_RECORDED_BY.get(key, "review"))
        if key not in self.not_recorded:
            self.not_recorded.append(key)
        text = f"*not recorded yet*: `{where.notebook}` records it (`{key}`)"
        if not self.spec.applies(where.slug):
            text += "; this case's process leaves that stage out"
        return text

    def line(self, label: str, key: str, show: Any = None) -> str:
        decision = self.get(key)
        if decision is None:
            return f"- **{label}**: {self.gap(key)}."
        text = f"- **{label}**: {show(decision.choice) if show else _value(decision.choice)}"
        text = text.rstrip(".") + "."
        if decision.rationale:
            text += " " + re.sub(r"\.\.$", ".", _prose(decision.rationale))
        if decision.source == "default":
            text += " *(The case's default: no notebook decided it in this iteration.)*"
        elif decision.source == "override":
            text += " *(Set for this iteration.)*"
        return text

    # -- facts from the case and the log

    def split_sizes(self) -> dict[str, int] | str | None:
        """Rows per part of the recorded split; a reason when it cannot be read."""
        if self._sizes is not None or self.log is None:
            return self._sizes
        if self.artifacts is None or "split" not in set(self.artifacts["name"]):
            return None
        from mlkit._exceptions import DesignLogError

        try:
            parts = self.log.load_artifact("split")
        except (DesignLogError, ImportError, OSError, ValueError) as exc:
            self._sizes = str(exc).split("\n")[0]
        else:
            counts = parts.astype(str).value_counts()
            order = ["train", "validation", "test", "dropped"]
            names = [n for n in order if n in counts.index]
            names += [n for n in counts.index if n not in order]
            self._sizes = {n: int(counts[n]) for n in names}
        return self._sizes

    def experiment_row(self, name: str) -> dict[str, Any] | None:
        if self.experiments is None or not len(self.experiments):
            return None
        rows = self.experiments[self.experiments["name"] == name]
        return None if rows.empty else rows.iloc[-1].to_dict()

    def source_text(self) -> str:
        """SOURCE.md of a data file (never runs a simulator's hooks)."""
        if self.spec.data.file is None:
            return ""
        path = self.case.path / Path(self.spec.data.file).parent / "SOURCE.md"
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    def readme(self, pattern: str) -> str:
        return _section_of(self.case.readme, pattern)

    def data_line(self) -> str:
        data = self.spec.data
        rows = f", {data.rows:,} rows" if data.rows else ""
        if data.simulator is not None:
            options = ", ".join(f"{k}={v!r}" for k, v in data.options.items())
            seed = f"random_state={data.random_state!r}" + (
                f", {options}" if options else ""
            )
            return (
                f"simulated by `{data.simulator}({seed})` in the case's hooks.py{rows}"
            )
        digest = f" (sha256 `{data.sha256[:12]}…`)" if data.sha256 else ""
        return f"`{data.file}`{rows}{digest}"

    # -- sections

    def model_details(self) -> str:
        s = self.spec
        target = f"`{s.target}`" + (
            f", positive label `{s.positive_label}`" if s.task == "binary" else ""
        )
        lines = [
            f"- **Case**: {_prose(s.title)} (`{s.name}`): a {s.task} task on {target}."
        ]
        if self.log is None:
            lines.append(
                "- **Made by**: *not recorded yet*: no design log was given, so this "
                "card comes from the case's spec alone. Run the notebooks "
                "`01_scoping.ipynb` to `07_offline_evaluation.ipynb` with a design log "
                "and pass it as `log=`."
            )
        else:
            meta = self.log.metadata
            times = [d.time for d in self.decisions.values() if d.time]
            if self.experiments is not None and len(self.experiments):
                times += list(self.experiments["time"])
            started = str(meta.get("created", ""))[:10] or "not yet"
            last = max(times)[:10] if times else "nothing recorded yet"
            by = meta.get("created_by", "notebook")
            version = meta.get("mlkit_version", "unknown")
            lines.append(
                f"- **Made by**: the design process of case `{s.name}`, iteration "
                f"{self.log.iteration} (started {started} by {_plain(by)}, "
                f"mlkit {_plain(version)}; last recorded {last}; status "
                f"{_plain(self.log.status)}). Its design log: "
                f"`{s.name}/iter-{self.log.iteration}/{self.log.FILENAME}` in the run "
                "folder."
            )
        version = f"iteration {self.log.iteration}" if self.log else "none yet"
        lines.append(f"- **Version**: {version}.")
        lines.append(self.line("Data version", "data.version", _code))
        decision = self.get("model.choice")
        if decision is None:
            lines.append(f"- **Model type**: {self.gap('model.choice')}.")
        else:
            row = self.experiment_row(str(decision.choice))
            described = f": {_code(row['model'])}" if row and row.get("model") else ""
            text = f"- **Model type**: {_plain(decision.choice)}{described}."
            if decision.rationale:
                text += f" {_prose(decision.rationale)}"
            lines.append(text)
        lines.append(self.line("Calibration", "calibration.method"))
        if self.artifacts is not None:
            models = self.artifacts[self.artifacts["kind"] == "estimator"]
            if len(models):
                files = "; ".join(
                    f"`{row.name}`: `{row.file}` (sha256 `{row.sha256[:12]}…`)"
                    for row in models.itertuples()
                )
                lines.append(f"- **Model files**: {files}, in the iteration's folder.")
        lines.append(f"- **Data**: {self.data_line()}.")
        lines.append(f"- **Licence of the data**: {self.licence()}")
        for label, text in self.details:
            lines.append(f"- **{_plain(label)}**: {_prose(text)}")
        citation = _section_of(self.source_text(), r".*(citation|cite)")
        if citation:
            lines += [
                "",
                "Source of the data (from its SOURCE.md):",
                "",
                _prose(citation),
            ]
        return "\n".join(lines)

    def licence(self) -> str:
        if self.spec.data.simulator is not None:
            return (
                "none needed: the data are simulated by the case's own code, "
                "under the project's licence."
            )
        for text, where in (
            (self.source_text(), "data/SOURCE.md"),
            (self.case.readme, "README.md"),
        ):
            found = _section_of(text, r"licen[cs]e")
            if found:
                return f"{_prose(_first_paragraph(found))} *(From the case's {where}.)*"
        return (
            "*not stated*: neither the data's SOURCE.md nor the case's README.md has a "
            "Licence section. Find the data's licence before sharing the model."
        )

    def intended_use(self) -> str:
        s = self.spec
        story = " ".join(s.story.split())
        lines = [f"**Primary intended use.** {_prose(story)}", ""]
        business = self.readme(r"business objective")
        if business:
            lines += [
                f"**Business objective.** {_prose(_first_paragraph(business))}",
                "",
            ]
        objective = self.readme(r"ml objective")
        if objective:
            supports = _prose(_first_paragraph(objective))
        elif s.task == "binary":
            supports = (
                f"whether `{s.target}` is `{s.positive_label}`: a score at or above the "
                "decision threshold (see Metrics) triggers the action."
            )
        elif s.task == "multiclass":
            supports = f"which class of `{s.target}` a row belongs to (see Metrics)."
        else:
            supports = f"the value of `{s.target}` (see Metrics)."
        lines += [f"**The decision it supports.** {supports}", ""]
        lines.append(self.line("What the model estimates", "objective.ml"))
        if s.prediction:
            budget = (
                f", within {s.latency_budget_ms:g} ms per prediction"
                if s.latency_budget_ms
                else ", with no latency budget set"
            )
            lines.append(f"- **Prediction**: {s.prediction}{budget} (the case's spec).")
        else:
            lines.append("- **Prediction**: the case sets no serving mode.")
        lines.append(self.line("Serving", "requirements.serving"))
        users = self.readme(r"users")
        if users:
            lines += [
                "",
                "**Intended users and stakeholders** (from the case's README):",
                "",
                _prose(users),
            ]
        out = [
            f"Any other decision, or the same one with other costs than this case's "
            f"({_plain(s.costs.unit)}): it needs its own threshold and evaluation.",
            "Data unlike the training data: other populations, other periods, other "
            "ways of collecting them.",
        ]
        if s.time_column is None:
            out.append(
                "Use long after the data were collected: the rows carry no time, so "
                "how fast the model ages cannot be measured offline."
            )
        if s.sensitive_columns:
            out.append(
                "Decisions about people without a person who can review and explain "
                f"them: errors may fall unevenly by {_codes(s.sensitive_columns)}."
            )
        if s.task == "binary":
            out.append(
                "Reading the score as a probability beyond what the calibration "
                "supports (see Metrics)."
            )
        lines += ["", "**Out of scope.**", ""] + [f"- {o}" for o in out]
        return "\n".join(lines)

    def decision_lines(self) -> list[str]:
        """How a prediction becomes a decision: a threshold, a quantile or a rule."""
        task = self.spec.task
        if task == "binary":
            return [self.threshold_line("Decision threshold")]
        if task == "regression":
            quantile = self.line("Quantile predicted", "decision.quantile")
            if self.get("decision.quantile") is None:
                costs = self.spec.costs
                quantile += (
                    f" The case's costs give C_under / (C_under + C_over) = "
                    f"{costs.under_prediction:g} / ({costs.under_prediction:g} + "
                    f"{costs.over_prediction:g}) = {costs.target_quantile():.3g}."
                )
            return [
                quantile,
                self.line("Offset added to predictions", "decision.offset"),
            ]
        return [self.line("Decision rule", "decision.rule")]

    def threshold_line(self, label: str) -> str:
        decision = self.get("decision.threshold")
        costs = self.spec.costs
        if decision is None:
            theory = costs.decision_threshold()
            return (
                f"- **{label}**: act when the probability of `{self.spec.positive_label}` "
                f"exceeds a threshold; {self.gap('decision.threshold')}. The case's "
                f"costs give C_fp / (C_fp + C_fn) = {costs.false_positive:g} / "
                f"({costs.false_positive:g} + {costs.false_negative:g}) = {theory:.3g} "
                "for a calibrated model; `07_offline_evaluation.ipynb` tunes it."
            )
        how = (
            "tuned on held-out rows"
            if decision.stage == "offline_evaluation"
            else "derived from the costs, for a calibrated model"
        )
        return (
            f"- **{label}**: act when the probability of `{self.spec.positive_label}` "
            f"is at least {_value(decision.choice)} ({how}). {_prose(decision.rationale)}"
        ).rstrip()

    def factors(self) -> str:
        s = self.spec
        lines = []
        if s.sensitive_columns:
            lines.append(
                f"- **Sensitive attributes**: {_codes(s.sensitive_columns)} (the case's "
                "spec, `[columns] sensitive`)."
            )
        else:
            lines.append(
                "- **Sensitive attributes**: none recorded in the case's spec, so the "
                "card cannot say how errors fall on groups of people (see Caveats)."
            )
        if self.groups:
            for g in self.groups:
                labels = []
                for record in g.frame.to_dict(orient="records"):
                    label = _CROSS.join(_plain(record[k]) for k in g.keys) or "all"
                    labels.append(f"{label} (n = {_num(record['count'])})")
                lines.append(
                    f"- **Groups evaluated, {_plain(g.name)}**: {'; '.join(labels)}."
                )
        else:
            from mlkit.design import stage

            lines.append(
                "- **Groups evaluated**: *not given*: pass `group_metrics=` from "
                "`mk.fairness.group_metrics` (`"
                f"{stage('fairness').notebook}` computes them)."
            )
        if s.group_column:
            lines.append(
                f"- **Group column**: `{s.group_column}`: rows come in groups, and the "
                "model must work on groups it has not seen; the split keeps each group "
                "in one part."
            )
        else:
            lines.append("- **Group column**: none.")
        if s.time_column:
            label_time = (
                f"; labels become known at `{s.label_time_column}`"
                if s.label_time_column
                else ""
            )
            lines.append(
                f"- **Time column**: `{s.time_column}`{label_time}: performance is "
                "measured on a past period and may change over time."
            )
        else:
            lines.append(
                "- **Time column**: none: the data cannot show how performance changes "
                "over time."
            )
        fairness = self.readme(r"fairness")
        if fairness:
            lines += ["", "**From the case's framing:**", "", _prose(fairness)]
        return "\n".join(lines)

    def metrics_section(self) -> str:
        s = self.spec
        lines = [
            self.line("Primary metric", "metric.primary", _code),
            self.line("Secondary metric", "metric.secondary", _code),
            *self.decision_lines(),
        ]
        if s.task != "regression":
            lines.append(self.line("Abstention", "decision.abstention"))
            lines.append(self.line("Calibration", "calibration.method"))
        costs = s.costs
        names = {
            "false_positive": "false positive",
            "false_negative": "false negative",
            "misclassification": "misclassification",
            "over_prediction": "over-prediction, per unit",
            "under_prediction": "under-prediction, per unit",
        }
        rows = [
            [label, _num(getattr(costs, key))]
            for key, label in names.items()
            if getattr(costs, key) is not None
        ]
        lines += [
            "",
            "**What errors cost** (the case's spec):",
            "",
            _md_table(["error", f"cost ({_plain(costs.unit)})"], rows, [False, True]),
        ]
        if costs.rationale:
            lines += ["", _prose(" ".join(costs.rationale.split()))]
        return "\n".join(lines)

    def evaluation_data(self) -> str:
        lines = [
            f"- **Data**: {self.data_line()}.",
            self.line("Split", "split.strategy", _code),
        ]
        sizes = self.split_sizes()
        if isinstance(sizes, dict):
            total = sum(sizes.values())
            rows = [[_plain(k), _num(v), f"{v / total:.1%}"] for k, v in sizes.items()]
            test = sizes.get("test")
            lines.append(
                "- **Evaluation data**: the test part"
                + (f", {test:,} rows" if test else "")
                + ", held out from every choice made on the training and validation "
                "parts."
            )
            lines += [
                "",
                _md_table(["part", "rows", "share"], rows, [False, True, True]),
            ]
            lines.append("")
        elif isinstance(sizes, str):
            lines.append(
                f"- **Sizes**: the saved split could not be read: {_prose(sizes)}"
            )
        elif self.get("split.strategy") is not None:
            lines.append(
                "- **Sizes**: *not recorded yet*: `03_training_data.ipynb` saves the "
                "split as the artifact `split`."
            )
        lines.append(self.line("Leakage check", "split.leakage_check"))
        return "\n".join(lines)

    def training_data(self) -> str:
        s = self.spec
        sizes = self.split_sizes()
        lines = []
        if isinstance(sizes, dict) and "train" in sizes:
            lines.append(
                f"- **Training data**: the training part of the split, "
                f"{sizes['train']:,} rows"
                + (
                    f"; {sizes['validation']:,} validation rows chose among models."
                    if "validation" in sizes
                    else "."
                )
            )
        lines.append(self.line("Labels", "labels.source"))
        lines.append(self.line("When labels arrive", "labels.feedback_loop"))
        decision = self.get("features.columns")
        if decision is None:
            lines.append(
                f"- **Inputs**: {self.gap('features.columns')}. The case allows "
                f"{len(s.feature_columns)} columns: {_codes(s.feature_columns)}."
            )
        else:
            lines.append(self.line("Inputs", "features.columns"))
        if s.exclude_columns:
            lines.append(
                f"- **Never inputs**: {_codes(s.exclude_columns)} (the case's spec, "
                "`[columns] exclude`)."
            )
        lines.append(self.line("Engineered features", "features.engineered"))
        lines.append(self.line("Missing values", "features.missing"))
        if s.task != "regression":
            lines.append(self.line("Class imbalance", "imbalance.treatment"))
        lines.append(self.line("Reweighting", "training.reweighting"))
        lines.append(self.line("More data", "data.more_needed"))
        quirks = self.readme(r".*quirks")
        if quirks:
            lines += [
                "",
                "**Known quirks of the data** (from the case's README):",
                "",
                _prose(quirks),
            ]
        return "\n".join(lines)

    def quantitative(self) -> str:
        lines = ["### Test results", ""]
        if self.metrics is None or self.metrics.empty:
            lines.append(
                "*Not given*: pass `metrics=` with the test results, such as the "
                "`to_frame()` of `mk.evaluation.baselines`, or a mapping with "
                "(value, low, high) intervals; `07_offline_evaluation.ipynb` measures "
                "them on the test part."
            )
        else:
            lines.append(_frame_table(self.metrics))
        lines += ["", "### Models compared on the validation data", ""]
        if self.experiments is None or not len(self.experiments):
            lines.append(
                "*Not recorded yet*: `06_model_development.ipynb` records each model "
                "it tries (`log.record_experiment`)."
            )
        else:
            table = self.experiments
            fixed = {"time", "stage", "notes", "params", "duration_s"}
            shown = table[[c for c in table.columns if c not in fixed]].copy()
            chosen = self.get("model.choice")
            if chosen is not None:
                shown.insert(
                    1,
                    "chosen",
                    ["✓" if n == chosen.choice else "" for n in shown["name"]],
                )
            lines.append(_frame_table(shown))
        if self.groups:
            for g in self.groups:
                lines += [
                    "",
                    f"### By group: {_plain(g.name)}",
                    "",
                    self.group_table(g),
                ]
                if g.disparities is not None and len(g.disparities):
                    lines += [
                        "",
                        "Disparities between the groups:",
                        "",
                        self.disparity_table(g),
                    ]
        else:
            lines += [
                "",
                "### By group",
                "",
                "*Not given*: pass `group_metrics=` to show each group's error rates "
                "with their intervals, and the disparities between groups.",
            ]
        return "\n".join(lines)

    def group_table(self, g: _Groups) -> str:
        frame = g.frame
        known = [c for c in _GROUP_METRICS if c in frame.columns]
        other = [
            c
            for c in frame.columns
            if c not in (*g.keys, "count", *known) and not c.endswith(("_low", "_high"))
        ]
        columns = [*g.keys, "count", *known, *other]
        keep = [
            c
            for c in frame.columns
            if c in columns
            or (c.endswith(("_low", "_high")) and c.rsplit("_", 1)[0] in columns)
        ]
        ordered = [c for c in columns if c in keep] + [
            c for c in keep if c not in columns
        ]
        return _frame_table(frame[ordered])

    def disparity_table(self, g: _Groups) -> str:
        rows = []
        for measure, value in g.disparities.items():
            rows.append([_plain(measure), _num(value), self.flag(str(measure), value)])
        return _md_table(["measure", "value", "flag"], rows, [False, True, False])

    @staticmethod
    def flag(measure: str, value: Any) -> str:
        if not isinstance(value, numbers.Real) or math.isnan(float(value)):
            return ""
        if measure.endswith("_ratio") and value < RATIO_LIMIT:
            return f"below {RATIO_LIMIT:g}"
        if not measure.endswith("_ratio") and abs(value) > DIFFERENCE_LIMIT:
            return f"above {DIFFERENCE_LIMIT:g}"
        return ""

    def ethical(self) -> str:
        from mlkit.design import stage

        s = self.spec
        lines = [f"- {_prose(text)}" for text in self.ethics]
        if not self.ethics:
            lines.append(
                "- *Not given*: pass `ethical_considerations=`. Ask whose data these "
                "are and whether they agreed to this use, who bears each kind of error "
                "and what harm it does them, and how a person can contest a decision "
                f"(chapter 11; `{stage('fairness').notebook}`)."
            )
        if s.sensitive_columns:
            text = (
                f"- The data hold sensitive attributes: {_codes(s.sensitive_columns)}."
            )
            decision = self.get("features.columns")
            if decision is None:
                text += (
                    f" Whether the model uses them is {self.gap('features.columns')}."
                )
            else:
                used = [c for c in s.sensitive_columns if c in (decision.choice or [])]
                if used:
                    which = (
                        "all of them"
                        if len(used) == len(s.sensitive_columns) > 1
                        else _codes(used)
                    )
                    text += (
                        f" The model uses {which} as "
                        f"{'an input' if len(used) == 1 else 'inputs'}: the decision can depend "
                        "on them directly; check that the law and the people concerned "
                        "accept it."
                    )
                else:
                    text += (
                        " None of them is a model input, but other inputs can stand for "
                        "them (proxies): leaving them out does not make the model fair by "
                        "itself."
                    )
            invariant = [
                c for c in s.expectations.invariant if c in s.sensitive_columns
            ]
            if invariant:
                text += (
                    f" The case expects predictions not to change with {_codes(invariant)} "
                    "(a behavioural test of `07_offline_evaluation.ipynb`)."
                )
            lines.append(text)
        return "\n".join(lines)

    def caveats(self) -> tuple[str, ...]:
        from mlkit.design import stage

        s = self.spec
        found = self.found_caveats
        if self.log is None:
            found.append(
                "This card describes the case's intent, not a model: no design log was "
                "given, so its decisions are not recorded yet. Run `01_scoping.ipynb` to `07_offline_evaluation.ipynb` with a "
                "design log, then make the card again with `log=`."
            )
        defaults = [k for k, d in self.decisions.items() if d.source == "default"]
        if defaults:
            found.append(
                f"Decided by the case's defaults, not by their notebooks: {_codes(defaults)}. "
                "Run the notebooks that decide them before trusting the card."
            )
        overrides = [k for k, d in self.decisions.items() if d.source == "override"]
        if overrides:
            found.append(
                f"Set on purpose for this iteration, against the notebooks' proposals: "
                f"{_codes(overrides)}."
            )
        check = self.get("split.leakage_check")
        if check is not None and check.choice == "failed":
            found.append(
                "The split failed its leakage check: the test results may be too "
                "optimistic until the leaks are fixed."
            )
        calibration = self.get("calibration.method")
        if calibration is not None and calibration.choice != "none":
            before = calibration.evidence.get("brier_before")
            after = calibration.evidence.get("brier_after")
            if (
                isinstance(before, numbers.Real)
                and isinstance(after, numbers.Real)
                and after > before * 1.01
            ):
                found.append(
                    f"Calibration with {_plain(calibration.choice)} did not carry over to "
                    f"the test rows (Brier score {_num(before)} before, {_num(after)} "
                    "after): probabilities may be off, and so may the threshold; use a "
                    "larger calibration set."
                )
        threshold = self.get("decision.threshold")
        if threshold is not None and threshold.stage == "scoping":
            found.append(
                "The decision threshold comes from the costs alone and assumes calibrated "
                "probabilities; `07_offline_evaluation.ipynb` tunes it on held-out rows."
            )
        chosen = self.get("model.choice")
        row = self.experiment_row(str(chosen.choice)) if chosen is not None else None
        latency = row.get("latency_ms") if row else None
        if (
            s.latency_budget_ms
            and isinstance(latency, numbers.Real)
            and not math.isnan(latency)
            and latency > s.latency_budget_ms
        ):
            found.append(
                f"The chosen model took {_num(latency)} ms for one prediction, over the "
                f"budget of {s.latency_budget_ms:g} ms (`{stage('deployment').notebook}`)."
            )
        more = self.get("data.more_needed")
        if more is not None and more.choice is True:
            found.append(
                "The learning curve still rises: more training data would likely help."
            )
        if s.label_time_column or (
            self.get("labels.feedback_loop") is not None
            and self.get("labels.feedback_loop").choice == "delayed"
        ):
            found.append(
                "Labels arrive late: after deployment, performance is known only with "
                f"a delay; watch the inputs and predictions meanwhile (`{stage('monitoring').notebook}`)."
            )
        if s.time_column is None:
            found.append(
                "The data carry no time, so shift could not be measured offline: "
                f"monitor inputs and outcomes after deployment (`{stage('monitoring').notebook}`)."
            )
        if not s.sensitive_columns:
            found.append(
                "Fairness could not be assessed: the case records no sensitive attribute, "
                "yet errors may still fall unevenly on groups of the people the decisions "
                "concern. To assess it, collect the attributes that matter for them (such "
                "as age band, sex or region), with consent and kept apart from the model's "
                "inputs, at least for an audit sample."
            )
        elif not self.groups:
            found.append(
                f"Fairness is not assessed in this card: it has no group metrics for "
                f"{_codes(s.sensitive_columns)}; compute them in "
                f"`{stage('fairness').notebook}` and pass `group_metrics=`."
            )
        if self.metrics is not None and not self.metrics.empty:
            columns = [str(c) for c in self.metrics.columns]
            if not any(c == "low" or c.endswith("_low") for c in columns):
                found.append(
                    "The test results carry no intervals: a difference smaller than "
                    "their noise means nothing; bootstrap them before comparing."
                )
        for g in self.groups:
            small = [
                _CROSS.join(str(record[k]) for k in g.keys) or "all"
                for record in g.frame.to_dict(orient="records")
                if isinstance(record["count"], numbers.Real)
                and record["count"] < SMALL_GROUP
            ]
            if small:
                found.append(
                    f"Small groups in {_plain(g.name)}: {', '.join(_plain(x) for x in small)} "
                    f"{'has' if len(small) == 1 else 'have'} fewer than {SMALL_GROUP} rows; "
                    "their metrics are mostly noise, so "
                    + (
                        "read their intervals"
                        if any(c.endswith("_low") for c in g.frame.columns)
                        else "compute intervals (n_bootstrap=)"
                    )
                    + ", and collect more data for them before drawing conclusions."
                )
            if g.disparities is not None:
                flagged = [
                    f"{_plain(m)} = {_num(v)}"
                    for m, v in g.disparities.items()
                    if self.flag(str(m), v)
                ]
                if flagged:
                    found.append(
                        f"Large disparities by {_plain(g.name)}: {'; '.join(flagged)} "
                        f"(differences above {DIFFERENCE_LIMIT:g}, ratios below "
                        f"{RATIO_LIMIT:g}). Find which errors differ in the group table, "
                        "check whether base rates explain them, and weigh a mitigation "
                        "(chapter 11)."
                    )
        return (*self.given_caveats, *found)

    def build(self) -> ModelCard:
        sections = [
            self.model_details(),
            self.intended_use(),
            self.factors(),
            self.metrics_section(),
            self.evaluation_data(),
            self.training_data(),
            self.quantitative(),
            self.ethical(),
        ]
        caveats = self.caveats()
        sections.append("\n".join(f"- {_prose(c)}" for c in caveats))
        return ModelCard(
            case=self.spec.name,
            title=f"Model card: {self.spec.title}",
            iteration=None if self.log is None else self.log.iteration,
            parts=tuple(zip(SECTION_TITLES, sections, strict=True)),
            not_recorded=tuple(self.not_recorded),
            caveats=caveats,
        )


def model_card(
    case: Case | str | os.PathLike[str],
    log: DesignLog | None = None,
    *,
    metrics: Mapping[str, Any] | pd.DataFrame | None = None,
    group_metrics: Mapping[str, Any] | None = None,
    ethical_considerations: str | Iterable[str] = (),
    caveats: str | Iterable[str] = (),
    model_details: Mapping[str, Any] | str | None = None,
) -> ModelCard:
    """A model card for a case, filled from its design log and its test results.

    The card has the nine sections of Mitchell et al. (2019), "Model Cards for
    Model Reporting": model details, intended use, factors, metrics, evaluation
    data, training data, quantitative analyses, ethical considerations, and
    caveats and recommendations (chapter 11). Each says what is not recorded yet,
    and which notebook records it.

    Parameters
    ----------
    case : Case, str or path-like
        The case, its name or its folder (see :func:`mlkit.cases.load`). Its spec
        and README give the intended use, the costs and the sensitive columns; its
        ``data/SOURCE.md`` the data's licence.
    log : DesignLog, optional
        The design log of the iteration the card describes: its decisions (metric,
        split, features, model, calibration, threshold, ...), experiments and saved
        split fill the card. Without it, the card comes from the case alone.
    metrics : mapping or DataFrame, optional
        The test results: a mapping of metric names to numbers or to
        ``(value, low, high)`` triples; or a table, such as the ``to_frame()`` of
        :func:`mlkit.evaluation.baselines`, or one with columns ``metric``,
        ``value``, ``low`` and ``high``. Columns ``<c>_low`` and ``<c>_high`` are
        shown as the interval of ``c``.
    group_metrics : mapping, optional
        A description (``"sex"``, or ``"sex and race"`` for intersections) → a result of
        ``mlkit.fairness.group_metrics``: its ``to_frame()`` has the sensitive
        features, then ``count``, ``base_rate``, ``selection_rate``, ``tpr``,
        ``fpr``, ``fnr``, ``precision``, ``accuracy`` (and optionally ``ece`` and
        ``<metric>_low``/``<metric>_high``), one row per group; its
        ``disparities()`` a Series of the disparities. Such a table alone is
        accepted too.
    ethical_considerations, caveats : str or list of str, optional
        Sentences (Markdown) to add; the card adds its own caveats: small groups,
        disparities above :data:`DIFFERENCE_LIMIT` (ratios below
        :data:`RATIO_LIMIT`), calibration that did not carry over, decisions left
        to defaults, no sensitive attribute recorded, ...
    model_details : mapping or str, optional
        More model details, such as ``{"owner": "risk team"}``.

    Returns
    -------
    ModelCard
        ``.sections``, ``.to_markdown()``, ``.to_html()`` and ``.save(path)``; it
        shows itself in a notebook. The caller's inputs are not changed.

    Raises
    ------
    MlkitTypeError
        When ``log``, ``metrics``, ``group_metrics`` or a text argument has the
        wrong type, or a group result has no ``to_frame()``.
    MlkitValueError
        When ``log`` belongs to another case, or a group table has no ``count``.

    Examples
    --------
    >>> import tempfile
    >>> import mlkit as mk
    >>> log = mk.design.DesignLog("income", run_dir=tempfile.mkdtemp())
    >>> _ = log.record("metric.primary", stage="scoping",
    ...                question="Which metric ranks models?",
    ...                options=["accuracy", "expected_cost"], choice="expected_cost",
    ...                rationale="A false positive costs four times a false negative.")
    >>> card = mk.design.model_card("income", log, metrics={"roc_auc": (0.9, 0.89, 0.91)})
    >>> card
    <ModelCard 'income', iteration 1: 9 sections, ... not recorded yet, ... caveat(s)>
    >>> list(card.sections)[:4]
    ['Model details', 'Intended use', 'Factors', 'Metrics']
    >>> print(card.sections["Metrics"].splitlines()[0])
    - **Primary metric**: `expected_cost`. A false positive costs four times a false negative.
    >>> "| roc_auc | 0.9 [0.89, 0.91] |" in card.to_markdown()
    True
    >>> card.to_html().startswith("<!DOCTYPE html>")
    True
    """
    from mlkit import cases
    from mlkit.design import DesignLog

    case = cases.load(case)
    if log is not None and not isinstance(log, DesignLog):
        raise MlkitTypeError(
            with_hint(
                LOG_TYPE_ERROR.format(got=type(log).__name__),
                f'open it with mk.design.DesignLog("{case.name}"), or leave it out for '
                "a card from the case's spec alone.",
            )
        )
    if log is not None and log.case != case.name:
        raise MlkitValueError(
            with_hint(
                LOG_CASE_ERROR.format(log=log.case, case=case.name),
                "pass the design log of the same case.",
            )
        )
    builder = _Builder(
        case,
        log,
        _check_metrics(metrics),
        _check_groups(group_metrics),
        _check_texts(ethical_considerations, "ethical_considerations"),
        _check_texts(caveats, "caveats"),
        _check_details(model_details),
    )
    return builder.build()
