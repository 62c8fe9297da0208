"""Tests of mlkit.experiments' rollouts: canary_simulation and shadow_test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.experiments import (
    CANARY_COLUMNS,
    SHADOW_COLUMNS,
    CanaryRollout,
    ShadowTest,
    canary_simulation,
    shadow_test,
)

# --------------------------------------------------------------------------- canary


@pytest.mark.parametrize("seed", range(8))
def test_a_bad_canary_is_rolled_back_early(seed):
    rollout = canary_simulation(control_rate=0.01, canary_rate=0.03, random_state=seed)
    assert rollout.outcome == "rollback"
    assert rollout.rollback_step <= 3
    table = rollout.to_frame()
    assert table["action"].iloc[-1] == "rollback"
    assert (table["action"].iloc[:-1] == "continue").all()
    assert len(table) == rollout.rollback_step
    # Only a small share of all the traffic planned met the bad model.
    assert rollout.exposed_requests < 0.1 * 5 * rollout.requests_per_step


def test_rollbacks_across_seeds():
    bad = [
        canary_simulation(control_rate=0.01, canary_rate=0.02, random_state=s)
        for s in range(60)
    ]
    assert sum(r.outcome == "rollback" for r in bad) >= 57
    assert np.mean([r.rollback_step for r in bad if r.rollback_step]) < 3.5
    good = [
        canary_simulation(control_rate=0.01, canary_rate=0.01, random_state=s)
        for s in range(200)
    ]
    false_rollbacks = sum(r.outcome == "rollback" for r in good) / len(good)
    assert false_rollbacks < 0.1  # about alpha over the rollout


def test_a_good_canary_completes():
    rollout = canary_simulation(control_rate=0.02, canary_rate=0.015, random_state=0)
    assert rollout.outcome == "complete"
    assert rollout.rollback_step is None
    table = rollout.to_frame()
    assert tuple(table.columns) == CANARY_COLUMNS
    assert table["action"].tolist() == ["continue"] * 4 + ["complete"]
    assert table["traffic_share"].tolist() == [0.01, 0.05, 0.25, 0.5, 1.0]
    assert table["canary_requests"].tolist() == [100, 500, 2500, 5000, 10_000]
    assert (table["canary_requests"] + table["control_requests"] == 10_000).all()
    assert (table["threshold"] == 0.05 / 5).all()


def test_guardrail_p_values_equal_statsmodels():
    rollout = canary_simulation(
        control_rate=0.05, canary_rate=0.055, min_harm=0.002, random_state=4
    )
    t = rollout.to_frame()
    for i in range(len(t)):
        counts = [t["canary_errors"][: i + 1].sum(), t["control_errors"][: i + 1].sum()]
        nobs = [
            t["canary_requests"][: i + 1].sum(),
            t["control_requests"][: i + 1].sum(),
        ]
        _, p = proportions_ztest(counts, nobs, value=0.002, alternative="larger")
        assert t.loc[i, "p_value"] == pytest.approx(p, abs=1e-12)
        assert t.loc[i, "canary_error_rate"] == pytest.approx(counts[0] / nobs[0])


def test_min_harm_tolerates_small_harm():
    strict = [
        canary_simulation(control_rate=0.05, canary_rate=0.052, random_state=s).outcome
        for s in range(30)
    ]
    lenient = [
        canary_simulation(
            control_rate=0.05, canary_rate=0.052, min_harm=0.01, random_state=s
        ).outcome
        for s in range(30)
    ]
    assert lenient.count("complete") == 30
    assert strict.count("rollback") >= lenient.count("rollback")


def test_canary_is_seeded_and_faces():
    a = canary_simulation(control_rate=0.01, canary_rate=0.02, random_state=3)
    b = canary_simulation(control_rate=0.01, canary_rate=0.02, random_state=3)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert isinstance(a, CanaryRollout)
    spec = a.chart().to_dict()
    errors, guard = spec["hconcat"]
    assert [layer["mark"]["type"] for layer in errors["layer"]] == ["rule", "point"]
    assert errors["layer"][1]["encoding"]["y"]["field"] == "error_rate"
    assert [layer["mark"]["type"] for layer in guard["layer"]] == [
        "line",
        "point",
        "rule",
    ]
    assert guard["layer"][1]["encoding"]["y"]["scale"]["type"] == "log"
    assert "rolled back at step" in spec["title"]["text"]
    assert "Chapter 9" in a.explain()
    assert repr(a).startswith("<CanaryRollout: The canary was rolled back")
    assert "<table" in a._repr_html_()
    missed = canary_simulation(
        control_rate=0.01, canary_rate=0.011, requests_per_step=200, random_state=0
    )
    assert missed.outcome == "complete"
    assert "too small to detect" in missed.explain()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"canary_rate": 1.2}, MlkitValueError, "'canary_rate' must be a rate"),
        ({"control_rate": -0.1}, MlkitValueError, "'control_rate' must be a rate"),
        ({"steps": (0.5, 0.1)}, MlkitValueError, "'steps' must be increasing"),
        ({"steps": (0.0, 1.0)}, MlkitValueError, "'steps' must be increasing"),
        ({"steps": ()}, MlkitValueError, "'steps' must be increasing"),
        ({"steps": "all"}, MlkitTypeError, "'steps' must be increasing"),
        ({"requests_per_step": 0}, MlkitValueError, "'requests_per_step'"),
        ({"min_harm": 1.0}, MlkitValueError, "'min_harm' must be a share"),
        ({"alpha": 0.0}, MlkitValueError, "'alpha'"),
    ],
)
def test_canary_refuses_bad_input(kwargs, error, message):
    arguments = {"control_rate": 0.01, "canary_rate": 0.02, **kwargs}
    with pytest.raises(error, match=message) as info:
        canary_simulation(**arguments)
    assert "Hint:" in str(info.value)


# --------------------------------------------------------------------------- shadow


def test_shadow_agreement_and_accuracy_by_hand():
    champion = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0]
    challenger = [0, 1, 0, 0, 1, 1, 0, 1, 0, 0]
    y = [0, 1, np.nan, 0, 0, 1, np.nan, np.nan, 0, 1]
    result = shadow_test(champion, challenger, y_true=y)
    assert result.n == 10
    assert result.agreement == 0.7
    low, high = proportion_confint(7, 10, method="wilson")
    assert (result.agreement_low, result.agreement_high) == pytest.approx((low, high))
    assert result.n_labelled == 7
    table = result.to_frame()
    assert tuple(table.columns) == SHADOW_COLUMNS
    # Labelled rows: 0, 1, 3, 4, 5, 8, 9.
    assert table["accuracy"].tolist() == pytest.approx([3 / 7, 5 / 7])
    d = result.disagreements
    assert d[["champion", "challenger", "count"]].values.tolist() == [
        [1, 0, 2],
        [0, 1, 1],
    ]
    assert d["share"].tolist() == pytest.approx([0.2, 0.1])
    assert d["labelled"].tolist() == [1, 1]
    # Rows 8 (1 -> 0, label 0) and 5 (0 -> 1, label 1): the challenger is right.
    assert d["champion_right"].tolist() == [0, 0]
    assert d["challenger_right"].tolist() == [1, 1]
    assert table["latency_p50_ms"].isna().all()


def test_shadow_mcnemar_equals_statsmodels():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400).astype(float)
    champion = np.where(rng.random(400) < 0.8, y, 1 - y)
    challenger = np.where(rng.random(400) < 0.88, y, 1 - y)
    y[rng.random(400) < 0.3] = np.nan
    result = shadow_test(champion, challenger, y_true=y)
    known = ~np.isnan(y)
    a, b = champion[known] == y[known], challenger[known] == y[known]
    table = [[(a & b).sum(), (a & ~b).sum()], [(~a & b).sum(), (~a & ~b).sum()]]
    assert result.p_value == pytest.approx(mcnemar(table, exact=True).pvalue, abs=1e-12)


def test_shadow_accepts_labels_of_any_kind_and_latency():
    champion = pd.Series(["spam", "ham", "ham", "spam"])
    challenger = np.array(["spam", "spam", "ham", "spam"])
    y = np.array(["spam", None, "ham", "ham"], dtype=object)
    latency = pd.DataFrame({"a": [10.0, 20.0, 30.0, 40.0], "b": [5.0, 5.0, 5.0, 50.0]})
    result = shadow_test(champion, challenger, y_true=y, latency_ms=latency)
    assert result.agreement == 0.75
    assert result.n_labelled == 3
    table = result.to_frame().set_index("model")
    assert table.loc["champion", "accuracy"] == pytest.approx(2 / 3)
    assert table.loc["champion", "latency_p50_ms"] == 25.0
    assert table.loc["challenger", "latency_mean_ms"] == 16.25
    assert table.loc["challenger", "latency_p95_ms"] == pytest.approx(
        np.percentile([5, 5, 5, 50], 95)
    )
    pair = shadow_test(champion, challenger, latency_ms=(latency["a"], latency["b"]))
    pd.testing.assert_frame_equal(
        pair.to_frame().filter(like="latency"), result.to_frame().filter(like="latency")
    )
    # Integer predictions against float labels with NaN for the unknown.
    mixed = shadow_test([1, 0, 1], [1, 1, 1], y_true=[1.0, np.nan, 0.0])
    assert mixed.to_frame()["accuracy"].tolist() == [0.5, 0.5]


def test_shadow_without_labels_and_full_agreement():
    result = shadow_test([1, 2, 3], [1, 2, 3])
    assert result.agreement == 1.0
    assert result.disagreements.empty
    assert np.isnan(result.p_value)
    assert result.to_frame()["accuracy"].isna().all()
    assert "No label has arrived" in result.explain()
    spec = result.chart().to_dict()
    assert spec["mark"]["type"] == "text"


def test_shadow_faces():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 500)
    champion = np.where(rng.random(500) < 0.7, y, rng.integers(0, 3, 500))
    challenger = np.where(rng.random(500) < 0.8, y, rng.integers(0, 3, 500))
    result = shadow_test(
        champion,
        challenger,
        y_true=y,
        latency_ms=(rng.gamma(2, 10, 500), rng.gamma(2, 15, 500)),
    )
    assert isinstance(result, ShadowTest)
    spec = result.chart().to_dict()
    marks = [
        panel.get("mark", {}).get("type") or panel["layer"][1]["mark"]["type"]
        for panel in spec["hconcat"]
    ]
    assert marks == ["bar", "point", "bar"]
    assert "agree on" in spec["title"]["text"]
    text = result.explain()
    assert "McNemar" in text
    assert "Chapter 9" in text
    assert repr(result).startswith("<ShadowTest: On 500 mirrored requests")
    assert "<table" in result._repr_html_()


def test_shadow_does_not_modify_inputs():
    champion = np.array([1, 0, 1, 1])
    challenger = np.array([1, 1, 1, 0])
    y = np.array([1.0, np.nan, 0.0, 1.0])
    copies = champion.copy(), challenger.copy(), y.copy()
    shadow_test(champion, challenger, y_true=y)
    np.testing.assert_array_equal(champion, copies[0])
    np.testing.assert_array_equal(challenger, copies[1])
    np.testing.assert_array_equal(y, copies[2])


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([], []), {}, "'champion' has no predictions"),
        (([1, 0], [1]), {}, "'challenger' has 1 values"),
        (([1, None], [1, 0]), {}, "'champion' has 1 missing"),
        (([0.2, 0.7], [1, 0]), {}, "holds scores such as 0.2"),
        (([1, 0], [1, 0]), {"y_true": [1]}, "'y_true' has 1 values"),
        (
            ([1, 0], [1, 0]),
            {"latency_ms": [1.0, 2.0, 3.0]},
            "'latency_ms' must be a pair",
        ),
        (([1, 0], [1, 0]), {"latency_ms": ([1.0], [1.0, 2.0])}, "'latency_ms' must be"),
        (([1, 0], [1, 0]), {"latency_ms": ([1.0, -2], [1.0, 2.0])}, "non-negative"),
    ],
)
def test_shadow_refuses_bad_input(args, kwargs, message):
    with pytest.raises(MlkitValueError, match=message) as info:
        shadow_test(*args, **kwargs)
    assert "Hint:" in str(info.value)
