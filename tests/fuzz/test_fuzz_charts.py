"""Generated input for mlkit.charts: every chart, and the offline renderer."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from mlkit import charts
from mlkit.design import stages_frame
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import call, fuzz_settings, fuzzes

#: Column kinds of a chart's numeric columns: mostly numbers, now and then not.
NUMBERS = ("float_clean", "int", "float", "Float64", "Int64", "all_nan", "constant")
ANY = gen.KINDS


def rarely(data, one_in=10):
    """True about once in ``one_in`` draws."""
    return data.draw(st.integers(0, one_in - 1)) == one_in - 1


def chart_frame(data, numeric=(), labels=(), flags=()):
    """A frame with the named columns: numbers, labels (text) and booleans.

    Now and then a column has any kind (text where numbers are expected), or one
    is left out, so that the chart must refuse it naming 'frame'.
    """
    n = gen.rows(data) if rarely(data, 4) else data.draw(st.integers(1, 30))
    columns = {}
    for name in numeric:
        kinds = ANY if rarely(data, 16) else NUMBERS
        columns[name] = gen.column(data, n, data.draw(st.sampled_from(kinds)))
    for name in labels:
        kind = data.draw(st.sampled_from(["str", "category", "int", "bool"]))
        columns[name] = gen.column(data, n, kind)
    for name in flags:
        columns[name] = gen.column(
            data, n, data.draw(st.sampled_from(["bool", "boolean"]))
        )
    frame = pd.DataFrame(columns, index=gen.index(data, n))
    if columns and rarely(data, 10):
        frame = frame.drop(columns=data.draw(st.sampled_from(list(columns))))
    return frame


def is_chart(chart):
    assert type(chart).__module__.startswith("altair"), type(chart)
    chart.to_dict()  # the spec builds and is valid Vega-Lite


def title(data):
    return data.draw(st.sampled_from(["A title", "Títre · 年齢 🙂", ""]))


def names(data, k):
    return data.draw(
        st.lists(st.sampled_from(gen.NAMES), min_size=k, max_size=k, unique=True)
    )


@fuzzes("mlkit.charts.distribution")
@given(st.data())
@fuzz_settings(15)
def test_distribution(data):
    n = gen.rows(data)
    values = gen.column(data, n, data.draw(st.sampled_from(ANY)))
    values.name = data.draw(st.sampled_from([None, *gen.NAMES]))
    options = {}
    if data.draw(st.booleans()):
        options["by"] = gen.container(data, gen.labels(data, n))
    if rarely(data):
        options["bins"] = data.draw(st.sampled_from([0, -3, 2.5]))
    call(
        "mlkit.charts.distribution",
        charts.distribution,
        # An object array with NaN would not compare equal to its own copy.
        gen.container(data, values.to_numpy(), kinds=["series", "list", "ndarray"])
        if rarely(data, 4) and values.dtype.kind in "biufM"
        else values,
        title=title(data) or None,
        check=is_chart,
        **options,
    )


@fuzzes("mlkit.charts.line_chart")
@given(st.data())
@fuzz_settings(10)
def test_line_chart(data):
    x, y, color = names(data, 3)
    frame = chart_frame(data, numeric=[x, y], labels=[color])
    call(
        "mlkit.charts.line_chart",
        charts.line_chart,
        frame,
        x=x,
        y=y,
        color=color if data.draw(st.booleans()) else None,
        reference=data.draw(st.sampled_from([None, 0.5, np.nan])),
        title=title(data),
        check=is_chart,
    )


@fuzzes("mlkit.charts.band_chart")
@given(st.data())
@fuzz_settings(10)
def test_band_chart(data):
    x, y, low, high, color = names(data, 5)
    frame = chart_frame(data, numeric=[x, y, low, high], labels=[color])
    call(
        "mlkit.charts.band_chart",
        charts.band_chart,
        frame,
        x=x,
        y=y,
        low=low,
        high=high,
        color=color,
        reference=data.draw(st.sampled_from([None, 1.0])),
        title=title(data),
        check=is_chart,
    )


@fuzzes("mlkit.charts.heatmap")
@given(st.data())
@fuzz_settings(10)
def test_heatmap(data):
    x, y, value = names(data, 3)
    frame = chart_frame(data, numeric=[value], labels=[x, y])
    call(
        "mlkit.charts.heatmap",
        charts.heatmap,
        frame,
        x=x,
        y=y,
        value=value,
        domain=data.draw(
            st.sampled_from([(-1.0, 1.0), (0, 1), (1, 1), (np.nan, 1), "ab"])
        ),
        title=title(data),
        check=is_chart,
    )


@fuzzes("mlkit.charts.metric_panels")
@given(st.data())
@fuzz_settings(10)
def test_metric_panels(data):
    label, *metrics = names(data, data.draw(st.integers(2, 4)))
    frame = chart_frame(data, numeric=metrics, labels=[label])
    call(
        "mlkit.charts.metric_panels",
        charts.metric_panels,
        frame,
        label=label,
        metrics=metrics
        if data.draw(st.booleans())
        else {m: m.upper() for m in metrics},
        lower_is_better=metrics[:1],
        title=title(data),
        columns=data.draw(st.sampled_from([3, 1, 0])),
        check=is_chart,
    )


@fuzzes("mlkit.charts.lf_summary_chart")
@given(st.data())
@fuzz_settings(10)
def test_lf_summary_chart(data):
    frame = chart_frame(
        data,
        numeric=["coverage", "overlaps", "conflicts", "empirical_accuracy"],
        labels=["name"],
    )
    call(
        "mlkit.charts.lf_summary_chart",
        charts.lf_summary_chart,
        frame,
        chance=np.nan
        if rarely(data)
        else data.draw(st.sampled_from([None, 0.5, 0.25])),
        check=is_chart,
    )


@fuzzes("mlkit.charts.marked_curve")
@given(st.data())
@fuzz_settings(10)
def test_marked_curve(data):
    x, y = names(data, 2)
    frame = chart_frame(data, numeric=[x, y])
    marks = {"best": 0.5, "default": 0.0}
    if rarely(data, 5):
        bad = [{"b": np.inf}, {"bad": "high"}, dict.fromkeys("abcdefgh", 1.0), [0.5]]
        marks = data.draw(st.sampled_from(bad))
    call(
        "mlkit.charts.marked_curve",
        charts.marked_curve,
        frame,
        x=x,
        y=y,
        marks=marks,
        title=title(data),
        check=is_chart,
    )


@fuzzes("mlkit.charts.before_after_chart")
@given(st.data())
@fuzz_settings(10)
def test_before_after_chart(data):
    x, y, flag = names(data, 3)
    frame = chart_frame(data, numeric=[x, y], flags=[flag])
    call(
        "mlkit.charts.before_after_chart",
        charts.before_after_chart,
        frame,
        x=x,
        y=y,
        flag=flag,
        labels=("a", "a") if rarely(data) else ("failed", "passed"),
        title=title(data),
        check=is_chart,
    )


@fuzzes("mlkit.charts.reliability_chart")
@given(st.data())
@fuzz_settings(10)
def test_reliability_chart(data):
    columns = ["lower", "upper", "count", "mean_predicted", "observed_frequency"]
    frame = chart_frame(data, numeric=columns, labels=["model"])
    call(
        "mlkit.charts.reliability_chart",
        charts.reliability_chart,
        frame,
        color="model" if data.draw(st.booleans()) else None,
        title=title(data),
        check=is_chart,
    )


@fuzzes("mlkit.charts.importance_chart")
@given(st.data())
@fuzz_settings(10)
def test_importance_chart(data):
    frame = chart_frame(
        data, numeric=["importance", "std"], labels=["feature"], flags=["new"]
    )
    call(
        "mlkit.charts.importance_chart",
        charts.importance_chart,
        frame,
        error="std" if data.draw(st.booleans()) else None,
        highlight="new" if data.draw(st.booleans()) else None,
        max_features=data.draw(st.sampled_from([20, 1, 0, 2.5])),
        title=title(data),
        check=is_chart,
    )


@fuzzes("mlkit.charts.waterfall_chart")
@given(st.data())
@fuzz_settings(10)
def test_waterfall_chart(data):
    frame = chart_frame(data, numeric=["contribution"], labels=["feature"])
    call(
        "mlkit.charts.waterfall_chart",
        charts.waterfall_chart,
        frame,
        base=data.draw(st.sampled_from([0.2, 0, -1e6, np.nan, "0.5"])),
        title=title(data),
        check=is_chart,
    )


@fuzzes("mlkit.charts.interval_chart")
@given(st.data())
@fuzz_settings(10)
def test_interval_chart(data):
    x, y, low, high = names(data, 4)
    frame = chart_frame(data, numeric=[x, low, high], labels=[y])
    call(
        "mlkit.charts.interval_chart",
        charts.interval_chart,
        frame,
        x=x,
        y=y,
        low=low,
        high=high,
        reference=data.draw(st.sampled_from([None, 0.5])),
        title=title(data),
        check=is_chart,
    )


@fuzzes("mlkit.charts.message_chart")
@given(st.data())
@fuzz_settings(5)
def test_message_chart(data):
    call(
        "mlkit.charts.message_chart",
        charts.message_chart,
        data.draw(st.text(max_size=40)),
        title=data.draw(st.text(max_size=20)),
        check=is_chart,
    )


@fuzzes("mlkit.charts.process_map")
@given(st.data())
@fuzz_settings(6)
def test_process_map(data):
    stages = stages_frame(
        applies=data.draw(st.sampled_from([None, ["start", "scoping"]]))
    )
    kind = data.draw(st.sampled_from(["whole", "some", "none", "missing", "text"]))
    if kind == "some":
        stages = stages.iloc[: data.draw(st.integers(1, len(stages)))]
    elif kind == "none":
        stages = stages.iloc[:0]
    elif kind == "missing":
        stages = stages.drop(columns="decisions")
    elif kind == "text":
        stages = stages.assign(decisions=stages["decisions"].astype(str))
    call("mlkit.charts.process_map", charts.process_map, stages, check=is_chart)


@fuzzes("mlkit.charts.comparison_chart")
@given(st.data())
@fuzz_settings(6)
def test_comparison_chart(data):
    n = gen.rows(data, 0, 6)
    keys = [f"clé {i}" for i in range(n)]
    decisions = pd.DataFrame(
        {
            "key": keys,
            "choice_a": ["x"] * n,
            "choice_b": data.draw(
                st.lists(st.sampled_from(["x", "y", None]), min_size=n, max_size=n)
            ),
            "status": data.draw(
                st.lists(
                    st.sampled_from(["same", "changed", "only in a"]),
                    min_size=n,
                    max_size=n,
                )
            ),
        }
    )
    value_a = gen.floats(data, n)
    evidence = pd.DataFrame(
        {
            "key": keys,
            "measure": ["auc"] * n,
            "value_a": value_a,
            "value_b": value_a + 1,
            "difference": np.ones(n),
        }
    )
    if rarely(data, 5):
        evidence = evidence.drop(columns="difference")
    call(
        "mlkit.charts.comparison_chart",
        charts.comparison_chart,
        decisions,
        evidence,
        a="v1",
        b=data.draw(st.sampled_from(["v2", "v1"])),
        check=is_chart,
    )


@fuzzes(
    "mlkit.charts.enable_offline", "mlkit.charts.is_offline", "mlkit.charts.to_html"
)
@given(st.data())
@fuzz_settings(6)
def test_offline_rendering(data):
    renderer, offline = alt.renderers.active, charts._state["offline"]
    try:
        if data.draw(st.booleans()):
            call(
                "mlkit.charts.enable_offline",
                charts.enable_offline,
                check=lambda r: r is None,
            )
        state = call("mlkit.charts.is_offline", charts.is_offline)
        assert isinstance(state, bool)
        chart = data.draw(
            st.sampled_from(
                [
                    charts.message_chart("nothing to draw"),
                    {"mark": "point", "data": {"values": [{"x": 1}]}},
                    pd.DataFrame({"x": [1]}),
                    None,
                    "chart",
                ]
            )
        )

        def check(html):
            assert isinstance(html, str)
            assert "mlkit-chart-" in html
            if not state:
                assert "vegaEmbed" in html

        call("mlkit.charts.to_html", charts.to_html, chart, check=check)
    finally:
        alt.renderers.enable(renderer)
        charts._state["offline"] = offline
