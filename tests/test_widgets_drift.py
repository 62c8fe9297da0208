"""column_drift and the drift explorer over it."""

from __future__ import annotations

from html import unescape

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, ks_2samp

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.charts import GREY, PALETTE
from mlkit.monitoring import (
    DISTRIBUTION_COLUMNS,
    ColumnDrift,
    column_drift,
    drift_report,
    production_stream,
)
from mlkit.monitoring._column import OTHER, RANGE_QUANTILES
from mlkit.widgets import DriftExplorer


def _frames(n1: int = 1500, n2: int = 1200, seed: int = 0):
    """Reference and current data: numbers, whole numbers, text, booleans, gaps."""
    rng = np.random.default_rng(seed)

    def frame(n, shift):
        x = rng.normal(shift, 1, n)
        x[rng.random(n) < 0.03] = np.nan
        return pd.DataFrame(
            {
                "x": x,
                "count": rng.poisson(2 + shift, n),
                "wide": rng.lognormal(0, 1 + shift, n),
                "plan": rng.choice(["free", "pro", "team"], n, p=[0.6, 0.3, 0.1]),
                "flag": rng.random(n) < 0.3 + 0.1 * shift,
                "city": rng.choice([f"c{i}" for i in range(40)], n),
            }
        )

    return frame(n1, 0.0), frame(n2, 0.4)


# --------------------------------------------------------------------------- the test


@pytest.mark.parametrize("column", ["x", "count", "wide", "plan", "flag", "city"])
def test_the_test_is_drift_reports_row(column):
    ref, cur = _frames()
    result = column_drift(ref, cur, column, alpha=0.01)
    row = drift_report(ref, cur, columns=[column], alpha=0.01, correction=None).table
    pd.testing.assert_frame_equal(result.report.table, row)
    assert result.statistic == row.loc[0, "statistic"]
    assert result.p_value == row.loc[0, "p_value"]
    assert result.psi == row.loc[0, "psi"]
    assert result.drifted == (row.loc[0, "p_value"] <= 0.01)
    assert result.test == row.loc[0, "test"]
    assert result.alpha == 0.01
    # The same row as in the report of all the columns, before the correction.
    full = drift_report(ref, cur).table.set_index("column").loc[column]
    assert result.p_value == full["p_value"]
    assert result.statistic == full["statistic"]


@pytest.mark.parametrize("column", ["x", "count", "wide"])
def test_numbers_equal_scipys_ks_test(column):
    ref, cur = _frames()
    result = column_drift(ref, cur, column)
    expected = ks_2samp(ref[column].dropna(), cur[column].dropna())
    assert result.test == "ks"
    assert result.statistic == pytest.approx(expected.statistic, abs=1e-15)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("column", ["plan", "flag", "city"])
def test_categories_equal_scipys_chi_square_test(column):
    ref, cur = _frames()
    result = column_drift(ref, cur, column)
    table = pd.crosstab(
        np.repeat(["r", "c"], [len(ref), len(cur)]),
        pd.concat([ref[column], cur[column]], ignore_index=True),
    )
    expected = chi2_contingency(table.to_numpy())
    assert result.test == "chi2"
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)


# --------------------------------------------------------------------------- distributions


@pytest.mark.parametrize("bins", [2, 3, 10, 20, 37])
@pytest.mark.parametrize("column", ["x", "wide"])
def test_numeric_bins_come_from_the_reference(column, bins):
    ref, cur = _frames(seed=1)
    table = column_drift(ref, cur, column, bins=bins).to_frame()
    assert tuple(table.columns) == DISTRIBUTION_COLUMNS
    present = ref[column].dropna().to_numpy()
    low, high = np.quantile(present, RANGE_QUANTILES)
    edges = np.unique(np.linspace(low, high, bins - 1))
    cuts = np.concatenate([[-np.inf], edges, [np.inf]])
    assert len(table) == bins
    np.testing.assert_array_equal(table["lower"], cuts[:-1])
    np.testing.assert_array_equal(table["upper"], cuts[1:])
    for side, frame in (("reference", ref), ("current", cur)):
        values = frame[column].dropna()
        counts = pd.cut(values, cuts, right=False).value_counts(sort=False)
        np.testing.assert_array_equal(table[f"{side}_count"], counts.to_numpy())
        np.testing.assert_allclose(
            table[f"{side}_share"], counts.to_numpy() / len(values), rtol=1e-15
        )
    np.testing.assert_allclose(
        table["difference"], table["current_share"] - table["reference_share"]
    )
    # About 1 % of the reference in each open bin.
    assert table["reference_share"].iloc[0] == pytest.approx(0.01, abs=0.005)
    assert table["bin"].iloc[0].startswith("< ")
    assert table["bin"].iloc[-1].startswith("≥ ")


