"""Tests for the case hooks used from the features notebook on: heuristics, the fraud
case's existing rules and its behavioural features.

The features must use each transaction's past only; the tests compare them with a
brute-force pandas computation and check that changing the future changes nothing.
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import mlkit as mk

SHIPPED = ["spam", "income", "fraud"]


@pytest.fixture(scope="module")
def fraud():
    case = mk.cases.load("fraud")
    data = case.hooks.simulate(random_state=3, months=2, customers=300, terminals=150)
    return case, data


@pytest.mark.parametrize("name", [*SHIPPED, "bikes"])  # bikes has no heuristic
def test_hooks_docstring_examples_run(name):
    hooks = mk.cases.load(name).hooks
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(hooks, hooks.__name__, globs=dict(vars(hooks))):
        runner.run(test)
    assert runner.failures == 0


@pytest.mark.parametrize("name", SHIPPED)
def test_heuristic_gives_one_label_per_row(name):
    case = mk.cases.load(name)
    data = case.load_data().head(500)
    before = data.copy()
    labels = case.hooks.heuristic(data)
    assert labels.shape == (len(data),)
    values = set(case.load_data()[case.spec.target].unique())
    assert set(np.unique(labels)) <= values
    pd.testing.assert_frame_equal(data, before)  # the caller's data untouched


def test_fraud_features_match_a_brute_force_computation(fraud):
    case, data = fraud
    shuffled = data.sample(frac=1, random_state=0)  # row order must not matter
    new = case.hooks.features(shuffled).loc[data.index]
    assert new.index.equals(data.index)
    rng = np.random.default_rng(0)
    for i in rng.choice(len(data), 150, replace=False):
        row = data.iloc[i]
        past = data[
            (data.customer_id == row.customer_id) & (data.timestamp < row.timestamp)
        ]
        recent = past[past.timestamp >= row.timestamp - pd.Timedelta("7D")]
        assert new.customer_tx_7d.iloc[i] == len(recent)
        month = past[past.timestamp >= row.timestamp - pd.Timedelta("30D")]
        np.testing.assert_allclose(
            new.customer_mean_amount_30d.iloc[i],
            month.amount.mean() if len(month) else np.nan,
        )
        known = data[
            (data.terminal_id == row.terminal_id)
            & (data.is_fraud == 1)
            & (data.label_available_at < row.timestamp)
            & (data.label_available_at >= row.timestamp - pd.Timedelta("28D"))
        ]
        assert new.terminal_frauds_known_28d.iloc[i] == len(known)


def test_fraud_features_ignore_the_future(fraud):
    case, data = fraud
    cut = data.timestamp.quantile(0.5)
    past = data.timestamp < cut
    changed = data.copy()
    future = ~past
    changed.loc[future, "amount"] = changed.loc[future, "amount"] * 10
    changed.loc[future, "is_fraud"] = 1 - changed.loc[future, "is_fraud"]
    pd.testing.assert_frame_equal(
        case.hooks.features(data)[past], case.hooks.features(changed)[past]
    )


def test_fraud_features_do_not_modify_the_data(fraud):
    case, data = fraud
    before = data.copy()
    case.hooks.features(data)
    pd.testing.assert_frame_equal(data, before)


def test_fraud_rules_catch_more_fraud_than_chance(fraud):
    case, data = fraud
    for rule in (case.hooks.heuristic, case.hooks.existing_solution):
        flagged = rule(data) == 1
        assert flagged.any()
        assert data.is_fraud[flagged].mean() > 5 * data.is_fraud.mean()


def test_rules_answer_in_the_encoded_target():
    income = mk.cases.load("income")
    rows = income.load_data().head(200)
    raw = income.hooks.heuristic(rows)
    encoded = income.rule("heuristic")(rows)
    np.testing.assert_array_equal(encoded, (raw == ">50K").astype(int))
    assert income.rule("existing_solution") is None
    fraud = mk.cases.load("fraud")
    payments = fraud.load_data().head(500)
    np.testing.assert_array_equal(
        fraud.rule("existing_solution")(payments),
        fraud.hooks.existing_solution(payments),
    )


def test_a_rule_that_is_not_a_function_is_refused(case_copy):
    folder = case_copy("income")
    (folder / "hooks.py").write_text("heuristic = 3\n")
    with pytest.raises(mk.cases.CaseError, match="heuristic is a int, not a function"):
        mk.cases.load(folder).rule("heuristic")
