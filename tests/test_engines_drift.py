"""drift_report on tables of polars, pyarrow, DuckDB and Dask, against the pandas path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.monitoring import (
    REPORT_COLUMNS,
    SKETCH_RELATIVE_WIDTH,
    DriftReport,
    _drift,
    drift_report,
)
from mlkit.monitoring._drift_engine import NESTED_ERROR
from tests._engine_tables import ENGINES, on_engine


def to_engine(df: pd.DataFrame, engine: str):
    return df if engine == "pandas" else on_engine(df, engine)


def few_values(n1: int, n2: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Columns with few distinct values: the exact path, with missing values."""
    rng = np.random.default_rng(seed)

    def side(n, shift, labels, p):
        rounded = np.round(rng.normal(shift, 1, n), 1)
        rounded[rng.random(n) < 0.1] = np.nan
        rounded[:2] = [np.inf, -np.inf] if shift else [np.inf, 0.0]
        counts = pd.array(rng.integers(0, 6, n), dtype="Int64")
        counts[rng.random(n) < 0.05] = pd.NA
        plan = rng.choice(labels, n, p=p).astype(object)
        plan[rng.random(n) < 0.08] = None
        flag = pd.array(rng.random(n) < 0.3 + shift, dtype="boolean")
        flag[rng.random(n) < 0.05] = pd.NA
        return pd.DataFrame(
            {
                "rounded": rounded,
                "small": rng.integers(0, 4, n),
                "counts": counts,
                "plan": pd.array(plan, dtype="string"),
                "flag": flag,
                "constant": np.full(n, 2.5),
                "negative": -rng.integers(0, 1000, n) / 8,
            }
        )

    ref = side(n1, 0.0, ["free", "pro", "team"], [0.6, 0.3, 0.1])
    # "enterprise" is never seen in the reference, "team" never in current data
    cur = side(n2, 0.2, ["free", "pro", "enterprise"], [0.5, 0.3, 0.2])
    return ref, cur


def assert_same_report(got: DriftReport, expected: DriftReport) -> float:
    """Every entry equal (numbers within rtol 1e-9, counts exactly); the largest rel. gap."""
    assert isinstance(got, DriftReport)
    assert list(got.table.columns) == list(REPORT_COLUMNS)
    assert (got.n_reference, got.n_current) == (
        expected.n_reference,
        expected.n_current,
    )
    assert (got.alpha, got.correction) == (expected.alpha, expected.correction)
    assert got.ks_error == {}
    worst = 0.0
    for name in REPORT_COLUMNS:
        a, b = got.table[name].to_numpy(), expected.table[name].to_numpy()
        if name in ("n_reference", "n_current"):
            assert a.tolist() == b.tolist(), name
        elif a.dtype.kind == "f":
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            np.testing.assert_allclose(a[~same], b[~same], rtol=1e-9, err_msg=name)
            if (~same).any():
                worst = max(worst, float(np.max(np.abs(a[~same] / b[~same] - 1))))
        else:
            assert a.tolist() == b.tolist(), name
    return worst


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("sides", ["both", "reference", "current"])
def test_exact_path_equals_pandas(engine, sides):
    ref, cur = few_values(700, 900, seed=3)
    before = ref.copy(), cur.copy()
    expected = drift_report(ref, cur, correction=None)
    ref_in = ref if sides == "current" else to_engine(ref, engine)
    cur_in = cur if sides == "reference" else to_engine(cur, engine)
    got = drift_report(ref_in, cur_in, correction=None)
    assert_same_report(got, expected)
    pd.testing.assert_frame_equal(ref, before[0])
    pd.testing.assert_frame_equal(cur, before[1])


