"""Tests for mlkit.features: log transforms, column kinds, why values are missing, and a
case's feature set.

The statistics of ``missing_values`` are compared with scipy and statsmodels, and its
verdicts with mechanisms planted in seeded synthetic data.
"""

from __future__ import annotations

import copy
import re

import altair as alt
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.preprocessing import FunctionTransformer
from statsmodels.stats.proportion import proportions_ztest

import mlkit as mk
from mlkit._exceptions import MlkitError, MlkitTypeError, MlkitValueError
from mlkit.features import (
    MECHANISM_EMPTY,
    MECHANISM_MAR,
    MECHANISM_NONE,
    MECHANISM_TARGET,
    MECHANISM_TOGETHER,
    PATTERNS,
    FeatureSet,
    MissingValues,
    case_features,
    infer_kinds,
    make_preprocessor,
    missing_values,
)

FRAUD_ENGINEERED = (
    "hour",
    "is_night",
    "is_weekend",
    "customer_tx_1h",
    "customer_tx_1d",
    "customer_tx_7d",
    "customer_mean_amount_30d",
    "amount_to_customer_mean",
    "terminal_tx_1d",
    "terminal_frauds_known_28d",
)
TABLE_COLUMNS = [
    "column",
    "kind",
    "missing",
    "share",
    "rate_missing",
    "rate_present",
    "p_value",
    "effect",
    "explained_by",
    "eta_squared",
    "mechanism",
    "suggestion",
]


@pytest.fixture(scope="module")
def fraud():
    """The fraud case and its 280k simulated payments, made once for the module."""
    case = mk.cases.load("fraud")
    return case, case.load_data()


@pytest.fixture(scope="module")
def fraud_features(fraud):
    case, data = fraud
    return case_features(case, data)


@pytest.fixture(scope="module")
def income():
    case = mk.cases.load("income")
    return case, case.load_data()


def standardised(values: np.ndarray) -> np.ndarray:
    """Median-imputed, then scaled to mean 0 and (population) standard deviation 1."""
    values = np.where(np.isnan(values), np.nanmedian(values), values)
    return (values - values.mean()) / values.std()


def dense(matrix) -> np.ndarray:
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)


def logged_columns(preprocessor) -> list[str]:
    """The columns an unfitted preprocessor takes ``log1p`` of, in its order."""
    numbers = {name: step for name, step, _ in preprocessor.transformers}["numbers"]
    first = numbers.steps[0][1]
    if not hasattr(first, "transformers"):  # no log step: imputer, then scaler
        return []
    return [
        column
        for _, step, columns in first.transformers
        if isinstance(step, FunctionTransformer) and step.func is np.log1p
        for column in columns
    ]


# --------------------------------------------------------------------------- log_columns


@pytest.mark.parametrize("as_dense", [True, False])
def test_log_columns_are_log1p_then_imputed_and_scaled(as_dense):
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame(
        {
            "amount": rng.lognormal(3, 1.5, n),
            "x": rng.normal(size=n),
            "visits": pd.array(rng.poisson(3, n), dtype="Int64"),
            "gain": rng.exponential(1000, n),
            "city": rng.choice(["north", "south"], n),
        }
    )
    df.loc[::17, "amount"] = np.nan
    df.loc[::13, "visits"] = pd.NA
    kinds = {
        "amount": "numeric",
        "x": "numeric",
        "visits": "integer",
        "gain": "numeric",
        "city": "category",
    }
    before = df.copy(deep=True)
    pre = make_preprocessor(
        kinds, log_columns=["amount", "visits"], min_frequency=1, dense=as_dense
    ).fit(df)
    names = pre.get_feature_names_out().tolist()
    out = dense(pre.transform(df))
    assert logged_columns(pre) == ["amount", "visits"]
    for column, log in [
        ("amount", True),
        ("x", False),
        ("gain", False),
        ("visits", True),
    ]:
        values = df[column].to_numpy(dtype="float64", na_value=np.nan)
        expected = standardised(np.log1p(values) if log else values)
        got = out[:, names.index(f"numbers__{column}")]
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, err_msg=column)
    # Without missing values the column is exactly StandardScaler(log1p(x)).
    gain = make_preprocessor({"gain": "numeric"}, log_columns=["gain"]).fit_transform(
        df
    )
    logs = np.log1p(df["gain"].to_numpy())
    np.testing.assert_allclose(
        gain[:, 0], (logs - logs.mean()) / logs.std(), rtol=0, atol=1e-12
    )
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("log_columns", [(), None])
def test_no_log_columns_means_no_log_step(log_columns):
    pre = make_preprocessor({"a": "numeric", "b": "integer"}, log_columns=log_columns)
    assert logged_columns(pre) == []
    df = pd.DataFrame({"a": [1.0, 10.0, 100.0], "b": [1, 2, 3]})
    np.testing.assert_allclose(
        pre.fit_transform(df)[:, 0], standardised(df["a"].to_numpy()), atol=1e-12
    )


