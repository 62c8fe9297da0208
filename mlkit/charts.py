"""Altair charts in one visual style, and a renderer that draws them with no internet.

Charts are values: every function here returns an altair chart and displays
nothing. They compose with ``+``, ``|`` and ``&``, and carry their data already
aggregated, so no chart depends on altair's row limit.

altair's default renderer loads Vega from a CDN and draws nothing offline. Call
:func:`enable_offline` once in a notebook's set-up cell: it puts the Vega bundle
that ships with ``vl-convert-python`` in the page, once, and makes each chart a
small HTML snippet that uses it. Importing mlkit changes no renderer and no theme.

Examples
--------
>>> from mlkit.charts import process_map
>>> from mlkit.design import stages_frame
>>> chart = process_map(stages_frame(applies=["start", "scoping"]))
>>> chart.to_dict()["layer"][0]["mark"]["type"]
'rule'
"""

from __future__ import annotations

import json
import math
import os
import sys
import uuid
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlkit._exceptions import MlkitValueError, with_hint

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

__all__ = [
    "PALETTE",
    "band_chart",
    "before_after_chart",
    "comparison_chart",
    "distribution",
    "enable_offline",
    "heatmap",
    "importance_chart",
    "interval_chart",
    "is_offline",
    "lf_summary_chart",
    "line_chart",
    "marked_curve",
    "message_chart",
    "metric_panels",
    "process_map",
    "reliability_chart",
    "to_html",
    "waterfall_chart",
]

#: Okabe and Ito's palette, distinguishable with the common colour-vision deficiencies.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
GREY = "#BBBBBB"
TEXT = "#333333"
FONT_SIZE = 12
TITLE_SIZE = 15

_EMBED_OPTIONS = {
    "mode": "vega-lite",
    # The editor and source links open vega's online editor; export works offline.
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}
_state = {"offline": False}


# --------------------------------------------------------------------------- rendering


@lru_cache(maxsize=1)
def _bundle() -> str:
    """vega, vega-lite and vega-embed in one script, from vl-convert (no network)."""
    from mlkit._optional import require

    require(
        "vl_convert",
        purpose="draw charts with no internet connection",
        package="vl-convert-python",
    )
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    vl_version = vl_version_for_vl_convert()
    # vl-convert bundles the scripts anew at each call (1.5 s), and every notebook's
    # set-up cell needs them: keep one copy per version in the user's cache folder.
    cached = _cache_dir() / f"vega-bundle-{vl_convert.__version__}-{vl_version}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    script = vl_convert.javascript_bundle(vl_version=vl_version)
    script = script.replace("</script", "<\\/script")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name, then renamed: a kernel starting at the same
        # moment reads either no file or the whole one.
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(script, encoding="utf-8")
        os.replace(partial, cached)
    except OSError:
        pass  # a read-only home only costs the bundling again next time
    return script


def _cache_dir() -> Path:
    if os.environ.get("MLKIT_CACHE_DIR"):
        return Path(os.environ["MLKIT_CACHE_DIR"])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "mlkit" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mlkit"


def _loader_html() -> str:
    # Wrapped in a function: the bundle declares top-level constants, which would
    # clash if it ran twice in one page. It sets window.vegaEmbed.
    return (
        "<script type='text/javascript'>\nif (!window.vegaEmbed) (function () {\n"
        + _bundle()
        + "\n})();\n</script>"
    )


def _chart_html(spec: dict[str, Any]) -> str:
    div = f"mlkit-chart-{uuid.uuid4().hex}"
    spec_json = json.dumps(spec).replace("</", "<\\/")
    options = json.dumps(_EMBED_OPTIONS)
    missing = (
        "This chart needs the chart library in the page: run the notebook's "
        "set-up cell (it calls mk.charts.enable_offline()), then this cell again."
    )
    return f"""<div id="{div}" class="mlkit-chart"></div>
<script type="text/javascript">
(function () {{
  var el = document.currentScript && document.currentScript.previousElementSibling;
  if (!el || el.id !== "{div}") {{ el = document.getElementById("{div}"); }}
  var spec = {spec_json}, waited = 0;
  function draw() {{
    if (window.vegaEmbed) {{
      window.vegaEmbed(el, spec, {options}).catch(function (err) {{
        el.textContent = "Chart error: " + err;
      }});
    }} else if ((waited += 100) > 10000) {{
      el.innerHTML = "<em>{missing}</em>";
    }} else {{
      setTimeout(draw, 100);
    }}
  }}
  draw();
}})();
</script>"""


def _to_spec(chart: Any) -> dict[str, Any]:
    if isinstance(chart, dict):
        return chart
    if type(chart).__module__.startswith("altair") and hasattr(chart, "to_dict"):
        # Tests validate every chart against the schema; display skips it, for speed.
        return chart.to_dict(validate=False)
    raise MlkitValueError(
        with_hint(
            f"'chart' must be an altair chart or a Vega-Lite spec; got {type(chart).__name__}.",
            "pass the chart object, for example result.chart().",
        )
    )


def to_html(chart: Any) -> str:
    """HTML that draws ``chart`` with no internet access.

    After :func:`enable_offline` the snippet is small and uses the library put in
    the page by that call; before, it carries the library itself (about 0.9 MB), so
    that it draws anywhere.
    """
    html = _chart_html(_to_spec(chart))
    return html if _state["offline"] else _loader_html() + "\n" + html


def _renderer(spec: dict[str, Any], **metadata: Any) -> dict[str, str]:
    return {"text/html": _chart_html(spec), "text/plain": "<altair chart>"}


def enable_offline() -> None:
    """Make altair charts draw in this notebook with no internet access.

    Call it once, in the set-up cell: it shows a one-line output that loads the
    Vega library into the page, and switches altair to a renderer that uses it.
    Run the set-up cell again after reloading the page. Outside a notebook it only
    switches the renderer.

    The library is bundled by vl-convert the first time and kept in the user's
    cache folder (``~/.cache/mlkit``, or ``$MLKIT_CACHE_DIR`` when set), one file
    per version, so later kernels read it instead of bundling it again.
    """
    import altair as alt

    _bundle()  # fail here, with the install hint, rather than at the first chart
    alt.renderers.register("mlkit-offline", _renderer)
    alt.renderers.enable("mlkit-offline")
    _state["offline"] = True
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        return
    if get_ipython() is not None:
        note = (
            "<div style='font-size:0.8em;color:#666'>Charts draw offline: Vega-Lite "
            f"{alt.VEGALITE_VERSION} is loaded in this page.</div>"
        )
        display(HTML(note + _loader_html()))


def is_offline() -> bool:
    """Whether :func:`enable_offline` was called in this process."""
    return _state["offline"]


# --------------------------------------------------------------------------- charts


def _title(text: str, subtitle: str | None = None) -> Any:
    import altair as alt

    return alt.TitleParams(
        text,
        subtitle=subtitle or alt.Undefined,
        anchor="start",
        fontSize=TITLE_SIZE,
        subtitleFontSize=FONT_SIZE,
        subtitleColor="#555555",
    )


def _check_frame(
    frame: Any,
    columns: Any,
    *,
    hint: str,
    numeric: Any = (),
    name: str = "frame",
) -> None:
    """Refuse, naming ``name``, what is not a frame with ``columns``, numbers in ``numeric``."""
    import pandas as pd

    from mlkit._exceptions import MlkitTypeError
    from mlkit._validation import check_frame

    check_frame(frame, name, allow_empty=True)
    wanted = [c for c in columns if c is not None]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise MlkitValueError(
            with_hint(
                f"'{name}' lacks the column(s) {', '.join(map(repr, missing))}; got "
                f"the columns {', '.join(map(repr, list(frame.columns)[:12]))}.",
                hint,
            )
        )
    repeated = [c for c in wanted if isinstance(frame[c], pd.DataFrame)]
    if repeated:
        raise MlkitValueError(
            with_hint(
                f"'{name}' has more than one column named {repeated[0]!r}.",
                "give each column its own name, for example with frame.rename().",
            )
        )
    for column in numeric:
        if column is None:
            continue
        dtype = frame[column].dtype
        numbers = ("integer", "floating", "mixed-integer-float", "boolean", "empty")
        if dtype.kind == "O" and (
            pd.api.types.infer_dtype(frame[column], skipna=True) in numbers
        ):
            continue  # numbers held as Python objects are numbers all the same
        if not (
            pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        ):
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' column {column!r} must hold numbers; got values of "
                    f"type {dtype}.",
                    f"convert it first, for example {name}[{column!r}].astype(float).",
                )
            )