def test_exact_path_covers_every_case():
    """The data of the tests above holds what they are meant to check."""
    ref, cur = few_values(700, 900, seed=3)
    table = drift_report(ref, cur, correction=None).table.set_index("column")
    assert table.loc["rounded", "wasserstein"] == np.inf  # -inf only in current
    assert table.loc["plan", "kind"] == "categorical"
    assert table.loc["flag", "kind"] == "categorical"
    assert table.loc["constant", "statistic"] == 0
    assert (table["missing_reference"] > 0).sum() == 4
    assert table["drifted"].any()
    assert not table["drifted"].all()


@pytest.mark.parametrize(
    ("reference", "current"),
    [("duckdb", "polars"), ("dask", "pyarrow"), ("polars-lazy", "duckdb")],
)
def test_two_engines(reference, current):
    ref, cur = few_values(300, 250, seed=5)
    expected = drift_report(ref, cur, columns=["plan", "rounded"], correction="bh")
    got = drift_report(
        to_engine(ref, reference),
        to_engine(cur, current),
        columns=["plan", "rounded"],
        correction="bh",
    )
    assert_same_report(got, expected)


@pytest.mark.parametrize("engine", ENGINES)
def test_pandas_categories_and_small_samples(engine):
    """Categorical dtypes, and samples small enough for scipy's exact p-values."""
    rng = np.random.default_rng(8)
    ref = pd.DataFrame(
        {
            "colour": pd.Categorical(rng.choice(["red", "blue"], 40)),
            "x": rng.integers(0, 9, 40).astype(float),
        }
    )
    cur = pd.DataFrame(
        {
            "colour": pd.Categorical(rng.choice(["red", "blue", "green"], 45)),
            "x": rng.integers(2, 9, 45).astype(float),
        }
    )
    expected = drift_report(ref, cur)
    got = drift_report(to_engine(ref, engine), to_engine(cur, engine))
    assert_same_report(got, expected)


def continuous(n1: int, n2: int, shift: float, seed: int, offset: float = 0.0):
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame({"x": offset + rng.normal(0, 1, n1)})
    cur = pd.DataFrame({"x": offset + rng.normal(shift, 1, n2)})
    return ref, cur


@pytest.fixture
def sketch(monkeypatch):
    """Every numeric column of more than 40 distinct values takes the histogram."""
    monkeypatch.setattr(_drift, "EXACT_DISTINCT", 40)


def assert_within_bounds(got: DriftReport, expected: DriftReport, ref, cur) -> None:
    t, e = got.table.set_index("column"), expected.table.set_index("column")
    for name, error in got.ks_error.items():
        d, exact = t.loc[name, "statistic"], e.loc[name, "statistic"]
        # The exact statistic lies in [reported, reported + error].
        assert d - 1e-12 <= exact <= d + error + 1e-12, (name, d, error, exact)
        assert error <= 0.02
        assert t.loc[name, "p_value"] >= e.loc[name, "p_value"] - 1e-12
        for column in ("n_reference", "n_current", "missing_reference"):
            assert t.loc[name, column] == e.loc[name, column]
        # Wasserstein: within the bin width times the mean distances to the centre
        present_ref = ref[name][np.isfinite(ref[name])]
        present_cur = cur[name][np.isfinite(cur[name])]
        m = present_ref.mean()
        bound = SKETCH_RELATIVE_WIDTH * (
            (present_ref - m).abs().mean() + (present_cur - m).abs().mean()
        )
        w, w_exact = t.loc[name, "wasserstein"], e.loc[name, "wasserstein"]
        if np.isfinite(w_exact):
            assert abs(w - w_exact) <= bound * (1 + 1e-9) + 1e-15, (w, w_exact, bound)
        else:
            assert w == w_exact
        assert t.loc[name, "psi"] == pytest.approx(e.loc[name, "psi"], abs=0.01)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("shift", [0.0, 0.3])
def test_sketch_bounds_the_exact_statistic(sketch, engine, shift):
    ref, cur = continuous(1500, 2000, shift, seed=11)
    expected = drift_report(ref, cur)
    got = drift_report(to_engine(ref, engine), to_engine(cur, engine))
    assert list(got.ks_error) == ["x"]
    assert_within_bounds(got, expected, ref, cur)
    assert got.drifted == expected.drifted == ([] if shift == 0 else ["x"])
    assert "ks_error" in got.explain()