@pytest.mark.parametrize(
    ("log_columns", "columns", "error", "message"),
    [
        (
            "amount",
            None,
            MlkitTypeError,
            r"'log_columns' must be a list of column names; got the string 'amount'",
        ),
        (["amount", "nope"], None, MlkitValueError, r"'log_columns' names 'nope'"),
        (
            ["amount"],
            ["city", "age"],
            MlkitValueError,
            r"'log_columns' names 'amount', which 'columns' does not",
        ),
        (
            ["city"],
            None,
            MlkitValueError,
            r"'log_columns' must name numeric or integer columns; got 'city' \(category\)",
        ),
        (["user"], None, MlkitValueError, r"got 'user' \(id\)"),
        (["note"], None, MlkitValueError, r"got 'note' \(text\)"),
    ],
)
def test_log_columns_refuse_bad_input_with_a_hint(log_columns, columns, error, message):
    kinds = {
        "amount": "numeric",
        "age": "integer",
        "city": "category",
        "user": "id",
        "note": "text",
    }
    with pytest.raises(error, match=message) as caught:
        make_preprocessor(kinds, columns, log_columns=log_columns)
    assert "'log_columns'" in str(caught.value)
    assert "Hint:" in str(caught.value)


# --------------------------------------------------------------------------- infer_kinds


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (pd.Series([1.5, np.nan]), "numeric"),
        (pd.Series([1.5, 2.0], dtype="float32"), "numeric"),
        (pd.array([1.5, None], dtype="Float64"), "numeric"),
        (pd.Series([1, 2], dtype="int64"), "integer"),
        (pd.array([1, None], dtype="Int64"), "integer"),
        (pd.Series([True, False]), "boolean"),
        (pd.array([True, None], dtype="boolean"), "boolean"),
        (pd.Categorical(["a", None]), "category"),
        (pd.Categorical([1, 2]), "category"),
        (pd.Series(["a", None], dtype="str"), "category"),
        (pd.Series(["a", 1], dtype=object), "category"),
        (pd.to_datetime(["2024-01-01", None]), "datetime"),
        (pd.to_datetime(["2024-01-01", "2024-02-01"]).tz_localize("UTC"), "datetime"),
    ],
    ids=lambda v: str(getattr(v, "dtype", v)),
)
def test_infer_kinds_of_each_dtype(values, kind):
    frame = pd.DataFrame({"col": values})
    assert infer_kinds(frame) == {"col": kind}
    assert infer_kinds(frame.iloc[:0]) == {"col": kind}  # no rows: the dtype decides


def test_infer_kinds_keeps_the_order_and_names_of_columns():
    frame = pd.DataFrame(
        {"t": pd.to_datetime(["2024-01-01"]), 3: [1.5], "b": [True], "c": ["x"]}
    )
    before = frame.copy(deep=True)
    kinds = infer_kinds(frame)
    assert list(kinds.items()) == [
        ("t", "datetime"),
        ("3", "numeric"),
        ("b", "boolean"),
        ("c", "category"),
    ]
    pd.testing.assert_frame_equal(frame, before)
    assert infer_kinds(pd.DataFrame()) == {}


@pytest.mark.parametrize(
    "values",
    [
        pd.to_timedelta(["1h", "2h"]),
        pd.period_range("2024-01", periods=2, freq="M"),
        np.array([1j, 2j]),
    ],
    ids=["timedelta", "period", "complex"],
)
def test_infer_kinds_refuses_a_dtype_of_no_kind(values):
    frame = pd.DataFrame({"wait": values, "n": [1.0, 2.0]})
    with pytest.raises(
        MlkitTypeError, match=r"'frame' has the column 'wait' of dtype \S+"
    ) as caught:
        infer_kinds(frame)
    assert str(frame["wait"].dtype) in str(caught.value)
    assert "Hint:" in str(caught.value)
    if "timedelta" in str(frame["wait"].dtype):
        assert ".dt.total_seconds()" in str(caught.value)


def test_infer_kinds_wants_a_frame():
    with pytest.raises(MlkitTypeError, match="'frame' must be a pandas DataFrame"):
        infer_kinds(pd.Series([1.0]))


# --------------------------------------------------------------------------- missing values: statistics


