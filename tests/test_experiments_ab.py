"""Tests of mlkit.experiments' A/B tests: ab_test, sample_size, power, peeking_simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.experiments import (
    AB_COLUMNS,
    ABTest,
    PeekingSimulation,
    ab_test,
    peeking_simulation,
    power,
    sample_size,
)
from mlkit.experiments._stats import gini, sign_test, wilson_interval

# --------------------------------------------------------------------------- ab_test


def _binary(n: int, rate: float, seed: int) -> np.ndarray:
    return (np.random.default_rng(seed).random(n) < rate).astype(int)


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
@pytest.mark.parametrize(
    ("n_c", "n_t", "p_c", "p_t"),
    [(50, 70, 0.3, 0.4), (2000, 1500, 0.05, 0.06), (10_000, 10_000, 0.2, 0.19)],
)
def test_proportions_equal_statsmodels(alternative, n_c, n_t, p_c, p_t):
    control = _binary(n_c, p_c, seed=n_c)
    treatment = _binary(n_t, p_t, seed=n_t + 1)
    result = ab_test(control, treatment, alternative=alternative, alpha=0.1)
    counts = [treatment.sum(), control.sum()]
    z, p = proportions_ztest(counts, [n_t, n_c], alternative=alternative)
    assert result.statistic == pytest.approx(z, abs=1e-12)
    assert result.p_value == pytest.approx(p, abs=1e-12)
    assert result.difference == pytest.approx(
        treatment.mean() - control.mean(), abs=1e-15
    )
    if alternative == "two-sided":
        low, high = confint_proportions_2indep(
            counts[0], n_t, counts[1], n_c, method="wald", compare="diff", alpha=0.1
        )
        assert (result.low, result.high) == pytest.approx((low, high), abs=1e-12)
    else:
        # One-sided: the Wald bound at level 1 - alpha, by hand.
        pt, pc = treatment.mean(), control.mean()
        se = math.sqrt(pt * (1 - pt) / n_t + pc * (1 - pc) / n_c)
        bound = stats.norm.isf(0.1) * se
        if alternative == "larger":
            assert result.low == pytest.approx(result.difference - bound, abs=1e-12)
            assert result.high == math.inf
        else:
            assert result.low == -math.inf
            assert result.high == pytest.approx(result.difference + bound, abs=1e-12)
    table = result.to_frame()
    for i, (arm, n) in enumerate([(control, n_c), (treatment, n_t)]):
        low, high = proportion_confint(arm.sum(), n, alpha=0.1, method="wilson")
        assert table.loc[i, "low"] == pytest.approx(low, abs=1e-12)
        assert table.loc[i, "high"] == pytest.approx(high, abs=1e-12)
        assert table.loc[i, "std"] == pytest.approx(arm.std(ddof=1), abs=1e-12)


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
@pytest.mark.parametrize(("n_c", "n_t"), [(2, 3), (40, 25), (3000, 5000)])
def test_means_equal_scipy_welch(alternative, n_c, n_t):
    rng = np.random.default_rng(n_c * n_t)
    control = rng.lognormal(1.0, 0.8, n_c)
    treatment = rng.lognormal(1.1, 1.1, n_t)
    result = ab_test(control, treatment, kind="mean", alternative=alternative)
    scipy_alt = {"two-sided": "two-sided", "larger": "greater", "smaller": "less"}
    expected = stats.ttest_ind(
        treatment, control, equal_var=False, alternative=scipy_alt[alternative]
    )
    assert result.statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, abs=1e-12)
    assert result.df == pytest.approx(expected.df, rel=1e-12)
    low, high = expected.confidence_interval(confidence_level=0.95)
    assert result.low == pytest.approx(low, abs=1e-12)
    assert result.high == pytest.approx(high, abs=1e-12)
    table = result.to_frame()
    for i, arm in enumerate([control, treatment]):
        ci = stats.ttest_1samp(arm, 0).confidence_interval(0.95)
        assert table.loc[i, "low"] == pytest.approx(ci.low, abs=1e-12)
        assert table.loc[i, "high"] == pytest.approx(ci.high, abs=1e-12)
        assert table.loc[i, "std_error"] == pytest.approx(stats.sem(arm), abs=1e-12)


def test_interval_and_test_agree_for_means():
    rng = np.random.default_rng(3)
    for _ in range(30):
        control, treatment = rng.normal(0, 1, 80), rng.normal(0.25, 1.5, 60)
        result = ab_test(control, treatment, kind="mean")
        assert result.significant == (result.low > 0 or result.high < 0)


def test_table_attributes_and_lift():
    result = ab_test([0, 0, 1, 1], [1, 1, 1, 0, 0, 1])
    table = result.to_frame()
    assert tuple(table.columns) == AB_COLUMNS
    assert table["arm"].tolist() == ["control", "treatment", "difference"]
    assert table["n"].tolist() == [4, 6, 10]
    assert result.control_mean == 0.5
    assert result.treatment_mean == pytest.approx(4 / 6)
    assert result.relative_lift == pytest.approx((4 / 6 - 0.5) / 0.5)
    assert table.loc[2, "p_value"] == result.p_value
    assert table.loc[:1, "p_value"].isna().all()
    assert math.isinf(result.df)
    assert math.isnan(ab_test([0, 0], [0, 1]).relative_lift)


def test_degenerate_arms_give_no_evidence():
    none = ab_test([0] * 50, [0] * 60)
    assert none.p_value == 1.0
    assert not none.significant
    assert (none.low, none.high) == (0.0, 0.0)
    assert math.isnan(none.statistic)
    same = ab_test([2.0, 2.0, 2.0], [2.0, 2.0], kind="mean")
    assert same.p_value == 1.0
    apart = ab_test([2.0, 2.0, 2.0], [3.0, 3.0], kind="mean")
    assert apart.p_value == 0.0
    assert apart.significant


@pytest.mark.parametrize(
    "wrap",
    [
        list,
        np.asarray,
        pd.Series,
        lambda v: np.asarray(v, dtype=bool),
        lambda v: pd.Series(v, dtype="Int64"),
        lambda v: pd.Series(v, dtype="boolean"),
    ],
)
def test_input_types_and_no_mutation(wrap):
    control_raw = [0, 1, 0, 0, 1, 0, 1, 0]
    treatment_raw = [1, 1, 0, 1, 1, 0, 1, 1]
    control, treatment = wrap(control_raw), wrap(treatment_raw)
    before = (np.array(control).copy(), np.array(treatment).copy())
    result = ab_test(control, treatment)
    reference = ab_test(np.array(control_raw), np.array(treatment_raw))
    assert result.p_value == reference.p_value
    np.testing.assert_array_equal(np.array(control), before[0])
    np.testing.assert_array_equal(np.array(treatment), before[1])


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (([], [0, 1]), {}, MlkitValueError, "'control' has no values"),
        (([0, 1], [0, 2]), {}, MlkitValueError, "'treatment' must hold 0/1"),
        (([0, 0.5], [0, 1]), {}, MlkitValueError, "kind='mean'"),
        (([0, np.nan], [0, 1]), {}, MlkitValueError, "'control' has 1 missing"),
        (
            (pd.Series([0, None], dtype="Int64"), [0, 1]),
            {},
            MlkitValueError,
            "'control' has 1 missing",
        ),
        ((["a", "b"], [0, 1]), {}, MlkitTypeError, "'control' must hold numbers"),
        (([1.0], [1.0, 2.0]), {"kind": "mean"}, MlkitValueError, "at least 2"),
        (([0, 1], [0, 1]), {"kind": "median"}, MlkitValueError, "'kind' must be"),
        (([0, 1], [0, 1]), {"alpha": 1.5}, MlkitValueError, "'alpha'"),
        (([0, 1], [0, 1]), {"alternative": "greater"}, MlkitValueError, "larger"),
        (([[0, 1]], [0, 1]), {}, MlkitValueError, "one-dimensional"),
    ],
)
def test_ab_test_refuses_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        ab_test(*args, **kwargs)
    assert "Hint:" in str(info.value)


def test_ab_test_faces():
    rng = np.random.default_rng(4)
    result = ab_test(rng.random(3000) < 0.1, rng.random(3000) < 0.13)
    assert isinstance(result, ABTest)
    spec = result.chart().to_dict()
    left, right = spec["hconcat"]
    assert [layer["mark"]["type"] for layer in left["layer"]] == ["rule", "point"]
    assert [layer["mark"]["type"] for layer in right["layer"]] == [
        "rule",
        "point",
        "rule",
    ]
    assert left["layer"][1]["encoding"]["x"]["field"] == "mean"
    assert "significant at alpha = 0.05" in spec["title"]["text"]
    text = result.explain()
    assert "Chapter 9" in text
    assert "is significant" in text
    assert repr(result).startswith("<ABTest: The treatment's rate")
    assert "<table" in result._repr_html_()
    one_sided = ab_test(
        rng.normal(0, 1, 50), rng.normal(0.2, 1, 50), kind="mean", alternative="larger"
    )
    spec = one_sided.chart().to_dict()
    drawn = pd.DataFrame(
        spec["datasets"][spec["hconcat"][1]["layer"][0]["data"]["name"]]
    )
    assert np.isfinite(drawn[["low", "high"]].to_numpy()).all()
    assert "+inf" in one_sided.explain()
    assert "not significant" in ab_test([0, 1] * 10, [1, 0] * 10).explain()


# --------------------------------------------------------------------------- planning


@pytest.mark.parametrize("alternative", ["two-sided", "larger"])
@pytest.mark.parametrize("ratio", [1.0, 0.5, 3.0])
@pytest.mark.parametrize(
    ("baseline", "effect"),
    [(0.1, 0.01), (0.05, 0.005), (0.5, 0.05), (0.02, 0.01), (0.9, 0.04)],
)
def test_sample_size_equals_statsmodels_for_proportions(
    baseline, effect, ratio, alternative
):
    h = proportion_effectsize(baseline + effect, baseline)
    expected = NormalIndPower().solve_power(
        effect_size=h, alpha=0.05, power=0.8, ratio=ratio, alternative=alternative
    )
    got = sample_size(baseline, effect, ratio=ratio, alternative=alternative)
    assert got == math.ceil(expected)
    assert power(baseline, effect, got, ratio=ratio, alternative=alternative) >= 0.8
    assert power(baseline, effect, got - 1, ratio=ratio, alternative=alternative) < 0.8


@pytest.mark.parametrize(
    ("effect", "std", "alpha", "target", "alternative"),
    [
        (1.0, 30.0, 0.05, 0.8, "two-sided"),
        (-2.0, 10.0, 0.01, 0.9, "two-sided"),
        (-0.5, 4.0, 0.05, 0.8, "smaller"),
        (5.0, 12.0, 0.1, 0.95, "larger"),
    ],
)
def test_sample_size_equals_statsmodels_for_means(
    effect, std, alpha, target, alternative
):
    expected = NormalIndPower().solve_power(
        effect_size=effect / std, alpha=alpha, power=target, alternative=alternative
    )
    got = sample_size(
        20.0,
        effect,
        kind="mean",
        std=std,
        alpha=alpha,
        power=target,
        alternative=alternative,
    )
    assert got == math.ceil(expected)


@pytest.mark.parametrize("n", [10, 500, 12_345.5])
@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_power_equals_statsmodels(n, alternative):
    effect = -0.02 if alternative == "smaller" else 0.02
    h = proportion_effectsize(0.2 + effect, 0.2)
    expected = NormalIndPower().power(h, n, 0.05, ratio=2.0, alternative=alternative)
    got = power(0.2, effect, n, ratio=2.0, alternative=alternative)
    assert got == pytest.approx(expected, abs=1e-12)


def test_sample_size_grows_as_the_effect_shrinks():
    sizes = [sample_size(0.1, e) for e in (0.04, 0.02, 0.01, 0.005)]
    assert sizes == sorted(sizes)
    # Halving the effect roughly quadruples the sample.
    assert 3.5 < sizes[2] / sizes[1] < 4.5


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((1.2, 0.01), {}, "'baseline' must be a rate"),
        ((0.1, 0.0), {}, "'minimum_effect' must not be 0"),
        ((0.95, 0.1), {}, "is not a rate in"),
        ((0.1, -0.01), {"alternative": "larger"}, "looks for a better"),
        ((0.1, 0.01), {"alternative": "smaller"}, "looks for a worse"),
        ((10.0, 1.0), {"kind": "mean"}, "'std' must be a positive"),
        ((10.0, 1.0), {"kind": "mean", "std": -1.0}, "'std' must be a positive"),
        ((0.1, 0.01), {"power": 0.01}, "'power' must be in"),
        ((0.1, 0.01), {"power": 1.0}, "'power' must be in"),
        ((0.1, 0.01), {"ratio": 0}, "'ratio' must be a positive"),
        ((0.1, 0.01), {"alpha": 0}, "'alpha'"),
    ],
)
def test_sample_size_refuses_bad_input(args, kwargs, message):
    with pytest.raises(MlkitValueError, match=message) as info:
        sample_size(*args, **kwargs)
    assert "Hint:" in str(info.value)


def test_power_refuses_bad_input():
    with pytest.raises(MlkitValueError, match="'n' must be a finite number of units"):
        power(0.1, 0.01, 0)
    with pytest.raises(
        MlkitTypeError, match="'minimum_effect' must be a finite number"
    ):
        power(0.1, "big", 100)


# --------------------------------------------------------------------------- shared statistics


def test_wilson_and_sign_test_equal_references():
    x = np.array([0, 1, 7, 50, 99, 100])
    low, high = wilson_interval(x, np.full(6, 100), 0.1)
    ref_low, ref_high = proportion_confint(x, 100, alpha=0.1, method="wilson")
    np.testing.assert_allclose(low, ref_low, atol=1e-12)
    np.testing.assert_allclose(high, ref_high, atol=1e-12)
    assert np.isnan(wilson_interval(0, 0)[0])
    for wins, losses in [(0, 0), (3, 9), (20, 20), (61, 40), (1, 0)]:
        expected = stats.binomtest(wins, wins + losses).pvalue if wins + losses else 1
        assert sign_test(wins, losses) == pytest.approx(expected, abs=1e-12)


def test_gini_equals_mean_absolute_difference():
    rng = np.random.default_rng(0)
    for values in (rng.exponential(size=30), np.array([0, 0, 0, 5.0]), np.ones(7)):
        diffs = np.abs(values[:, None] - values[None, :]).mean()
        assert gini(values) == pytest.approx(diffs / (2 * values.mean()), abs=1e-12)
    assert gini(np.zeros(4)) == 0.0


# --------------------------------------------------------------------------- peeking


def test_one_look_keeps_alpha_and_more_looks_inflate_it():
    sim = peeking_simulation(
        n_per_arm=2000, looks=(1, 5, 20), n_experiments=3000, random_state=1
    )
    table = sim.to_frame().set_index("looks")
    n = sim.n_experiments
    # A binomial tolerance of four standard errors around alpha.
    assert abs(table.loc[1, "false_positive_rate"] - 0.05) < 4 * math.sqrt(
        0.05 * 0.95 / n
    )
    assert table.loc[1, "false_positive_rate"] == sim.fixed_horizon_rate
    rates = table["false_positive_rate"].to_numpy()
    assert (np.diff(rates) > 0).all()
    assert table.loc[20, "false_positive_rate"] > 0.2
    assert (table["low"] <= table["false_positive_rate"]).all()
    assert (table["false_positive_rate"] <= table["high"]).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_peeking_conclusions_hold_across_seeds(seed):
    table = (
        peeking_simulation(
            n_per_arm=1000, looks=(1, 10), n_experiments=1500, random_state=seed
        )
        .to_frame()
        .set_index("looks")
    )
    assert 0.03 < table.loc[1, "false_positive_rate"] < 0.07
    assert (
        table.loc[10, "false_positive_rate"] > 2.5 * table.loc[1, "false_positive_rate"]
    )


def test_peeking_matches_a_loop_over_single_experiments():
    # The vectorised p-values at each look equal statsmodels' on the same counts.
    sim_rng = np.random.default_rng(5)
    n, looks = 300, 3
    points = np.round(n * np.arange(1, looks + 1) / looks).astype(int)
    c = sim_rng.binomial(np.diff(points, prepend=0), 0.2, size=(4, looks)).cumsum(1)
    t = sim_rng.binomial(np.diff(points, prepend=0), 0.2, size=(4, looks)).cumsum(1)
    from mlkit.experiments._stats import two_proportion_ztest

    _, p = two_proportion_ztest(t, points, c, points)
    for i in range(4):
        for j in range(looks):
            expected = proportions_ztest([t[i, j], c[i, j]], [points[j]] * 2)[1]
            assert p[i, j] == pytest.approx(expected, abs=1e-12)


def test_peeking_with_an_effect_detects_more_and_stops_early():
    sim = peeking_simulation(
        effect=0.02, n_per_arm=2000, looks=(1, 10), n_experiments=800, random_state=3
    )
    table = sim.to_frame().set_index("looks")
    assert sim.metric == "detection_rate"
    assert "false_positive_rate" not in table.columns
    assert table.loc[10, "detection_rate"] > table.loc[1, "detection_rate"]
    assert (
        table.loc[1, "mean_sample_used"] == 1.0
        or table.loc[1, "mean_sample_used"] > 0.99
    )
    assert table.loc[10, "mean_sample_used"] < 0.9
    assert "exaggerated" in sim.explain()


def test_peeking_is_seeded():
    a = peeking_simulation(n_experiments=200, random_state=7).to_frame()
    b = peeking_simulation(n_experiments=200, random_state=7).to_frame()
    c = peeking_simulation(n_experiments=200, random_state=8).to_frame()
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_peeking_faces():
    sim = peeking_simulation(n_experiments=300)
    assert isinstance(sim, PeekingSimulation)
    spec = sim.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == [
        "area",
        "line",
        "rule",
    ]
    assert spec["layer"][1]["encoding"]["y"]["field"] == "false_positive_rate"
    assert spec["layer"][1]["encoding"]["x"]["scale"]["type"] == "log"
    assert "grows with every look" in spec["title"]["text"]
    assert "Chapter 9" in sim.explain()
    assert repr(sim).startswith("<PeekingSimulation: Stopping an A/A test")
    assert "<table" in sim._repr_html_()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"rate": 1.5}, MlkitValueError, "'rate' must be a rate"),
        ({"rate": 0.95, "effect": 0.1}, MlkitValueError, "is not a rate in"),
        ({"looks": (1, 20_000)}, MlkitValueError, "'looks' must hold ints"),
        ({"looks": ()}, MlkitValueError, "'looks' has no values"),
        ({"looks": (1, 2.5)}, MlkitTypeError, "'looks' must hold ints"),
        ({"n_per_arm": 0}, MlkitValueError, "'n_per_arm' must be an int"),
        ({"n_experiments": 1.5}, MlkitTypeError, "'n_experiments' must be an int"),
        ({"random_state": "x"}, MlkitTypeError, "'random_state'"),
    ],
)
def test_peeking_refuses_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        peeking_simulation(**kwargs)
    assert "Hint:" in str(info.value)
