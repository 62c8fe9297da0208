"""Tests for the simulated ``fraud`` case: its spec, and the properties its notebooks use.

The notebooks on training data, labels, evaluation, monitoring and continual learning
rely on what these tests check: a rare positive class, weekly and daily cycles, a
changing mix of fraud scenarios, delayed labels, a shift point, and no raw feature that
gives fraud away on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import mlkit as mk

SCENARIOS = ["card_testing", "account_takeover", "compromised_terminal", "gift_cards"]
SHIFT = pd.Timestamp("2024-04-01")  # the start of month 4 (shift_month = 4)
MAX_SINGLE_FEATURE_AUC = 0.85


@pytest.fixture(scope="module")
def case():
    return mk.cases.load("fraud")


@pytest.fixture(scope="module")
def data(case):
    return case.load_data()


def single_feature_auc(y, score) -> float:
    """ROC-AUC of one score, in whichever direction ranks fraud higher."""
    auc = roc_auc_score(y, score)
    return max(auc, 1 - auc)


def numeric_auc(data, values: pd.Series) -> float:
    known = values.notna()
    return single_feature_auc(data["is_fraud"][known], values[known])


def category_auc(data, values: pd.Series) -> float:
    """AUC on the last 30 % of time of each category's fraud rate in the first 70 %."""
    early = data["timestamp"] < data["timestamp"].quantile(0.7)
    y = data["is_fraud"]
    rate = y[early].groupby(values[early], observed=False).mean()
    score = values[~early].map(rate).astype(float).fillna(y[early].mean())
    return single_feature_auc(y[~early], score)


# --------------------------------------------------------------------------- spec


def test_spec(case):
    spec = case.spec
    assert (spec.task, spec.target, spec.positive_label) == ("binary", "is_fraud", 1)
    assert (spec.time_column, spec.group_column, spec.text_column) == (
        "timestamp",
        None,
        None,
    )
    assert spec.sensitive_columns == ()
    assert spec.exclude_columns == ("scenario", "label_available_at")
    assert spec.feature_columns == (
        "amount",
        "channel",
        "merchant_category",
        "distance_km",
    )
    assert spec.costs.unit == "USD"
    assert spec.costs.false_positive < spec.costs.false_negative
    assert spec.costs.decision_threshold() == pytest.approx(5 / 105)
    assert (spec.prediction, spec.latency_budget_ms) == ("online", 50)
    assert spec.stages == mk.design.STAGE_SLUGS
    assert "How the data are simulated" in case.readme


def test_loads_with_its_schema_and_row_count(case, data):
    assert len(data) == case.spec.data.rows
    assert list(data.columns) == list(case.spec.data.schema)
    assert isinstance(data.index, pd.RangeIndex)
    assert data["timestamp"].is_monotonic_increasing
    assert data["transaction_id"].is_unique
    assert set(data["is_fraud"].unique()) == {0, 1}
    assert data[["amount", "timestamp", "customer_id"]].notna().all().all()
    assert (data["amount"] > 0).all()
    assert data["customer_id"].nunique() >= 2000
    assert data["terminal_id"].nunique() >= 2000


def test_deterministic_for_a_seed(case, data):
    # DataFrame.equals compares values and dtypes; assert_frame_equal is slow on
    # categorical columns of this size.
    assert case.load_data().equals(data)
    options = {"months": 1, "customers": 300, "terminals": 300}
    one = case.hooks.simulate(random_state=1, **options)
    pd.testing.assert_frame_equal(one, case.hooks.simulate(random_state=1, **options))
    assert not one.equals(case.hooks.simulate(random_state=2, **options))


def test_invalid_options_are_refused(case):
    with pytest.raises(ValueError, match="'months' must be at least 1"):
        case.hooks.simulate(months=0)
    with pytest.raises(ValueError, match="'shift_month' must be None"):
        case.hooks.simulate(shift_month=0)


# --------------------------------------------------------------------------- shape of the data


def test_rare_but_learnable_fraud(data):
    assert 0.001 <= data["is_fraud"].mean() <= 0.01
    assert data["is_fraud"].sum() >= 500


def test_spans_six_months(data):
    span = data["timestamp"].max() - data["timestamp"].min()
    assert pd.Timedelta(days=178) < span <= pd.Timedelta(days=182)
    assert data["timestamp"].min() >= pd.Timestamp("2024-01-01")
    assert data["timestamp"].max() < pd.Timestamp("2024-07-01")


def test_weekly_and_daily_cycles(data):
    by_weekday = data.groupby(data["timestamp"].dt.day_of_week).size()
    assert by_weekday.max() / by_weekday.min() > 1.5  # Saturdays against Sundays
    assert by_weekday.idxmax() == 5
    assert by_weekday.idxmin() == 6
    by_hour = data.groupby(data["timestamp"].dt.hour).size()
    assert by_hour.loc[2:4].mean() * 10 < by_hour.loc[11:19].mean()