def survey(n: int = 3000, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Features of every kind with gaps, some related to a binary outcome, and it."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    region = rng.choice(["n", "s", "e", "w"], n)
    df = pd.DataFrame(
        {
            "region": pd.Categorical(region),
            "age": rng.normal(40, 12, n),
            "member": pd.array(rng.random(n) < 0.4, dtype="boolean"),
            "income": rng.lognormal(10, 1, n),
            "score": rng.normal(size=n),
            "code": pd.Series(rng.choice(["x", "y", "z"], n), dtype="str"),
            "row_id": [f"r{i}" for i in range(n)],  # too many values to explain
        }
    )
    df.loc[rng.random(n) < np.where(region == "n", 0.6, 0.05), "income"] = np.nan
    df.loc[rng.random(n) < 0.02 + 0.2 * y, "score"] = np.nan
    df.loc[rng.random(n) < 0.1, "age"] = np.nan
    df.loc[rng.random(n) < 0.15, "code"] = None
    df.loc[rng.random(n) < 0.08, "region"] = np.nan
    df.loc[rng.random(n) < 0.05, "member"] = pd.NA
    return df, y


def cohen_h(p1, p2):
    return np.abs(2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2)))


BINARY_TARGETS = {
    "0/1 ints": (lambda y: y.astype("int64"), None, 1),
    "booleans": (lambda y: y, None, True),
    "strings": (lambda y: np.where(y, "yes", "no"), "yes", "yes"),
    "categories": (
        lambda y: pd.Categorical(np.where(y, "churn", "stay")),
        "churn",
        "churn",
    ),
    "0/1 with gaps": (
        lambda y: np.where(np.arange(len(y)) % 11 == 0, np.nan, y),
        None,
        1,
    ),
}


@pytest.mark.parametrize("name", list(BINARY_TARGETS))
def test_binary_target_matches_a_pooled_two_proportion_z_test(name):
    make, positive_label, positive = BINARY_TARGETS[name]
    df, y = survey()
    df["target"] = make(y)
    result = missing_values(df, target="target", positive_label=positive_label)
    assert result.target_type == "binary"
    known = df["target"].notna().to_numpy()
    assert result.n_without_target == int((~known).sum())
    table = result.to_frame().set_index("column")
    assert set(table.index) == {"region", "age", "member", "income", "score", "code"}
    rows = df[known]
    is_positive = (rows["target"] == positive).astype("float64")
    for column, row in table.iterrows():
        missing = rows[column].isna()
        rates = is_positive.groupby(missing).mean()
        counts = is_positive.groupby(missing).agg(["sum", "count"])
        _, p_value = proportions_ztest(
            [counts.at[True, "sum"], counts.at[False, "sum"]],
            [counts.at[True, "count"], counts.at[False, "count"]],
        )
        assert row["rate_missing"] == pytest.approx(rates[True], rel=1e-12)
        assert row["rate_present"] == pytest.approx(rates[False], rel=1e-12)
        assert row["p_value"] == pytest.approx(p_value, rel=1e-9), column
        assert row["effect"] == pytest.approx(
            cohen_h(rates[True], rates[False]), rel=1e-12
        )
    # The planted relation is found, and only it.
    related = table["mechanism"].str.contains(MECHANISM_TARGET, regex=False)
    assert related[related].index.tolist() == ["score"]


def test_numeric_target_matches_welchs_t_test_and_cohens_d():
    df, y = survey()
    rng = np.random.default_rng(5)
    df["spend"] = rng.normal(50, 10, len(df)) + 8 * y
    result = missing_values(df, target="spend")
    assert result.target_type == "regression"
    for _, row in result.to_frame().iterrows():
        missing = df[row["column"]].isna().to_numpy()
        a, b = df["spend"][missing], df["spend"][~missing]
        reference = stats.ttest_ind(a, b, equal_var=False)
        pooled = np.sqrt(
            ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1))
            / (len(a) + len(b) - 2)
        )
        assert row["p_value"] == pytest.approx(reference.pvalue, rel=1e-9)
        assert row["rate_missing"] == pytest.approx(a.mean(), rel=1e-12)
        assert row["rate_present"] == pytest.approx(b.mean(), rel=1e-12)
        assert row["effect"] == pytest.approx(
            abs(a.mean() - b.mean()) / pooled, rel=1e-9
        )


