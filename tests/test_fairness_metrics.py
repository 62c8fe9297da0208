"""Tests for mlkit.fairness's group metrics: fairlearn's numbers, intervals, warnings."""

from __future__ import annotations

import functools
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, precision_score

from mlkit._exceptions import MlkitTypeError, MlkitValueError, MlkitWarning
from mlkit.calibration import reliability
from mlkit.fairness import (
    DISPARITIES,
    GROUP_METRICS,
    INTERVAL_METRICS,
    GroupMetrics,
    SmallGroupWarning,
    UndefinedRateWarning,
    _metrics,
    group_metrics,
)
from mlkit.fairness._metrics import MIN_CLASS_ROWS, _percentiles

# fairlearn's metric functions, under the names of mlkit's columns. Precision is
# NaN where undefined so that only the documented difference (0 in fairlearn's
# default) is left to test separately.
REFERENCE = {
    "count": count,
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "precision": functools.partial(precision_score, zero_division=np.nan),
    "accuracy": accuracy_score,
}
FAIRLEARN_DISPARITIES = {
    "demographic_parity_difference": demographic_parity_difference,
    "demographic_parity_ratio": demographic_parity_ratio,
    "equalized_odds_difference": equalized_odds_difference,
    "equalized_odds_ratio": equalized_odds_ratio,
    "equal_opportunity_difference": equal_opportunity_difference,
}
TOLERANCE = 1e-12


# --------------------------------------------------------------------------- data


def simulated(n=2000, seed=0):
    """Labels, decisions, probabilities and two sensitive features.

    Regions of unequal size, with a model that errs more in "east"; every group
    and every crossing of region and sex has enough rows, positives and
    negatives to be judged.
    """
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1])
    sex = rng.choice(["f", "m"], n)
    prob = rng.beta(2, 3, n)
    y = (rng.random(n) < prob).astype(np.int64)
    noise = np.where(region == "east", 0.3, 0.1)
    pred = np.where(rng.random(n) < noise, 1 - y, y)
    return y, pred, prob, region, sex


def sensitive(kind, values, name="region"):
    """One sensitive column in each form a caller may pass."""
    if kind == "array":
        return np.asarray(values)
    if kind == "object_array":
        return np.asarray(values, dtype=object)
    if kind == "list":
        return list(values)
    if kind == "series":
        return pd.Series(values, name=name)
    if kind == "unnamed_series":
        return pd.Series(values)
    if kind == "categorical":
        # Categories out of order and one unused: fairlearn sorts by value and
        # ignores unused categories.
        categories = [*sorted(set(values), reverse=True), "unused"]
        return pd.Series(pd.Categorical(values, categories=categories), name=name)
    if kind == "integers":
        return np.unique(values, return_inverse=True)[1] * 10 + 3
    if kind == "booleans":
        return pd.Series(np.asarray(values) == "north", name=name)
    raise AssertionError(kind)


ONE_FEATURE = [
    "array",
    "object_array",
    "list",
    "series",
    "unnamed_series",
    "categorical",
    "integers",
    "booleans",
]


def reference(y, pred, features):
    return MetricFrame(
        metrics=REFERENCE, y_true=y, y_pred=pred, sensitive_features=features
    )


def assert_matches(ours, frame):
    """Rates to 1e-12, the index exactly; counts 0 where fairlearn has NaN."""
    expected = frame.by_group
    pd.testing.assert_index_equal(ours.by_group.index, expected.index, exact=True)
    assert list(ours.by_group.columns) == list(GROUP_METRICS)
    assert ours.by_group["count"].dtype == np.int64
    for metric in REFERENCE:
        got = ours.by_group[metric].to_numpy(dtype=float)
        want = expected[metric].to_numpy(dtype=float)
        if metric == "count":
            want = np.nan_to_num(want, nan=0.0)
        np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE)
        assert ours.overall[metric] == pytest.approx(
            float(frame.overall[metric]), abs=TOLERANCE
        )


