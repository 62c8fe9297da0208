"""Generated input for mlkit.monitoring: drift per column, over time, of scores, of
all columns at once, label shift, performance before labels, the production
stream and the sensitivity simulation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from mlkit import monitoring
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import (
    call,
    fuzz_settings,
    fuzzes,
    has_columns,
    in_unit_interval,
)

ALPHA = st.sampled_from([0.05] * 12 + [0.01, 0.5, 0, 1, -0.1, "0.05", True])
CORRECTION = st.sampled_from(["holm", "holm", "bonferroni", "bh", None, "fdr"])
#: Column kinds the drift functions compare; dates are refused on purpose.
DRIFT_KINDS = (
    "float",
    "float_clean",
    "float_clean",
    "int",
    "Int64",
    "Float64",
    "bool",
    "boolean",
    "str",
    "category",
    "constant",
)


def _unseen(n: int, seed: int) -> pd.Series:
    """A categorical column whose categories the reference never saw."""
    rng = np.random.default_rng(seed)
    return pd.Series(rng.choice(["nouveau", "新", "zzz"], n), dtype="category")


def frame_pair(
    data,
    *,
    kinds=DRIFT_KINDS,
    low: int = 0,
    high: int = 60,
    max_columns: int = 4,
    messy: bool = True,
):
    """Two frames with the same columns, each column of the same kind on both sides.

    Sometimes (``messy``) a column is all missing on one side, of another kind,
    a date, or holds categories unseen in the reference.
    """
    # Mostly rows on both sides: an empty frame is refused at once.
    floor = low if data.draw(st.integers(0, 9)) == 0 else max(low, 2)
    n_ref = gen.rows(data, floor, high)
    n_cur = gen.rows(data, floor, high)
    count = data.draw(st.integers(1, max_columns))
    names = data.draw(
        st.lists(
            st.sampled_from(list(gen.NAMES)),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    ref, cur = {}, {}
    for name in names:
        kind = data.draw(st.sampled_from(list(kinds)))
        ref[name] = gen.column(data, n_ref, kind)
        twist = (
            data.draw(
                st.sampled_from(
                    ["same"] * 24 + ["all_nan", "other", "date", "unseen", "unseen"]
                )
            )
            if messy
            else "same"
        )
        if twist == "all_nan":
            cur[name] = gen.column(data, n_cur, "all_nan")
        elif twist == "other":
            cur[name] = gen.column(data, n_cur, data.draw(st.sampled_from(gen.KINDS)))
        elif twist == "date":
            ref[name] = gen.column(data, n_ref, "datetime")
            cur[name] = gen.column(data, n_cur, "datetime")
        elif twist == "unseen":
            cur[name] = _unseen(n_cur, n_cur)
            if kind not in ("str", "category"):
                ref[name] = gen.column(data, n_ref, "category")
        else:
            cur[name] = gen.column(data, n_cur, kind)
    reference = pd.DataFrame(ref, index=pd.RangeIndex(n_ref))
    reference.index = gen.index(data, n_ref)
    current = pd.DataFrame(cur, index=pd.RangeIndex(n_cur))
    current.index = gen.index(data, n_cur)
    return reference, current


def _present(series: pd.Series) -> np.ndarray:
    return series.dropna().to_numpy(dtype="float64")


def check_report(reference, current):
    def check(result):
        t = result.table
        has_columns(t, monitoring.REPORT_COLUMNS)
        assert t["column"].tolist() == list(reference.columns)
        in_unit_interval(*t["p_value"], *t["p_adjusted"], *t["missing_p_value"])
        in_unit_interval(*t["missing_reference"], *t["missing_current"])
        assert (t["p_adjusted"] >= t["p_value"] - 1e-12).all()
        assert (t["psi"] >= -1e-12).all(), t["psi"]
        assert result.n_reference == len(reference)
        assert result.n_current == len(current)
        for _, row in t.iterrows():
            ref, cur = reference[row["column"]], current[row["column"]]
            assert row["n_reference"] == ref.notna().sum()
            assert row["n_current"] == cur.notna().sum()
            if row["test"] == "ks":
                in_unit_interval(row["statistic"])
                with warnings.catch_warnings():
                    # scipy warns where its exact p-value fails and it falls back
                    # to the asymptotic one, as mlkit does without a warning.
                    warnings.filterwarnings(
                        "ignore", "ks_2samp: Exact calculation unsuccessful"
                    )
                    expected = stats.ks_2samp(_present(ref), _present(cur))
                assert abs(row["statistic"] - expected.statistic) < 1e-9
                assert abs(row["p_value"] - expected.pvalue) < 1e-6
                assert row["wasserstein"] >= 0, row["wasserstein"]
            else:
                assert row["statistic"] >= 0

    return check


@fuzzes("mlkit.monitoring.drift_report")
@given(st.data())
@fuzz_settings(40)
def test_drift_report(data):
    reference, current = frame_pair(data)
    columns = data.draw(
        st.sampled_from(
            [None] * 5 + [list(reference.columns[:1])] * 2 + [["absent"], []]
        )
    )
    if isinstance(columns, list) and columns and columns != ["absent"]:
        checked_ref, checked_cur = reference[columns], current[columns]
    else:
        checked_ref, checked_cur = reference, current
    kwargs = {"alpha": data.draw(ALPHA), "correction": data.draw(CORRECTION)}
    if columns is not None:
        kwargs["columns"] = columns
    as_frames = data.draw(st.sampled_from([True] * 9 + [False]))
    call(
        "mlkit.monitoring.drift_report",
        monitoring.drift_report,
        reference if as_frames else reference.iloc[:, 0],
        current,
        check=check_report(checked_ref, checked_cur),
        **kwargs,
    )


def check_column(result):
    t = result.table
    has_columns(t, monitoring.DISTRIBUTION_COLUMNS)
    in_unit_interval(result.p_value, *t["reference_share"], *t["current_share"])
    row = result.report.table.iloc[0]
    assert t["reference_count"].sum() == row["n_reference"]
    assert t["current_count"].sum() == row["n_current"]
    assert abs(t["reference_share"].sum() - 1) < 1e-9
    assert abs(t["current_share"].sum() - 1) < 1e-9


@fuzzes("mlkit.monitoring.column_drift")
@given(st.data())
@fuzz_settings(40)
def test_column_drift(data):
    reference, current = frame_pair(data, max_columns=2)
    column = data.draw(st.sampled_from([*reference.columns] * 8 + ["absent"]))
    # One bad argument in about a fifth of the calls keeps most on the valid path.
    bins = data.draw(
        st.one_of(
            st.integers(2, 30),
            st.sampled_from([20] * 16 + [1, 0, 2.5, "10"]),
        )
    )
    alpha = data.draw(
        st.sampled_from([0.05] * 14 + [0.01, 0.5] + [0, 1, -0.1, "0.05", True])
    )
    call(
        "mlkit.monitoring.column_drift",
        monitoring.column_drift,
        reference,
        current,
        column,
        alpha=alpha,
        bins=bins,
        check=check_column,
    )


def check_over_time(result):
    t = result.table
    has_columns(
        t,
        ["window_start", "column", "statistic", "p_value", "p_adjusted", "psi"],
    )
    in_unit_interval(*t["p_value"], *t["p_adjusted"])
    assert (t["n_current"] >= 0).all()


@fuzzes("mlkit.monitoring.drift_over_time")
@given(st.data())
@fuzz_settings(30)
def test_drift_over_time(data):
    n = gen.rows(data, 0 if data.draw(st.integers(0, 9)) == 0 else 2)
    df = gen.frame(data, n, kinds=DRIFT_KINDS, max_columns=3)
    labelled = data.draw(st.booleans())
    if labelled:
        df["t"] = gen.container(
            data,
            np.asarray(
                data.draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)),
                dtype=int,
            ),
            kinds=["ndarray", "series"],
        )
        window = data.draw(st.sampled_from([None, None, None, "7D"]))
        reference = data.draw(st.sampled_from(["none", "none", "frame", "pair"]))
    else:
        df["t"] = gen.column(data, n, "datetime").to_numpy()
        if data.draw(st.booleans()):
            df["t"] = df["t"].fillna(pd.Timestamp("2024-03-01"))
        window = data.draw(
            st.sampled_from(["7D", "MS", "30D", "D", "7D", "30D", "bogus", 3, None])
        )
        reference = data.draw(
            st.sampled_from(["none", "none", "none", "pair", "pair", "frame", "bad"])
        )
    if reference == "none":
        ref = None
    elif reference == "frame":
        ref = df.drop(columns="t").iloc[: max(1, n // 2)].reset_index(drop=True)
    elif reference == "pair":
        ref = ("2024-01-01", "2024-03-01")
    else:
        ref = "2024-01-01"
    call(
        "mlkit.monitoring.drift_over_time",
        monitoring.drift_over_time,
        df,
        time_column=data.draw(st.sampled_from(["t", "t", "t", "absent"])),
        window=window,
        reference=ref,
        alpha=data.draw(ALPHA),
        correction=data.draw(CORRECTION),
        check=check_over_time,
    )


def scores_container(data, n):
    kind = data.draw(st.sampled_from(["proba"] * 6 + ["floats", "floats", "text"]))
    if kind == "proba":
        values = gen.probabilities(data, n)
    elif kind == "floats":
        values = gen.floats(data, n, nasty=data.draw(st.integers(0, 3)) == 0)
    else:
        values = np.array(["a"] * n, dtype=object)
    return gen.container(data, values)


def check_prediction(result):
    in_unit_interval(result.ks_statistic, result.p_value, result.share_p_value)
    assert result.psi >= -1e-12
    assert result.wasserstein >= 0
    shares = result.histogram.groupby("side")["share"].sum()
    assert np.allclose(shares, 1), shares
    has_columns(result.table, monitoring.PREDICTION_COLUMNS)


@fuzzes("mlkit.monitoring.prediction_drift")
@given(st.data())
@fuzz_settings(40)
def test_prediction_drift(data):
    threshold = data.draw(
        st.one_of(
            st.none(), st.floats(0, 1), st.sampled_from([0.5, 0.5, np.nan, "0.5", 2.0])
        )
    )
    call(
        "mlkit.monitoring.prediction_drift",
        monitoring.prediction_drift,
        scores_container(data, gen.rows(data, 1)),
        scores_container(
            data, gen.rows(data, 0 if data.draw(st.integers(0, 9)) == 0 else 1)
        ),
        threshold=threshold,
        alpha=data.draw(ALPHA),
        check=check_prediction,
    )


def check_performance(metrics, n_windows):
    def check(result):
        t = result.table
        has_columns(t, monitoring.PERFORMANCE_COLUMNS)
        in_unit_interval(*t["estimated"], *t["low"], *t["high"], *t["realised"])
        if n_windows is not None:
            assert len(t) == n_windows * len(set(metrics))

    return check


@fuzzes("mlkit.monitoring.estimate_performance")
@given(st.data())
@fuzz_settings(15)
def test_estimate_performance(data):
    # One argument wrong in about a third of the calls, the rest valid.
    wrong = data.draw(
        st.sampled_from(
            [None] * 10
            + ["empty", "proba", "threshold", "metrics", "n_bootstrap", "y_true"]
        )
    )
    n = 0 if wrong == "empty" else gen.rows(data, 1)
    proba = gen.probabilities(data, n, nasty=wrong == "proba")
    if wrong == "proba" and n:
        proba[data.draw(st.integers(0, n - 1))] = data.draw(
            st.sampled_from([np.nan, 1.5, -0.1])
        )
    windows = None
    n_windows = 1
    if data.draw(st.booleans()):
        raw = gen.labels(
            data,
            n,
            classes=data.draw(
                st.sampled_from(
                    [
                        (1, 2, 3),
                        ("a", "b"),
                        (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")),
                    ]
                )
            ),
        )
        windows = gen.container(
            data, raw, kinds=["ndarray", "list", "series", "category"]
        )
        n_windows = len(pd.unique(np.asarray(raw, dtype=object))) if n else 0
    y_true = None
    if data.draw(st.booleans()) or wrong == "y_true":
        y = gen.binary_labels(data, n).astype(float)
        if n and data.draw(st.booleans()):
            y[: n // 2] = np.nan
        if wrong == "y_true":
            y = data.draw(
                st.sampled_from(
                    [gen.labels(data, n, classes=("no", "yes")), y[:-1], y + 2]
                )
            )
        y_true = gen.container(data, y, kinds=["ndarray", "list", "series", "nullable"])
    metrics = data.draw(
        st.one_of(
            st.just(monitoring.PERFORMANCE_METRICS),
            st.lists(
                st.sampled_from(monitoring.PERFORMANCE_METRICS), min_size=1, max_size=3
            ),
        )
    )
    if wrong == "metrics":
        metrics = data.draw(st.sampled_from(["accuracy", ["nope"], []]))
    threshold = data.draw(st.one_of(st.floats(0, 1), st.sampled_from([0.5, 0.0, 1.0])))
    if wrong == "threshold":
        threshold = data.draw(st.sampled_from([1.5, np.nan, -0.1, "0.5"]))
    n_bootstrap = data.draw(st.sampled_from([0, 5, 20]))
    if wrong == "n_bootstrap":
        n_bootstrap = data.draw(st.sampled_from([-1, 2.0, "5"]))
    call(
        "mlkit.monitoring.estimate_performance",
        monitoring.estimate_performance,
        gen.container(data, proba, kinds=["ndarray", "list", "series", "series_index"]),
        threshold=threshold,
        windows=windows,
        y_true=y_true,
        metrics=metrics,
        n_bootstrap=n_bootstrap,
        random_state=gen.random_state(data),
        check=check_performance(
            [metrics] if isinstance(metrics, str) else list(metrics),
            n_windows if windows is not None else 1,
        ),
    )


def check_label_shift(result):
    t = result.table
    has_columns(t, monitoring.LABEL_SHIFT_COLUMNS)
    assert abs(t["source_prior"].sum() - 1) < 1e-9
    estimated = t["estimated_target_prior"]
    assert estimated.isna().all() or abs(estimated.sum() - 1) < 1e-9, estimated
    in_unit_interval(
        *estimated, *t["source_prior"], *t["em_prior"], *t["mean_proba_prior"]
    )
    assert (result.weights.dropna() >= 0).all()


@fuzzes("mlkit.monitoring.label_shift")
@given(st.data())
@fuzz_settings(30)
def test_label_shift(data):
    n = gen.rows(data, 0 if data.draw(st.integers(0, 9)) == 0 else 6)
    m = gen.rows(data, 0 if data.draw(st.integers(0, 9)) == 0 else 1)
    classes = data.draw(st.sampled_from([(0, 1), ("a", "b", "c"), (False, True)]))
    y = gen.labels(data, n, classes=classes, min_classes=len(classes))
    k = len(classes)

    def proba(rows):
        if k == 2 and data.draw(st.booleans()):
            return gen.container(
                data, gen.probabilities(data, rows), kinds=["ndarray", "list", "series"]
            )
        # Mostly the right class is likely, so the confusion matrix is invertible.
        raw = np.abs(gen.floats(data, rows * k, nasty=False).reshape(rows, k)) + 1e-9
        matrix = raw / raw.sum(axis=1, keepdims=True)
        if data.draw(st.integers(0, 19)) == 0 and rows:
            matrix[0, 0] = np.nan
        return matrix if data.draw(st.booleans()) else pd.DataFrame(matrix)

    if n and data.draw(st.integers(0, 3)):
        # A model that is mostly right.
        codes = pd.Series(y).map({c: i for i, c in enumerate(classes)}).to_numpy()
        good = np.full((n, k), 0.2 / max(k - 1, 1))
        good[np.arange(n), codes] = 0.8
        good /= good.sum(axis=1, keepdims=True)
        source = good
    else:
        source = proba(n)
    labels = data.draw(st.sampled_from([None] * 6 + [list(classes), ["x"]]))
    call(
        "mlkit.monitoring.label_shift",
        monitoring.label_shift,
        gen.container(data, y, kinds=["ndarray", "list", "series", "category"]),
        source,
        proba(m),
        labels=labels,
        n_bootstrap=data.draw(st.sampled_from([0] * 5 + [10, 10, -1])),
        confidence=data.draw(st.sampled_from([0.95] * 8 + [0.5, 1.0, 0])),
        random_state=gen.random_state(data),
        check=check_label_shift,
    )


def check_multivariate(result):
    in_unit_interval(result.p_value)
    if result.method == "classifier":
        in_unit_interval(result.statistic)
    has_columns(result.table, monitoring.MULTIVARIATE_COLUMNS)
    in_unit_interval(*result.table["column_p_value"])


@fuzzes("mlkit.monitoring.multivariate_drift")
@given(st.data())
@fuzz_settings(15)
def test_multivariate_drift_mmd(data):
    reference, current = frame_pair(data, low=8, high=40, max_columns=3)
    call(
        "mlkit.monitoring.multivariate_drift",
        monitoring.multivariate_drift,
        reference,
        current,
        method=data.draw(st.sampled_from(["mmd"] * 8 + ["nope"])),
        alpha=data.draw(ALPHA),
        max_rows=data.draw(st.sampled_from([20_000, 20_000, 10, 5, 12.5])),
        n_permutations=data.draw(st.sampled_from([20, 20, 1, 0])),
        random_state=gen.random_state(data),
        check=check_multivariate,
    )


@fuzzes("mlkit.monitoring.multivariate_drift")
@given(st.data())
@fuzz_settings(5)
def test_multivariate_drift_classifier(data):
    reference, current = frame_pair(data, low=8, high=30, max_columns=2)
    call(
        "mlkit.monitoring.multivariate_drift",
        monitoring.multivariate_drift,
        reference,
        current,
        method="classifier",
        max_rows=data.draw(st.sampled_from([20_000, 12])),
        random_state=gen.random_state(data),
        check=check_multivariate,
    )


def check_stream(df, windows):
    def check(result):
        t = result.to_frame()
        has_columns(t, monitoring.STREAM_COLUMNS)
        assert len(t) == windows
        assert t["rows"].sum() == len(result.current)
        assert len(result.reference) + len(result.current) <= len(df)
        assert result.window_column in result.current.columns

    return check


@fuzzes("mlkit.monitoring.production_stream")
@given(st.data())
@fuzz_settings(30)
def test_production_stream(data):
    n = gen.rows(data, 0 if data.draw(st.integers(0, 9)) == 0 else 12)
    df = gen.frame(data, n, max_columns=3)
    time = data.draw(
        st.sampled_from([None, None, None, "datetime", "datetime", "number", "text"])
    )
    time_column = None
    if time is not None:
        time_column = "t"
        if time == "datetime":
            df["t"] = gen.column(data, n, "datetime").to_numpy()
            if data.draw(st.integers(0, 4)):
                df["t"] = df["t"].fillna(pd.Timestamp("2024-02-01"))
        elif time == "number":
            df["t"] = gen.floats(data, n, nasty=data.draw(st.integers(0, 4)) == 0)
        else:
            df["t"] = gen.column(data, n, "str").to_numpy()
    target_kind = data.draw(
        st.sampled_from([None, "binary", "bool", "numeric", "text", "multi"])
    )
    target = None
    if target_kind is not None:
        target = "target"
        if target_kind == "binary":
            df[target] = gen.binary_labels(data, n)
        elif target_kind == "bool":
            df[target] = gen.binary_labels(data, n).astype(bool)
        elif target_kind == "numeric":
            df[target] = gen.floats(data, n, nasty=False)
        elif target_kind == "text":
            df[target] = gen.labels(data, n, classes=("ham", "spam"))
        else:
            df[target] = gen.labels(data, n, classes=("a", "b", "c"))
    windows = data.draw(st.sampled_from([1, 2, 3, 4, 2, 3, 2, 3, 4, 0, 2.0]))
    inject = data.draw(
        st.sampled_from([None, "covariate", "label", "concept", "covariate", "other"])
    )
    column = data.draw(st.sampled_from([None] * 6 + [*df.columns, "absent"]))
    call(
        "mlkit.monitoring.production_stream",
        monitoring.production_stream,
        df,
        time_column=time_column,
        target=target,
        windows=windows,
        reference_share=data.draw(
            st.sampled_from([0.5] * 6 + [0.3, 0.3, 0.9, 0.0, 1.0, np.nan])
        ),
        inject=inject,
        column=column,
        strength=data.draw(st.sampled_from([1.0] * 6 + [0.0, 0.5, 3.0, -1.0, np.inf])),
        start_window=data.draw(
            st.sampled_from([None] * 8 + [1, 2, 9, 0, "2024-01-01", True])
        ),
        random_state=gen.random_state(data),
        check=check_stream(df, windows),
    )


def check_sensitivity(result):
    t = result.table
    has_columns(t, monitoring.SENSITIVITY_COLUMNS)
    in_unit_interval(*t["flagged_share"], *t["expected"])


@fuzzes("mlkit.monitoring.drift_sensitivity")
@given(st.data())
@fuzz_settings(5)
def test_drift_sensitivity(data):
    call(
        "mlkit.monitoring.drift_sensitivity",
        monitoring.drift_sensitivity,
        shift=data.draw(st.sampled_from([0.05, 0.0, 1.0, -0.1, np.nan])),
        sample_sizes=data.draw(
            st.sampled_from([(10,), (20, 50), 30, (5,), (), [10, 10]])
        ),
        n_columns=data.draw(st.sampled_from([(1,), (1, 3), 2, (0,), ("2",)])),
        tests=data.draw(
            st.sampled_from(
                [monitoring.SENSITIVITY_TESTS, ("ks",), "psi", ("nope",), ()]
            )
        ),
        alpha=data.draw(ALPHA),
        n_repeats=data.draw(st.sampled_from([2, 3, 1, 0])),
        random_state=gen.random_state(data),
        check=check_sensitivity,
    )