def test_class_target_matches_an_uncorrected_chi_squared_test():
    df, y = survey()
    rng = np.random.default_rng(6)
    classes = np.where(
        y,
        rng.choice(["a", "b", "c"], len(y), p=[0.6, 0.3, 0.1]),
        rng.choice(["a", "b", "c"], len(y)),
    )
    df["tier"] = classes
    result = missing_values(df, target="tier")
    assert result.target_type == "multiclass"
    for _, row in result.to_frame().iterrows():
        missing = df[row["column"]].isna()
        table = pd.crosstab(missing, df["tier"])
        reference = stats.chi2_contingency(table, correction=False)
        assert reference.dof == 2
        assert row["p_value"] == pytest.approx(reference.pvalue, rel=1e-9)
        shares = table.div(table.sum(axis=1), axis=0)
        h = cohen_h(shares.loc[True], shares.loc[False]).max()
        assert row["effect"] == pytest.approx(h, rel=1e-12)
        assert np.isnan(row["rate_missing"])
        assert np.isnan(row["rate_present"])


def test_two_classes_without_a_positive_label_give_the_z_tests_p_value():
    # Two string classes and no positive_label: a chi-squared test with one degree
    # of freedom, without Yates' correction, which is the pooled z-test squared.
    df, y = survey()
    df["target"] = np.where(y, "yes", "no")
    classes = missing_values(df, target="target").to_frame().set_index("column")
    binary = (
        missing_values(df, target="target", positive_label="yes")
        .to_frame()
        .set_index("column")
    )
    for column, row in classes.iterrows():
        table = pd.crosstab(df[column].isna(), df["target"])
        plain = stats.chi2_contingency(table, correction=False).pvalue
        assert row["p_value"] == pytest.approx(plain, rel=1e-9)
        assert row["p_value"] == pytest.approx(binary.loc[column, "p_value"], rel=1e-9)
        assert row["effect"] == pytest.approx(binary.loc[column, "effect"], rel=1e-12)


def test_eta_squared_is_the_share_of_the_indicators_variance_between_groups():
    df, _ = survey()
    result = missing_values(df)
    pairs = result.associations
    assert list(pairs.columns) == [
        "column",
        "explaining",
        "groups",
        "eta_squared",
        "together",
        "p_value",
    ]
    assert "row_id" not in set(pairs["explaining"])  # 3,000 values explain nothing
    assert len(pairs) == 6 * 5  # every column with gaps, by every other one
    for _, pair in pairs.iterrows():
        indicator = df[pair["column"]].isna().astype("float64")
        other = df[pair["explaining"]]
        if pd.api.types.is_float_dtype(other):
            # Quintiles, each closed on the left: a value on an edge goes up.
            edges = other.quantile([0.2, 0.4, 0.6, 0.8]).to_list()
            bins = pd.cut(other, [-np.inf, *edges, np.inf], right=False, labels=False)
            groups = bins.fillna(-1)
        else:
            groups = other.astype(object).where(other.notna(), "<missing>")
        assert pair["groups"] == groups.nunique()
        eta = indicator.groupby(groups).transform("mean").var(ddof=0) / indicator.var(
            ddof=0
        )
        together = indicator.groupby(other.isna()).transform("mean").var(
            ddof=0
        ) / indicator.var(ddof=0)
        assert pair["eta_squared"] == pytest.approx(eta, rel=1e-9, abs=1e-15)
        assert pair["together"] == pytest.approx(together, rel=1e-9, abs=1e-15)
        chi2 = stats.chi2_contingency(pd.crosstab(groups, indicator), correction=False)
        assert pair["p_value"] == pytest.approx(chi2.pvalue, rel=1e-9, abs=1e-300)
    # The table reports the best significant explainer: region, for income.
    income = result.to_frame().set_index("column").loc["income"]
    best = pairs[pairs["column"] == "income"].iloc[0]
    assert (income["explained_by"], best["explaining"]) == ("region", "region")
    assert income["eta_squared"] == best["eta_squared"]
    assert 0.2 <= income["eta_squared"] < 0.5
    assert income["mechanism"] == "partly explained by region"


# --------------------------------------------------------------------------- missing values: verdicts


