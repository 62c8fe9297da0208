"""Tests of mlkit.monitoring.production_stream: windows, planted shifts, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.monitoring import (
    STREAM_COLUMNS,
    ProductionStream,
    drift_report,
    production_stream,
)

SEEDS = (0, 1, 2)


def _data(n: int = 16_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = rng.normal(5, 3, size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(x - 1.5)))).astype(int)
    return pd.DataFrame(
        {
            "x": x,
            "z": z,
            "flag": rng.random(n) < 0.5,
            "plan": rng.choice(["free", "pro"], n),
            "y": y,
            "time": pd.date_range("2024-01-01", periods=n, freq="15min"),
        }
    )


def test_shuffled_stream_cuts_reference_and_equal_windows():
    df = _data(1000)
    before = df.copy()
    stream = production_stream(df, target="y", windows=4, reference_share=0.6)
    pd.testing.assert_frame_equal(df, before)
    assert isinstance(stream, ProductionStream)
    assert len(stream.reference) == 600
    assert stream.windows == [1, 2, 3, 4]
    assert stream.window_column == "window"
    assert stream.current["window"].tolist() == list(np.repeat([1, 2, 3, 4], 100))
    assert stream.shift["kind"] == "none"
    table = stream.to_frame()
    assert tuple(table.columns) == STREAM_COLUMNS
    assert table["rows"].tolist() == [100] * 4
    assert table["start"].tolist() == [0, 100, 200, 300]
    assert table["end"].tolist() == [100, 200, 300, 400]
    assert not table["shifted"].any()
    # Every row of df is used once, with its values.
    both = pd.concat([stream.reference, stream.current.drop(columns="window")])
    pd.testing.assert_frame_equal(
        both.sort_values("time").reset_index(drop=True), df, check_like=True
    )
    means = [stream.window(w)["y"].mean() for w in stream.windows]
    np.testing.assert_allclose(table["target_mean"], means)
    assert stream.reference_target_mean == pytest.approx(stream.reference["y"].mean())


def test_stream_is_deterministic_for_a_seed():
    df = _data(2000)
    a = production_stream(df, target="y", inject="covariate", random_state=3)
    b = production_stream(df, target="y", inject="covariate", random_state=3)
    c = production_stream(df, target="y", inject="covariate", random_state=4)
    pd.testing.assert_frame_equal(a.current, b.current)
    pd.testing.assert_frame_equal(a.reference, b.reference)
    assert not a.reference.equals(c.reference)


def test_time_stream_orders_rows_and_cuts_equal_spans():
    df = _data(4000).sample(frac=1, random_state=0)  # not in time order
    stream = production_stream(df, time_column="time", target="y", windows=5)
    assert stream.shift["kind"] == "natural"
    t0, t1 = df["time"].min(), df["time"].max()
    middle = t0 + (t1 - t0) / 2
    assert stream.reference["time"].max() < middle
    assert stream.reference["time"].is_monotonic_increasing
    assert len(stream.reference) + len(stream.current) == len(df)
    assert all(isinstance(w, pd.Timestamp) for w in stream.windows)
    assert stream.windows[0] == middle.floor("s")
    spans = np.diff([w.value for w in stream.windows])
    assert spans.max() - spans.min() <= 1e9  # equal to the second
    assert pd.api.types.is_datetime64_any_dtype(stream.current["window"])
    table = stream.to_frame()
    for _, row in table.iterrows():
        rows = stream.window(row["window"])
        assert len(rows) == row["rows"]
        assert (rows["time"] >= row["start"]).all()
        assert (rows["time"] <= row["end"]).all()
    assert stream.current["time"].is_monotonic_increasing


def test_numeric_time_and_a_taken_window_name():
    df = pd.DataFrame({"step": np.arange(200), "window": np.ones(200)})
    stream = production_stream(df, time_column="step", windows=4)
    assert stream.window_column == "stream_window"
    assert stream.windows == [99.5, 124.375, 149.25, 174.125]
    assert stream.to_frame()["rows"].sum() == 100


@pytest.mark.parametrize("seed", SEEDS)
def test_covariate_shift_is_seen_after_the_start_only(seed):
    df = _data(seed=seed)
    stream = production_stream(
        df, target="y", windows=8, inject="covariate", column="x", random_state=seed
    )
    assert stream.shift == {
        "kind": "covariate",
        "column": "x",
        "start_window": 5,
        "strength": 1.0,
        "detail": stream.shift["detail"],
    }
    assert stream.to_frame()["shifted"].tolist() == [False] * 4 + [True] * 4
    for w in stream.windows:
        report = drift_report(stream.reference, stream.window(w), columns=["x", "z"])
        p = report.table.set_index("column")["p_value"]
        if w >= 5:
            assert p["x"] < 1e-6
        else:
            assert p["x"] > 1e-3
        assert p["z"] > 1e-3  # the other feature does not move
    # P(y | x) is unchanged: the share of positives in bins of x matches.
    shifted = stream.current[stream.current["window"] >= 5]
    bins = [-np.inf, -1, 0, 1, np.inf]
    ref_rate = stream.reference.groupby(pd.cut(stream.reference["x"], bins))["y"].mean()
    cur_rate = shifted.groupby(pd.cut(shifted["x"], bins))["y"].mean()
    np.testing.assert_allclose(cur_rate, ref_rate, atol=0.06)


def test_default_column_is_the_widest_numeric_feature():
    df = _data(2000).assign(id=np.arange(2000))  # an id is never chosen
    stream = production_stream(df, target="y", inject="covariate")
    assert stream.shift["column"] == "z"
    assert stream.shift["start_window"] == 5


def test_default_column_with_huge_and_infinite_values_is_chosen_without_overflow():
    df = _data(400).assign(
        huge=np.tile([0.0, 1.0, 1e300, -1e300], 100),
        inf=np.tile([0.0, 1.0, 2.0, np.inf], 100),
    )
    stream = production_stream(df, target="y", inject="covariate")
    assert stream.shift["column"] == "huge"
    only_inf = _data(400)[["y", "flag"]].assign(
        inf=np.tile([0.0, 1.0, 2.0, np.inf], 100)
    )
    assert (
        production_stream(only_inf, target="y", inject="covariate").shift["column"]
        == "inf"
    )


def test_covariate_shift_of_text_moves_its_length():
    rng = np.random.default_rng(0)
    words = rng.integers(2, 30, 8000)
    df = pd.DataFrame({"comment": ["word " * int(k) for k in words]})
    stream = production_stream(df, windows=4, inject="covariate", random_state=0)
    assert stream.shift["column"] == "comment"
    length = stream.window(4)["comment"].str.len()
    assert length.mean() > stream.reference["comment"].str.len().mean() * 1.1
    assert "(its length)" in stream.shift["detail"]


@pytest.mark.parametrize("seed", SEEDS)
def test_label_shift_multiplies_the_positive_share(seed):
    df = _data(seed=seed)
    stream = production_stream(
        df, target="y", windows=8, inject="label", strength=1.0, random_state=seed
    )
    table = stream.to_frame()
    base = stream.reference_target_mean
    rows = table["rows"].to_numpy()
    after = table.loc[table["shifted"], "target_mean"]
    np.testing.assert_allclose(after, 2 * base, atol=1 / rows.min())
    before = table.loc[~table["shifted"], "target_mean"]
    sd = np.sqrt(base * (1 - base) / rows.min())
    assert np.all(np.abs(before - base) < 4 * sd)
    assert stream.shift["column"] == "y"
    # P(x | y) unchanged: the positives look the same as the reference's.
    late = stream.current[stream.current["window"] >= 5]
    positives = late[late["y"] == 1]["x"].drop_duplicates()
    assert ks_2samp(positives, stream.reference.query("y == 1")["x"]).pvalue > 1e-3


def test_label_shift_on_a_numeric_target_and_the_cap():
    df = _data(8000).assign(amount=lambda d: d["z"] * 2 + d["x"])
    stream = production_stream(
        df.drop(columns="y"), target="amount", windows=4, inject="label"
    )
    table = stream.to_frame()
    assert table.loc[table["shifted"], "target_mean"].min() > (
        table.loc[~table["shifted"], "target_mean"].max() + 0.5
    )
    capped = production_stream(df, target="y", windows=4, inject="label", strength=50)
    assert capped.to_frame()["target_mean"].iloc[-1] == pytest.approx(0.95, abs=0.01)
    assert "capped" in capped.shift["detail"]


def test_concept_shift_flips_the_target_and_leaves_the_features():
    df = _data(4000)
    plain = production_stream(df, target="y", windows=4, random_state=5)
    stream = production_stream(
        df, target="y", windows=4, inject="concept", column="x", random_state=5
    )
    features = ["x", "z", "flag", "plan", "time"]
    pd.testing.assert_frame_equal(stream.current[features], plain.current[features])
    median = plain.reference["x"].median()
    changed = (stream.current["y"] != plain.current["y"]).to_numpy()
    expected = (
        (plain.current["x"] > median) & (plain.current["window"] >= 3)
    ).to_numpy()
    np.testing.assert_array_equal(changed, expected)
    report = drift_report(
        stream.reference[features[:-1]], stream.window(4)[features[:-1]]
    )
    assert report.drifted == []


def test_concept_shift_on_a_numeric_target_scales_it():
    df = _data(4000).assign(amount=lambda d: d["z"] + 10)
    plain = production_stream(df, target="amount", windows=4, random_state=1)
    stream = production_stream(
        df,
        target="amount",
        windows=4,
        inject="concept",
        column="x",
        strength=0.5,
        random_state=1,
    )
    ratio = stream.current["amount"] / plain.current["amount"]
    above = (plain.current["x"] > plain.reference["x"].median()) & (
        plain.current["window"] >= 3
    )
    np.testing.assert_allclose(ratio[above], 1.5)
    np.testing.assert_allclose(ratio[~above], 1.0)


def test_start_window_by_number_or_label():
    df = _data(3000)
    stream = production_stream(df, target="y", inject="covariate", start_window=2)
    assert stream.to_frame()["shifted"].sum() == 7
    timed = production_stream(
        df, time_column="time", target="y", windows=4, inject="label"
    )
    label = timed.windows[3]
    again = production_stream(
        df,
        time_column="time",
        target="y",
        windows=4,
        inject="label",
        start_window=str(label),
    )
    assert again.shift["start_window"] == label
    assert again.to_frame()["shifted"].tolist() == [False, False, False, True]


def test_stream_display():
    stream = production_stream(_data(4000), target="y", inject="label")
    spec = stream.chart().to_dict()
    assert len(spec["vconcat"]) == 2
    marks = [layer["mark"]["type"] for layer in spec["vconcat"][0]["layer"]]
    assert marks[:2] == ["rect", "bar"]
    assert "rule" in marks  # the start of the planted shift
    text = stream.explain()
    assert text.startswith("A production stream of 8 windows")
    assert "label shift" in text
    assert "Chapter 8" in text
    assert repr(stream).startswith("<ProductionStream: A production stream")
    assert "<table" in stream._repr_html_()
    plain = production_stream(_data(400)[["x", "z"]], windows=3)
    assert len(plain.chart().to_dict()["vconcat"]) == 1
    assert "no shift" in plain.explain()


def test_stream_errors():
    df = _data(400)
    with pytest.raises(MlkitTypeError, match="must be a pandas DataFrame"):
        production_stream(df.to_numpy())
    with pytest.raises(MlkitValueError, match="'df' has no rows"):
        production_stream(df.iloc[:0])
    with pytest.raises(MlkitValueError, match=r"(?s)'target' names 'label'.*Hint"):
        production_stream(df, target="label")
    with pytest.raises(MlkitValueError, match="needs the target"):
        production_stream(df, inject="label")
    with pytest.raises(MlkitValueError, match="3 classes"):
        production_stream(
            df.assign(c=np.resize(["a", "b", "c"], 400)), target="c", inject="concept"
        )
    with pytest.raises(MlkitValueError, match="'column' 'y' is the target"):
        production_stream(df, target="y", inject="covariate", column="y")
    with pytest.raises(MlkitTypeError, match="holds categories"):
        production_stream(df, target="y", inject="covariate", column="plan")
    with pytest.raises(MlkitValueError, match="'inject' must be one of"):
        production_stream(df, target="y", inject="prior")
    with pytest.raises(MlkitTypeError, match="must hold datetimes or numbers"):
        production_stream(df, time_column="plan")
    with pytest.raises(MlkitValueError, match="missing time"):
        production_stream(
            df.assign(time=df["time"].where(df.index > 0)), time_column="time"
        )
    with pytest.raises(MlkitValueError, match="'start_window' must be"):
        production_stream(df, target="y", inject="label", start_window=9)
    with pytest.raises(
        MlkitValueError, match=r"'reference_share' must be a number in \(0, 1\)"
    ):
        production_stream(df, reference_share=1.0)
    with pytest.raises(MlkitValueError, match="'windows' must be an integer"):
        production_stream(df, windows=0)
    with pytest.raises(MlkitValueError, match="'strength' must be"):
        production_stream(df, target="y", inject="label", strength=-1)
    with pytest.raises(MlkitValueError, match="too few"):
        production_stream(df.iloc[:5], windows=8)
    with pytest.raises(MlkitValueError, match="one class in a shifted window"):
        production_stream(df.assign(y=0), target="y", inject="label")
    with pytest.raises(MlkitValueError, match="one of the stream's windows"):
        production_stream(df, windows=2).window(3)


def test_planted_shift_keeps_rows_unique_and_windows_comparable():
    df = _data(8000).assign(row=np.arange(8000))
    for inject in ("covariate", "label"):
        stream = production_stream(df, target="y", windows=4, inject=inject)
        assert not stream.current["row"].duplicated().any()
        rows = stream.to_frame()["rows"]
        assert rows.max() - rows.min() <= 0.05 * rows.max()
        assert "without replacement" in stream.shift["detail"]
    # No shift planted at strength 0: every row is kept.
    same = production_stream(df, target="y", windows=4, inject="covariate", strength=0)
    assert same.to_frame()["rows"].sum() == 4000
