"""Tests for the ``bikes`` case: its data, its spec, its hooks and the facts its README states.

The notebooks rely on what these tests check: hourly rows over two years with a time
column to split by, a target whose two halves are in the data (the leak mlkit's checks
must catch), the growth from 2011 to 2012 that the monitoring stage treats as a shift,
and a rule in use today that only looks at the past.
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

import mlkit as mk
from mlkit._io import sha256_file

ROWS = 17_379
LEAK = ["casual", "registered"]


@pytest.fixture(scope="module")
def case():
    return mk.cases.load("bikes")


@pytest.fixture(scope="module")
def data(case):
    return case.load_data()


@pytest.fixture(scope="module")
def parts(case, data):
    spec = case.spec
    return mk.splitting.split_for_deployment(
        data, task=spec.task, target=spec.target, time_column=spec.time_column
    )


def year(data, number):
    return data[data["timestamp"].dt.year == number]


# --------------------------------------------------------------------------- data


def test_loads_by_name_with_a_verified_checksum(case, data):
    assert case.verify() == case.spec.data.sha256 == sha256_file(case.data_file)
    assert data.shape == (ROWS, 18)
    assert list(data.columns) == list(case.spec.data.schema)
    assert "bikes" in mk.cases.available().query("problem == ''").index


def test_columns_have_their_declared_kinds(case, data):
    schema = case.spec.data.schema
    categories = ["season", "mnth", "hr", "weekday", "weathersit"]
    assert all(schema[c] == "category" for c in categories)
    assert all(isinstance(data[c].dtype, pd.CategoricalDtype) for c in categories)
    assert data["weathersit"].cat.categories.tolist() == ["1", "2", "3", "4"]
    assert data["hr"].nunique() == 24
    assert data["holiday"].dtype == bool
    assert data["workingday"].dtype == bool
    for column in ("temp", "atemp", "hum", "windspeed"):
        assert data[column].dtype == "float64"
        assert data[column].between(0, 1).all()  # normalised, see data/SOURCE.md
    for column in ("yr", "casual", "registered", "cnt"):
        assert data[column].dtype == "int64"
    assert pd.api.types.is_datetime64_any_dtype(data["timestamp"])
    assert pd.api.types.is_datetime64_any_dtype(data["dteday"])
    assert pd.api.types.is_string_dtype(data["instant"])
    assert not data.isna().any().any()


def test_target_is_the_sum_of_its_two_halves(data):
    assert (data["cnt"] == data["casual"] + data["registered"]).all()
    assert data["cnt"].min() == 1  # an hour without a rental has no row
    assert data["cnt"].sum() == 3_292_679


def test_timestamp_is_date_plus_hour_over_two_years(data):
    times = data["timestamp"]
    assert times.min() == pd.Timestamp("2011-01-01 00:00")
    assert times.max() == pd.Timestamp("2012-12-31 23:00")
    assert times.is_unique
    assert times.is_monotonic_increasing
    hours = pd.to_timedelta(data["hr"].astype(int), unit="h")
    pd.testing.assert_series_equal(
        data["dteday"] + hours, times, check_names=False, check_dtype=False
    )
    assert (data["yr"] == times.dt.year - 2011).all()
    # weekday counts from Sunday (0); the schema comment and SOURCE.md say so.
    assert ((data["weekday"].astype(int) + 6) % 7 == times.dt.day_of_week).all()
    assert data["dteday"].dt.normalize().nunique() == 731
    assert 731 * 24 - len(data) == 165  # hours without a row


def test_hurricane_sandy_closed_the_system(data):
    days = data.groupby(data["timestamp"].dt.normalize())["cnt"].agg(["size", "sum"])
    assert days.loc["2012-10-29"].tolist() == [1, 22]
    assert days.loc["2012-10-30"].tolist() == [11, 1096]
    assert days.loc["2012-10-22":"2012-10-27", "sum"].mean() > 7_000


# --------------------------------------------------------------------------- spec


def test_spec(case):
    spec = case.spec
    assert (spec.task, spec.target, spec.positive_label) == ("regression", "cnt", None)
    assert (spec.time_column, spec.group_column, spec.text_column) == (
        "timestamp",
        None,
        None,
    )
    assert spec.sensitive_columns == ()
    assert spec.exclude_columns == ("instant", "dteday", "casual", "registered")
    assert spec.feature_columns == (
        "season",
        "yr",
        "mnth",
        "hr",
        "holiday",
        "weekday",
        "workingday",
        "weathersit",
        "temp",
        "atemp",
        "hum",
        "windspeed",
    )
    assert spec.prediction == "batch"
    assert spec.latency_budget_ms is None
    assert spec.costs.as_kwargs() == {"cost_over": 1.0, "cost_under": 3.0}
    assert spec.costs.target_quantile() == pytest.approx(0.75)
    assert not spec.expectations
    assert spec.applies("fairness")
    assert spec.applies("monitoring")


def test_readme_and_source_carry_the_framing_and_the_licence(case):
    assert "batch" in case.readme_section("Requirements and constraints")
    assert "casual + registered" in case.readme_section(
        "The leak: `casual` and `registered`"
    )
    assert "Sandy" in case.readme_section("The shift: 2011 to 2012")
    assert "CC BY 4.0" in case.source
    assert "doi:10.1007/s13748-013-0040-3" in case.source
    assert case.spec.data.sha256 in case.source
    assert (case.path / "data" / "Readme.txt").is_file()


# --------------------------------------------------------------------------- the shift


def test_demand_grew_from_2011_to_2012(data):
    first, second = year(data, 2011), year(data, 2012)
    assert first["cnt"].sum() == 1_243_103
    assert second["cnt"].sum() == 2_049_576
    assert first["cnt"].mean() == pytest.approx(143.79, abs=0.01)
    assert second["cnt"].mean() == pytest.approx(234.67, abs=0.01)
    assert (first["cnt"].median(), second["cnt"].median()) == (109, 191)
    times = data["timestamp"]
    by_month = data["cnt"].groupby([times.dt.year, times.dt.month]).sum()
    growth = by_month[2012] / by_month[2011]
    assert growth.min() == pytest.approx(1.41, abs=0.01)  # June
    assert growth.max() == pytest.approx(2.57, abs=0.01)  # March


def test_drift_report_flags_the_year_over_year_shift(data):
    first, second = year(data, 2011), year(data, 2012)
    report = mk.monitoring.drift_report(first, second, columns=["cnt", "temp", "hum"])
    table = report.table.set_index("column")
    assert "cnt" in report.drifted
    assert table.loc["cnt", "statistic"] == pytest.approx(0.2165, abs=1e-4)
    assert table.loc["cnt", "psi"] > 0.2  # a major shift by the usual rule of thumb
    # The weather of the two years differs too, far less.
    assert table.loc["temp", "statistic"] < table.loc["cnt", "statistic"] / 3


def test_time_split_trains_on_the_past(parts):
    assert parts.strategy == "time"
    ends = [p["timestamp"].max() for p in (parts.train, parts.validation, parts.test)]
    assert ends == [
        pd.Timestamp("2012-03-15 13:00"),
        pd.Timestamp("2012-08-07 11:00"),
        pd.Timestamp("2012-12-31 23:00"),
    ]
    assert parts.test["cnt"].mean() > 1.5 * parts.train["cnt"].mean()


# --------------------------------------------------------------------------- the leak


def test_leakage_report_catches_the_target_halves(case, parts):
    spec = case.spec
    clean = list(spec.feature_columns)
    options = dict(target=spec.target, time_column=spec.time_column)
    honest = mk.splitting.leakage_report(
        parts.train, parts.test, columns=clean, **options
    )
    assert honest.ok, honest.findings
    leaky = mk.splitting.leakage_report(
        parts.train, parts.test, columns=[*clean, *LEAK], **options
    )
    assert not leaky.ok
    findings = leaky.findings
    proxy = findings[findings["check"] == "target proxy"]
    assert proxy["columns"].tolist() == ["registered"]
    assert (proxy["severity"] == "high").all()
    scores = leaky.scores.set_index("column")["score"]
    assert scores["registered"] > 0.98
    assert scores[clean].max() < 0.5


def test_feature_leaks_names_both_halves(case, parts):
    spec = case.spec
    columns = [*spec.feature_columns, *LEAK]
    train = parts.train.iloc[::4]  # a quarter of the rows is plenty for a linear model
    model = make_pipeline(
        mk.features.make_preprocessor(spec.data.schema, columns), Ridge()
    ).fit(train[columns], train[spec.target])
    held_out = parts.validation.iloc[::4]
    importance = mk.features.feature_importance(
        model,
        held_out[columns],
        held_out[spec.target],
        method="permutation",
        n_repeats=2,
        random_state=0,
    )
    leaks = mk.features.feature_leaks(importance)
    assert not leaks.ok
    flagged = leaks.findings[leaks.findings["check"] == "dominant importance"]
    assert sorted(flagged["feature"]) == LEAK
    shares = importance.global_importance.set_index("feature")["share"]
    assert shares[LEAK].sum() > 0.99


# --------------------------------------------------------------------------- hooks


def test_hooks_docstring_examples_run(case):
    hooks = case.hooks
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = finder.find(hooks, hooks.__name__, globs=dict(vars(hooks)))
    for test in tests:
        runner.run(test)
    assert runner.tries >= 2
    assert runner.failures == 0


def test_last_week_feature_uses_the_past_only(case, data):
    new = case.hooks.features(data)
    assert list(new.columns) == ["cnt_last_week"]
    assert new.index.equals(data.index)
    last_week = new["cnt_last_week"]
    # Brute force: look the hour a week earlier up; an hour without a row had no rental.
    counts = dict(zip(data["timestamp"], data["cnt"], strict=True))
    start = data["timestamp"].min()
    rng = np.random.default_rng(0)
    for i in rng.choice(len(data), 300, replace=False):
        then = data["timestamp"].iloc[i] - pd.Timedelta(days=7)
        expected = np.nan if then < start else counts.get(then, 0)
        assert last_week.iloc[i] == expected or (
            np.isnan(expected) and np.isnan(last_week.iloc[i])
        )
    assert last_week.isna().sum() == 161  # the first week's rows
    # Row order does not matter, and the caller's frame is left alone.
    before = data.copy()
    shuffled = case.hooks.features(data.sample(frac=1, random_state=0))
    pd.testing.assert_series_equal(shuffled["cnt_last_week"].loc[data.index], last_week)
    pd.testing.assert_frame_equal(data, before)


def test_changing_the_future_changes_no_feature(case, data):
    cut = pd.Timestamp("2012-06-01")
    future = data["timestamp"] >= cut
    changed = data.copy()
    changed.loc[future, "cnt"] = changed.loc[future, "cnt"] * 10
    # A forecast for an hour of day D is made on the evening of day D - 1.
    known = data["timestamp"] < cut + pd.Timedelta(days=7)
    original = case.hooks.features(data)["cnt_last_week"]
    pd.testing.assert_series_equal(
        case.hooks.features(changed)["cnt_last_week"][known], original[known]
    )


def test_existing_solution_is_last_weeks_count(case, data):
    fs = mk.features.case_features(case, data)
    assert fs.engineered == ("cnt_last_week",)
    assert fs.kinds["cnt_last_week"] == "numeric"
    rule = case.rule("existing_solution")
    predicted = rule(fs.data)
    known = fs.data["cnt_last_week"].notna().to_numpy()
    np.testing.assert_array_equal(
        predicted[known], fs.data["cnt_last_week"].to_numpy()[known]
    )
    assert np.isfinite(predicted).all()
    assert (predicted >= 0).all()
    # On 2012 it is unbiased and already a strong forecast (see the README).
    rows = fs.data["timestamp"].dt.year == 2012
    errors = predicted[rows] - fs.data.loc[rows, "cnt"]
    assert abs(errors.mean()) < 5
    cost = mk.evaluation.expected_cost(
        fs.data.loc[rows, "cnt"], predicted[rows], **case.spec.costs.as_kwargs()
    )
    assert cost == pytest.approx(123.3, abs=0.1)