def planted(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """One column per mechanism, planted in otherwise independent random data."""
    rng = np.random.default_rng(seed)
    channel = rng.choice(["shop", "online"], n)
    y = rng.random(n) < 0.25
    together = rng.random(n) < 0.1
    signup = pd.date_range("2023-01-01", periods=n, freq="h")
    # A count that is 0 for most customers: the days since their last purchase
    # exist only for those who bought.
    purchases = np.where(rng.random(n) < 0.85, 0, rng.integers(1, 20, n))
    return pd.DataFrame(
        {
            "channel": pd.Categorical(channel),
            "signup": signup,
            "purchases": purchases,
            # MAR: no distance to a terminal for an online payment.
            "distance": np.where(channel == "online", np.nan, rng.exponential(5, n)),
            # MAR on a date: the form lost the field for the last fifth of sign-ups.
            "referrer": np.where(
                signup >= signup[int(0.8 * n)],
                None,
                rng.choice(["ad", "friend", "search"], n),
            ),
            # MAR on a count that is mostly 0.
            "days_since_last": np.where(purchases == 0, np.nan, rng.exponential(30, n)),
            # Blank together: one form section skipped.
            "phone": np.where(together, None, rng.choice(["ios", "android"], n)),
            "email_domain": np.where(together, None, rng.choice(["a.com", "b.com"], n)),
            # Related to the target (MNAR-like): churners leave their income blank.
            "income": np.where(
                rng.random(n) < 0.02 + 0.4 * y, np.nan, rng.lognormal(10, 1, n)
            ),
            # No pattern (MCAR-like): random gaps.
            "age": np.where(rng.random(n) < 0.05, np.nan, rng.normal(40, 10, n)),
            "legacy_score": np.full(n, np.nan),
            "churn": y.astype("int64"),
        }
    )


PLANTED = {
    "distance": MECHANISM_MAR.format(column="channel"),
    "referrer": MECHANISM_MAR.format(column="signup"),
    "days_since_last": MECHANISM_MAR.format(column="purchases"),
    "phone": MECHANISM_TOGETHER.format(column="email_domain"),
    "email_domain": MECHANISM_TOGETHER.format(column="phone"),
    "income": MECHANISM_TARGET,
    "age": MECHANISM_NONE,
    "legacy_score": MECHANISM_EMPTY,
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_mechanisms_are_found(seed):
    df = planted(seed=seed)
    result = missing_values(df, target="churn")
    table = result.to_frame().set_index("column")
    assert table["mechanism"].to_dict() == PLANTED
    assert result.complete == ("channel", "signup", "purchases")
    explained = {
        "distance": "channel",
        "referrer": "signup",
        "days_since_last": "purchases",
        "phone": "email_domain",
        "email_domain": "phone",
    }
    assert table["explained_by"].dropna().to_dict() == explained
    np.testing.assert_allclose(
        table.loc[list(explained), "eta_squared"], 1.0, rtol=1e-12
    )
    assert "keep 'channel' as a feature" in table.loc["distance", "suggestion"]
    assert "missing indicator" in table.loc["income", "suggestion"]
    assert "drop it" in table.loc["legacy_score", "suggestion"]
    assert (
        table.loc["income", "rate_missing"] > 0.5 > table.loc["income", "rate_present"]
    )
    assert table["share"].is_monotonic_decreasing


def test_fraud_distance_is_missing_because_of_the_channel(fraud):
    _, data = fraud
    result = missing_values(data, target="is_fraud")
    table = result.to_frame()
    assert table["column"].tolist() == ["distance_km"]
    row = table.iloc[0]
    assert row["mechanism"].startswith(MECHANISM_MAR.format(column="channel"))
    assert row["explained_by"] == "channel"
    rates = data["is_fraud"].groupby(data["distance_km"].isna()).mean()
    assert row["rate_missing"] == pytest.approx(rates[True], rel=1e-12)
    assert row["rate_present"] == pytest.approx(rates[False], rel=1e-12)


# --------------------------------------------------------------------------- missing values: faces and input


def test_to_frame_chart_and_explain():
    df = planted()
    result = missing_values(df, target="churn")
    assert isinstance(result, MissingValues)
    frame = result.to_frame()
    assert list(frame.columns) == TABLE_COLUMNS
    frame.loc[0, "mechanism"] = "changed"
    assert result.to_frame().loc[0, "mechanism"] != "changed"  # a copy

    chart = result.chart()
    assert isinstance(chart, alt.Chart)
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["field"] == "column"
    assert spec["encoding"]["x"]["field"] == "share"
    assert spec["encoding"]["color"]["field"] == "why"
    assert spec["encoding"]["color"]["scale"]["domain"] == list(PATTERNS)
    (values,) = spec["datasets"].values()
    why = {row["column"]: row["why"] for row in values}
    assert why["distance"] == "explained by other columns"
    assert why["income"] == "related to the target"
    assert why["age"] == "no pattern found"

    text = result.explain()
    assert isinstance(text, str)
    assert "'distance': MAR: explained by channel (eta² 1.00)" in text
    assert "'income': related to the target (the positive rate is" in text
    assert "chapter 5" in text
    assert repr(result).startswith("<MissingValues: 8 of 11 column(s) have missing")


@pytest.mark.parametrize("target", [None, "y"])
def test_a_frame_without_gaps_gives_an_empty_table(target):
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": list("xyxy"), "y": [0, 1, 0, 1]})
    result = missing_values(df, target=target)
    frame = result.to_frame()
    assert frame.empty
    assert list(frame.columns) == TABLE_COLUMNS
    assert result.associations.empty
    checked = ("a", "b") if target else ("a", "b", "y")
    assert result.complete == checked
    assert result.explain().startswith(
        f"No missing value in the {len(checked)} column(s) checked."
    )
    assert "Found:" not in result.explain()
    chart = result.chart()
    assert isinstance(chart, alt.Chart)
    assert chart.to_dict()["mark"]["type"] == "text"


def test_the_callers_frame_is_unchanged():
    df, y = survey(n=600)
    df["when"] = pd.date_range("2024-01-01", periods=len(df), freq="D")
    df.loc[::7, "when"] = pd.NaT
    df["visits"] = pd.array(np.arange(len(df)) % 9, dtype="Int64")
    df.loc[::5, "visits"] = pd.NA
    df["target"] = np.where(y, "yes", "no")
    df.loc[::13, "target"] = None
    before = copy.deepcopy(df)
    missing_values(df, target="target", positive_label="yes")
    pd.testing.assert_frame_equal(df, before)


def test_missing_values_groups_a_column_with_infinite_values():
    # Quintiles of values that are infinite for a fifth of the rows or more:
    # numpy's interpolation gives NaN there, the quantile is the infinity.
    x = np.array([0.0, 1.0, 2.0, 0.5, 0.25, np.nan, np.inf, np.inf, np.inf, 3.0] * 4)
    # 'other' is missing exactly where 'x' is infinite: explained by 'x'.
    other = np.where(np.isinf(x), np.nan, np.arange(40.0))
    table = missing_values(pd.DataFrame({"x": x, "other": other})).to_frame()
    row = table.set_index("column").loc["other"]
    assert row["explained_by"] == "x"
    assert row["eta_squared"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            {"frame": "duplicated"},
            MlkitValueError,
            r"'df' has the column\(s\) 'a' more",
        ),
        (
            {"positive_label": 1},
            MlkitValueError,
            r"'positive_label' was given without 'target'",
        ),
        ({"alpha": 0}, MlkitValueError, r"'alpha' must be a number in \(0, 1\); got 0"),
        ({"alpha": 1}, MlkitValueError, r"'alpha' must be a number in \(0, 1\); got 1"),
        ({"alpha": 1.5}, MlkitValueError, r"'alpha' must be a number in \(0, 1\)"),
        ({"alpha": -0.01}, MlkitValueError, r"'alpha' must be a number in \(0, 1\)"),
        ({"alpha": float("nan")}, MlkitValueError, r"'alpha' must be a number"),
        ({"alpha": "0.01"}, MlkitTypeError, r"'alpha' must be a number in \(0, 1\)"),
        (
            {"min_effect": -0.1},
            MlkitValueError,
            r"'min_effect' must be a number in \[0, inf\)",
        ),
        ({"min_effect": "small"}, MlkitTypeError, r"'min_effect' must be a number"),
        (
            {"columns": "a"},
            MlkitTypeError,
            r"'columns' must be a list of column names; got the string 'a'",
        ),
        ({"columns": ["a", "q"]}, MlkitValueError, r"'columns' names 'q'"),
        ({"target": "z"}, MlkitValueError, r"'target' names 'z'"),
        (
            {"target": "y", "columns": ["a", "y"]},
            MlkitValueError,
            r"'columns' includes the target 'y'",
        ),
        (
            {"target": "y", "positive_label": 5},
            MlkitValueError,
            r"'positive_label' must be one of the values of 'y'",
        ),
        (
            {"target": "y", "positive_label": [1]},
            MlkitTypeError,
            r"'positive_label' must be a single label; got \[1\]",
        ),
    ],
)
def test_missing_values_refuses_bad_input_naming_the_argument(change, error, message):
    df = pd.DataFrame(
        {"a": [1.0, None, 3.0, 4.0], "b": list("xyxy"), "y": [0, 1, 0, 1]}
    )
    change = dict(change)
    if change.pop("frame", None) == "duplicated":
        df.columns = ["a", "a", "y"]
    with pytest.raises(error, match=message) as caught:
        missing_values(df, **change)
    assert isinstance(caught.value, MlkitError)
    assert "Hint:" in str(caught.value)