@pytest.mark.parametrize(
    ("reference", "current"), [("pandas", "duckdb"), ("duckdb", "dask")]
)
def test_sketch_with_far_values_missing_and_infinities(sketch, reference, current):
    """Values far from zero are binned around the reference's mean; NaN and inf kept."""
    ref, cur = continuous(1200, 1000, 0.2, seed=12, offset=1e6)
    ref["y"] = np.r_[np.round(np.random.default_rng(1).normal(size=1200) * 5)]
    cur["y"] = np.r_[np.round(np.random.default_rng(2).normal(size=1000) * 5)]
    ref.loc[::9, "x"] = np.nan
    ref.loc[5, "x"] = np.inf
    cur.loc[[3, 4], "x"] = [np.inf, -np.inf]
    expected = drift_report(ref, cur)
    got = drift_report(to_engine(ref, reference), to_engine(cur, current))
    assert list(got.ks_error) == ["x"]  # "y" has few distinct values: exact
    assert got.table.loc[1, "statistic"] == expected.table.loc[1, "statistic"]
    assert_within_bounds(got, expected, ref, cur)
    assert got.table.loc[0, "wasserstein"] == np.inf
    assert got.drifted == expected.drifted == ["x"]


@pytest.mark.parametrize("engine", ["polars", "dask"])
def test_sketch_counts_zeros_apart(sketch, engine):
    """A mass of zeros, off the centre, is a bin of its own: a small error bound."""
    rng = np.random.default_rng(13)
    amounts = rng.exponential(50, 3000) * (rng.random(3000) < 0.6)
    ref, cur = pd.DataFrame({"x": amounts[:1400]}), pd.DataFrame({"x": amounts[1400:]})
    expected = drift_report(ref, cur)
    got = drift_report(to_engine(ref, engine), to_engine(cur, engine))
    assert got.ks_error["x"] < 0.005
    assert_within_bounds(got, expected, ref, cur)
    assert got.drifted == expected.drifted == []


def test_sketch_chosen_per_column_and_side(monkeypatch):
    """Exact only when both sides have at most EXACT_DISTINCT bins (of one value each)."""
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"x": rng.integers(0, 30, 500), "z": rng.normal(size=500)})
    cur = pd.DataFrame({"x": rng.integers(0, 60, 500), "z": rng.normal(size=500)})
    monkeypatch.setattr(_drift, "EXACT_DISTINCT", 45)
    assert list(drift_report(pl.from_pandas(ref), cur).ks_error) == ["x", "z"]
    monkeypatch.setattr(_drift, "EXACT_DISTINCT", 60)
    assert list(drift_report(pl.from_pandas(ref), cur).ks_error) == ["z"]


@pytest.mark.parametrize("engine", ["polars", "duckdb", "dask"])
def test_exact_when_each_bin_holds_one_value(engine):
    """Whole numbers get a bin each; 17 and 17.0001 share one, so that column is sketched."""
    rng = np.random.default_rng(6)

    def side(zeros, low, high):
        n = zeros + low + high
        return pd.DataFrame(
            {
                "whole": rng.integers(0, 1_000, n) + rng.integers(0, 2, n),
                # Centred on the reference's mean 13.60004, both at about 3.4:
                # 2**(1/1024) apart is 0.0023 there.
                "close": np.repeat([0.0, 17.0, 17.0001], [zeros, low, high]),
            }
        )

    ref, cur = side(600, 1200, 1200), side(400, 600, 1000)
    got = drift_report(to_engine(ref, engine), to_engine(cur, engine))
    expected = drift_report(ref, cur)
    assert list(got.ks_error) == ["close"]
    whole = got.table["column"] == "whole"
    # Not the corrected p-values: the correction sees the other column's too.
    own = ["statistic", "p_value", "psi", "wasserstein", "n_reference", "n_current"]
    pd.testing.assert_frame_equal(
        got.table.loc[whole, own],
        expected.table.loc[whole, own],
        check_exact=False,
        rtol=1e-12,
    )
    # The two values of one bin are told apart nowhere: the statistic may be low.
    close = got.table.set_index("column").loc["close"]
    exact = expected.table.set_index("column").loc["close"]
    assert close["statistic"] <= exact["statistic"] + 1e-12
    assert exact["statistic"] <= close["statistic"] + got.ks_error["close"] + 1e-12