# --------------------------------------------------------------------------- reference


@pytest.mark.parametrize("kind", ONE_FEATURE)
def test_one_feature_matches_fairlearn(kind):
    y, pred, _, region, _ = simulated()
    features = sensitive(kind, region)
    ours = group_metrics(y, pred, sensitive_features=features)
    assert_matches(ours, reference(y, pred, features))


@pytest.mark.parametrize("kind", ["frame", "categorical_frame", "array_2d", "dict"])
def test_two_features_match_fairlearn_with_empty_intersections(kind):
    y, pred, _, region, sex = simulated()
    # No woman in the west: fairlearn lists that intersection with NaN metrics.
    region = np.where((region == "west") & (sex == "f"), "north", region)
    frame = pd.DataFrame({"region": region, "sex": sex})
    features = {
        "frame": frame,
        "categorical_frame": frame.astype({"region": "category"}),
        "array_2d": frame.to_numpy(),
        "dict": {"region": region, "sex": sex},
    }[kind]
    ours = group_metrics(y, pred, sensitive_features=features)
    assert_matches(ours, reference(y, pred, features))
    empty = ours.by_group.loc[("west", "f")]
    assert empty["count"] == 0
    assert empty[list(INTERVAL_METRICS)].isna().all()
    assert len(ours.by_group) == 8