# --------------------------------------------------------------------------- case_features


def test_fraud_case_has_ten_engineered_numeric_columns(fraud, fraud_features):
    case, data = fraud
    fs = fraud_features
    assert isinstance(fs, FeatureSet)
    assert fs.engineered == FRAUD_ENGINEERED
    assert fs.columns == (*case.spec.feature_columns, *FRAUD_ENGINEERED)
    assert {c: fs.kinds[c] for c in fs.engineered} == dict.fromkeys(
        FRAUD_ENGINEERED, "numeric"
    )
    assert {c: fs.kinds[c] for c in data.columns} == dict(case.spec.data.schema)
    assert fs.data.index.equals(data.index)
    assert list(fs.data.columns) == [*data.columns, *FRAUD_ENGINEERED]
    pd.testing.assert_frame_equal(
        fs.data[list(FRAUD_ENGINEERED)], case.hooks.features(data), check_dtype=False
    )
    assert (fs.task, fs.target, fs.positive_label) == ("binary", "is_fraud", 1)
    assert repr(fs) == (
        f"<FeatureSet: {len(data):,} rows, {len(fs.columns)} inputs (10 engineered), "
        "target 'is_fraud' (binary)>"
    )


def test_income_case_has_no_engineered_columns(income):
    case, data = income
    fs = case_features(case, data)
    assert fs.engineered == ()
    assert fs.columns == tuple(case.spec.feature_columns)
    assert fs.kinds == dict(case.spec.data.schema)
    assert fs.positive_label == ">50K"
    assert list(fs.data.columns) == list(data.columns)