def test_whole_numbers_get_a_bin_each():
    ref, cur = _frames(seed=2)
    ref, cur = (
        ref.assign(count=ref["count"].clip(upper=9)),
        cur.assign(count=cur["count"].clip(upper=9)),
    )
    table = column_drift(ref, cur, "count", bins=20).to_frame()
    both = pd.concat([ref["count"], cur["count"]])
    values = np.arange(both.min(), both.max() + 1)
    assert table["bin"].tolist() == [str(v) for v in values]
    np.testing.assert_array_equal(table["lower"], values)
    np.testing.assert_array_equal(
        table["current_count"],
        cur["count"].value_counts().reindex(values, fill_value=0).to_numpy(),
    )


def test_categories_most_frequent_first_and_the_rest_pooled():
    ref, cur = _frames(seed=3)
    table = column_drift(ref, cur, "plan").to_frame()
    assert table["bin"].tolist() == ["free", "pro", "team"]
    np.testing.assert_allclose(
        table["reference_share"],
        ref["plan"].value_counts(normalize=True)[["free", "pro", "team"]],
    )
    assert table["lower"].isna().all()

    table = column_drift(ref, cur, "city", bins=10).to_frame()
    assert len(table) == 10
    assert table["bin"].iloc[-1] == OTHER
    pooled = (
        ref["city"].value_counts(normalize=True)
        + cur["city"].value_counts(normalize=True)
    ).sort_values(ascending=False, kind="stable")
    assert table["bin"].iloc[:9].tolist() == pooled.index[:9].tolist()
    assert table["reference_count"].sum() == len(ref)
    assert (
        table["current_count"].iloc[-1] == (~cur["city"].isin(pooled.index[:9])).sum()
    )
    # With as many categories as bins, nothing is pooled.
    assert OTHER not in column_drift(ref, cur, "city", bins=40).table["bin"].tolist()


def test_booleans_and_a_category_seen_only_now():
    ref, cur = _frames(seed=4)
    cur.loc[:99, "plan"] = "enterprise"
    table = column_drift(ref, cur, "plan").to_frame()
    new = table.set_index("bin").loc["enterprise"]
    assert new["reference_count"] == 0
    assert new["current_count"] == 100
    flags = column_drift(ref, cur, "flag").to_frame()
    assert sorted(flags["bin"]) == ["False", "True"]


def test_missing_values_are_left_out_of_the_shares_and_said():
    ref, cur = _frames(seed=5)
    result = column_drift(ref, cur, "x")
    assert result.table["reference_count"].sum() == ref["x"].notna().sum()
    assert "Missing: " in result.explain()


def test_a_constant_reference_gets_two_open_bins():
    ref = pd.DataFrame({"x": np.ones(50)})
    cur = pd.DataFrame({"x": np.r_[np.ones(25), np.full(25, 1.5)]})
    table = column_drift(ref, cur, "x").to_frame()
    assert table["bin"].tolist() == ["< 1", "≥ 1"]
    assert table["current_count"].tolist() == [0, 50]


def test_table_chart_and_explanation():
    ref, cur = _frames(seed=6)
    result = column_drift(ref, cur, "x", bins=12)
    assert isinstance(result, ColumnDrift)
    spec = result.chart().to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["xOffset"]["field"] == "sample"
    assert spec["encoding"]["color"]["scale"]["range"] == [GREY, PALETTE[0]]
    assert spec["encoding"]["y"]["title"] == "share of present values"
    data = next(iter(spec["datasets"].values()))
    assert len(data) == 24  # aggregated: one value per bin and sample
    title = spec["title"]
    assert title["text"] == "Distribution of x: reference and current"
    assert f"p = {result.p_value:.3g}" in title["subtitle"]
    assert "PSI" in title["subtitle"]
    text = result.explain()
    assert "Kolmogorov-Smirnov" in text
    assert "Chapter 8" in text
    html = result._repr_html_()
    assert "<table" in html
    assert "mlkit-chart" in html


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"column": "y"}, MlkitValueError, "'column' names 'y'"),
        ({"bins": 1}, MlkitValueError, "'bins' must be an int of at least 2"),
        ({"bins": 2.5}, MlkitTypeError, "'bins' must be an int"),
        ({"alpha": 2}, MlkitValueError, "'alpha' must be a number in"),
        ({"reference": [1]}, MlkitTypeError, "'reference' must be a pandas"),
    ],
)
def test_bad_input_is_refused_with_a_hint(kwargs, error, message):
    ref, cur = _frames()
    arguments = {"reference": ref, "current": cur, "column": "x", **kwargs}
    with pytest.raises(error, match=message) as info:
        column_drift(
            arguments.pop("reference"),
            arguments.pop("current"),
            arguments.pop("column"),
            **arguments,
        )
    assert "\nHint: " in str(info.value)