def test_pandas_path_has_no_error_bound():
    ref, cur = continuous(100, 100, 0.0, seed=0)
    report = drift_report(ref, cur)
    assert report.ks_error == {}
    assert "ks_error" not in report.explain()


@pytest.mark.parametrize("engine", ["polars", "duckdb", "dask"])
def test_errors_name_the_argument(engine):
    ref, cur = few_values(50, 50, seed=0)
    e_ref, e_cur = to_engine(ref, engine), to_engine(cur, engine)
    with pytest.raises(MlkitValueError, match=r"(?s)'zz', which is not.*\nHint: "):
        drift_report(e_ref, e_cur, columns=["rounded", "zz"])
    # A number is a name too (pandas columns may be numbers): not one of these.
    with pytest.raises(MlkitValueError, match=r"(?s)'columns' names 3.*\nHint: "):
        drift_report(e_ref, e_cur, columns=3)
    with pytest.raises(MlkitValueError, match=r"(?s)no column to compare.*\nHint: "):
        drift_report(
            to_engine(ref[["small"]], engine), to_engine(cur[["plan"]], engine)
        )
    with pytest.raises(
        MlkitTypeError,
        match=r"(?s)column 'small' is numeric in 'reference' but.*\nHint: ",
    ):
        drift_report(
            e_ref, to_engine(cur.assign(small=cur["small"].astype(str)), engine)
        )
    with pytest.raises(
        MlkitValueError,
        match=r"(?s)column 'counts' has no values in 'current'.*\nHint: ",
    ):
        drift_report(e_ref, to_engine(cur.assign(counts=np.nan), engine))
    with pytest.raises(MlkitValueError, match=r"(?s)'reference' has no rows.*\nHint: "):
        drift_report(to_engine(ref.iloc[:0], engine), e_cur)
    with pytest.raises(MlkitTypeError, match=r"(?s)column 't' holds dates.*\nHint: "):
        drift_report(
            to_engine(ref.assign(t=pd.Timestamp("2024-01-01")), engine),
            to_engine(cur.assign(t=pd.Timestamp("2024-01-01")), engine),
            columns=["t"],
        )
    with pytest.raises(
        MlkitTypeError, match=r"(?s)'current' must be a pandas.*\nHint: "
    ):
        drift_report(e_ref, cur["small"])
    with pytest.raises(MlkitValueError, match=r"(?s)'alpha' must be.*\nHint: "):
        drift_report(e_ref, e_cur, alpha=5)
    with pytest.raises(MlkitValueError, match=r"(?s)'correction' must be one of"):
        drift_report(e_ref, e_cur, correction="fdr")


def test_nested_columns_are_refused():
    ref = pl.DataFrame({"tags": [["a"], ["b", "c"]], "x": [1.0, 2.0]})
    with pytest.raises(MlkitTypeError, match=r"(?s)column 'tags' holds List.*\nHint: "):
        drift_report(ref, ref)
    assert NESTED_ERROR.startswith("column {column!r} holds")
    assert drift_report(ref, ref, columns=["x"]).table.loc[0, "statistic"] == 0


def test_engine_tables_are_unchanged():
    ref, cur = few_values(100, 100, seed=1)
    table = pl.from_pandas(ref)
    before = table.clone()
    drift_report(table, pl.from_pandas(cur))
    assert table.equals(before)