def test_data_may_be_a_subset_of_rows(fraud):
    case, data = fraud
    subset = data.iloc[::40]
    before = subset.copy(deep=True)
    fs = case_features(case, subset)
    assert fs.data.index.equals(subset.index)
    assert fs.X().index.equals(subset.index)
    assert fs.engineered == FRAUD_ENGINEERED
    # The hook ran on these rows only: a card's history counts the rows it is given.
    pd.testing.assert_frame_equal(
        fs.data[list(FRAUD_ENGINEERED)], case.hooks.features(subset), check_dtype=False
    )
    pd.testing.assert_frame_equal(subset, before)


@pytest.mark.parametrize("dropped", ["amount", "is_fraud"])
def test_data_missing_a_case_column_is_refused(fraud, dropped):
    case, data = fraud
    with pytest.raises(
        MlkitValueError,
        match=rf"'data' lacks the column\(s\) '{dropped}' of the case 'fraud'",
    ):
        case_features(case, data.head(100).drop(columns=dropped))


@pytest.fixture(scope="module")
def income_part(income):
    """Every tenth row of the income data: index labels are not positions."""
    case, data = income
    return case_features(case, data.iloc[::10])


def test_X_and_y_take_labels_and_boolean_masks(income_part):
    fs = income_part
    columns = list(fs.columns)
    labels = fs.data.index[[4, 2, 7]]
    assert labels.tolist() == [40, 20, 70]
    X = fs.X(labels)
    pd.testing.assert_frame_equal(X, fs.data.loc[labels, columns])
    expected = (fs.data.loc[labels, "income"] == ">50K").astype("int64")
    pd.testing.assert_series_equal(fs.y(labels), expected)
    mask = (fs.data["age"] > 50).to_numpy()
    pd.testing.assert_frame_equal(fs.X(mask), fs.data.loc[mask, columns])
    assert fs.y(mask).index.equals(fs.data.index[mask])
    y = fs.y()
    assert y.dtype == "int64"
    assert set(y.unique()) == {0, 1}
    assert y.sum() == (fs.data["income"] == ">50K").sum()
    X = fs.X()
    X.loc[
        X.index[0], "age"
    ] = -1  # a new frame: the feature set's data stay as they are
    assert fs.data["age"].iloc[0] != -1
    with pytest.raises(
        MlkitValueError, match="'rows' must be labels of the data's index"
    ):
        fs.X([1, 2, 3])  # positions, not labels
    with pytest.raises(MlkitValueError, match="'rows' must be labels"):
        fs.y(mask[:-1])


def test_without_drops_inputs_but_keeps_the_data(fraud_features):
    fs = fraud_features
    smaller = fs.without("hour", "amount")
    assert smaller.columns == tuple(
        c for c in fs.columns if c not in {"hour", "amount"}
    )
    assert smaller.engineered == FRAUD_ENGINEERED[1:]
    assert {"hour", "amount"} <= set(smaller.data.columns)
    assert smaller.data is fs.data
    assert "hour" in fs.columns  # the original is unchanged
    assert list(smaller.X(smaller.data.index[:3]).columns) == list(smaller.columns)
    for name in ["nope", "is_fraud"]:
        with pytest.raises(
            MlkitValueError, match=rf"'columns' names '{name}', which is not"
        ):
            fs.without(name)