def test_the_callers_data_are_not_modified():
    ref, cur = _frames()
    before = ref.copy(), cur.copy()
    column_drift(ref, cur, "x")
    column_drift(ref, cur, "city", bins=5)
    pd.testing.assert_frame_equal(ref, before[0])
    pd.testing.assert_frame_equal(cur, before[1])


# --------------------------------------------------------------------------- explorer


def _weekly(seed: int = 0):
    ref, _ = _frames(seed=seed)
    rng = np.random.default_rng(seed + 100)
    parts = []
    for week, shift in ((1, 0.0), (2, 0.0), (3, 0.8)):
        _, part = _frames(n2=400, seed=seed + week)
        part["x"] = rng.normal(shift, 1, 400)
        parts.append(part.assign(week=week))
    return ref, pd.concat(parts, ignore_index=True)


def test_each_window_equals_column_drift_of_its_rows():
    ref, cur = _weekly()
    explorer = DriftExplorer(ref, cur, window_column="week")
    assert explorer.windows == [1, 2, 3]
    for week in (1, 2, 3):
        for column in ("x", "plan"):
            result = explorer.update(window=week, column=column)
            rows = cur[cur["week"] == week].drop(columns="week")
            expected = column_drift(ref, rows, column)
            pd.testing.assert_frame_equal(
                result.report.table, expected.report.table, check_exact=True
            )
            pd.testing.assert_frame_equal(result.table, expected.table)
            assert explorer.result is result


def test_it_starts_at_the_last_window_and_the_most_drifted_column():
    ref, cur = _weekly(seed=1)
    explorer = DriftExplorer(ref, cur, window_column="week")
    assert explorer.values == {"window": 3, "column": "x"}
    table = drift_report(
        ref, cur[cur["week"] == 3].drop(columns="week"), columns=list(ref.columns)
    ).table
    order = table.assign(minus=-table["psi"]).sort_values(["p_value", "minus"])
    assert explorer.ranking == order["column"].tolist()
    assert explorer.result.drifted
    assert not explorer.update(window=1).drifted
    explorer = DriftExplorer(
        ref, cur, window_column="week", window=2, column="plan", columns=["x", "plan"]
    )
    assert explorer.values == {"window": 2, "column": "plan"}
    assert explorer.controls["column"].options == ("x", "plan")


def test_without_windows_all_the_current_rows_are_one_window():
    ref, cur = _frames()
    explorer = DriftExplorer(ref, cur, bins=8, alpha=0.01)
    assert explorer.windows == ["all"]
    expected = column_drift(ref, cur, explorer.values["column"], bins=8, alpha=0.01)
    pd.testing.assert_frame_equal(explorer.result.table, expected.table)
    pd.testing.assert_frame_equal(explorer.result.report.table, expected.report.table)


def test_from_a_production_stream_with_times():
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            "t": pd.date_range("2024-01-01", periods=2000, freq="h"),
            "x": rng.normal(size=2000),
            "c": rng.choice(list("abc"), 2000),
            "y": rng.integers(0, 2, 2000),
        }
    )
    stream = production_stream(
        df, time_column="t", target="y", windows=4, inject="covariate", column="x"
    )
    explorer = DriftExplorer.from_stream(stream)
    assert explorer.windows == stream.windows
    assert explorer.controls["column"].options == ("x", "c", "y")
    window = stream.windows[0]
    result = explorer.update(window=window, column="c")
    expected = column_drift(stream.reference, stream.window(window), "c")
    pd.testing.assert_frame_equal(result.report.table, expected.report.table)
    assert str(window) in explorer._status(result)
    with pytest.raises(MlkitTypeError, match="'stream' must be a ProductionStream"):
        DriftExplorer.from_stream(df)