def _floats(values: pd.Series) -> pd.Series:
    """Numbers as float64, a missing one (None, pd.NA) as NaN, whatever the dtype."""
    import pandas as pd

    return pd.to_numeric(values.astype(object), errors="coerce").astype("float64")


def _text(values: pd.Series) -> pd.Series:
    """Labels as text, a missing one as "(missing)": pandas' str dtype keeps NaN."""
    return values.astype(object).where(values.notna(), "(missing)").astype("str")


def message_chart(message: str, *, title: str = "") -> alt.Chart:
    """A chart that only says ``message``: what a chart shows when there is nothing to draw."""
    import altair as alt
    import pandas as pd

    # altair refuses title=Undefined in properties(): leave the title out instead.
    heading = {"title": _title(str(title))} if title else {}
    return (
        alt.Chart(pd.DataFrame({"message": [str(message)]}))
        .mark_text(fontSize=FONT_SIZE + 1, color=TEXT, align="left", x=5)
        .encode(text="message:N")
        .properties(width=420, height=40, **heading)
    )


def _binned(values: pd.Series, bins: int) -> tuple[pd.Series, pd.Series, str]:
    """Bin numbers or dates: (start, end) of each value's bin, and a unit label."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(values):
        span = values.max() - values.min()
        freq, unit = ("MS", "month") if span > pd.Timedelta(days=120) else ("D", "day")
        start = values.dt.to_period(freq[0]).dt.start_time
        end = (values.dt.to_period(freq[0]) + 1).dt.start_time
        return start, end, unit
    finite = values.astype("float64")
    low, high = float(finite.min()), float(finite.max())
    if np.all(finite == np.round(finite)):
        # Whole numbers (ages, counts): bins of a whole width, so that each bin holds
        # the same number of possible values and the histogram has no false comb.
        width = max(1, math.ceil((high - low + 1) / bins))
        edges = np.arange(low, high + width + 1, width, dtype="float64")
    else:
        edges = np.histogram_bin_edges(finite, bins=bins)
    index = np.clip(np.searchsorted(edges, finite, side="right") - 1, 0, len(edges) - 2)
    return (
        pd.Series(edges[index], index=values.index),
        pd.Series(edges[index + 1], index=values.index),
        "bin",
    )


def distribution(
    values: Any,
    *,
    by: Any = None,
    title: str | None = None,
    max_categories: int = 20,
    bins: int = 30,
) -> alt.Chart:
    """How values are distributed, aggregated before charting.

    Categories become bars (the ``max_categories`` most frequent; the rest are
    grouped as "(other)"), numbers a histogram with ``bins`` bins, and dates a
    histogram by month (by day when they span under four months). Missing values
    are counted and said in the subtitle.

    Parameters
    ----------
    values : array-like or pandas.Series
        The values; a Series' name becomes the axis title.
    by : array-like, optional
        A categorical variable of the same length that splits each bar, for
        example the target.
    title : str, optional
        The chart's title.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = pd.Series(np.repeat(["ham", "spam"], [30, 10]), name="label")
    >>> spec = distribution(y).to_dict()
    >>> spec["mark"]["type"], spec["encoding"]["x"]["field"]
    ('bar', 'count')
    """
    import altair as alt
    import numpy as np
    import pandas as pd

    from mlkit._validation import check_int

    bins = check_int(bins, "bins", 1, "30")
    max_categories = check_int(max_categories, "max_categories", 1, "20")
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    series = series.reset_index(drop=True)
    name = str(series.name) if series.name is not None else "value"
    if by is not None:
        group = (by if isinstance(by, pd.Series) else pd.Series(by)).reset_index(
            drop=True
        )
        if len(group) != len(series):
            raise MlkitValueError(
                with_hint(
                    f"'by' has {len(group)} values but 'values' has {len(series)}.",
                    "pass two columns of the same frame.",
                )
            )
        if group.nunique() > len(PALETTE):
            raise MlkitValueError(
                with_hint(
                    f"'by' has {group.nunique()} distinct values; at most "
                    f"{len(PALETTE)} can be told apart by colour.",
                    "pass a variable with few categories, such as the target.",
                )
            )
        group_name = str(group.name) if group.name is not None else "group"
        # Groups keep a categorical's order (train, validation, test), else sort.
        if isinstance(group.dtype, pd.CategoricalDtype):
            order = [str(c) for c in group.cat.categories if (group == c).any()]
        else:
            order = sorted(group.dropna().astype("str").unique())
        group = group.astype("str")
    else:
        group_name, group = "all", pd.Series("all", index=series.index)
        order = ["all"]
    missing = int(series.isna().sum())
    keep = series.notna()
    series, group = series[keep], group[keep]
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(
        series
    )
    dated = pd.api.types.is_datetime64_any_dtype(series)
    infinite = 0
    if numeric:
        # Infinities have no bin: counted and said, like missing values.
        finite = np.isfinite(series.astype("float64")).to_numpy()
        infinite = int((~finite).sum())
        series, group = series[finite], group[finite]
    subtitle = [
        f"{len(series):,} values"
        + (f", {missing:,} missing" if missing else "")
        + (f", {infinite:,} infinite" if infinite else "")
    ]
    color = (
        alt.Color(
            f"{group_name}:N",
            sort=order,
            scale=alt.Scale(domain=order, range=list(PALETTE[: len(order)])),
            legend=alt.Legend(title=group_name, orient="bottom"),
        )
        if by is not None
        else alt.value(PALETTE[0])
    )
    if (numeric and series.nunique() > max_categories) or dated:
        start, end, unit = _binned(series, bins)
        frame = (
            pd.DataFrame({"start": start, "end": end, group_name: group})
            .groupby(["start", "end", group_name], observed=True)
            .size()
            .rename("count")
            .reset_index()
        )
        # Stack by hand, in the groups' order: a bar from y0 to y1 per group and bin.
        frame["rank"] = frame[group_name].map({g: i for i, g in enumerate(order)})
        frame = frame.sort_values(["start", "rank"], ignore_index=True).drop(
            columns="rank"
        )
        frame["y1"] = frame.groupby("start", observed=True)["count"].cumsum()
        frame["y0"] = frame["y1"] - frame["count"]
        kind = "T" if dated else "Q"
        x_title = f"{name} (by {unit})" if dated else name
        chart = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X(
                    f"start:{kind}",
                    title=x_title,
                    scale=alt.Scale(zero=False),
                    axis=alt.Axis(labelFontSize=FONT_SIZE, labelOverlap="greedy"),
                ),
                x2=f"end:{kind}",
                y=alt.Y("y1:Q", title="rows"),
                y2="y0:Q",
                color=color,
                tooltip=[
                    alt.Tooltip(f"start:{kind}", title="from"),
                    alt.Tooltip(f"end:{kind}", title="to"),
                    alt.Tooltip(f"{group_name}:N"),
                    alt.Tooltip("count:Q", format=","),
                ],
            )
        )
    else:
        labels = series.astype("str")
        top = labels.value_counts().index[:max_categories]
        if labels.nunique() > max_categories:
            subtitle.append(
                f"{labels.nunique() - max_categories} rarer values as (other)"
            )
            labels = labels.where(labels.isin(top), "(other)")
        frame = (
            pd.DataFrame({name: labels, group_name: group})
            .groupby([name, group_name], observed=True)
            .size()
            .rename("count")
            .reset_index()
        )
        frame["share"] = frame["count"] / frame["count"].sum()
        order = frame.groupby(name)["count"].sum().sort_values(ascending=False).index
        chart = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                y=alt.Y(
                    f"{name}:N",
                    sort=list(order),
                    title=name,
                    axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=220),
                ),
                x=alt.X(
                    "count:Q",
                    title="rows",
                    stack=True,
                    axis=alt.Axis(tickCount=6, labelFontSize=FONT_SIZE),
                ),
                color=color,
                tooltip=[
                    alt.Tooltip(f"{name}:N"),
                    alt.Tooltip(f"{group_name}:N"),
                    alt.Tooltip("count:Q", format=","),
                    alt.Tooltip("share:Q", format=".1%"),
                ],
            )
        )
    return chart.properties(
        width=420,
        height=alt.Step(22)
        if not (numeric or dated) or series.nunique() <= max_categories
        else 220,
        title=_title(title or f"Distribution of {name}", "; ".join(subtitle)),
    )


def process_map(
    stages: pd.DataFrame,
    *,
    title: str = "The design process, around again",
) -> alt.LayerChart:
    """The stages of the design process as a loop.

    Parameters
    ----------
    stages : pandas.DataFrame
        As made by :func:`mlkit.design.stages_frame`: ``number``, ``title``,
        ``chapters``, ``notebook``, ``question``, ``applies`` and ``decisions``.
        Stage 0 is drawn in the middle, stages 1 to 12 around the loop, with an
        arrow from the last back to the first.
    title : str
        The chart's title.

    Returns
    -------
    altair.LayerChart
        Nodes coloured by status (decided, to do, does not apply), arrows between
        consecutive stages, labels with the number of decisions recorded.
    """
    import altair as alt
    import pandas as pd

    required = {
        "number",
        "title",
        "chapters",
        "notebook",
        "question",
        "applies",
        "decisions",
    }
    _check_frame(
        stages,
        sorted(required),
        numeric=("number", "decisions"),
        hint="build it with mlkit.design.stages_frame().",
        name="stages",
    )
    if stages.empty:
        return message_chart("No stage to draw.", title=title)
    nodes = stages.sort_values("number").reset_index(drop=True).copy()
    loop = nodes[nodes["number"] > 0]
    n = len(loop)
    angle = {
        num: math.pi / 2 - 2 * math.pi * i / n for i, num in enumerate(loop["number"])
    }
    nodes["x"] = [math.cos(angle[k]) if k in angle else 0.0 for k in nodes["number"]]
    nodes["y"] = [math.sin(angle[k]) if k in angle else 0.0 for k in nodes["number"]]
    nodes["status"] = [
        "decided" if d > 0 else ("to do" if a else "does not apply")
        for a, d in zip(nodes["applies"], nodes["decisions"], strict=True)
    ]
    nodes["label"] = [
        f"{t}\n{d} decision{'s' if d != 1 else ''}" if d else t
        for t, d in zip(nodes["title"], nodes["decisions"], strict=True)
    ]
    # Labels sit outside the loop: beside the nodes on the sides, above the top
    # node and below the bottom one; stage 0's label sits under it.
    nodes["lx"] = nodes["x"] * 1.22
    nodes["ly"] = nodes["y"] * 1.18 - 0.02
    nodes.loc[nodes["y"] > 0.99, "ly"] = 1.3
    nodes.loc[nodes["y"] < -0.99, "ly"] = -1.22
    nodes.loc[nodes["number"] == 0, "ly"] = -0.2
    nodes["side"] = [
        "right" if x > 0.2 else "left" if x < -0.2 else "middle" for x in nodes["x"]
    ]

    pos = nodes.set_index("number")[["x", "y"]]
    numbers = list(loop["number"])
    pairs = list(zip(numbers, numbers[1:] + numbers[:1], strict=True))
    if 0 in pos.index and numbers:
        pairs.insert(0, (0, numbers[0]))
    edges = pd.DataFrame(
        columns=["x", "y", "x2", "y2", "kind"],
        data=[
            {
                "x": pos.at[a, "x"],
                "y": pos.at[a, "y"],
                "x2": pos.at[b, "x"],
                "y2": pos.at[b, "y"],
                "kind": "iterate" if b == numbers[0] and a != 0 else "next",
            }
            for a, b in pairs
        ],
    )
    # Arrow heads part-way along each edge, turned to point along it (clockwise
    # degrees from "up", in screen coordinates).
    edges["mx"] = edges["x"] + 0.62 * (edges["x2"] - edges["x"])
    edges["my"] = edges["y"] + 0.62 * (edges["y2"] - edges["y"])
    edges["angle"] = [
        math.degrees(math.atan2(dx, dy)) % 360
        for dx, dy in zip(
            edges["x2"] - edges["x"], edges["y2"] - edges["y"], strict=True
        )
    ]

    def xy(x_field: str, y_field: str) -> dict[str, Any]:
        # One fixed frame for every layer, so that nodes, arrows and labels line up.
        return {
            "x": alt.X(x_field, scale=alt.Scale(domain=[-1.75, 1.75]), axis=None),
            "y": alt.Y(y_field, scale=alt.Scale(domain=[-1.45, 1.45]), axis=None),
        }

    status_scale = alt.Scale(
        domain=["decided", "to do", "does not apply"],
        range=[PALETTE[0], PALETTE[5], GREY],
    )
    edge_color = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=["next", "iterate"], range=["#888888", PALETTE[3]]),
        legend=None,
    )
    rules = (
        alt.Chart(edges)
        .mark_rule(strokeWidth=2)
        .encode(**xy("x:Q", "y:Q"), x2="x2:Q", y2="y2:Q", color=edge_color)
    )
    heads = (
        alt.Chart(edges)
        .mark_point(shape="triangle-up", filled=True, size=90, opacity=1)
        .encode(
            **xy("mx:Q", "my:Q"),
            angle=alt.Angle("angle:Q", scale=None),
            color=edge_color,
        )
    )
    tooltip = [
        alt.Tooltip("title:N", title="stage"),
        alt.Tooltip("question:N"),
        alt.Tooltip("chapters:N", title="book chapter(s)"),
        alt.Tooltip("notebook:N"),
        alt.Tooltip("decisions:Q"),
        alt.Tooltip("status:N"),
    ]
    dots = (
        alt.Chart(nodes)
        .mark_circle(size=1100, opacity=1, stroke="white", strokeWidth=2)
        .encode(
            **xy("x:Q", "y:Q"),
            color=alt.Color(
                "status:N",
                scale=status_scale,
                legend=alt.Legend(
                    title="stage",
                    orient="bottom",
                    labelFontSize=FONT_SIZE,
                    titleFontSize=FONT_SIZE,
                ),
            ),
            tooltip=tooltip,
        )
    )
    digits = (
        alt.Chart(nodes)
        .mark_text(fontSize=FONT_SIZE + 1, fontWeight="bold", color="white")
        .encode(**xy("x:Q", "y:Q"), text="number:Q", tooltip=tooltip)
    )
    labels = [
        alt.Chart(nodes)
        .transform_filter(alt.datum.side == side)
        .mark_text(
            fontSize=FONT_SIZE,
            color=TEXT,
            align=align,
            baseline="middle",
            lineBreak="\n",
        )
        .encode(**xy("lx:Q", "ly:Q"), text="label:N")
        for side, align in (("left", "right"), ("right", "left"), ("middle", "center"))
    ]
    return (
        alt.layer(rules, heads, dots, digits, *labels)
        .resolve_scale(color="independent")
        .properties(
            width=460,
            height=420,
            view=alt.ViewBackground(stroke=None),
            title=_title(
                title,
                "Each stage is one guided notebook; the red arrow is the next iteration.",
            ),
        )
    )


def comparison_chart(
    decisions: pd.DataFrame,
    evidence: pd.DataFrame,
    *,
    a: str,
    b: str,
) -> alt.VConcatChart | alt.Chart:
    """Decisions of two iterations side by side, and how their evidence moved.

    Parameters
    ----------
    decisions : pandas.DataFrame
        ``key``, ``choice_a``, ``choice_b`` and ``status``, one row per decision.
    evidence : pandas.DataFrame
        ``key``, ``measure``, ``value_a``, ``value_b`` and ``difference``.
    a, b : str
        Labels of the two iterations.
    """
    import altair as alt
    import pandas as pd

    from mlkit._results import readable

    _check_frame(
        decisions,
        ("key", "choice_a", "choice_b", "status"),
        hint="pass the decisions table of compare_iterations(...).",
        name="decisions",
    )
    _check_frame(
        evidence,
        ("key", "measure", "value_a", "value_b", "difference"),
        numeric=("value_a", "value_b", "difference"),
        hint="pass the evidence table of compare_iterations(...).",
        name="evidence",
    )
    if decisions.empty:
        return message_chart(
            "Neither iteration recorded a decision.", title=f"{a} against {b}"
        )
    long = pd.DataFrame(
        {
            "key": list(decisions["key"]) * 2,
            "iteration": [a] * len(decisions) + [b] * len(decisions),
            "choice": [readable(v, 28) for v in decisions["choice_a"]]
            + [readable(v, 28) for v in decisions["choice_b"]],
            "status": list(decisions["status"]) * 2,
        }
    )
    order = list(decisions["key"])
    status_scale = alt.Scale(
        domain=["same", "changed", "only in a", "only in b"],
        range=["#E8E8E8", PALETTE[1], PALETTE[5], PALETTE[2]],
    )
    base = alt.Chart(long).encode(
        x=alt.X(
            "iteration:N",
            sort=[a, b],
            title=None,
            axis=alt.Axis(orient="top", labelAngle=0, labelFontSize=FONT_SIZE),
        ),
        y=alt.Y(
            "key:N", sort=order, title=None, axis=alt.Axis(labelFontSize=FONT_SIZE)
        ),
    )
    grid = (
        base.mark_rect(stroke="white").encode(
            color=alt.Color(
                "status:N",
                scale=status_scale,
                legend=alt.Legend(title="decision", orient="bottom"),
            ),
            tooltip=["key:N", "iteration:N", "choice:N", "status:N"],
        )
        + base.mark_text(fontSize=FONT_SIZE - 1, color=TEXT).encode(text="choice:N")
    ).properties(
        width=420,
        height=max(60, 24 * len(order)),
        title=_title("Decisions", f"{a} against {b}"),
    )
    numeric = evidence[evidence["value_a"].abs() > 0] if len(evidence) else evidence
    if numeric.empty:
        return grid
    moved = numeric.assign(
        measure_name=numeric["key"] + " · " + numeric["measure"],
        relative=numeric["difference"] / numeric["value_a"].abs(),
        direction=[
            "up" if d > 0 else "down" if d < 0 else "same"
            for d in numeric["difference"]
        ],
    )
    bars = (
        alt.Chart(moved)
        .mark_bar()
        .encode(
            x=alt.X(
                "relative:Q",
                axis=alt.Axis(format="+%", labelFontSize=FONT_SIZE),
                title=f"relative change from {a} to {b}",
            ),
            y=alt.Y(
                "measure_name:N", title=None, axis=alt.Axis(labelFontSize=FONT_SIZE)
            ),
            color=alt.Color(
                "direction:N",
                legend=None,
                scale=alt.Scale(
                    domain=["up", "down", "same"], range=[PALETTE[0], PALETTE[3], GREY]
                ),
            ),
            tooltip=[
                "key:N",
                "measure:N",
                alt.Tooltip("value_a:Q", title=a, format=",.4g"),
                alt.Tooltip("value_b:Q", title=b, format=",.4g"),
                alt.Tooltip("difference:Q", format="+,.4g"),
            ],
        )
        .properties(
            width=420,
            height=max(40, 24 * len(moved)),
            title=_title("Evidence", "Numbers recorded with the same decision in both"),
        )
    )
    return (
        alt.vconcat(grid, bars)
        .resolve_scale(color="independent")
        .properties(title=_title(f"What changed from {a} to {b}"))
    )


def metric_panels(
    frame: pd.DataFrame,
    *,
    label: str,
    metrics: Any,
    lower_is_better: Any = (),
    title: str,
    subtitle: str | None = None,
    columns: int = 3,
) -> alt.ConcatChart:
    """Several metrics of the same items, one small bar chart each, the best in colour.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per item (a model, a treatment), with column ``label`` naming it
        and one column per metric.
    label : str
        The column that names the items; they keep the frame's order.
    metrics : mapping of str to str, or sequence of str
        The metric columns, with the title of their panel if a mapping.
    lower_is_better : collection of str
        Metrics where the lowest value is the best (a cost, an error).
    title, subtitle : str
        The title above the panels.
    columns : int, default 3
        Panels per row.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"model": ["a", "b"], "cost": [2.0, 1.0],
    ...                       "recall": [0.5, 0.7]})
    >>> spec = metric_panels(frame, label="model", metrics=["cost", "recall"],
    ...                      lower_is_better=["cost"], title="Two models").to_dict()
    >>> len(spec["concat"]), spec["title"]["text"]
    (2, 'Two models')
    """
    import altair as alt
    import numpy as np
    import pandas as pd

    names = dict(metrics) if hasattr(metrics, "items") else {m: m for m in metrics}
    _check_frame(
        frame,
        [label, *names],
        hint="pass one row per item with a column per metric.",
        numeric=list(names),
    )
    order = [str(v) for v in frame[label]]
    panels = []
    for column, name in names.items():
        values = _floats(frame[column]).to_numpy()
        lower = column in lower_is_better
        finite = values[np.isfinite(values)]
        best = (finite.min() if lower else finite.max()) if len(finite) else np.nan
        data = pd.DataFrame(
            {
                label: order,
                "value": values,
                "rank": np.where(np.isclose(values, best), "best", "other"),
            }
        )
        base = alt.Chart(data).encode(
            y=alt.Y(
                f"{label}:N",
                sort=order,
                title=None,
                axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=160),
            ),
            x=alt.X(
                "value:Q",
                title=None,
                axis=alt.Axis(tickCount=4, format=",~r", labelFontSize=FONT_SIZE - 1),
            ),
        )
        bars = base.mark_bar().encode(
            color=alt.Color(
                "rank:N",
                scale=alt.Scale(domain=["best", "other"], range=[PALETTE[0], GREY]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip(f"{label}:N"),
                alt.Tooltip("value:Q", title=name, format=",.4g"),
            ],
        )
        text = base.mark_text(
            align="left", dx=3, fontSize=FONT_SIZE - 1, color=TEXT
        ).encode(text=alt.Text("value:Q", format=",.3~r"))
        panels.append(
            (bars + text).properties(
                width=170,
                height=alt.Step(18),
                title=_title(name, "lower is better" if lower else "higher is better"),
            )
        )
    return alt.concat(*panels, columns=columns).properties(
        title=_title(title, subtitle)
    )


def line_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = None,
    reference: float | None = None,
    title: str,
    subtitle: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
) -> alt.LayerChart:
    """Values of ``y`` along ``x``, one line per value of ``color``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Already aggregated: one row per point.
    x, y : str
        Columns for the axes; ``x`` may hold numbers or dates.
    color : str, optional
        A column whose values each get a line.
    reference : float, optional
        A value to mark with a dashed horizontal rule, such as the true value an
        estimate converges to.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"rows": [10, 20, 30], "estimate": [0.3, 0.25, 0.26]})
    >>> spec = line_chart(frame, x="rows", y="estimate", reference=0.25,
    ...                   title="A running estimate").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['line', 'rule']
    """
    import altair as alt
    import pandas as pd

    _check_frame(
        frame,
        (x, y, color),
        hint="pass the names of columns of the frame.",
        numeric=(y,),
    )
    kind = "T" if pd.api.types.is_datetime64_any_dtype(frame[x]) else "Q"
    encoding = {
        "x": alt.X(
            f"{x}:{kind}", title=x_title or x, axis=alt.Axis(labelFontSize=FONT_SIZE)
        ),
        "y": alt.Y(
            f"{y}:Q",
            title=y_title or y,
            scale=alt.Scale(zero=False),
            axis=alt.Axis(labelFontSize=FONT_SIZE),
        ),
        "tooltip": [alt.Tooltip(f"{x}:{kind}"), alt.Tooltip(f"{y}:Q", format=",.4g")],
    }
    if color is not None:
        encoding["color"] = alt.Color(
            f"{color}:N",
            scale=alt.Scale(range=list(PALETTE)),
            legend=alt.Legend(title=color, orient="bottom"),
        )
        encoding["tooltip"].append(alt.Tooltip(f"{color}:N"))
    lines = alt.Chart(frame).mark_line(point=len(frame) <= 60).encode(**encoding)
    layers = [lines]
    if reference is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"reference": [reference]}))
            .mark_rule(strokeDash=[4, 3], color="#555555")
            .encode(y="reference:Q")
        )
    return alt.layer(*layers).properties(
        width=420, height=220, title=_title(title, subtitle)
    )


def band_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    low: str,
    high: str,
    color: str,
    reference: float | None = None,
    title: str,
    subtitle: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
) -> alt.LayerChart:
    """Lines of ``y`` along ``x``, one per value of ``color``, each in a faint band.

    For curves that are means over repeats: the band runs from ``low`` to
    ``high`` (the lowest and highest repeat, or an interval), so that a reader
    sees whether two lines differ by more than their spread.

    Parameters
    ----------
    frame : pandas.DataFrame
        Already aggregated: one row per point of each line.
    x, y : str
        Columns for the axes.
    low, high : str
        Columns with the lower and upper edge of the band at each point.
    color : str
        A column whose values each get a line and a band, coloured in the order
        they first appear.
    reference : float, optional
        A value to mark with a dashed horizontal rule.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"labels": [10, 20, 10, 20], "mean": [0.6, 0.8, 0.6, 0.7],
    ...                       "min": [0.5, 0.75, 0.5, 0.6], "max": [0.7, 0.85, 0.7, 0.8],
    ...                       "strategy": ["margin", "margin", "random", "random"]})
    >>> spec = band_chart(frame, x="labels", y="mean", low="min", high="max",
    ...                   color="strategy", title="Learning curves").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['area', 'line']
    """
    import altair as alt
    import pandas as pd

    _check_frame(
        frame,
        (x, y, low, high, color),
        hint="pass the names of columns of the frame.",
        numeric=(x, y, low, high),
    )
    order = [str(v) for v in pd.unique(_text(frame[color]))]
    data = frame.assign(**{color: _text(frame[color])})
    colour = alt.Color(
        f"{color}:N",
        sort=order,
        scale=alt.Scale(domain=order, range=list(PALETTE[: len(order)])),
        # Opaque symbols: the legend would otherwise take the bands' faint fill.
        legend=alt.Legend(title=color, orient="bottom", symbolOpacity=1),
    )
    x_axis = alt.X(f"{x}:Q", title=x_title or x, axis=alt.Axis(labelFontSize=FONT_SIZE))
    y_axis = alt.Y(
        f"{y}:Q",
        title=y_title or y,
        scale=alt.Scale(zero=False),
        axis=alt.Axis(labelFontSize=FONT_SIZE),
    )
    band = (
        alt.Chart(data)
        .mark_area(opacity=0.15)
        .encode(x=x_axis, y=alt.Y(f"{low}:Q"), y2=f"{high}:Q", color=colour)
    )
    lines = (
        alt.Chart(data)
        .mark_line(point=len(data) <= 120)
        .encode(
            x=x_axis,
            y=y_axis,
            color=colour,
            tooltip=[
                alt.Tooltip(f"{color}:N"),
                alt.Tooltip(f"{x}:Q", format=",.4g"),
                alt.Tooltip(f"{y}:Q", format=",.4g"),
                alt.Tooltip(f"{low}:Q", format=",.4g"),
                alt.Tooltip(f"{high}:Q", format=",.4g"),
            ],
        )
    )
    layers = [band, lines]
    if reference is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"reference": [reference]}))
            .mark_rule(strokeDash=[4, 3], color="#555555")
            .encode(y="reference:Q")
        )
    return alt.layer(*layers).properties(
        width=420, height=240, title=_title(title, subtitle)
    )


def heatmap(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    title: str,
    subtitle: str | None = None,
    order: Any = None,
    domain: tuple[float, float] = (-1.0, 1.0),
    tooltip: Any = (),
    value_title: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
) -> alt.LayerChart:
    """A matrix of values as coloured cells, each with its value written in it.

    The colours diverge from the middle of ``domain``: blue above, vermillion
    below, white in between. A missing value leaves its cell grey, marked "n/a";
    cells absent from ``frame`` stay empty.

    Parameters
    ----------
    frame : pandas.DataFrame
        Already aggregated: one row per cell.
    x, y : str
        Columns naming each cell's column and row.
    value : str
        The numeric column shown by colour and text.
    order : sequence, optional
        The order of the categories on both axes; by default as they first
        appear in ``x`` and ``y``.
    domain : (float, float), default (-1.0, 1.0)
        The range of the colour scale; values outside take its end colours.
    tooltip : sequence of str
        More columns to show on hover.
    value_title, x_title, y_title : str, optional
        Titles of the legend and the axes; by default the column names for the
        legend, none for the axes.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"a": ["x", "y"], "b": ["y", "x"],
    ...                       "kappa": [0.4, 0.4]})
    >>> spec = heatmap(frame, x="a", y="b", value="kappa", title="Kappa").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['rect', 'rect', 'text']
    """
    import altair as alt
    import numpy as np
    import pandas as pd

    extra = [tooltip] if isinstance(tooltip, str) else list(tooltip)
    _check_frame(
        frame,
        (x, y, value, *extra),
        hint="pass the names of columns of the frame.",
        numeric=(value,),
    )
    from mlkit._validation import check_number

    if not isinstance(domain, (tuple, list)) or len(domain) != 2:
        raise MlkitValueError(
            with_hint(
                f"'domain' must be (low, high); got {domain!r}.",
                "pass, for example, domain=(-1, 1).",
            )
        )
    low = check_number(domain[0], "domain", example="(-1, 1)")
    high = check_number(domain[1], "domain", example="(-1, 1)")
    if not low < high:
        raise MlkitValueError(
            with_hint(
                f"'domain' must be (low, high) with low < high; got {domain!r}.",
                "pass, for example, domain=(-1, 1).",
            )
        )
    middle = (low + high) / 2
    values = _floats(frame[value])
    data = frame[[x, y, value, *extra]].assign(
        **{x: _text(frame[x]), y: _text(frame[y])},
        text=[f"{v:.2f}" if np.isfinite(v) else "n/a" for v in values],
        # Written in white on the darkest cells, in dark grey elsewhere.
        dark=(values - middle).abs() > 0.6 * (high - middle),
    )
    if order is None:
        order = list(pd.unique(pd.concat([data[x], data[y]], ignore_index=True)))
    else:
        order = [str(v) for v in order]
    axis = alt.Axis(labelFontSize=FONT_SIZE, labelLimit=160)
    base = alt.Chart(data).encode(
        x=alt.X(
            f"{x}:N",
            sort=order,
            title=x_title,
            axis=alt.Axis(
                labelFontSize=FONT_SIZE, labelLimit=160, labelAngle=-40, orient="top"
            ),
        ),
        y=alt.Y(f"{y}:N", sort=order, title=y_title, axis=axis),
        tooltip=[
            alt.Tooltip(f"{y}:N"),
            alt.Tooltip(f"{x}:N"),
            alt.Tooltip(f"{value}:Q", format=".3f"),
            *[alt.Tooltip(c) for c in extra],
        ],
    )
    # Every cell gets a grey background, so that a missing value shows as such:
    # a quantitative colour scale would drop the cell altogether.
    background = base.mark_rect(color="#E8E8E8", stroke="white")
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            f"{value}:Q",
            scale=alt.Scale(
                domain=[low, middle, high],
                range=[PALETTE[3], "#F7F7F7", PALETTE[0]],
                clamp=True,
            ),
            legend=alt.Legend(
                title=value_title or value, orient="right", gradientLength=120
            ),
        )
    )
    text = base.mark_text(fontSize=FONT_SIZE).encode(
        text="text:N",
        color=alt.condition(alt.datum.dark, alt.value("white"), alt.value(TEXT)),
    )
    side = max(120, 44 * len(order))
    return alt.layer(background, cells, text).properties(
        width=side, height=side, title=_title(title, subtitle)
    )


def lf_summary_chart(
    frame: pd.DataFrame,
    *,
    chance: float | None = None,
    title: str = "Labeling functions",
    subtitle: str | None = None,
) -> alt.HConcatChart | alt.LayerChart:
    """Coverage, overlaps and conflicts of labeling functions, and their accuracy.

    Each LF gets three nested bars from zero: the share of rows it labels
    (coverage), the part of it that another LF labels too (overlaps), and the
    part where another LF votes a different class (conflicts). With ``chance``,
    a second panel shows each LF's accuracy on gold labels, with chance marked.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per LF with columns ``name``, ``coverage``, ``overlaps``,
        ``conflicts`` and, for the accuracy panel, ``empirical_accuracy``: the
        table of :func:`mlkit.labeling.lf_summary`.
    chance : float, optional
        The accuracy of guessing, ``1 / number of classes``; given, the accuracy
        panel is drawn.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"name": ["a", "b"], "coverage": [0.4, 0.1],
    ...                       "overlaps": [0.2, 0.1], "conflicts": [0.1, 0.0],
    ...                       "empirical_accuracy": [0.9, 0.55]})
    >>> spec = lf_summary_chart(frame, chance=0.5).to_dict()
    >>> [panel["layer"][0]["mark"]["type"] for panel in spec["hconcat"]]
    ['bar', 'bar']
    """
    import altair as alt
    import pandas as pd

    from mlkit._validation import check_number

    if chance is not None:
        chance = check_number(chance, "chance", low=0, high=1, example="0.5")
    needed = ["name", "coverage", "overlaps", "conflicts"]
    if chance is not None:
        needed.append("empirical_accuracy")
    _check_frame(
        frame,
        needed,
        hint="pass the table of lf_summary(...).to_frame().",
        numeric=needed[1:],
    )
    order = [str(v) for v in frame["name"]]
    measures = ["coverage", "overlaps", "conflicts"]
    long = pd.DataFrame(
        {
            "name": order * 3,
            "measure": [m for m in measures for _ in order],
            "rank": [i for i in range(3) for _ in order],
            "share": _floats(
                pd.concat([_floats(frame[m]) for m in measures], ignore_index=True)
            ).to_numpy(),
        }
    )
    y = alt.Y(
        "name:N",
        sort=order,
        title=None,
        axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=180),
    )
    nested = (
        alt.Chart(long)
        .mark_bar(height={"band": 0.8})
        .encode(
            y=y,
            x=alt.X(
                "share:Q",
                stack=None,
                title="share of rows",
                axis=alt.Axis(format="%", tickCount=5, labelFontSize=FONT_SIZE),
            ),
            color=alt.Color(
                "measure:N",
                sort=measures,
                scale=alt.Scale(
                    domain=measures, range=[PALETTE[5], PALETTE[0], PALETTE[3]]
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            # Widest first, so that the narrower bars are drawn on top of it.
            order=alt.Order("rank:Q"),
            tooltip=[
                alt.Tooltip("name:N", title="LF"),
                alt.Tooltip("measure:N"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
    )
    height = alt.Step(20)
    left = alt.layer(nested).properties(
        width=300,
        height=height,
        title=_title("Coverage, overlaps and conflicts", "share of all rows"),
    )
    if chance is None:
        return left.properties(title=_title(title, subtitle))
    accuracy = pd.DataFrame(
        {
            "name": order,
            "accuracy": _floats(frame["empirical_accuracy"]).to_numpy(),
        }
    )
    accuracy["level"] = [
        "near or below chance" if a < chance + 0.1 else "above chance"
        for a in accuracy["accuracy"].fillna(0.0)
    ]
    base = alt.Chart(accuracy).encode(y=y)
    bars = base.mark_bar(height={"band": 0.8}).encode(
        x=alt.X(
            "accuracy:Q",
            title="accuracy on gold labels",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%", tickCount=5, labelFontSize=FONT_SIZE),
        ),
        color=alt.Color(
            "level:N",
            scale=alt.Scale(
                domain=["above chance", "near or below chance"],
                range=[PALETTE[0], PALETTE[3]],
            ),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("name:N", title="LF"),
            alt.Tooltip("accuracy:Q", format=".1%"),
        ],
    )
    text = base.mark_text(
        align="left", dx=3, fontSize=FONT_SIZE - 1, color=TEXT
    ).encode(x="accuracy:Q", text=alt.Text("accuracy:Q", format=".0%"))
    rule = (
        alt.Chart(pd.DataFrame({"chance": [chance]}))
        .mark_rule(strokeDash=[4, 3], color="#555555")
        .encode(x="chance:Q")
    )
    right = alt.layer(bars, text, rule).properties(
        width=240,
        height=height,
        title=_title("Accuracy", f"dashed: chance, {chance:.0%}"),
    )
    return (
        alt.hconcat(left, right)
        .resolve_scale(color="independent")
        .properties(title=_title(title, subtitle))
    )


def marked_curve(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    marks: Any,
    title: str,
    subtitle: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
) -> alt.LayerChart:
    """A curve of ``y`` along ``x``, with vertical rules at chosen values of ``x``.

    For a quantity read along a setting, such as the cost along a decision
    threshold, with the settings worth comparing marked.

    Parameters
    ----------
    frame : pandas.DataFrame
        Already aggregated: one row per point, in the order of ``x``.
    x, y : str
        Columns for the axes.
    marks : mapping of str to float
        Values of ``x`` to mark, each with the label shown in the legend; drawn
        in the palette's order after the curve's colour.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"threshold": [0.1, 0.5, 0.9], "cost": [2.0, 1.0, 3.0]})
    >>> spec = marked_curve(frame, x="threshold", y="cost", marks={"best": 0.5},
    ...                     title="Cost").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['line', 'rule']
    """
    import altair as alt
    import pandas as pd

    _check_frame(
        frame, (x, y), hint="pass the names of columns of the frame.", numeric=(x, y)
    )
    from mlkit._validation import check_number

    if not hasattr(marks, "items"):
        raise MlkitValueError(
            with_hint(
                f"'marks' must map labels to values of x; got {type(marks).__name__}.",
                "pass, for example, marks={'chosen': 0.5}.",
            )
        )
    values = [
        check_number(v, "marks", example="{'chosen': 0.5}") for v in marks.values()
    ]
    labels = [str(k) for k in marks]
    if len(labels) > len(PALETTE) - 1:
        raise MlkitValueError(
            with_hint(
                f"'marks' has {len(labels)} values; at most {len(PALETTE) - 1} can be "
                "told apart by colour.",
                "mark fewer values.",
            )
        )
    curve = (
        alt.Chart(frame[[x, y]])
        .mark_line(color=PALETTE[0], point=len(frame) <= 60)
        .encode(
            x=alt.X(
                f"{x}:Q", title=x_title or x, axis=alt.Axis(labelFontSize=FONT_SIZE)
            ),
            y=alt.Y(
                f"{y}:Q",
                title=y_title or y,
                scale=alt.Scale(zero=False),
                axis=alt.Axis(labelFontSize=FONT_SIZE),
            ),
            tooltip=[
                alt.Tooltip(f"{x}:Q", format=",.4g"),
                alt.Tooltip(f"{y}:Q", format=",.4g"),
            ],
        )
    )
    rules = (
        alt.Chart(pd.DataFrame({"mark": labels, x: values}))
        .mark_rule(strokeDash=[4, 3], strokeWidth=2)
        .encode(
            x=f"{x}:Q",
            color=alt.Color(
                "mark:N",
                sort=labels,
                scale=alt.Scale(
                    domain=labels, range=list(PALETTE[1 : len(labels) + 1])
                ),
                legend=alt.Legend(title=None, orient="bottom", labelLimit=320),
            ),
            tooltip=[alt.Tooltip("mark:N"), alt.Tooltip(f"{x}:Q", format=",.4g")],
        )
    )
    return alt.layer(curve, rules).properties(
        width=420, height=240, title=_title(title, subtitle)
    )


def before_after_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    flag: str,
    labels: tuple[str, str] = ("failed", "passed"),
    tooltip: Any = (),
    title: str,
    subtitle: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
) -> alt.LayerChart:
    """Each item's value before and after a change, flagged items in colour.

    Items on the dashed diagonal did not move; the farther from it, the more
    the change moved them. Pass a bounded sample: one point is drawn per row.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per item, with the value before in ``x``, after in ``y``.
    flag : str
        A boolean column: True draws the point in vermillion, labelled
        ``labels[0]``; False in grey, labelled ``labels[1]``.
    tooltip : sequence of str
        More columns to show on hover.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"before": [0.2, 0.7], "after": [0.2, 0.4],
    ...                       "failed": [False, True]})
    >>> spec = before_after_chart(frame, x="before", y="after", flag="failed",
    ...                           title="Before and after").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['line', 'point']
    """
    import altair as alt
    import numpy as np
    import pandas as pd

    extra = [tooltip] if isinstance(tooltip, str) else list(tooltip)
    _check_frame(
        frame,
        (x, y, flag, *extra),
        hint="pass the names of columns of the frame.",
        numeric=(x, y),
    )
    if (
        not isinstance(labels, (tuple, list))
        or len(labels) != 2
        or labels[0] == labels[1]
        or not all(isinstance(v, str) for v in labels)
    ):
        raise MlkitValueError(
            with_hint(
                f"'labels' must be two different strings; got {labels!r}.",
                "pass, for example, labels=('failed', 'passed').",
            )
        )
    # A missing flag is not a flag.
    flagged = frame[flag].fillna(False).astype(bool).to_numpy()
    # Flagged points last, so that they are drawn on top of the others.
    data = (
        frame[[x, y, *extra]]
        .assign(outcome=np.where(flagged, labels[0], labels[1]))
        .iloc[np.argsort(flagged, kind="stable")]
    )
    values = pd.concat([_floats(data[x]), _floats(data[y])])
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0, 1)
    diagonal = (
        alt.Chart(pd.DataFrame({x: [low, high], y: [low, high]}))
        .mark_line(strokeDash=[4, 3], color="#555555")
        .encode(x=f"{x}:Q", y=f"{y}:Q")
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=36, opacity=0.7)
        .encode(
            x=alt.X(
                f"{x}:Q",
                title=x_title or x,
                scale=alt.Scale(zero=False),
                axis=alt.Axis(labelFontSize=FONT_SIZE),
            ),
            y=alt.Y(
                f"{y}:Q",
                title=y_title or y,
                scale=alt.Scale(zero=False),
                axis=alt.Axis(labelFontSize=FONT_SIZE),
            ),
            color=alt.Color(
                "outcome:N",
                scale=alt.Scale(domain=list(labels), range=[PALETTE[3], GREY]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip(f"{x}:Q", format=",.4g"),
                alt.Tooltip(f"{y}:Q", format=",.4g"),
                alt.Tooltip("outcome:N"),
                *[alt.Tooltip(c) for c in extra],
            ],
        )
    )
    return alt.layer(diagonal, points).properties(
        width=360, height=360, title=_title(title, subtitle)
    )


def reliability_chart(
    frame: pd.DataFrame,
    *,
    color: str | None = None,
    x_title: str = "mean predicted probability",
    y_title: str = "observed frequency",
    title: str,
    subtitle: str | None = None,
) -> alt.VConcatChart:
    """A reliability diagram: per bin, how often the event happened against its forecast.

    The upper panel draws each bin's observed frequency against its mean
    predicted probability, with the diagonal of perfect calibration dashed:
    points below it are predicted too high, points above too low. The lower
    panel shows how many rows each bin holds, so that a far-off point in a
    nearly empty bin is read as the noise it is.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per non-empty bin, with columns ``lower``, ``upper``, ``count``,
        ``mean_predicted`` and ``observed_frequency``: the table of
        :func:`mlkit.calibration.reliability`.
    color : str, optional
        A column whose values each get a curve, such as "before" and "after".
    x_title, y_title : str
        The axis titles; for a multiclass model, the confidence and the accuracy.
    title, subtitle : str
        The title above the two panels.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"lower": [0.0, 0.5], "upper": [0.5, 1.0],
    ...                       "count": [60, 40], "mean_predicted": [0.2, 0.8],
    ...                       "observed_frequency": [0.3, 0.6]})
    >>> spec = reliability_chart(frame, title="Reliability").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["vconcat"][0]["layer"]]
    ['line', 'line']
    >>> spec["vconcat"][1]["mark"]["type"]
    'bar'
    """
    import altair as alt
    import pandas as pd

    needed = ["lower", "upper", "count", "mean_predicted", "observed_frequency"]
    if color is not None:
        needed.append(color)
    _check_frame(
        frame,
        needed,
        hint="pass the table of reliability(...).to_frame().",
        numeric=needed[:5],
    )
    columns = needed[:5] + ([color] if color is not None else [])
    data = frame[columns].copy()
    unit = alt.Scale(domain=[0, 1], nice=False)
    axis = alt.Axis(labelFontSize=FONT_SIZE, tickCount=5)
    tooltip = [
        alt.Tooltip("lower:Q", title="from", format=".3f"),
        alt.Tooltip("upper:Q", title="to", format=".3f"),
        alt.Tooltip("count:Q", title="rows", format=","),
        alt.Tooltip("mean_predicted:Q", title=x_title, format=".3f"),
        alt.Tooltip("observed_frequency:Q", title=y_title, format=".3f"),
    ]
    if color is not None:
        order = [str(v) for v in pd.unique(_text(data[color]))]
        data[color] = _text(data[color])
        hue: Any = alt.Color(
            f"{color}:N",
            sort=order,
            scale=alt.Scale(domain=order, range=list(PALETTE[: len(order)])),
            legend=alt.Legend(title=None, orient="bottom"),
        )
        tooltip.insert(0, alt.Tooltip(f"{color}:N"))
    else:
        hue = alt.value(PALETTE[0])
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 3], color="#555555", strokeWidth=1)
        .encode(
            x=alt.X("x:Q", title=x_title, scale=unit),
            y=alt.Y("y:Q", title=y_title, scale=unit),
        )
    )
    curves = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=40, filled=True))
        .encode(
            x=alt.X("mean_predicted:Q", title=x_title, scale=unit, axis=axis),
            y=alt.Y("observed_frequency:Q", title=y_title, scale=unit, axis=axis),
            color=hue,
            tooltip=tooltip,
        )
    )
    top = alt.layer(diagonal, curves).properties(
        width=360,
        height=360,
        title=_title("Reliability", "dashed: perfectly calibrated"),
    )
    counts = (
        alt.Chart(data)
        .mark_bar(opacity=0.55 if color is not None else 0.9, stroke="white")
        .encode(
            x=alt.X("lower:Q", title=x_title, scale=unit, axis=axis),
            x2="upper:Q",
            y=alt.Y("count:Q", title="rows", stack=None, axis=alt.Axis(format="~s")),
            color=hue,
            tooltip=tooltip,
        )
        .properties(width=360, height=90, title=_title("Rows per bin"))
    )
    return alt.vconcat(top, counts).properties(title=_title(title, subtitle))


def importance_chart(
    frame: pd.DataFrame,
    *,
    feature: str = "feature",
    value: str = "importance",
    error: str | None = None,
    highlight: str | None = None,
    max_features: int = 20,
    title: str,
    subtitle: str | None = None,
    x_title: str | None = None,
) -> alt.LayerChart:
    """Horizontal bars of a value per feature, the largest on top.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per feature.
    feature, value : str
        Columns with the feature's name and its bar's length.
    error : str, optional
        A column with each bar's spread (a standard deviation): drawn as a line
        from ``value - error`` to ``value + error``.
    highlight : str, optional
        A boolean column: features where it is true are drawn in vermillion.
    max_features : int, default 20
        Only the features with the largest values are drawn.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"feature": ["a", "b"], "importance": [0.3, 0.1],
    ...                       "std": [0.05, 0.02]})
    >>> spec = importance_chart(frame, error="std", title="Importance").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['bar', 'rule']
    """
    import altair as alt

    from mlkit._validation import check_int

    max_features = check_int(max_features, "max_features", 1, "20")
    needed = [feature, value, *(c for c in (error, highlight) if c is not None)]
    _check_frame(
        frame,
        needed,
        hint="pass the names of columns of the frame.",
        numeric=(value, error),
    )
    data = (
        frame[needed]
        .assign(**{feature: _text(frame[feature])})
        .sort_values(value, ascending=False, kind="stable")
        .head(max_features)
    )
    order = data[feature].tolist()
    y = alt.Y(
        f"{feature}:N",
        sort=order,
        title=None,
        axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=220),
    )
    tooltip = [alt.Tooltip(f"{feature}:N"), alt.Tooltip(f"{value}:Q", format=",.4g")]
    encoding: dict[str, Any] = {
        "y": y,
        "x": alt.X(
            f"{value}:Q",
            title=x_title or value,
            axis=alt.Axis(labelFontSize=FONT_SIZE, tickCount=5),
        ),
    }
    if highlight is not None:
        data[highlight] = (
            data[highlight].fillna(False).astype("bool")
        )  # missing: not highlighted
        encoding["color"] = alt.Color(
            f"{highlight}:N",
            scale=alt.Scale(domain=[False, True], range=[PALETTE[0], PALETTE[3]]),
            legend=alt.Legend(title=highlight, orient="bottom"),
        )
        tooltip.append(alt.Tooltip(f"{highlight}:N"))
    else:
        encoding["color"] = alt.value(PALETTE[0])
    if error is not None:
        tooltip.append(alt.Tooltip(f"{error}:Q", format=",.4g", title=f"± {error}"))
        data = data.assign(
            _low=data[value] - data[error].fillna(0.0),
            _high=data[value] + data[error].fillna(0.0),
        )
    bars = alt.Chart(data).mark_bar().encode(**encoding, tooltip=tooltip)
    layers = [bars]
    if error is not None:
        layers.append(
            alt.Chart(data)
            .mark_rule(color=TEXT, strokeWidth=1.5)
            .encode(y=y, x="_low:Q", x2="_high:Q", tooltip=tooltip)
        )
    return alt.layer(*layers).properties(
        width=380, height=alt.Step(18), title=_title(title, subtitle)
    )


def waterfall_chart(
    frame: pd.DataFrame,
    *,
    base: float,
    label: str = "feature",
    value: str = "contribution",
    title: str,
    subtitle: str | None = None,
    x_title: str | None = None,
) -> alt.LayerChart:
    """How contributions add up, one after the other, from a base value to a total.

    Each row of ``frame`` is a bar that starts where the previous one ended:
    vermillion when it raises the total, blue when it lowers it. A dashed line
    marks ``base``, a solid one the total. Used for one prediction's SHAP values.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per step, in the order to draw them, top to bottom.
    base : float
        Where the first bar starts (a model's average output).
    label, value : str
        Columns with each step's name and its signed size.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"feature": ["age = 50", "city = a"],
    ...                       "contribution": [0.4, -0.1]})
    >>> spec = waterfall_chart(frame, base=0.2, title="One prediction").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['bar', 'text', 'rule', 'rule']
    """
    import altair as alt
    import numpy as np
    import pandas as pd

    _check_frame(
        frame,
        (label, value),
        hint="pass the names of columns of the frame.",
        numeric=(value,),
    )
    from mlkit._validation import check_number

    base = check_number(base, "base", example="0.0")
    steps = _floats(frame[value]).to_numpy()
    ends = base + np.cumsum(steps)
    total = float(ends[-1]) if len(ends) else float(base)
    data = pd.DataFrame(
        {
            "step": _text(frame[label]).to_numpy(),
            "start": ends - steps,
            "end": ends,
            "change": steps,
            "direction": np.where(steps >= 0, "raises", "lowers"),
            "text": [f"{v:+.3g}" for v in steps],
        }
    )
    order = data["step"].tolist()
    y = alt.Y(
        "step:N",
        sort=order,
        title=None,
        axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=260),
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X(
                "start:Q",
                title=x_title or value,
                scale=alt.Scale(zero=False),
                axis=alt.Axis(labelFontSize=FONT_SIZE, tickCount=5),
            ),
            x2="end:Q",
            color=alt.Color(
                "direction:N",
                scale=alt.Scale(
                    domain=["raises", "lowers"], range=[PALETTE[3], PALETTE[0]]
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("step:N", title=label),
                alt.Tooltip("change:Q", format="+,.4g", title=value),
                alt.Tooltip("end:Q", format=",.4g", title="running total"),
            ],
        )
    )
    text = (
        alt.Chart(data)
        .mark_text(align="left", dx=4, fontSize=FONT_SIZE - 1, color=TEXT)
        .encode(y=y, x=alt.X("max_end:Q"), text="text:N")
        .transform_calculate(max_end="max(datum.start, datum.end)")
    )
    marks = pd.DataFrame(
        {"x": [float(base), total], "what": ["base value", "total"], "dash": [1, 0]}
    )
    base_rule = (
        alt.Chart(marks.iloc[[0]])
        .mark_rule(strokeDash=[4, 3], color="#555555")
        .encode(x="x:Q", tooltip=["what:N", alt.Tooltip("x:Q", format=",.4g")])
    )
    total_rule = (
        alt.Chart(marks.iloc[[1]])
        .mark_rule(color=TEXT, strokeWidth=2)
        .encode(x="x:Q", tooltip=["what:N", alt.Tooltip("x:Q", format=",.4g")])
    )
    return alt.layer(bars, text, base_rule, total_rule).properties(
        width=380,
        height=alt.Step(20),
        title=_title(title, subtitle),
    )


def interval_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    low: str,
    high: str,
    reference: float | None = None,
    order: Any = None,
    title: str,
    subtitle: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    tooltip: Any = (),
) -> alt.LayerChart:
    """Estimates with their intervals, one row per item, against a reference value.

    Each item of ``y`` is a point at ``x`` on a line from ``low`` to ``high``; a
    dashed rule marks ``reference``, such as the value over all rows, so that a
    reader sees which intervals exclude it. An item whose interval is missing
    shows its point alone.

    Parameters
    ----------
    frame : pandas.DataFrame
        Already aggregated: one row per item.
    x : str
        The numeric column of the estimates.
    y : str
        The column naming the items.
    low, high : str
        Columns with each interval's ends.
    reference : float, optional
        A value to mark with a dashed vertical rule.
    order : sequence, optional
        The order of the items from the top; by default the frame's.
    tooltip : sequence of str
        More columns to show on hover.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"slice": ["a", "b"], "accuracy": [0.9, 0.7],
    ...                       "low": [0.85, 0.6], "high": [0.94, 0.8]})
    >>> spec = interval_chart(frame, x="accuracy", y="slice", low="low",
    ...                       high="high", reference=0.85, title="Accuracy").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['rule', 'point', 'rule']
    """
    import altair as alt
    import pandas as pd

    extra = [tooltip] if isinstance(tooltip, str) else list(tooltip)
    _check_frame(
        frame,
        (x, y, low, high, *extra),
        hint="pass the names of columns of the frame.",
        numeric=(x, low, high),
    )
    columns = list(dict.fromkeys([y, x, low, high, *extra]))
    data = frame[columns].assign(**{y: _text(frame[y])})
    order = [str(v) for v in (data[y] if order is None else order)]
    y_axis = alt.Y(
        f"{y}:N",
        sort=order,
        title=y_title,
        axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=220),
    )
    x_axis = alt.X(
        f"{x}:Q",
        title=x_title or x,
        scale=alt.Scale(zero=False),
        axis=alt.Axis(tickCount=5, labelFontSize=FONT_SIZE),
    )
    intervals = (
        alt.Chart(data)
        .mark_rule(color=PALETTE[0], strokeWidth=2, opacity=0.5)
        .encode(x=alt.X(f"{low}:Q", title=x_title or x), x2=f"{high}:Q", y=y_axis)
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=55, color=PALETTE[0], opacity=1)
        .encode(
            x=x_axis,
            y=y_axis,
            tooltip=[
                alt.Tooltip(f"{y}:N"),
                alt.Tooltip(f"{x}:Q", format=",.4g"),
                alt.Tooltip(f"{low}:Q", format=",.4g"),
                alt.Tooltip(f"{high}:Q", format=",.4g"),
                *[alt.Tooltip(c) for c in extra],
            ],
        )
    )
    layers = [intervals, points]
    if reference is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"reference": [reference]}))
            .mark_rule(strokeDash=[4, 3], color="#555555")
            .encode(x="reference:Q")
        )
    return alt.layer(*layers).properties(
        width=240, height=alt.Step(20), title=_title(title, subtitle)
    )