def test_preprocessor_refuses_to_log_negative_values(income):
    case, data = income
    shifted = data.iloc[::10].assign(age=lambda d: d["age"] - 40)
    fs = case_features(case, shifted)
    below = int((shifted["age"] < 0).sum())
    assert below > 0
    with pytest.raises(
        MlkitValueError,
        match=rf"'log_columns' names 'age', which has {below:,} value\(s\) below 0 "
        r"\(the lowest is -23\)",
    ):
        fs.preprocessor(log_columns=["age"])
    pre = fs.preprocessor(log_columns=["capital_gain", "hours_per_week"], dense=True)
    assert logged_columns(pre) == ["capital_gain", "hours_per_week"]
    assert np.isfinite(pre.fit_transform(fs.X())).all()
    with pytest.raises(
        MlkitValueError, match=r"'log_columns' names 'fnlwgt', which 'columns'"
    ):
        fs.preprocessor(log_columns=["fnlwgt"])  # not a model input


def test_engineered_false_leaves_hook_columns_out(fraud):
    case, data = fraud
    fs = case_features(case, data, engineered=False)
    assert fs.engineered == ()
    assert fs.columns == tuple(case.spec.feature_columns)
    assert list(fs.data.columns) == list(data.columns)
    assert not set(FRAUD_ENGINEERED) & set(fs.kinds)


@pytest.mark.parametrize("engineered", [1, "yes", None])
def test_engineered_must_be_a_bool(fraud, engineered):
    case, data = fraud
    with pytest.raises(MlkitTypeError, match="'engineered' must be True or False"):
        case_features(case, data.head(100), engineered=engineered)


def test_engineered_is_checked_before_the_data_load(monkeypatch):
    def no_loading(self):
        raise AssertionError("the data were loaded before the arguments were checked")

    monkeypatch.setattr(mk.cases.Case, "load_data", no_loading)
    with pytest.raises(MlkitTypeError, match="'engineered' must be True or False"):
        case_features("fraud", engineered="yes")


BAD_HOOKS = {
    "a series": (
        'return df["temperature"]',
        MlkitTypeError,
        "returned Series, not a DataFrame",
    ),
    "another index": (
        'return pd.DataFrame({"t2": df["temperature"].to_numpy()}, index=df.index[::-1])',
        MlkitValueError,
        "on another index than the data's",
    ),
    "fewer rows": (
        'return pd.DataFrame({"t2": df["temperature"]}).head(10)',
        MlkitValueError,
        "returned 10 rows on another index",
    ),
    "an existing column": (
        'return pd.DataFrame({"temperature": df["temperature"] * 2})',
        MlkitValueError,
        "that the data already have: 'temperature'",
    ),
    "an unnamed column": (
        'return pd.DataFrame({0: df["units"]})',
        MlkitValueError,
        "column(s) without a name",
    ),
    "a column twice": (
        'return pd.concat([df[["units"]].rename(columns={"units": "u"})] * 2, axis=1)',
        MlkitValueError,
        "the column(s) 'u' more than once",
    ),
    "a duration": (
        'return pd.DataFrame({"lag": pd.to_timedelta(df["units"], unit="D")})',
        MlkitTypeError,
        "returned a column of no kind",
    ),
}


def with_features_hook(folder, body: str) -> None:
    hooks = folder / "hooks.py"
    hooks.write_text(hooks.read_text() + f"\n\ndef features(df):\n    {body}\n")


@pytest.mark.parametrize("name", list(BAD_HOOKS))
def test_a_hook_returning_a_bad_object_names_the_hooks_file(case_copy, name):
    body, error, message = BAD_HOOKS[name]
    folder = case_copy("demand")
    with_features_hook(folder, body)
    case = mk.cases.load(folder)
    with pytest.raises(error, match=re.escape(message)) as caught:
        case_features(case)
    assert str(caught.value).startswith(f"{case.hooks_file}: the features() hook ")
    assert "Hint:" in str(caught.value)


def test_a_hook_that_writes_to_its_input_leaves_the_callers_data(case_copy):
    folder = case_copy("demand")
    with_features_hook(
        folder,
        'df["units"] = 0\n    return pd.DataFrame({"warm": df["temperature"] > 15})',
    )
    case = mk.cases.load(folder)
    data = case.load_data()
    before = data.copy(deep=True)
    fs = case_features(case, data)
    assert fs.engineered == ("warm",)
    assert fs.kinds["warm"] == "boolean"
    pd.testing.assert_frame_equal(data, before)
    pd.testing.assert_series_equal(fs.data["units"], before["units"])