def test_status_line():
    ref, cur = _weekly(seed=2)
    explorer = DriftExplorer(ref, cur, window_column="week")
    result = explorer.update(window=3, column="x")
    status = explorer._status(result)
    assert status.startswith("window 3, column 'x': KS statistic ")
    assert f"p-value {result.p_value:.3g}" in status
    assert "drifted: yes" in status
    assert "drifted: no" in explorer._status(explorer.update(window=1, column="x"))
    assert "chi-square" in explorer._status(explorer.update(column="plan"))


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ({"window": 4}, MlkitValueError, r"'window' must be one of \[1, 2, 3\]"),
        ({"column": "week"}, MlkitValueError, "'column' must be one of"),
        ({"bins": 5}, MlkitValueError, "has no control named"),
    ],
)
def test_bad_control_values_change_nothing(values, error, message):
    ref, cur = _weekly()
    explorer = DriftExplorer(ref, cur, window_column="week")
    before = explorer.result
    with pytest.raises(error, match=message) as info:
        explorer.update(**values)
    assert "\nHint: " in str(info.value)
    assert explorer.result is before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"reference": "ref"}, MlkitTypeError, "'reference' must be a pandas"),
        ({"window_column": "day"}, MlkitValueError, "'window_column' names 'day'"),
        ({"columns": ["x", "z"]}, MlkitValueError, "'columns' names 'z'"),
        ({"columns": []}, MlkitValueError, "'columns' is empty"),
        ({"window": 9}, MlkitValueError, "'window' must be one of"),
        ({"column": "zz"}, MlkitValueError, "'column' must be one of"),
        ({"bins": 0}, MlkitValueError, "'bins' must be an int"),
        ({"alpha": 0}, MlkitValueError, "'alpha' must be a number"),
    ],
)
def test_bad_constructor_input_is_refused(kwargs, error, message):
    ref, cur = _weekly()
    arguments = {"reference": ref, "current": cur, "window_column": "week", **kwargs}
    with pytest.raises(error, match=message) as info:
        DriftExplorer(arguments.pop("reference"), arguments.pop("current"), **arguments)
    assert "\nHint: " in str(info.value)


def test_windows_without_labels_and_frames_without_shared_columns_are_refused():
    ref, cur = _weekly()
    cur.loc[5, "week"] = np.nan
    with pytest.raises(MlkitValueError, match="1 rows without a window label"):
        DriftExplorer(ref, cur, window_column="week")
    with pytest.raises(MlkitValueError, match="share no column"):
        DriftExplorer(ref[["x"]], cur[["plan"]])


def test_the_explorer_keeps_its_own_copy():
    ref, cur = _weekly()
    before = ref.copy(), cur.copy()
    explorer = DriftExplorer(ref, cur, window_column="week")
    explorer.update(window=2, column="plan")
    pd.testing.assert_frame_equal(ref, before[0])
    pd.testing.assert_frame_equal(cur, before[1])
    shown = explorer.result.report.table.copy()
    cur.loc[:, "plan"] = "free"
    explorer.update(window=1)
    pd.testing.assert_frame_equal(
        explorer.update(window=2).report.table, shown, check_exact=True
    )


def test_static_fallback_and_widget():
    ref, cur = _weekly(seed=3)
    cur.loc[cur["week"] == 2, "wide"] = np.nan  # a window with no values there
    explorer = DriftExplorer(ref, cur, window_column="week")
    bundle = explorer._repr_mimebundle_()
    assert "<table" in bundle["text/html"]
    assert "mlkit-chart" in bundle["text/html"]
    box = explorer.widget()
    assert explorer.widget() is box
    assert list(explorer._inputs["window"].options) == [1, 2, 3]
    explorer._inputs["column"].value = "plan"  # what choosing a column does
    assert explorer.values["column"] == "plan"
    assert explorer.result.column == "plan"
    assert "column 'plan': chi-square" in unescape(explorer._status_html.value)
    explorer._inputs["window"].value = 1
    assert explorer.values == {"window": 1, "column": "plan"}
    explorer.update(window=2, column="x")
    # A column with no values in the chosen window: the error is shown instead.
    shown = explorer.result
    explorer._inputs["column"].value = "wide"
    status = unescape(explorer._status_html.value)
    assert "column 'wide' has no values in 'current'" in status
    assert "Hint:" in status
    assert explorer.result is shown
    explorer.update(window=3, column="wide")  # code moves the controls
    assert explorer._inputs["window"].value == 3
    assert explorer._inputs["column"].value == "wide"