def test_every_scenario_occurs_and_the_mix_changes(data):
    frauds = data[data["is_fraud"] == 1]
    mix = pd.crosstab(
        frauds["timestamp"].dt.month, frauds["scenario"].astype(str)
    ).reindex(columns=SCENARIOS, fill_value=0)
    assert (mix.sum() >= 100).all()
    # Card testing comes in campaigns: absent from some months, frequent in others.
    assert (mix["card_testing"] == 0).sum() >= 2
    assert mix["card_testing"].max() >= 50
    assert (mix.loc[: SHIFT.month - 1, "gift_cards"] == 0).all()
    share = mix.div(mix.sum(axis=1), axis=0)
    assert (share.max() - share.min()).min() > 0.15


def test_labels_arrive_late(data):
    delay = data["label_available_at"] - data["timestamp"]
    assert (delay > pd.Timedelta(0)).all()
    assert (delay <= pd.Timedelta(days=120)).all()
    fraud = data["is_fraud"] == 1
    # Legitimate transactions are known only when the dispute window closes.
    assert (delay[~fraud] == pd.Timedelta(days=120)).all()
    assert (delay[fraud] < pd.Timedelta(days=120)).mean() > 0.9
    assert pd.Timedelta(days=3) < delay[fraud].median() < pd.Timedelta(days=60)


def test_the_shift_point_is_real(data):
    after = data["timestamp"] >= SHIFT
    contactless = data["channel"] == "contactless"
    # The contactless limit rises from 50 to 100 USD.
    assert data.loc[contactless & ~after, "amount"].max() <= 50
    assert (data.loc[contactless & after, "amount"] > 50).mean() > 0.1
    # Card-present baskets grow.
    present = data["channel"] != "online"
    before_median = data.loc[present & ~after, "amount"].median()
    assert data.loc[present & after, "amount"].median() > 1.1 * before_median
    # A new fraud pattern in the online channel: gift cards in round amounts.
    online = data["channel"] == "online"
    fraud = data["is_fraud"]
    assert fraud[online & after].mean() > 1.3 * fraud[online & ~after].mean()
    round_amount = online & (data["amount"] >= 25) & (data["amount"] % 25 == 0)
    assert (round_amount & after).sum() > 10 * (round_amount & ~after).sum()
    assert fraud[round_amount & after].mean() > 0.8


def test_distance_is_missing_exactly_for_online_payments(data):
    online = data["channel"] == "online"
    assert data["distance_km"].isna().equals(online)
    assert (data.loc[~online, "distance_km"] >= 0).all()


# --------------------------------------------------------------------------- leakage


@pytest.mark.parametrize("feature", ["amount", "distance_km", "minute_of_day"])
def test_no_numeric_feature_predicts_fraud_on_its_own(data, feature):
    stamp = data["timestamp"]
    values = (
        stamp.dt.hour * 60 + stamp.dt.minute
        if feature == "minute_of_day"
        else data[feature]
    )
    assert numeric_auc(data, values) < MAX_SINGLE_FEATURE_AUC


@pytest.mark.parametrize("feature", ["channel", "merchant_category", "hour", "weekday"])
def test_no_categorical_feature_predicts_fraud_on_its_own(data, feature):
    stamp = data["timestamp"]
    values = {
        "hour": stamp.dt.hour,
        "weekday": stamp.dt.day_of_week,
    }.get(feature, data.get(feature))
    assert category_auc(data, values) < MAX_SINGLE_FEATURE_AUC


def test_scenario_is_a_perfect_proxy_and_is_excluded(case, data):
    assert ((data["scenario"] != "none") == (data["is_fraud"] == 1)).all()
    assert category_auc(data, data["scenario"]) == pytest.approx(1.0)
    assert "scenario" not in case.spec.feature_columns
    assert "label_available_at" not in case.spec.feature_columns


def test_behaviour_tells_fraud_apart(data):
    # Amounts far above the customer's own median mark account takeovers, and many
    # payments on one card within the hour mark card testing: neither is a raw column.
    median = data.groupby("customer_id")["amount"].transform("median")
    takeover = data["scenario"].isin(["account_takeover", "none"])
    ratio_auc = roc_auc_score(
        data.loc[takeover, "is_fraud"],
        np.log(data.loc[takeover, "amount"] / median[takeover]),
    )
    assert ratio_auc > 0.7
    hour = data["timestamp"].dt.floor("h")
    per_card_hour = data.groupby(["customer_id", hour])["amount"].transform("size")
    testing = data["scenario"].isin(["card_testing", "none"])
    assert roc_auc_score(data.loc[testing, "is_fraud"], per_card_hour[testing]) > 0.95
