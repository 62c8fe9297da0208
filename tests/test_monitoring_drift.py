"""Tests of mlkit.monitoring: drift_report and drift_over_time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance
from statsmodels.stats.multitest import multipletests

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.monitoring import (
    PSI_BINS,
    PSI_EPSILON,
    REPORT_COLUMNS,
    DriftOverTime,
    DriftReport,
    drift_over_time,
    drift_report,
)
from mlkit.monitoring._drift import adjust_p_values


def _frames(n1: int, n2: int, seed: int, *, ties: bool = False):
    rng = np.random.default_rng(seed)

    def numbers(n, shift):
        x = rng.normal(shift, 1, n)
        return np.round(x, 1) if ties else x

    ref = pd.DataFrame(
        {
            "a": numbers(n1, 0.0),
            "b": rng.integers(0, 5, n1),
            "c": rng.choice(["x", "y", "z"], n1),
            "d": rng.choice(["p", "q"], n1),
        }
    )
    cur = pd.DataFrame(
        {
            "a": numbers(n2, 0.2),
            "b": rng.integers(0, 6, n2),
            "c": rng.choice(["x", "y", "z", "w"], n2),
            "d": rng.choice(["p", "q"], n2, p=[0.3, 0.7]),
        }
    )
    return ref, cur


@pytest.mark.parametrize(
    ("n1", "n2", "ties"),
    [
        (5, 7, False),
        (20, 20, True),
        (37, 120, True),
        (300, 299, False),
        (1000, 2500, True),
        (9000, 10_000, False),
        (12_000, 3000, False),  # asymptotic p-value
        (15_000, 15_000, True),
    ],
)
def test_statistics_equal_scipy(n1, n2, ties):
    ref, cur = _frames(n1, n2, seed=n1 + n2, ties=ties)
    table = drift_report(ref, cur, correction=None).table.set_index("column")
    for name in ("a", "b"):
        expected = ks_2samp(ref[name], cur[name])
        assert table.loc[name, "test"] == "ks"
        assert table.loc[name, "statistic"] == pytest.approx(
            expected.statistic, abs=1e-12
        )
        assert table.loc[name, "p_value"] == pytest.approx(expected.pvalue, abs=1e-12)
        assert table.loc[name, "wasserstein"] == pytest.approx(
            wasserstein_distance(ref[name], cur[name]), rel=1e-12, abs=1e-14
        )
    for name in ("c", "d"):
        counts = pd.crosstab(
            np.r_[np.zeros(n1), np.ones(n2)], pd.concat([ref[name], cur[name]]).values
        ).to_numpy()
        expected = chi2_contingency(counts)
        assert table.loc[name, "test"] == "chi2"
        assert table.loc[name, "statistic"] == pytest.approx(
            expected.statistic, rel=1e-12, abs=1e-12
        )
        assert table.loc[name, "p_value"] == pytest.approx(expected.pvalue, abs=1e-12)
        assert np.isnan(table.loc[name, "wasserstein"])


def _psi(r, c):
    r = np.maximum(np.asarray(r, float) / np.sum(r), PSI_EPSILON)
    c = np.maximum(np.asarray(c, float) / np.sum(c), PSI_EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))


def test_psi_equals_the_direct_formula():
    ref, cur = _frames(800, 500, seed=3)
    table = drift_report(ref, cur).table.set_index("column")
    edges = np.unique(np.quantile(ref["a"], np.arange(1, PSI_BINS) / PSI_BINS))
    bins = np.arange(len(edges) + 1)
    r = np.bincount(np.searchsorted(edges, ref["a"], side="right"), minlength=len(bins))
    c = np.bincount(np.searchsorted(edges, cur["a"], side="right"), minlength=len(bins))
    assert table.loc["a", "psi"] == pytest.approx(_psi(r, c), abs=1e-12)
    levels = ["w", "x", "y", "z"]
    r = ref["c"].value_counts().reindex(levels, fill_value=0)
    c = cur["c"].value_counts().reindex(levels, fill_value=0)
    assert table.loc["c", "psi"] == pytest.approx(_psi(r, c), abs=1e-12)


@pytest.mark.parametrize("method", ["holm", "bonferroni", "bh"])
def test_corrections_equal_statsmodels(method):
    rng = np.random.default_rng(0)
    p = np.r_[rng.uniform(size=30), rng.uniform(0, 0.01, 10), [0.0, 1.0, 0.5, 0.5]]
    reject, corrected, *_ = multipletests(
        p, alpha=0.05, method={"bh": "fdr_bh"}.get(method, method)
    )
    ours = adjust_p_values(p, method)
    np.testing.assert_allclose(ours, corrected, atol=1e-12)
    np.testing.assert_array_equal(ours <= 0.05, reject)


def test_correction_none_and_report_columns():
    ref, cur = _frames(300, 300, seed=1)
    holm = drift_report(ref, cur).table
    none = drift_report(ref, cur, correction=None).table
    assert list(holm.columns) == list(REPORT_COLUMNS)
    np.testing.assert_array_equal(none["p_adjusted"], none["p_value"])
    assert (holm["p_adjusted"] >= holm["p_value"]).all()


def test_planted_shift_is_caught():
    rng = np.random.default_rng(7)
    n = 3000
    ref = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(20)})
    cur = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(20)})
    cur["x4"] += 0.2
    cur["x11"] += 0.3
    ref["cat"] = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    cur["cat"] = rng.choice(["a", "b", "c"], n, p=[0.4, 0.3, 0.3])
    report = drift_report(ref, cur)
    assert report.drifted == ["x4", "x11", "cat"]
    table = report.table.set_index("column")
    assert table.loc["x11", "wasserstein"] == pytest.approx(0.3, abs=0.05)


def test_false_positive_rate_with_holm_is_at_most_alpha():
    runs_with_drift = 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        ref = pd.DataFrame(rng.normal(size=(300, 20)))
        cur = pd.DataFrame(rng.normal(size=(300, 20)))
        runs_with_drift += bool(drift_report(ref, cur).drifted)
    assert runs_with_drift <= 10


def test_missing_values_are_left_out_and_their_change_flagged():
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"a": rng.normal(size=2000), "s": rng.choice(["u", "v"], 2000)})
    cur = pd.DataFrame({"a": rng.normal(size=2000), "s": rng.choice(["u", "v"], 2000)})
    cur.loc[cur.index[:600], "a"] = np.nan
    cur.loc[cur.index[:10], "s"] = None
    ref.loc[ref.index[:10], "s"] = None
    table = drift_report(ref, cur).table.set_index("column")
    present = cur["a"].dropna()
    expected = ks_2samp(ref["a"], present)
    assert table.loc["a", "p_value"] == pytest.approx(expected.pvalue, abs=1e-12)
    assert table.loc["a", "n_current"] == 1400
    assert table.loc["a", "missing_current"] == pytest.approx(0.3)
    assert table.loc["a", "missing_drift"]
    assert not table.loc["s", "missing_drift"]
    assert table.loc["s", "n_reference"] == 1990


def test_constant_columns_are_tested():
    ref = pd.DataFrame({"k": np.ones(50), "j": np.ones(50), "t": ["a"] * 50})
    cur = pd.DataFrame({"k": np.ones(40), "j": np.full(40, 2.0), "t": ["a"] * 40})
    table = drift_report(ref, cur, correction=None).table.set_index("column")
    assert table.loc["k", "statistic"] == 0
    assert table.loc["k", "p_value"] == 1
    assert table.loc["j", "statistic"] == 1
    assert table.loc["j", "p_value"] == pytest.approx(
        ks_2samp(ref["j"], cur["j"]).pvalue, abs=1e-12
    )
    assert table.loc["t", "statistic"] == 0
    assert table.loc["t", "p_value"] == 1


def test_kinds_and_input_types():
    ref = pd.DataFrame(
        {
            "i": [0, 1, 1, 0, 1],
            "b": [True, False, True, True, False],
            "cat": pd.Categorical(["a", "b", "a", "a", "b"]),
            "f": pd.array([1, 2, None, 4, 5], dtype="Int64"),
        }
    )
    kinds = drift_report(ref, ref.copy()).table.set_index("column")["kind"]
    assert kinds.to_dict() == {
        "i": "numeric",
        "b": "categorical",
        "cat": "categorical",
        "f": "numeric",
    }


def test_caller_frames_are_unchanged():
    ref, cur = _frames(200, 150, seed=4)
    ref.loc[3, "a"] = np.nan
    before = ref.copy(), cur.copy()
    drift_report(ref, cur)
    pd.testing.assert_frame_equal(ref, before[0])
    pd.testing.assert_frame_equal(cur, before[1])


def test_errors_name_the_column():
    ref, cur = _frames(50, 50, seed=0)
    with pytest.raises(MlkitValueError, match="has no rows"):
        drift_report(ref.iloc[:0], cur)
    with pytest.raises(MlkitTypeError, match="must be a pandas DataFrame"):
        drift_report(ref["a"], cur)
    with pytest.raises(MlkitValueError, match="no column to compare"):
        drift_report(ref[["a"]], cur[["b"]])
    with pytest.raises(MlkitValueError, match=r"(?s)'zz'.*Hint"):
        drift_report(ref, cur, columns=["a", "zz"])
    with pytest.raises(
        MlkitTypeError, match="column 'a' is numeric in 'reference' but"
    ):
        drift_report(ref, cur.assign(a=cur["a"].astype(str)))
    with pytest.raises(MlkitValueError, match="column 'b' has no values in 'current'"):
        drift_report(ref, cur.assign(b=np.nan))
    with pytest.raises(MlkitTypeError, match=r"column 't' holds dates.*\nHint"):
        drift_report(
            ref.assign(t=pd.Timestamp("2024-01-01")),
            cur.assign(t=pd.Timestamp("2024-01-01")),
        )
    with pytest.raises(MlkitValueError, match="'correction' must be one of"):
        drift_report(ref, cur, correction="fdr")
    with pytest.raises(MlkitValueError, match="'alpha' must be"):
        drift_report(ref, cur, alpha=5)


def test_report_display():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({f"col{i}": rng.normal(size=400) for i in range(50)})
    cur = pd.DataFrame({f"col{i}": rng.normal(size=400) for i in range(50)})
    cur["col7"] += 1
    report = drift_report(ref, cur)
    assert isinstance(report, DriftReport)
    spec = report.chart().to_dict()
    assert spec["layer"][0]["mark"]["type"] == "bar"
    assert spec["layer"][0]["encoding"]["x"]["field"] == "minus_log10_p"
    assert spec["layer"][1]["mark"]["type"] == "rule"
    text = report.explain()
    assert text.startswith("1 of 50 columns drifted")
    assert "Chapter 8" in text
    assert "PSI" in text
    assert repr(report).startswith("<DriftReport: 1 of 50 columns drifted")
    assert "<table" in report._repr_html_()
    assert report.to_frame() is not report.table


def _timed(seed: int = 0):
    rng = np.random.default_rng(seed)
    time = pd.date_range("2024-01-01", "2024-03-31 23:00", freq="6h")
    n = len(time)
    after = time >= "2024-02-12"
    df = pd.DataFrame(
        {
            "time": time,
            "x": rng.normal(size=n) + np.where(after, 1.0, 0.0),
            "y": rng.normal(size=n),
            "c": np.where(
                after,
                rng.choice(["a", "b"], n, p=[0.2, 0.8]),
                rng.choice(["a", "b"], n, p=[0.6, 0.4]),
            ),
        }
    )
    return df.sample(frac=1, random_state=1).reset_index(drop=True)


def test_drift_over_time_flags_windows_after_the_shift_only():
    df = _timed()
    before = df.copy()
    result = drift_over_time(df, time_column="time", window="7D")
    pd.testing.assert_frame_equal(df, before)
    assert isinstance(result, DriftOverTime)
    windows = sorted(result.table["window_start"].unique())
    flagged = result.drifted_windows
    assert flagged == [w for w in windows if w >= pd.Timestamp("2024-02-12")]
    t = result.table
    assert not t[(t["column"] == "y") & t["drifted"]].size
    assert list(t.columns[:3]) == ["window_start", "column", "kind"]


def test_drift_over_time_with_a_reference_pair_and_empty_windows():
    df = _timed()
    df = df[(df["time"] < "2024-01-20") | (df["time"] >= "2024-02-05")]
    result = drift_over_time(
        df, time_column="time", window="7D", reference=("2024-01-01", "2024-01-15")
    )
    assert result.reference == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-15"))
    assert result.table["window_start"].min() >= pd.Timestamp("2024-01-15")
    assert any("no rows" in note for note in result.notes)
    assert "Skipped" in result.explain()
    monthly = drift_over_time(df, time_column="time", window="MS")
    assert monthly.table["window_start"].dt.day.eq(1).all()


def test_drift_over_time_display_and_errors():
    result = drift_over_time(_timed(), time_column="time", window="7D")
    spec = result.chart().to_dict()
    assert spec["layer"][0]["mark"]["type"] == "line"
    assert spec["layer"][0]["encoding"]["y"]["field"] == "psi"
    text = result.explain()
    assert "drifted" in text
    assert "Chapter 8" in text
    assert "<table" in result._repr_html_()
    df = _timed()
    with pytest.raises(MlkitValueError, match="'window' must be a pandas offset"):
        drift_over_time(df, time_column="time", window="fortnight")
    with pytest.raises(MlkitTypeError, match="must hold datetimes"):
        drift_over_time(df, time_column="x", window="7D")
    with pytest.raises(MlkitValueError, match=r"reference window .* holds no rows"):
        drift_over_time(
            df, time_column="time", window="7D", reference=("2020-01-01", "2020-02-01")
        )


def test_drift_over_labelled_windows_against_reference_rows():
    rng = np.random.default_rng(0)
    labels = np.repeat(["w1", "w2", "w3", "w4"], 400)
    shift = np.repeat([0.0, 0.0, 0.8, 0.8], 400)
    df = pd.DataFrame({"window": labels, "x": rng.normal(size=1600) + shift})
    reference = pd.DataFrame({"x": rng.normal(size=2000)})
    result = drift_over_time(df, time_column="window", window=None, reference=reference)
    assert result.drifted_windows == ["w3", "w4"]
    assert result.reference is None
    assert result.window is None
    # Each window's row equals drift_report on that window against the same rows.
    direct = drift_report(reference, df[df["window"] == "w3"][["x"]]).table
    row = result.table[result.table["window_start"] == "w3"].iloc[0]
    assert row["p_value"] == direct["p_value"].iloc[0]
    assert "reference rows" in result.explain()
    result.chart().to_dict()


def test_labelled_windows_reject_bad_reference_and_missing_labels():
    df = pd.DataFrame({"window": [1, 1, 2, None], "x": [0.1, 0.2, 0.3, 0.4]})
    with pytest.raises(MlkitValueError, match="without a window label"):
        drift_over_time(df, time_column="window", window=None)
    good = df.dropna()
    with pytest.raises(MlkitTypeError, match="must be a DataFrame or None"):
        drift_over_time(good, time_column="window", window=None, reference=(1, 2))
    times = pd.DataFrame({"t": pd.date_range("2024", periods=4), "x": [1.0, 2, 3, 4]})
    with pytest.raises(MlkitTypeError, match="labelled windows only"):
        drift_over_time(times, time_column="t", window="2D", reference=times[["x"]])