def test_three_features_cross_in_fairlearns_order():
    y, pred, _, region, sex = simulated(n=6000, seed=3)
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"region": region, "sex": sex, "age": rng.choice([40, 20, 60], 6000)}
    )
    ours = group_metrics(y, pred, sensitive_features=frame, min_group_size=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        assert_matches(ours, reference(y, pred, frame))


@pytest.mark.parametrize("features", ["one", "two"])
def test_disparities_match_fairlearn(features):
    y, pred, _, region, sex = simulated(seed=1)
    sf = (
        pd.Series(region, name="region")
        if features == "one"
        else pd.DataFrame({"region": region, "sex": sex})
    )
    ours = group_metrics(y, pred, sensitive_features=sf).disparities()
    assert list(ours.index) == list(DISPARITIES)
    for name, function in FAIRLEARN_DISPARITIES.items():
        assert ours[name] == pytest.approx(
            function(y, pred, sensitive_features=sf), abs=TOLERANCE
        )
    assert ours["equalized_odds_difference"] > 0.1  # the east errs more


def test_labels_of_any_two_values_give_the_same_numbers():
    y, pred, prob, region, _ = simulated()
    base = group_metrics(y, pred, sensitive_features=region, y_prob=prob)
    for truth, decided, label in [
        (y.astype(bool), pred.astype(bool), True),
        (y.astype(float), pred.astype(float), 1.0),
        (np.where(y == 1, "yes", "no"), np.where(pred == 1, "yes", "no"), "yes"),
        (y * 2 - 1, pred * 2 - 1, 1),
        (pd.Series(y, dtype="Int64"), pd.Series(pred, dtype="Int64"), 1),
        (1 - y, 1 - pred, 0),
    ]:
        other = group_metrics(
            truth,
            decided,
            sensitive_features=region,
            y_prob=prob,
            positive_label=label,
        )
        pd.testing.assert_frame_equal(other.by_group, base.by_group, atol=1e-12)


def test_ece_per_group_equals_reliability():
    y, pred, prob, region, sex = simulated(n=4000)
    # Probabilities on every bin edge and at 0 and 1 test the binning too.
    prob[:40] = np.repeat(np.linspace(0, 1, 16), 3)[:40]
    frame = pd.DataFrame({"region": region, "sex": sex})
    ours = group_metrics(y, pred, sensitive_features=frame, y_prob=prob)
    assert list(ours.by_group.columns) == [*GROUP_METRICS, "ece"]
    for (r, s), row in ours.by_group.iterrows():
        rows = (region == r) & (sex == s)
        expected = reliability(y[rows], prob[rows], n_bins=15).ece
        assert row["ece"] == pytest.approx(expected, abs=TOLERANCE)
    assert ours.overall["ece"] == pytest.approx(
        reliability(y, prob, n_bins=15).ece, abs=TOLERANCE
    )


# --------------------------------------------------------------------------- undefined rates


def test_undefined_rates_are_nan_with_one_warning_naming_the_groups():
    y, pred, _, region, _ = simulated(seed=2)
    # No positive in "west" (tpr, fnr undefined); nothing predicted positive in
    # "south" (precision undefined).
    y = np.where(region == "west", 0, y)
    pred = np.where(region == "south", 0, pred)
    with pytest.warns(UndefinedRateWarning) as record:
        ours = group_metrics(y, pred, sensitive_features=region, min_group_size=0)
    assert len([w for w in record if w.category is UndefinedRateWarning]) == 1
    message = str(record[0].message)
    for part in ("'west'", "'south'", "tpr and fnr", "precision", "\nHint: "):
        assert part in message
    assert np.isnan(ours.by_group.loc["west", ["tpr", "fnr"]]).all()
    assert np.isnan(ours.by_group.loc["south", "precision"])
    # fairlearn's default (scikit-learn's zero_division="warn") gives 0.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's UndefinedMetricWarning
        frame = MetricFrame(
            metrics={"tpr": true_positive_rate, "precision": precision_score},
            y_true=y,
            y_pred=pred,
            sensitive_features=region,
        )
    assert frame.by_group.loc["west", "tpr"] == 0
    assert frame.by_group.loc["south", "precision"] == 0


def test_disparities_leave_out_groups_where_a_rate_is_undefined():
    y, pred, _, region, _ = simulated(seed=2)
    y = np.where(region == "west", 0, y)  # no positive in the west
    with pytest.warns(UndefinedRateWarning, match="'west'"):
        ours = group_metrics(y, pred, sensitive_features=region, min_group_size=0)
    tpr = ours.by_group["tpr"]
    ours_gap = ours.disparities()["equal_opportunity_difference"]
    assert ours_gap == pytest.approx(tpr.max() - tpr.min(), abs=TOLERANCE)
    # fairlearn (scikit-learn's confusion_matrix turns 0/0 into 0) counts the
    # west's true positive rate as 0, the worst of all.
    theirs = equal_opportunity_difference(y, pred, sensitive_features=region)
    assert theirs == pytest.approx(tpr.max(), abs=TOLERANCE)
    assert ours_gap < theirs - 0.5
    # mlkit's is fairlearn's on the rows of the groups where the rate is defined.
    kept = region != "west"
    assert ours_gap == pytest.approx(
        equal_opportunity_difference(
            y[kept], pred[kept], sensitive_features=region[kept]
        ),
        abs=TOLERANCE,
    )
    theirs_eo = equalized_odds_difference(
        y[kept], pred[kept], sensitive_features=region[kept]
    )
    # fpr is defined in the west, so equalized odds keeps it there.
    assert ours.disparities()["equalized_odds_difference"] >= theirs_eo - TOLERANCE


def test_a_rate_undefined_everywhere_gives_nan_disparities():
    y = np.zeros(200, int)
    pred = np.tile([0, 1], 100)
    with pytest.warns(UndefinedRateWarning, match="tpr and fnr"):
        result = group_metrics(
            y, pred, sensitive_features=np.repeat(["a", "b"], 100), min_group_size=0
        )
    disparities = result.disparities()
    assert np.isnan(disparities["equal_opportunity_difference"])
    # fpr is defined: the worst case of equalized odds uses it alone.
    assert disparities["equalized_odds_difference"] == pytest.approx(0.0)
    assert disparities["demographic_parity_ratio"] == pytest.approx(1.0)


def test_nobody_selected_gives_a_nan_ratio_as_fairlearn():
    y = np.tile([0, 1], 100)
    pred = np.zeros(200, int)
    groups = np.repeat(["a", "b"], 100)
    with pytest.warns(UndefinedRateWarning, match="precision"):
        result = group_metrics(y, pred, sensitive_features=groups)
    assert np.isnan(result.disparities()["demographic_parity_ratio"])
    assert np.isnan(demographic_parity_ratio(y, pred, sensitive_features=groups))


# --------------------------------------------------------------------------- small groups


def test_small_groups_warn_once_naming_them():
    y, pred, _, region, _ = simulated()
    region = region.astype(object)
    region[:12] = "tiny"
    with pytest.warns(SmallGroupWarning, match="too small to judge") as record:
        result = group_metrics(y, pred, sensitive_features=region)
    assert len(record) == 1
    assert "'tiny' (12 rows" in str(record[0].message)
    assert result.small_groups == ("tiny",)
    assert "too small to judge" in result.explain()


def test_few_positives_make_a_group_small_whatever_its_size():
    y, pred, _, region, _ = simulated()
    y = np.where(region == "north", 0, y)
    y[np.flatnonzero(region == "north")[: MIN_CLASS_ROWS - 1]] = 1
    with pytest.warns(SmallGroupWarning, match="'north'"):
        group_metrics(y, pred, sensitive_features=region)


def test_min_group_size_sets_the_threshold():
    y, pred, _, region, _ = simulated()
    counts = pd.Series(region).value_counts()
    with pytest.warns(SmallGroupWarning, match="'west'"):
        group_metrics(
            y, pred, sensitive_features=region, min_group_size=counts["west"] + 1
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        group_metrics(y, pred, sensitive_features=region, min_group_size=0)


def test_warnings_are_mlkit_warnings_a_teacher_can_silence():
    assert issubclass(SmallGroupWarning, MlkitWarning)
    assert issubclass(UndefinedRateWarning, MlkitWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", MlkitWarning)
        group_metrics([0, 1, 1], [0, 1, 0], sensitive_features=["a", "a", "b"])


# --------------------------------------------------------------------------- intervals


def test_intervals_contain_the_estimates_and_are_deterministic():
    y, pred, _, region, sex = simulated()
    frame = pd.DataFrame({"region": region, "sex": sex})
    first = group_metrics(
        y, pred, sensitive_features=frame, n_bootstrap=400, random_state=7
    )
    again = group_metrics(
        y, pred, sensitive_features=frame, n_bootstrap=400, random_state=7
    )
    other = group_metrics(
        y, pred, sensitive_features=frame, n_bootstrap=400, random_state=8
    )
    pd.testing.assert_frame_equal(first.intervals, again.intervals)
    pd.testing.assert_frame_equal(
        first.disparity_intervals(), again.disparity_intervals()
    )
    assert not first.intervals.equals(other.intervals)
    assert first.intervals.index.equals(first.by_group.index)
    assert list(first.intervals.columns) == [
        f"{m}{end}" for m in INTERVAL_METRICS for end in ("_low", "_high")
    ]
    for metric in INTERVAL_METRICS:
        value = first.by_group[metric]
        assert (first.intervals[f"{metric}_low"] <= value + 1e-12).all()
        assert (value <= first.intervals[f"{metric}_high"] + 1e-12).all()
        assert (
            first.intervals[f"{metric}_low"] <= first.intervals[f"{metric}_high"]
        ).all()
    bounds = first.disparity_intervals()
    assert list(bounds.columns) == ["value", "low", "high"]
    assert (bounds["low"] <= bounds["high"]).all()
    # A real gap (the east errs three times as often) lies inside its interval.
    row = bounds.loc["equalized_odds_difference"]
    assert row["low"] <= row["value"] <= row["high"]
    assert row["low"] > 0.1


def test_a_generator_as_random_state():
    y, pred, _, region, _ = simulated()
    a = group_metrics(
        y,
        pred,
        sensitive_features=region,
        n_bootstrap=100,
        random_state=np.random.default_rng(3),
    )
    b = group_metrics(
        y, pred, sensitive_features=region, n_bootstrap=100, random_state=3
    )
    pd.testing.assert_frame_equal(a.intervals, b.intervals)


def test_intervals_shrink_with_more_rows():
    widths = []
    for n in (1000, 20_000):
        y, pred, _, region, _ = simulated(n=n, seed=4)
        result = group_metrics(
            y, pred, sensitive_features=region, n_bootstrap=300, random_state=0
        )
        widths.append(
            (result.intervals["tpr_high"] - result.intervals["tpr_low"]).to_numpy()
        )
    assert (widths[1] < widths[0] / 2).all()


def test_intervals_cover_a_known_rate_at_about_the_nominal_level():
    # Group "a": 300 positives found with probability 0.7, so its tpr's true value
    # is 0.7; 200 seeded simulations, 95 % intervals.
    rng = np.random.default_rng(2024)
    covered = 0
    simulations = 200
    groups = np.repeat(["a", "b"], [600, 400])
    y = np.concatenate([np.repeat([1, 0], 300), np.repeat([1, 0], 200)])
    for _ in range(simulations):
        found = rng.random(1000) < np.where(y == 1, 0.7, 0.2)
        result = group_metrics(
            y,
            found.astype(int),
            sensitive_features=groups,
            n_bootstrap=1000,
            random_state=rng,
        )
        low, high = result.intervals.loc["a", ["tpr_low", "tpr_high"]]
        covered += low <= 0.7 <= high
    assert 0.9 <= covered / simulations <= 0.99


def test_disparity_intervals_are_biased_upwards_when_groups_do_not_differ():
    # Documented: the largest minus the smallest of noisy rates is never below
    # the true 0, so the percentile interval excludes it; the groups' own
    # intervals overlap, and explain() says the gap may be noise.
    rng = np.random.default_rng(5)
    groups = np.repeat(["a", "b"], 1000)
    y = np.tile([1, 0], 1000)
    pred = (rng.random(2000) < np.where(y == 1, 0.7, 0.2)).astype(int)
    result = group_metrics(
        y, pred, sensitive_features=groups, n_bootstrap=500, random_state=0
    )
    gap = result.disparity_intervals().loc["equal_opportunity_difference"]
    assert gap["low"] > 0
    tpr = result.intervals[["tpr_low", "tpr_high"]]
    assert tpr.loc["a", "tpr_high"] >= tpr.loc["b", "tpr_low"]
    assert tpr.loc["b", "tpr_high"] >= tpr.loc["a", "tpr_low"]
    assert "overlap, so that gap may be noise" in result.explain()


def test_percentiles_equal_numpy_nanquantile():
    rng = np.random.default_rng(0)
    draws = rng.random((501, 6))
    draws[rng.random((501, 6)) < 0.2] = np.nan
    draws[:, 5] = np.nan
    low, high = _percentiles(draws, 0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the all-NaN column
        expected = np.nanquantile(draws, [0.05, 0.95], axis=0)
    np.testing.assert_allclose(low, expected[0], rtol=0, atol=1e-14)
    np.testing.assert_allclose(high, expected[1], rtol=0, atol=1e-14)
    one_low, one_high = _percentiles(draws[:, 0], 0.9)
    assert one_low == pytest.approx(expected[0, 0], abs=1e-14)
    assert one_high == pytest.approx(expected[1, 0], abs=1e-14)


def test_without_draws_there_are_no_intervals():
    y, pred, _, region, _ = simulated()
    result = group_metrics(y, pred, sensitive_features=region)
    assert result.intervals is None
    assert result.disparity_intervals()[["low", "high"]].isna().all().all()
    assert "n_bootstrap=1000" in result.explain()


def test_bootstrap_in_blocks_of_groups_gives_the_same_kind_of_intervals(monkeypatch):
    # Few draws per block: groups are drawn block by block, and the disparities
    # still compare every group in each draw.
    monkeypatch.setattr(_metrics, "_BLOCK", 4 * 50)
    y, pred, _, region, _ = simulated()
    result = group_metrics(
        y, pred, sensitive_features=region, n_bootstrap=100, random_state=0
    )
    for metric in INTERVAL_METRICS:
        assert (result.intervals[f"{metric}_low"] <= result.by_group[metric]).all()
    bounds = result.disparity_intervals()
    assert (bounds["low"] <= bounds["high"]).all()


# --------------------------------------------------------------------------- errors


def error_cases():
    y, pred, prob, region, _ = simulated(n=200)
    with_none = region.astype(object)
    with_none[3] = None
    text_nan = pd.Series(region).where(np.arange(200) != 5)
    categorical_nan = pd.Series(pd.Categorical(region)).where(np.arange(200) != 5)
    bad_prob = prob.copy()
    bad_prob[0] = 1.5
    nan_prob = prob.copy()
    nan_prob[1] = np.nan
    three = pred.copy()
    three[0] = 2
    ok = {"sensitive_features": region}
    return [
        ("empty", [], [], {"sensitive_features": []}, MlkitValueError, "is empty"),
        ("y_pred length", y, pred[:-1], ok, MlkitValueError, "'y_pred' has 199"),
        (
            "y_prob length",
            y,
            pred,
            {**ok, "y_prob": prob[:-1]},
            MlkitValueError,
            "'y_prob' has 199",
        ),
        (
            "sensitive length",
            y,
            pred,
            {"sensitive_features": region[:-1]},
            MlkitValueError,
            "'sensitive_features' has 199",
        ),
        (
            "None in a list",
            y,
            pred,
            {"sensitive_features": list(with_none)},
            MlkitValueError,
            "missing value",
        ),
        (
            "NaN in text",
            y,
            pred,
            {"sensitive_features": text_nan},
            MlkitValueError,
            "missing value",
        ),
        (
            "NaN in a categorical",
            y,
            pred,
            {"sensitive_features": categorical_nan},
            MlkitValueError,
            "missing value",
        ),
        (
            "NaN in a frame",
            y,
            pred,
            {"sensitive_features": pd.DataFrame({"a": region, "b": text_nan})},
            MlkitValueError,
            "1 missing value(s) (NaN or None) in the feature 'b'",
        ),
        ("three labels", y, three, ok, MlkitValueError, "'y_pred' must hold two"),
        (
            "labels of two codings",
            y,
            pred + 1,
            ok,
            MlkitValueError,
            "together must hold two labels",
        ),
        (
            "positive label absent",
            np.where(y == 1, "yes", "no"),
            np.where(pred == 1, "yes", "no"),
            ok,
            MlkitValueError,
            "'positive_label' is 1",
        ),
        (
            "NaN label",
            np.where(y == 1, 1.0, np.nan),
            pred,
            ok,
            MlkitValueError,
            "'y_true' has",
        ),
        (
            "y_prob above 1",
            y,
            pred,
            {**ok, "y_prob": bad_prob},
            MlkitValueError,
            "probabilities in",
        ),
        (
            "y_prob NaN",
            y,
            pred,
            {**ok, "y_prob": nan_prob},
            MlkitValueError,
            "probabilities in",
        ),
        (
            "n_bootstrap negative",
            y,
            pred,
            {**ok, "n_bootstrap": -1},
            MlkitValueError,
            "'n_bootstrap' must be an integer",
        ),
        (
            "n_bootstrap float",
            y,
            pred,
            {**ok, "n_bootstrap": 10.5},
            MlkitTypeError,
            "'n_bootstrap' must be an integer",
        ),
        (
            "confidence 1",
            y,
            pred,
            {**ok, "confidence": 1},
            MlkitValueError,
            "'confidence' must be",
        ),
        (
            "confidence 0",
            y,
            pred,
            {**ok, "confidence": 0.0},
            MlkitValueError,
            "'confidence' must be",
        ),
        (
            "confidence text",
            y,
            pred,
            {**ok, "confidence": "95%"},
            MlkitTypeError,
            "'confidence' must be",
        ),
        (
            "min_group_size negative",
            y,
            pred,
            {**ok, "min_group_size": -1},
            MlkitValueError,
            "'min_group_size'",
        ),
        (
            "random_state",
            y,
            pred,
            {**ok, "n_bootstrap": 10, "random_state": "seed"},
            MlkitTypeError,
            "'random_state'",
        ),
        (
            "no features",
            y,
            pred,
            {"sensitive_features": None},
            MlkitTypeError,
            "at least one column",
        ),
        (
            "frame without columns",
            y,
            pred,
            {"sensitive_features": pd.DataFrame(index=range(200))},
            MlkitValueError,
            "at least one column",
        ),
        (
            "three dimensions",
            y,
            pred,
            {"sensitive_features": np.zeros((200, 2, 2))},
            MlkitValueError,
            "shape",
        ),
        (
            "reserved name",
            y,
            pred,
            {"sensitive_features": pd.Series(region, name="count")},
            MlkitValueError,
            "named 'count'",
        ),
        (
            "duplicate names",
            y,
            pred,
            {
                "sensitive_features": pd.DataFrame(
                    np.column_stack([region, region]), columns=["a", "a"]
                )
            },
            MlkitValueError,
            "more than once",
        ),
        (
            "y_true two-dimensional",
            np.column_stack([y, y]),
            pred,
            ok,
            MlkitValueError,
            "one-dimensional",
        ),
    ]


@pytest.mark.parametrize(
    ("y", "pred", "kwargs", "error", "match"),
    [case[1:] for case in error_cases()],
    ids=[case[0] for case in error_cases()],
)
def test_errors_name_the_argument_and_the_fix(y, pred, kwargs, error, match):
    with pytest.raises(error, match=re.escape(match)) as info:
        group_metrics(y, pred, **kwargs)
    assert "\nHint: " in str(info.value)


def test_missing_sensitive_values_suggest_a_missing_group():
    region = np.array(["a", None, "b", "a"], dtype=object)
    with pytest.raises(MlkitValueError, match="fillna\\('missing'\\)"):
        group_metrics([0, 1, 0, 1], [0, 1, 1, 1], sensitive_features=region)


def test_too_many_crossed_groups(monkeypatch):
    monkeypatch.setattr(_metrics, "MAX_GROUPS", 10)
    y, pred, _, region, sex = simulated(n=200)
    frame = pd.DataFrame({"a": region, "b": sex, "c": sex})
    with pytest.raises(MlkitValueError, match="cross into 16 groups"):
        group_metrics(y, pred, sensitive_features=frame)


# --------------------------------------------------------------------------- inputs


def test_the_callers_data_is_never_modified():
    y, pred, prob, region, sex = simulated()
    frame = pd.DataFrame({"region": pd.Categorical(region), "sex": sex})
    arrays = [y, pred, prob]
    for array in arrays:
        array.flags.writeable = False  # any write in place would raise
    y_series = pd.Series(y, name="label", index=np.arange(2000) * 3)
    copies = (y_series.copy(), frame.copy(deep=True), [a.copy() for a in arrays])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        group_metrics(
            y_series,
            pred,
            sensitive_features=frame,
            y_prob=prob,
            n_bootstrap=50,
            random_state=0,
        ).to_frame()
        group_metrics(y, pred, sensitive_features=frame["region"], y_prob=prob).chart()
    pd.testing.assert_series_equal(y_series, copies[0])
    pd.testing.assert_frame_equal(frame, copies[1])
    for array, copy in zip(arrays, copies[2], strict=True):
        np.testing.assert_array_equal(array, copy)


def test_rows_are_matched_by_position_not_by_index():
    y, pred, _, region, _ = simulated()
    shuffled = pd.Series(region, index=np.random.default_rng(0).permutation(2000))
    a = group_metrics(y, pred, sensitive_features=shuffled.rename("region"))
    b = group_metrics(y, pred, sensitive_features=pd.Series(region, name="region"))
    pd.testing.assert_frame_equal(a.by_group, b.by_group)


def test_a_single_group_has_no_disparity():
    y, pred, _, _, _ = simulated()
    result = group_metrics(y, pred, sensitive_features=np.full(2000, "all"))
    assert isinstance(result.overall, pd.Series)
    disparities = result.disparities()
    assert disparities["demographic_parity_difference"] == 0
    assert disparities["equalized_odds_ratio"] == 1
    np.testing.assert_allclose(
        result.by_group.iloc[0][list(INTERVAL_METRICS)],
        result.overall[list(INTERVAL_METRICS)],
    )


# --------------------------------------------------------------------------- result


def test_to_frame_joins_the_intervals_for_a_model_card():
    y, pred, prob, region, sex = simulated()
    frame = pd.DataFrame({"region": region, "sex": sex})
    plain = group_metrics(y, pred, sensitive_features=frame, y_prob=prob)
    assert list(plain.to_frame().columns) == ["region", "sex", *GROUP_METRICS, "ece"]
    with_draws = group_metrics(
        y, pred, sensitive_features=frame, y_prob=prob, n_bootstrap=50, random_state=0
    )
    table = with_draws.to_frame()
    assert list(table.columns[:4]) == ["region", "sex", "count", "base_rate"]
    assert list(table.columns[4:6]) == ["base_rate_low", "base_rate_high"]
    assert table.columns[-1] == "ece"
    assert isinstance(table.index, pd.RangeIndex)
    np.testing.assert_array_equal(
        table["tpr_low"], with_draws.intervals["tpr_low"].to_numpy()
    )
    assert isinstance(with_draws, GroupMetrics)


def test_chart_has_three_panels_of_points_intervals_and_overall_rules():
    y, pred, _, region, _ = simulated()
    result = group_metrics(
        y, pred, sensitive_features=region, n_bootstrap=50, random_state=0
    )
    spec = result.chart().to_dict()
    panels = spec["hconcat"]
    assert len(panels) == 3
    for panel, metric in zip(panels, ("selection_rate", "tpr", "fpr"), strict=True):
        assert [layer["mark"]["type"] for layer in panel["layer"]] == [
            "rule",
            "point",
            "rule",
        ]
        assert panel["layer"][1]["encoding"]["x"]["field"] == metric
    order = panels[0]["layer"][1]["encoding"]["y"]["sort"]
    rates = result.by_group["selection_rate"].sort_values(ascending=False)
    assert order == list(rates.index)
    assert "bootstrap intervals" in str(spec["title"])


def test_chart_shows_the_40_largest_of_many_groups():
    rng = np.random.default_rng(0)
    n = 20_000
    groups = rng.choice([f"g{i:02d}" for i in range(50)], n)
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < 0.2, 1 - y, y)
    result = group_metrics(y, pred, sensitive_features=groups)
    spec = result.chart().to_dict()
    order = spec["hconcat"][0]["layer"][1]["encoding"]["y"]["sort"]
    assert len(order) == 40
    largest = result.by_group["count"].nlargest(40, keep="first").index
    assert set(order) == set(largest)
    assert "the 40 largest of 50 groups" in str(spec["title"])


def test_explain_names_the_worst_group_the_chapter_and_noise():
    y, pred, _, region, _ = simulated(n=6000)
    result = group_metrics(
        y, pred, sensitive_features=region, n_bootstrap=200, random_state=0
    )
    text = result.explain()
    assert "Chapter 11" in text
    assert "The worst group is east" in text
    assert "noise" in text
    assert "Demographic parity difference" in text
    assert repr(result).startswith("<GroupMetrics: Fairness metrics of 4 groups")
    assert "\n" not in repr(result)
    html = result._repr_html_()
    assert "<table" in html
    assert "east" in html
